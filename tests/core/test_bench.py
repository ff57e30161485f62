"""``make bench`` (scripts/bench.py, issue 15) keeps working: its quick mode measured on PostgreSQL, and the contract
with the background measuring scripts (their figure lines collected; one not there yet said "not built").

The quick run takes the demo scale only (the large one adds a minute and the same code), in-process pages and
gunicorn under load: not the background scripts, which need Redis and Celery workers and have tests of their own.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest
from django.db import connection

from tests.services import require_postgres

ROOT = Path(__file__).resolve().parents[2]
MAIN_PAGES = ("home", "dashboard", "readiness", "policy", "ack_report", "raci_matrix", "org_chart", "review", "actions",
              "audit_trail")


def bench_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench"] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def background_module() -> ModuleType:
    """scripts/bench_background.py, as scripts/bench.py imports it."""
    bench_module()
    return sys.modules["bench_background"]


def server_url() -> str:
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return f"postgres://{settings['USER']}{password}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"


def test_the_quick_bench_times_every_main_page_against_the_floor_page_and_under_load(tmp_path):
    require_postgres()
    result = subprocess.run(  # noqa: S603
        [sys.executable, "scripts/bench.py", "--quick", "--scales", "demo", "--parts", "pages,load",
         "--db-prefix", f"qms_bench_test_{os.getpid()}", "--out", str(tmp_path)],
        cwd=ROOT, env={**os.environ, "BENCH_DATABASE_URL": server_url()}, capture_output=True, text=True, timeout=540,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith('{"name":')]
    assert all({"name", "value", "unit", "floor", "ratio"} <= line.keys() for line in lines)
    figures = {line["name"]: line for line in lines}

    floor = figures["pages.demo.floor.quality.ms"]
    assert floor["value"] > 0 and floor["ratio"] == 1.0
    floor_queries = figures["pages.demo.floor.quality.queries"]["value"]
    assert floor_queries > 0  # the session, the person, the organisation: the layout's own reads
    for page in MAIN_PAGES:
        time = figures[f"pages.demo.{page}.ms"]
        assert time["value"] > 0 and time["ratio"] == pytest.approx(time["value"] / time["floor"], abs=0.01), page
        # Every page draws the layout too: at least the floor page's queries.
        assert figures[f"pages.demo.{page}.queries"]["value"] >= floor_queries, page

    for page in ("floor", "dashboard", "raci_matrix", "ack_report"):
        assert figures[f"load.{page}.errors"]["value"] == 0, figures[f"load.{page}.rps"]["note"]
        assert figures[f"load.{page}.rps"]["value"] > 0
        assert 0 < figures[f"load.{page}.p50"]["value"] <= figures[f"load.{page}.p95"]["value"]
    assert figures["load.dashboard.rps"]["floor"] == figures["load.floor.rps"]["value"]

    (written,) = tmp_path.glob("*-quick.json")
    assert json.loads(written.read_text())["figures"] == lines
    text = written.with_suffix(".txt").read_text()
    assert "floor page" in text and "acknowledgement report" in text and "Under load" in text
    assert text in result.stdout


def test_a_measuring_script_not_built_yet_is_said_to_be_so_with_no_figure(tmp_path):
    background = background_module()
    figures = background.run_script(background.Script("measure_reminders.py"), directory=tmp_path, quick=True,
                                    env=dict(os.environ), timeout=30)  # tmp_path holds no script at all
    assert [(f["name"], f["value"], f["unit"]) for f in figures] == [
        ("background.measure_reminders", None, "not built")]


def test_a_measuring_script_s_figure_lines_are_collected_and_its_failure_is_said(tmp_path):
    (tmp_path / "measure_fake.py").write_text(textwrap.dedent("""\
        import json, sys
        print("warming up")
        print(json.dumps({"name": "fake.wall", "value": 1.5, "unit": "s", "floor": 0.5, "ratio": 3.0}))
        print('{"name": "fake.cut short')
        print(json.dumps({"name": "fake.quick", "value": sys.argv[1:], "unit": "arguments"}))
        sys.exit("the queue was emptied")
    """))
    background = background_module()
    figures = background.run_script(background.Script("measure_fake.py", ("--label", "demo")), directory=tmp_path,
                                    quick=True, env=dict(os.environ), timeout=30)
    assert figures[:2] == [
        {"name": "fake.wall", "value": 1.5, "unit": "s", "floor": 0.5, "ratio": 3.0},
        {"name": "fake.quick", "value": ["--label", "demo", "--quick"], "unit": "arguments", "floor": None,
         "ratio": None},
    ]
    assert (figures[2]["name"], figures[2]["value"], figures[2]["unit"]) == ("background.measure_fake", None, "failed")
    assert "the queue was emptied" in figures[2]["note"]
    assert len(figures) == 3
