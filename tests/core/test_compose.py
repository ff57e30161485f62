"""The production shape: docker-compose.yml and the Dockerfile agree with the settings and the README.

Docker itself is not needed: the compose file is read as YAML, its variables are filled in the way
``docker compose`` fills them, and the settings are imported with the resulting environment.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parents[2]
PORTAL_SERVICES = ("web", "worker", "beat")
# What an operator exports before `docker compose up`; the compose file requires them with ${NAME:?...}.
REQUIRED_BY_COMPOSE = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "RECORDS_HMAC_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "qms.example.com",
    "SITE_URL": "https://qms.example.com",
    "POSTGRES_PASSWORD": secrets.token_hex(16),
}
_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|\$(?P<bare>\w+)")


def interpolate(value: str) -> str:
    """Fill ``${NAME}``, ``${NAME:-default}`` and ``${NAME:?error}`` as docker compose does for an empty shell."""

    def fill(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op = match.group("name") or match.group("bare"), match.group("op") or ""
        if op.endswith("?"):
            assert name in REQUIRED_BY_COMPOSE, f"the compose file requires {name}; add a sample value to the test"
            return REQUIRED_BY_COMPOSE[name]
        if op.endswith("-"):
            return match.group("arg")
        return ""

    return _VARIABLE.sub(fill, value)


@cache
def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def service(name: str) -> dict:
    return compose()["services"][name]


def command_of(name: str) -> str:
    command = service(name).get("command", "")
    return command if isinstance(command, str) else shlex.join(command)


def raw_environment(name: str) -> dict[str, str]:
    environment = service(name).get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {key: "" if value is None else str(value) for key, value in environment.items()}


def environment(name: str) -> dict[str, str]:
    """The service's environment as its container sees it, with the operator's required variables set."""
    return {key: interpolate(value) for key, value in raw_environment(name).items()}


def _clean_env(extra: dict[str, str]) -> dict[str, str]:
    """Only what Python needs to run, plus ``extra``: the developer's own variables must not leak in."""
    keep = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "SYSTEMROOT") if key in os.environ}
    return {**keep, "DJANGO_SETTINGS_MODULE": "qms_portal.settings", **extra}


@cache
def _settings_reads(env_items: frozenset[tuple[str, str]]) -> frozenset[str]:
    script = "import json, qms_portal.settings; from qms_portal.env import READ; print(json.dumps(sorted(READ)))"
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=_clean_env(dict(env_items)),
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, f"the settings refused this environment:\n{completed.stderr}"
    return frozenset(json.loads(completed.stdout.strip().splitlines()[-1]))


def settings_reads(env: dict[str, str]) -> frozenset[str]:
    """The variables the settings read when imported with ``env`` (qms_portal.env.READ, in a fresh process)."""
    return _settings_reads(frozenset(env.items()))


def every_variable_the_settings_read(env: dict[str, str]) -> frozenset[str]:
    # Some variables are read only when another is set (EMAIL_PORT once EMAIL_HOST is); filling every
    # empty value walks those branches too.
    filled = {key: value or "filled-for-the-test" for key, value in env.items()}
    return settings_reads(env) | settings_reads(filled)


def test_compose_runs_web_worker_beat_db_and_redis():
    assert set(compose()["services"]) >= {"web", "worker", "beat", "db", "redis"}


def test_web_migrates_then_serves_the_wsgi_application_with_gunicorn():
    command = command_of("web")
    assert "gunicorn qms_portal.wsgi" in command
    assert "migrate --noinput" in command
    assert command.index("migrate") < command.index("gunicorn"), "migrations must run before gunicorn starts"
    published = [str(port) for port in service("web").get("ports", [])]
    assert published and all(interpolate(port).startswith("127.0.0.1:") for port in published), (
        "web is reached through the TLS proxy only: publish it on 127.0.0.1"
    )


def test_worker_consumes_the_default_and_pdf_queues():
    command = command_of("worker")
    assert re.search(r"\bcelery -A qms_portal worker\b", command)
    assert re.search(r"(-Q|--queues)[ =]default,pdf\b", command)


def test_beat_runs_the_celery_scheduler_and_keeps_its_schedule_on_a_volume():
    command = command_of("beat")
    assert re.search(r"\bcelery -A qms_portal beat\b", command)
    schedule = re.search(r"(?:-s|--schedule)[ =](\S+)", command)
    assert schedule, "beat's schedule file must be named: the image's working folder is not writable"
    assert schedule.group(1).startswith(environment("beat")["DATA_DIR"] + "/")


@pytest.mark.parametrize("name", ["web", "worker", "beat", "db", "redis"])
def test_every_service_has_a_health_check(name):
    check = service(name).get("healthcheck")
    assert check and check.get("test") and not check.get("disable"), f"{name} has no health check"


def test_worker_health_check_pings_the_worker_itself():
    test = service("worker")["healthcheck"]["test"]
    assert "inspect ping" in " ".join(test)
    assert "$$HOSTNAME" in " ".join(test), "ping this container's worker, not whichever answers first"


def test_web_worker_and_beat_wait_for_what_they_need():
    assert service("web")["depends_on"]["db"]["condition"] == "service_healthy"
    assert service("web")["depends_on"]["redis"]["condition"] == "service_healthy"
    for name in ("worker", "beat"):
        # web is healthy only after its migrations ran.
        assert service(name)["depends_on"]["web"]["condition"] == "service_healthy"


def _named_volume_at(name: str, target: str) -> str | None:
    """The named volume mounted at ``target`` in service ``name``, if any."""
    for mount in service(name).get("volumes", []):
        if isinstance(mount, str):
            source, path = mount.split(":")[:2]
        else:
            source, path = mount.get("source"), mount.get("target")
        if path == target and source in (compose().get("volumes") or {}):
            return source
    return None


def test_database_and_uploaded_files_live_on_named_volumes():
    assert _named_volume_at("db", "/var/lib/postgresql/data"), "the database needs a named volume"
    for name in ("web", "worker"):
        data_dir = environment(name)["DATA_DIR"]
        assert _named_volume_at(name, data_dir), f"{name}: DATA_DIR ({data_dir}) needs a named volume"
        media_root = environment(name).get("MEDIA_ROOT", f"{data_dir}/media")
        assert media_root.startswith(data_dir + "/"), "uploaded files (MEDIA_ROOT) must be on the data volume"
    assert _named_volume_at("web", environment("web")["DATA_DIR"]) == _named_volume_at(
        "worker", environment("worker")["DATA_DIR"]
    ), "web and worker must share uploaded files and generated packs"


@pytest.mark.parametrize("name", PORTAL_SERVICES)
def test_portal_services_run_in_production_mode(name):
    raw = raw_environment(name)
    env = environment(name)
    assert env["DEBUG"] == "0"
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", raw["SECRET_KEY"]), "SECRET_KEY must be required, never defaulted"
    assert re.fullmatch(r"\$\{RECORDS_HMAC_KEY:\?[^}]+\}", raw["RECORDS_HMAC_KEY"]), "the records key must be required"
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["REDIS_URL"].startswith("redis://")
    assert env["TRUST_X_FORWARDED_PROTO"] in ("0", "1")
    assert env["ALLOWED_HOSTS"]


@pytest.mark.parametrize("name", PORTAL_SERVICES)
def test_compose_sets_only_variables_the_settings_read(name):
    env = environment(name)
    unknown = set(env) - every_variable_the_settings_read(env)
    assert not unknown, f"{name} sets variables the settings never read (misspelt or stale?): {sorted(unknown)}"


def test_compose_environment_passes_djangos_deployment_checks():
    completed = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=_clean_env(environment("web")), capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = (BASE_DIR / "Dockerfile").read_text()
    logical = re.sub(r"\\\n", " ", text)
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "")
        for line in (raw.strip() for raw in logical.splitlines())
        if line and not line.startswith("#")
    ]


def test_dockerfile_builds_on_python_311_slim_with_weasyprints_libraries():
    instructions = _dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim-bookworm")
    runs = " ".join(arg for op, arg in instructions if op == "RUN")
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "fonts-dejavu-core"):
        assert package in runs
    assert "pip install -r requirements.txt" in runs


def test_dockerfile_collects_static_files_at_build_time_without_debug():
    runs = [arg for op, arg in _dockerfile_instructions() if op == "RUN" and "collectstatic" in arg]
    assert runs, "the image must carry its static files (WhiteNoise serves them; there is no CDN)"
    assert "DEBUG=0" in runs[0] and "SECRET_KEY=" in runs[0] and "RECORDS_HMAC_KEY=" in runs[0]


def test_dockerfile_runs_gunicorn_as_an_unprivileged_user():
    instructions = _dockerfile_instructions()
    users = [arg for op, arg in instructions if op == "USER"]
    assert users and users[-1] not in ("root", "0"), "the container must not run as root"
    cmd = [arg for op, arg in instructions if op == "CMD"][-1]
    assert "gunicorn" in cmd and "qms_portal.wsgi" in cmd


def test_readme_documents_every_variable_the_settings_read():
    readme = BASE_DIR / "README.md"
    assert readme.exists(), "README.md is missing"
    text = readme.read_text()
    variables = every_variable_the_settings_read({}) | every_variable_the_settings_read(environment("web"))
    missing = sorted(name for name in variables if f"`{name}`" not in text)
    assert not missing, f"README.md does not document: {missing}"
