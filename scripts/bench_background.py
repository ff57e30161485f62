"""The background work of ``make bench`` (scripts/bench.py): the measuring scripts it runs and the contract they keep.

A script accepts ``--quick`` (smaller data, under a minute) or smaller values of its own arguments (``quick_args``),
measures on the database ``DATABASE_URL`` names, and prints one JSON object per figure on a line of its own starting
``{"name":`` with keys ``name``, ``value``, ``unit`` and, if it has a floor, ``floor`` and ``ratio``; other output is
ignored; exit status 0. A script not there yet is reported "not built", one that fails or runs over its time
"failed" with its last line of error: never a figure.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench_report import Figure, make_figure

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Script:
    """A measuring script of the contract above: its arguments, those that make it quick (``--quick``, or smaller
    sizes of its own arguments), and the database it starts from: a copy of the demo, or of the migrated, empty
    database for a script that seeds the demo itself."""

    file: str
    args: tuple[str, ...] = ()
    quick_args: tuple[str, ...] = ("--quick",)
    start_from: str = "demo"


BACKGROUND = (
    # The sweep at the demo's 40 people and at the 5,000 (the demo's 40 and 4,960 more); in the quick mode the
    # later --people wins.
    Script("measure_reminders.py", ("--people", "4960"), quick_args=("--repeat", "1", "--people", "300")),
    Script("measure_bulk_import.py", quick_args=("--activities", "100", "--roles", "40")),
    Script("measure_audit_trail.py", quick_args=("--entries", "10000", "--repeat", "1"), start_from="empty"),
    Script("measure_evidence_pack.py", ("--label", "demo")),
)
FIGURE_LINE = '{"name":'


def figures_of(output: str) -> list[Figure]:
    """The figures a script printed: lines starting ``{"name":`` that are JSON objects with a value and a unit."""
    found = []
    for line in output.splitlines():
        line = line.strip()
        if not line.startswith(FIGURE_LINE):
            continue
        try:
            figure = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(figure, dict) and "value" in figure and "unit" in figure:
            found.append({"floor": None, "ratio": None, **figure})
    return found


def run_script(script: Script, *, directory: Path, quick: bool, env: dict[str, str], timeout: int) -> list[Figure]:
    """The script's figures, or one line saying it is not built yet or failed (never a figure made up)."""
    name = f"background.{script.file.removesuffix('.py')}"
    path = directory / script.file
    if not path.exists():
        return [make_figure(name, None, "not built", note=f"scripts/{script.file} does not exist yet")]
    command = [sys.executable, str(path), *script.args, *(script.quick_args if quick else ())]
    # A session of its own: a script's own children (Celery workers) are stopped with it when it runs over.
    process = subprocess.Popen(command, cwd=ROOT, env=env, text=True, start_new_session=True,  # noqa: S603
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop_group(process)
        return [make_figure(name, None, "failed", note=f"took over {timeout} s")]
    done = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    figures = figures_of(done.stdout)
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["no error output"])[-1]
        figures.append(make_figure(name, None, "failed", note=f"exit {done.returncode}: {last[:300]}"))
    elif not figures:
        figures.append(make_figure(name, None, "failed", note="printed no figure"))
    return figures


def _stop_group(process: subprocess.Popen[str]) -> None:
    for sent in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sent)
        except ProcessLookupError:
            break
        try:
            process.communicate(timeout=30)
            break
        except subprocess.TimeoutExpired:
            continue
