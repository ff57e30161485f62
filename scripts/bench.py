"""``make bench`` (issue 15): the portal against its floors, on this machine, in one run.

usage: ``.venv/bin/python scripts/bench.py [--quick] [--parts pages,load,background] [--db-prefix qms_bench]
[--out var/bench] [--keep-databases]``; PostgreSQL must be up (``BENCH_DATABASE_URL`` or ``DATABASE_URL`` names
the server; default ``postgres://postgres@127.0.0.1:5432``). It never touches the dev or test database: it creates
``<prefix>_empty`` (migrated), ``<prefix>_demo`` and ``<prefix>_large`` (each seeded by its scale function below)
and ``<prefix>_bg`` (a copy of the demo, or of the empty one, for each background script), and drops them at the end.

1. **Pages**, in-process (Django's test client on the bench database, timed by scripts/page_timing.py as
   ``make measure`` times them): each main page's SQL queries and median server time, and their ratio to the floor
   page (``/floor/``: the middleware and the base layout, nothing else) of the same person, timed in turn with the
   page, at each scale.
   A page whose query count differs between the scales is flagged: its queries grow with the data.
2. **Under load**: gunicorn started as the Dockerfile starts it (``qms_portal.wsgi``, 3 workers, access log, DEBUG
   off) on the large database, on loopback; a small client of our own (threads, http.client) signs N people in
   through the log-in page and sends requests for T seconds per page: requests per second, p50, p95, errors.
3. **Background work**: each measuring script in ``BACKGROUND`` (scripts/bench_background.py, with the contract
   they keep) run in a subprocess, on a database of its own (a copy of the demo, or of the empty one), with
   ``--quick`` or smaller sizes in the quick mode: the figures it prints, or "not built" / "failed", never a figure
   made up.

Prints one JSON line per figure (``name``, ``value``, ``unit``, ``floor``, ``ratio``; ``target`` and ``met``
where the issue sets a target; ``note``), then a table, and writes both to ``var/bench/<date>-<commit>.json|.txt``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"
sys.path[:0] = [str(ROOT), str(SCRIPTS)]

from bench_background import BACKGROUND, run_script  # noqa: E402 (found through the path above)
from bench_report import Figure, load_figures, page_figures, scale_figures, table  # noqa: E402 (found through the path above)
from load_client import Load, load_page, request, sign_in  # noqa: E402 (found through the path above)

# Settings every process of the bench shares. The records key must be one key for the seeding and for gunicorn
# (signatures and the trail are sealed with it); DEBUG off, as gunicorn runs, refuses the development keys.
BENCH_ENV = {
    "SECRET_KEY": "bench-only-secret-key-never-used-outside-make-bench-0123456789abcdef",
    "RECORDS_HMAC_KEY": "bench-only-records-key-never-used-outside-make-bench-0123456789abcdef",
    "LOG_LEVEL": "WARNING",
}
# The background scripts' broker (the evidence pack's workers): Redis as .ci/run starts it, unless told otherwise.
REDIS_URL = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class Mode:
    """How much of everything: the full run, or the quick one (same code, smaller data, fewer seconds)."""

    name: str
    repeat: int  # requests timed per page in-process (median)
    load_users: int  # signed-in people sending requests at once
    load_seconds: float  # per page, after the warm-up
    load_warm_up: float  # seconds per page first: workers loading the portal, compiling the page's templates
    script_timeout: int  # seconds a background script may take


FULL = Mode("full", repeat=7, load_users=6, load_seconds=20.0, load_warm_up=4.0, script_timeout=420)
QUICK_LARGE_PEOPLE = 300
QUICK = Mode("quick", repeat=3, load_users=3, load_seconds=2.0, load_warm_up=0.5, script_timeout=110)


# --- The data at each scale ----------------------------------------------------------------------------------------
# One function per scale, run in a child process on a migrated, empty database.
def scale_demo(quick: bool) -> None:
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)


def scale_large(quick: bool) -> None:
    """The large organisation (``seed_demo --scale large``: 5,000 people, 120 roles x 400 activities fully lettered,
    three years of history); the quick mode builds it in proportion for 300 people."""
    from django.core.management import call_command

    call_command("seed_demo", scale="large", people=QUICK_LARGE_PEOPLE if quick else None, verbosity=0)


SCALES: dict[str, Callable[[bool], None]] = {"demo": scale_demo, "large": scale_large}


# --- The pages ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Page:
    """A main page: its key in figure names, its title in the table, whom it is measured for, and its URL."""

    key: str
    title: str
    username: str
    url: Callable[[], str]


def _published_policy_version() -> Any:
    from policy.models import PolicyVersion, VersionStatus

    return PolicyVersion.objects.get(document__reference="QP-01", status=VersionStatus.PUBLISHED)


def _latest_closed_review() -> int:
    from leadership.models import ManagementReview
    from leadership.models.reviews import ReviewStatus

    reviews = ManagementReview.objects.order_by("-pk")
    return (reviews.filter(status=ReviewStatus.CLOSED).first() or reviews.get()).pk


def _pages() -> list[Page]:
    from django.urls import reverse

    return [
        Page("floor", "floor page", "quality", lambda: reverse("floor")),
        Page("home", "home", "director", lambda: reverse("home")),
        Page("dashboard", "dashboard", "director", lambda: reverse("leadership:dashboard")),
        Page("readiness", "readiness", "director", lambda: reverse("leadership:readiness")),
        Page("policy", "policy page QP-01", "quality", lambda: reverse("policy:policy_detail", args=["QP-01"])),
        Page("ack_report", "acknowledgement report", "quality", lambda: reverse(
            "policy:campaign_report", args=["QP-01", _published_policy_version().number])),
        Page("raci_matrix", "RACI matrix", "quality", lambda: reverse("roles:raci_matrix")),
        Page("org_chart", "org chart", "quality", lambda: reverse("roles:org_chart")),
        Page("review", "management review", "director", lambda: reverse(
            "leadership:review_detail", args=[_latest_closed_review()])),
        Page("actions", "action list", "quality", lambda: reverse("leadership:action_list")),
        Page("audit_trail", "audit trail", "quality", lambda: reverse("audit_trail")),
    ]


LOAD_PAGES = ("floor", "dashboard", "raci_matrix", "ack_report")
KEPT_PAGES = ("home", "dashboard", "readiness")  # figures kept till a record changes (records_cache): also timed cold
_nothing: Callable[[], None] = lambda: None  # noqa: E731 - done before a timed request of a page timed warm


# --- Child processes: one database each, Django set up on it -----------------------------------------------------
def _emit(record: dict[str, Any]) -> None:
    print(json.dumps({"bench": record}), flush=True)


def _analyse() -> None:
    """Give the planner statistics for what was just written, as autovacuum would soon after on a running server
    (it may be off on a test machine's server): otherwise the figures measure plans made on empty-table guesses."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def child_build(scale: str, quick: bool) -> None:
    """Seed the migrated, empty database of ``DATABASE_URL`` at ``scale`` and say what it holds."""
    from qms_portal.models import AuditEntry, User
    from roles.models import RaciCell, Role

    started = time.perf_counter()
    SCALES[scale](quick)
    _analyse()
    _emit({"scale": scale, "seconds": time.perf_counter() - started, "people": User.objects.count(),
           "roles": Role.objects.count(), "raci_letters": RaciCell.objects.count(),
           "audit_entries": AuditEntry.objects.count()})


def child_urls() -> None:
    """Each page's person and URL on this database (its records' ids), for the load client."""
    for page in _pages():
        _emit({"page": page.key, "user": page.username, "url": page.url()})


def child_pages(repeat: int) -> None:
    """Each page's queries and median time, with the floor page of the same person timed in turn with it (a request
    of one, then of the other: a machine shared with other work slows both alike, so their ratio holds)."""
    import statistics

    from page_timing import page_measure, page_queries, page_times, signed_in_client

    from qms_portal.records_cache import records_cache_clear

    floor, *pages = _pages()
    floor_url = floor.url()
    people = dict.fromkeys([floor.username, *(page.username for page in pages)])
    clients = {username: signed_in_client(username) for username in people}
    for username, client in clients.items():
        queries, ms = page_measure(client, floor_url, repeat)
        _emit({"page": "floor", "user": username, "url": floor_url, "queries": queries, "ms": ms,
               "floor_queries": queries, "floor_ms": ms})
    for page in pages:
        client, url = clients[page.username], page.url()
        records_cache_clear()  # a kept page's first load computes its figures (its cold queries) and keeps them
        queries = page_queries(client, url)
        runs = [(page.key, page_queries(client, url), _nothing), (f"{page.key}_cold", queries, records_cache_clear)] \
            if page.key in KEPT_PAGES else [(page.key, queries, _nothing)]
        for key, counted, before in runs:
            times: list[float] = []
            floor_times: list[float] = []
            for _ in range(repeat):
                floor_times += page_times(client, floor_url, 1)
                before()
                times += page_times(client, url, 1)
            _emit({"page": key, "user": page.username, "url": url, "queries": counted,
                   "ms": statistics.median(times), "floor_queries": page_queries(client, floor_url),
                   "floor_ms": statistics.median(floor_times)})


def child_main(options: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host allowed, e-mail kept in memory (the demo sends some)
    if options.child == "build":
        child_build(options.scale, options.quick)
    elif options.child == "urls":
        child_urls()
    else:
        child_pages((QUICK if options.quick else FULL).repeat)


def _child_records(output: str) -> list[dict[str, Any]]:
    return [json.loads(line)["bench"] for line in output.splitlines() if line.startswith('{"bench":')]


# --- The databases -----------------------------------------------------------------------------------------------
@dataclass
class Databases:
    """The bench's own databases on the PostgreSQL server of ``server_url``; every name starts with the prefix."""

    server_url: str
    prefix: str
    made: list[str] = field(default_factory=list)

    def url(self, suffix: str) -> str:
        parts = urllib.parse.urlsplit(self.server_url)
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, f"/{self.prefix}_{suffix}", "", ""))

    def _admin(self) -> Any:
        import psycopg2  # type: ignore[import-untyped]

        parts = urllib.parse.urlsplit(self.server_url)
        connection = psycopg2.connect(host=parts.hostname or "127.0.0.1", port=parts.port or 5432,
                                      user=urllib.parse.unquote(parts.username or "postgres"),
                                      password=urllib.parse.unquote(parts.password or "") or None, dbname="postgres")
        connection.autocommit = True
        return connection

    def create(self, suffix: str, template: str | None = None) -> str:
        name = f"{self.prefix}_{suffix}"
        with closing(self._admin()) as connection, connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{self.prefix}_{template}"' if template else ""))
        self.made.append(name)
        return self.url(suffix)

    def drop(self, suffix: str) -> None:
        name = f"{self.prefix}_{suffix}"
        with closing(self._admin()) as connection, connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.made:
            self.made.remove(name)

    def drop_all(self) -> None:
        for name in list(self.made):
            self.drop(name.removeprefix(f"{self.prefix}_"))


def _server_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgres://postgres@127.0.0.1:5432"
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "", "", ""))


# --- Running the children ----------------------------------------------------------------------------------------
@dataclass
class Run:
    """Where this run keeps its files and with what environment it starts processes."""

    mode: Mode
    databases: Databases
    data_dir: Path
    log_dir: Path

    def env(self, database_url: str, **extra: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DEBUG", "CI")}
        return {**env, **BENCH_ENV, "DATABASE_URL": database_url, "DATA_DIR": str(self.data_dir),
                "DJANGO_SETTINGS_MODULE": "qms_portal.settings", **extra}

    def child(self, database_url: str, *args: str) -> subprocess.Popen[str]:
        command = [sys.executable, str(Path(__file__).resolve()), "--child", *args]
        if self.mode is QUICK:
            command.append("--quick")
        return subprocess.Popen(command, cwd=ROOT, env=self.env(database_url), text=True,  # noqa: S603
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(process: subprocess.Popen[str], what: str) -> str:
    out, err = process.communicate()
    if process.returncode:
        raise SystemExit(f"{what} failed (exit {process.returncode}):\n{err[-3000:]}")
    return out


def prepare(run: Run, scales: tuple[str, ...] = tuple(SCALES),
            seeded: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """The empty database migrated once, then each scale seeded on a copy of it (the two at once: two cores);
    ``seeded(scale)`` is called as each is ready, the demo first."""
    empty = run.databases.create("empty")
    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT,  # noqa: S603
                             env=run.env(empty), capture_output=True, text=True)
    if migrate.returncode:
        raise SystemExit(f"migrate failed:\n{migrate.stderr[-3000:]}")
    children = {scale: run.child(run.databases.create(scale, template="empty"), "build", "--scale", scale)
                for scale in scales}
    # The empty database stays: the copy a background script that seeds the demo itself starts from.
    records = []
    for scale, process in children.items():
        records.append(_child_records(_finish(process, f"seeding {scale}"))[0])
        if seeded is not None:
            seeded(scale)
    return records


def measure_pages(run: Run, scales: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    """Each scale's page records, one scale after the other (times taken while nothing else runs)."""
    return {scale: _child_records(_finish(run.child(run.databases.url(scale), "pages"), f"pages at {scale}"))
            for scale in scales}


# --- Under load --------------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _static_collected(env: dict[str, str]) -> None:
    """DEBUG off serves the collected, hashed static files (WhiteNoise's manifest): collect them when stale."""
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    newest = max(path.stat().st_mtime for path in (ROOT / "static").rglob("*") if path.is_file())
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return
    collect = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT,  # noqa: S603
                             env={**env, "DEBUG": "0"}, capture_output=True, text=True)
    if collect.returncode:
        raise SystemExit(f"collectstatic failed:\n{collect.stderr[-3000:]}")


@contextmanager
def gunicorn(run: Run, database_url: str) -> Iterator[int]:
    """gunicorn as the Dockerfile runs it (3 sync workers, access log to stdout), on loopback; yields its port."""
    port = _free_port()
    env = run.env(database_url, DEBUG="0", ALLOWED_HOSTS="127.0.0.1", TRUST_X_FORWARDED_PROTO="1")
    _static_collected(env)
    log = (run.log_dir / "gunicorn.log").open("ab")
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "qms_portal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "3",
         "--access-logfile", "-"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn stopped at start (exit {process.returncode}); see {log.name}")
            try:
                if request(port, "GET", "/accounts/login/")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not answer within 60 s; see {log.name}")
            time.sleep(0.2)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def measure_load(run: Run, scale: str, urls: list[dict[str, Any]] | None = None) -> dict[str, Load]:
    """The load pages under load on the database of ``scale``; ``urls``: the page records of that database."""
    if urls is None:
        urls = _child_records(_finish(run.child(run.databases.url(scale), "urls"), "resolving the URLs"))
    declared = {page.key: page.username for page in _pages()}  # the floor page was measured for each person too
    paths = {row["page"]: (row["user"], row["url"]) for row in urls if row["user"] == declared.get(row["page"])}
    results = {}
    with gunicorn(run, run.databases.url(scale)) as port:
        sessions: dict[str, list[str]] = {}
        for key in LOAD_PAGES:
            username, path = paths[key]
            if username not in sessions:
                sessions[username] = [sign_in(port, username) for _ in range(run.mode.load_users)]
            results[key] = load_page(port, path, sessions[username], run.mode.load_seconds, run.mode.load_warm_up)
    return results


# --- Background work ---------------------------------------------------------------------------------------------
def measure_background(run: Run, phases: dict[str, float] | None = None, demo: str = "demo") -> list[Figure]:
    """Each script in turn, on a database of its own (a copy of ``demo``, or of the empty one); ``phases`` gets each
    one's seconds."""
    figures = []
    for script in BACKGROUND:
        started = time.monotonic()
        env: dict[str, str] = {}
        if (SCRIPTS / script.file).exists():
            template = demo if script.start_from == "demo" else script.start_from
            env = run.env(run.databases.create("bg", template=template), REDIS_URL=REDIS_URL)
        try:
            figures += run_script(script, directory=SCRIPTS, quick=run.mode is QUICK, env=env,
                                  timeout=run.mode.script_timeout)
        finally:
            if env:
                run.databases.drop("bg")
        if phases is not None:
            phases[script.file.removesuffix(".py")] = round(time.monotonic() - started, 1)
    return figures


def _commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()  # noqa: S603,S607

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("-dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


# --- The driver --------------------------------------------------------------------------------------------------
PARTS = ("pages", "load", "background")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Smaller data, fewer seconds: the same code in < 2 min.")
    parser.add_argument("--parts", default=",".join(PARTS), help=f"Comma separated, of {', '.join(PARTS)}.")
    parser.add_argument("--scales", default=",".join(SCALES),
                        help="Comma separated, of demo, large; load runs on the last (the test runs demo only).")
    parser.add_argument("--db-prefix", default="qms_bench", help="The bench's databases are named <prefix>_*.")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--keep-databases", action="store_true", help="Leave the databases for a look afterwards.")
    parser.add_argument("--child", choices=("build", "pages", "urls"), help=argparse.SUPPRESS)
    parser.add_argument("--scale", choices=tuple(SCALES), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child_main(options)
        return
    parts = [part for part in options.parts.split(",") if part]
    if unknown := set(parts) - set(PARTS):
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    scales = tuple(scale for scale in SCALES if scale in options.scales.split(","))
    if not scales or "demo" not in scales:
        parser.error("--scales: demo, or demo,large (the background scripts start from the demo)")
    if not re.fullmatch(r"qms_bench[a-z0-9_]*", options.db_prefix):
        parser.error("the prefix must start with qms_bench (the bench drops every database it names)")

    mode = QUICK if options.quick else FULL
    began, started_at = time.monotonic(), dt.datetime.now(dt.UTC)
    data_dir = Path(tempfile.mkdtemp(prefix="qms-bench-"))
    run = Run(mode=mode, databases=Databases(_server_url(), options.db_prefix), data_dir=data_dir,
              log_dir=data_dir)
    figures: list[Figure] = []
    phases: dict[str, float] = {}

    @contextmanager
    def phase(name: str) -> Iterator[None]:
        print(f"bench ({mode.name}): {name} ...", file=sys.stderr, flush=True)
        started = time.monotonic()
        yield
        phases[name] = round(time.monotonic() - started, 1)

    seeded = scales if {"pages", "load"} & set(parts) else ("demo",)  # the background scripts start from the demo
    # The quick mode, whose figures only show that the code still runs, measures the background work while the large
    # organisation is seeded and the pages measured: two cores, half the wait. Its scripts copy a copy of the demo
    # (a database being copied must have no one else connected, and the pages are measured on the demo). The full
    # run measures one thing at a time, so that no figure is taken while other work of the bench holds a core.
    beside = mode is QUICK and "background" in parts
    background: list[Figure] = []
    lane: dict[str, Any] = {}

    def background_lane(demo: str = "demo") -> None:
        try:
            with phase("background work"):
                background.extend(measure_background(run, phases, demo))
        except BaseException as error:  # noqa: BLE001 - raised again once the lane is joined
            lane["error"] = error

    def seeded_one(scale: str) -> None:
        if beside and scale == "demo":
            run.databases.create("demo_copy", template="demo")
            lane["thread"] = threading.Thread(target=background_lane, args=("demo_copy",), name="background work")
            lane["thread"].start()

    failed = True
    try:
        with phase(f"seeding {', '.join(seeded)}"):
            figures += scale_figures(prepare(run, seeded, seeded_one))
        records: dict[str, list[dict[str, Any]]] = {}
        if "pages" in parts:
            with phase("pages in-process"):
                records = measure_pages(run, scales)
                figures += page_figures(records, {page.key: page.title for page in _pages()})
        if "load" in parts:
            with phase(f"under load at {scales[-1]}"):
                loads = measure_load(run, scales[-1], records.get(scales[-1]))
                figures += load_figures(loads, mode.load_users, scales[-1])
        if "thread" in lane:
            lane["thread"].join()
            if "error" in lane:
                raise lane["error"]
        elif "background" in parts:
            background_lane()
            if "error" in lane:
                raise lane["error"]
        figures += background
        failed = False
    finally:
        if "thread" in lane:
            lane["thread"].join()
        if not options.keep_databases:
            run.databases.drop_all()
        if failed:
            print(f"bench: logs kept in {data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)

    commit = _commit()
    seconds = time.monotonic() - began
    heading = (f"make bench{' QUICK=1' if mode is QUICK else ''}: {started_at:%Y-%m-%d %H:%M} UTC, commit {commit}, "
               f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end, took {seconds:.0f} s "
               f"({', '.join(f'{name} {took:g} s' for name, took in phases.items())})")
    text = table(figures, heading)
    for figure in figures:
        print(json.dumps(figure))
    print(text)
    options.out.mkdir(parents=True, exist_ok=True)
    stem = options.out / f"{started_at:%Y-%m-%dT%H%M}-{commit}{'-quick' if mode is QUICK else ''}"
    stem.with_suffix(".json").write_text(json.dumps({
        "date": started_at.isoformat(timespec="seconds"), "commit": commit, "mode": mode.name,
        "cores": os.cpu_count(), "seconds": round(seconds, 1), "phases": phases, "figures": figures}, indent=1) + "\n")
    stem.with_suffix(".txt").write_text(text + "\n")
    print(f"written: {stem}.json, {stem}.txt", file=sys.stderr)


if __name__ == "__main__":
    main()
