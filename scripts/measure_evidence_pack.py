"""Measure the evidence pack (issue 13): wall time with one and with two real Celery workers, peak memory per worker
process, and WeasyPrint alone on the same pack's HTML as one document.

usage (PostgreSQL and Redis are needed: the workers are real ``celery worker`` processes)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qms_measure_demo REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python scripts/measure_evidence_pack.py --label demo [--scope 5] [--from D --to D] [--parts] \\
        [--repeat 3]

    # a large organisation: seed the demo into the database first, then add 2,000 people and 120 roles x 400
    # activities (see scripts/large_org.py) and measure
    ... scripts/measure_evidence_pack.py --label large --build-large

The period defaults to the last 12 months. For each worker count (``--workers 1,2``) a worker is started with
``celery -A qms_portal worker -Q default,pdf --concurrency N``, a pack is started as the portal starts one (its task
sent when the transaction commits) and followed until its job finishes; the worker is then stopped. WeasyPrint
alone runs in a subprocess of its own so that its peak memory is its own. The database gets one finished pack per
run. Times on a shared machine vary by a third or more between runs, and double when other work holds the cores:
the load average before each run and the pool's CPU time are printed beside the wall times (part times summing to
far more than the pool's CPU time mean the pool waited for the cores); ``--repeat`` keeps the median. Redis database:
take one no test run empties, and measure while no test runs (the suite's worker tests flush 1-15). Prints one JSON
line per figure (``{"name", "value", "unit"}``) and a table; ``measure()`` returns the figures for ``make bench``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qms_portal.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

TARGET_RATIO = 0.65
TARGET_RSS_MB = 600
SAMPLE_SECONDS = 0.1
PARTS_EVERY = 3  # read the parts' rows every third RSS sample (they are dropped once the pack is merged)
# No part finished for this long: the tasks were lost (another process emptied the Redis database?) or stuck.
STALL_SECONDS = 300
WORKER_NAME = "measure"

Figure = dict[str, Any]


@dataclass
class PartSeen:
    """One part of the pack as last read while the workers drew it."""

    label: str
    weight: int
    pages: int = 0
    rendered_in: float | None = None
    rendered_by: str = ""
    done_at: float | None = None  # seconds since the pack was started, when first seen done


@dataclass
class Run:
    """What one pack drawn by ``workers`` pdf processes took."""

    workers: int
    pack_id: int = 0
    wall: float = 0.0
    pages: int = 0
    size_bytes: int = 0
    status: str = ""
    planned_at: float | None = None
    parts_done_at: float | None = None
    rss_kb: dict[int, int] = field(default_factory=dict)  # pool process id -> peak VmRSS
    main_rss_kb: int = 0
    cpu: dict[int, float] = field(default_factory=dict)  # pool process id -> CPU seconds, as last seen
    steal: float = 0.0  # share of the machine's CPU time the host took while the pack was drawn
    load_before: float = 0.0  # the machine's 1-minute load average as the pack started (other work skews times)
    parts: dict[int, PartSeen] = field(default_factory=dict)

    @property
    def renderers(self) -> set[str]:
        return {part.rendered_by for part in self.parts.values() if part.rendered_by}


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of ``pid`` so far (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_steal() -> tuple[float, float]:
    """(all CPU time, time stolen by the host) of the machine so far, in clock ticks: a virtual machine whose host
    is busy runs everything slower, load average or not."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return float(sum(ticks[:8])), float(ticks[7])


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (the prefork pool; a recycled process appears under a new id)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _django() -> None:
    import django

    django.setup()


def _worker_start(concurrency: int, log: Path) -> subprocess.Popen[bytes]:
    """A real worker on the default and pdf queues, answering ping before this returns."""
    from qms_portal.celery import app

    app.control.purge()  # tasks left over from an earlier, interrupted run would be drawn first
    command = [
        sys.executable, "-m", "celery", "-A", "qms_portal", "worker", "-Q", "default,pdf",
        "--concurrency", str(concurrency), "-n", f"{WORKER_NAME}@%h", "--without-gossip", "--without-mingle",
        "--loglevel", "WARNING",
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT)  # noqa: S603
    destination = [f"{WORKER_NAME}@{socket.gethostname()}"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the worker stopped at start (exit {process.returncode}); see {log}")
        if app.control.ping(destination=destination, timeout=0.5):
            # The pool's processes are forked by now; wait until all of them are there.
            while len(_children(process.pid)) < concurrency and time.monotonic() < deadline:
                time.sleep(SAMPLE_SECONDS)
            return process
    process.kill()
    raise SystemExit(f"the worker did not answer ping within 60 s; see {log}")


def _worker_stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)  # warm shutdown: the pool finishes and exits
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _parts_read(run: Run, began: float) -> None:
    from leadership.models import EvidencePackPart, PartStatus

    now = time.monotonic() - began
    rows = EvidencePackPart.objects.filter(pack_id=run.pack_id).values_list(
        "pk", "label", "weight", "status", "pages", "rendered_in", "rendered_by")
    for pk, label, weight, status, pages, rendered_in, rendered_by in rows:
        if run.planned_at is None:
            run.planned_at = now
        part = run.parts.setdefault(pk, PartSeen(label=label, weight=weight))
        if status == PartStatus.DONE and part.done_at is None:
            part.pages, part.rendered_in, part.rendered_by, part.done_at = pages, rendered_in, rendered_by, now
    if run.parts and run.parts_done_at is None and all(p.done_at is not None for p in run.parts.values()):
        run.parts_done_at = now


def pack_run(*, workers: int, scope: str, start: dt.date, end: dt.date, log: Path) -> Run:
    """Draw one pack with a fresh worker of ``workers`` pool processes, sampling its memory and parts."""
    from django.db import transaction

    from leadership.evidence_pack.building import pack_start
    from leadership.evidence_pack.period import PackPeriod
    from leadership.models import EvidencePack
    from qms_portal.models import Job

    run = Run(workers=workers)
    process = _worker_start(workers, log)
    try:
        run.main_rss_kb = _rss_kb(process.pid)
        run.load_before = os.getloadavg()[0]
        cpu_before = {pid: _cpu_seconds(pid) for pid in _children(process.pid)}
        total_before, steal_before = _cpu_steal()
        began = time.monotonic()
        with transaction.atomic():  # the planning task is sent when this commits, as from the portal's view
            pack = pack_start(period=PackPeriod.of(start, end), scope=scope, by=None, send=True)
        run.pack_id, job_id = pack.pk, pack.job_id or 0
        sample, progress, progressed_at = 0, -1, began
        while time.monotonic() - progressed_at < STALL_SECONDS:
            for pid in _children(process.pid):
                run.rss_kb[pid] = max(run.rss_kb.get(pid, 0), _rss_kb(pid))
                run.cpu[pid] = max(run.cpu.get(pid, 0.0), _cpu_seconds(pid))
            run.main_rss_kb = max(run.main_rss_kb, _rss_kb(process.pid))
            if sample % PARTS_EVERY == 0:
                if Job.objects.get(pk=job_id).finished:
                    run.wall = time.monotonic() - began
                    break
                _parts_read(run, began)
                done = sum(part.done_at is not None for part in run.parts.values())
                if done != progress:
                    progress, progressed_at = done, time.monotonic()
            if process.poll() is not None:
                raise SystemExit(f"the worker stopped while drawing (exit {process.returncode}); see {log}")
            sample += 1
            time.sleep(SAMPLE_SECONDS)
        else:
            raise SystemExit(f"no part of the pack finished for {STALL_SECONDS} s ({progress} done): its tasks were "
                             f"lost (Redis database emptied by another process?) or the worker hangs; see {log}")
        run.cpu = {pid: seconds - cpu_before.get(pid, 0.0) for pid, seconds in run.cpu.items()}
        total_after, steal_after = _cpu_steal()
        run.steal = (steal_after - steal_before) / max(total_after - total_before, 1.0)
        job = Job.objects.get(pk=job_id)
        run.status = job.status
        if job.status != "succeeded":
            raise SystemExit(f"the pack's job ended {job.status}: {job.error}")
        pack = EvidencePack.objects.get(pk=run.pack_id)
        run.pages, run.size_bytes = pack.pages, pack.size_bytes
    finally:
        _worker_stop(process)
    return run


def weasyprint_alone(pack_id: int) -> dict[str, float]:
    """WeasyPrint on the pack's HTML as one document, in a subprocess so that its peak memory is its own."""
    output = subprocess.run(  # noqa: S603
        [sys.executable, str(Path(__file__).resolve()), "--weasyprint-alone-of", str(pack_id)],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def _weasyprint_alone_here(pack_id: int) -> None:
    """The subprocess's side: build the HTML, render it, print the times and the peak RSS as JSON."""
    import io
    import resource

    import pikepdf

    from leadership.evidence_pack.building import pack_heading, pack_one_document_html
    from leadership.models import EvidencePack
    from qms_portal.pdf import render_pdf

    pack = EvidencePack.objects.get(pk=pack_id)
    load = os.getloadavg()[0]
    began = time.monotonic()
    html = pack_one_document_html(pack_heading(pack), pack)
    built = time.monotonic()
    cpu_before = time.process_time()
    pdf = render_pdf(html)
    cpu_after = time.process_time()
    rendered = time.monotonic()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        pages = len(document.pages)
    print(json.dumps({
        "html_seconds": built - began, "render_seconds": rendered - built, "pages": pages,
        "size_bytes": len(pdf), "peak_rss_kb": usage.ru_maxrss, "cpu_seconds": cpu_after - cpu_before,
        "load_before": load,
    }))


def _figure(name: str, value: float, unit: str) -> Figure:
    return {"name": name, "value": round(value, 3) if isinstance(value, float) else value, "unit": unit}


def measure(*, label: str, scope: str, start: dt.date, end: dt.date, workers: tuple[int, ...] = (1, 2),
            repeat: int = 1, log: Path | None = None) -> tuple[list[Figure], list[Run]]:
    """The figures of one organisation: per worker count the wall time, pages, size and peak RSS per pool
    process, then WeasyPrint alone and the ratio of the last worker count to it. With ``repeat`` above one, each
    is measured that many times and the run of median wall time kept (times on a shared machine vary a lot)."""
    log = log or Path(tempfile.gettempdir()) / f"measure-evidence-pack-{label}.log"
    figures: list[Figure] = []
    runs: list[Run] = []
    prefix = f"evidence_pack.{label}"
    for count in workers:
        tries = sorted((pack_run(workers=count, scope=scope, start=start, end=end, log=log) for _ in range(repeat)),
                       key=lambda run: run.wall)
        run = tries[len(tries) // 2]
        runs.append(run)
        if repeat > 1:
            figures += [_figure(f"{prefix}.workers_{count}.wall_fastest", tries[0].wall, "s"),
                        _figure(f"{prefix}.workers_{count}.wall_slowest", tries[-1].wall, "s")]
        rendered = [p.rendered_in or 0.0 for p in run.parts.values()]
        figures += [
            _figure(f"{prefix}.workers_{count}.wall", run.wall, "s"),
            _figure(f"{prefix}.workers_{count}.pages", run.pages, "pages"),
            _figure(f"{prefix}.workers_{count}.size", run.size_bytes / 1e6, "MB"),
            _figure(f"{prefix}.workers_{count}.processes_drawing", len(run.renderers), "processes"),
            _figure(f"{prefix}.workers_{count}.peak_rss_per_process", max(run.rss_kb.values(), default=0) / 1024,
                    "MB"),
            _figure(f"{prefix}.workers_{count}.pool_processes_seen", len(run.rss_kb), "processes"),
            _figure(f"{prefix}.workers_{count}.main_process_rss", run.main_rss_kb / 1024, "MB"),
            _figure(f"{prefix}.workers_{count}.parts", len(run.parts), "parts"),
            _figure(f"{prefix}.workers_{count}.parts_render_sum", sum(rendered), "s"),
            _figure(f"{prefix}.workers_{count}.longest_part", max(rendered, default=0.0), "s"),
            _figure(f"{prefix}.workers_{count}.planned_after", run.planned_at or 0.0, "s"),
            _figure(f"{prefix}.workers_{count}.merge_after_last_part", run.wall - (run.parts_done_at or run.wall), "s"),
            _figure(f"{prefix}.workers_{count}.load_average_before", run.load_before, "load"),
            # CPU the pool used on the pack: wall time well above it per process means other work took the cores.
            _figure(f"{prefix}.workers_{count}.pool_cpu", sum(run.cpu.values()), "s"),
            _figure(f"{prefix}.workers_{count}.cpu_stolen", run.steal * 100, "%"),
        ]
    alone_tries = sorted((weasyprint_alone(runs[-1].pack_id) for _ in range(repeat)),
                         key=lambda alone: alone["render_seconds"])
    alone = alone_tries[len(alone_tries) // 2]
    figures += [
        _figure(f"{prefix}.weasyprint_alone.render", alone["render_seconds"], "s"),
        _figure(f"{prefix}.weasyprint_alone.html", alone["html_seconds"], "s"),
        _figure(f"{prefix}.weasyprint_alone.pages", int(alone["pages"]), "pages"),
        _figure(f"{prefix}.weasyprint_alone.peak_rss", alone["peak_rss_kb"] / 1024, "MB"),
        _figure(f"{prefix}.weasyprint_alone.render_cpu", alone["cpu_seconds"], "s"),
        _figure(f"{prefix}.weasyprint_alone.load_average_before", alone["load_before"], "load"),
    ]
    if alone["render_seconds"]:
        figures.append(_figure(f"{prefix}.workers_{runs[-1].workers}_over_weasyprint_alone",
                               runs[-1].wall / alone["render_seconds"], "ratio"))
    return figures, runs


def _table(label: str, figures: list[Figure]) -> str:
    values = {f["name"].removeprefix(f"evidence_pack.{label}."): f["value"] for f in figures}
    lines = [f"{label}: {'':<30} {'1 worker':>10} {'2 workers':>10}"]
    rows = [("wall time (s)", "wall"), ("pages", "pages"), ("size (MB)", "size"),
            ("processes drawing parts", "processes_drawing"),
            ("peak RSS per pool process (MB)", "peak_rss_per_process"),
            ("parts", "parts"), ("sum of part render times (s)", "parts_render_sum"),
            ("longest part (s)", "longest_part"), ("planned after (s)", "planned_after"),
            ("merge after last part (s)", "merge_after_last_part"),
            ("machine load average before", "load_average_before"),
            ("CPU used by the pool (s)", "pool_cpu"), ("CPU stolen by the host (%)", "cpu_stolen")]
    for title, key in rows:
        cells = [values.get(f"workers_{n}.{key}", "") for n in (1, 2)]
        lines.append(f"  {title:<36} " + " ".join(f"{c:>10}" for c in cells))
    alone = {key.removeprefix("weasyprint_alone."): value for key, value in values.items()
             if key.startswith("weasyprint_alone.")}
    lines.append(f"  WeasyPrint alone: {alone.get('render')} s render (+{alone.get('html')} s building the HTML), "
                 f"{alone.get('pages')} pages, peak RSS {alone.get('peak_rss')} MB, {alone.get('render_cpu')} s CPU, "
                 f"load average before {alone.get('load_average_before')}")
    ratio = values.get("workers_2_over_weasyprint_alone")
    if ratio is not None:
        lines.append(f"  two workers / WeasyPrint alone: {ratio} (target at most {TARGET_RATIO})")
    return "\n".join(lines)


def _parts_table(run: Run) -> str:
    lines = [f"parts with {run.workers} worker(s), in the order they finished:"]
    for part in sorted(run.parts.values(), key=lambda p: p.done_at or 0):
        started = (part.done_at or 0) - (part.rendered_in or 0)
        lines.append(f"  {started:7.1f} -> {part.done_at or 0:7.1f} s  {part.rendered_in or 0:6.1f} s  "
                     f"{part.pages:4} p  w{part.weight:<4} {part.rendered_by.rsplit(':', 1)[-1]:>7}  {part.label}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--label", default="demo", help="Names the figures: evidence_pack.<label>.*")
    parser.add_argument("--scope", default="5")
    parser.add_argument("--from", dest="start", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--to", dest="end", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--workers", default="1,2", help="Worker counts to measure, comma separated.")
    parser.add_argument("--build-large", action="store_true",
                        help="First add the large organisation (scripts/large_org.py) to the seeded database.")
    parser.add_argument("--repeat", type=int, default=1, help="Measure each this many times; keep the median.")
    parser.add_argument("--quick", action="store_true",
                        help="One pack of the last month (unless --from), with two workers only, then WeasyPrint "
                             "alone (make bench QUICK=1).")
    parser.add_argument("--parts", action="store_true", help="Also print each part's times and worker.")
    parser.add_argument("--weasyprint-alone-of", type=int, default=None, help=argparse.SUPPRESS)
    options = parser.parse_args()
    _django()
    if options.weasyprint_alone_of is not None:
        _weasyprint_alone_here(options.weasyprint_alone_of)
        return
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql" or not settings.REDIS_URL:
        raise SystemExit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: the workers are real Celery workers.")
    if options.build_large:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from large_org import large_org_build

        print(large_org_build(), file=sys.stderr)
    from leadership.evidence_pack.period import PackPeriod

    default = PackPeriod.default()
    if options.quick and options.start is None:
        default = PackPeriod.of(default.end - dt.timedelta(days=31), default.end)
    workers = (2,) if options.quick else tuple(int(n) for n in options.workers.split(","))
    figures, runs = measure(
        label=options.label, scope=options.scope, start=options.start or default.start,
        end=options.end or default.end, workers=workers,
        repeat=max(options.repeat, 1),
    )
    for figure in figures:
        print(json.dumps(figure))
    print(_table(options.label, figures))
    if options.parts:
        for run in runs:
            print(_parts_table(run))


if __name__ == "__main__":
    main()
