"""Settings read from the environment: each case starts a fresh Python with only the variables it names."""
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from qms_portal.celery import app

BASE_DIR = Path(__file__).resolve().parents[2]

REPORT = """
import json, django
django.setup()
from django.conf import settings
from django.contrib.auth.hashers import make_password
from qms_portal.celery import app
db = settings.DATABASES["default"]
print(json.dumps({
    "debug": settings.DEBUG,
    "engine": db["ENGINE"],
    "conn_health_checks": db.get("CONN_HEALTH_CHECKS"),
    "eager": app.conf.task_always_eager,
    "broker": app.conf.broker_url,
    "hashers": settings.PASSWORD_HASHERS,
    "hash": make_password("any password"),
    "session_cookie_age": settings.SESSION_COOKIE_AGE,
    "time_limit": app.conf.task_time_limit,
    "soft_time_limit": app.conf.task_soft_time_limit,
    "visibility_timeout": app.conf.broker_transport_options["visibility_timeout"],
}))
"""


def run_python(tmp_path: Path, *args: str, **variables: str) -> subprocess.CompletedProcess:
    """Run this project's Python with ``args`` and an environment holding only ``variables`` and the basics."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "qms_portal.settings",
        "DATA_DIR": str(tmp_path / "data"),
        **variables,
    }
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def report(tmp_path: Path, **variables: str) -> dict:
    result = run_python(tmp_path, "-c", REPORT, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_no_redis_url_tasks_run_in_process(tmp_path):
    found = report(tmp_path)

    assert found["eager"] is True
    assert found["broker"] == "memory://"


def test_with_a_redis_url_tasks_go_to_the_broker(tmp_path):
    found = report(tmp_path, REDIS_URL="redis://127.0.0.1:6399/3")

    assert found["eager"] is False
    assert found["broker"] == "redis://127.0.0.1:6399/3"


def test_with_no_database_url_the_portal_uses_sqlite_in_the_data_folder(tmp_path):
    found = report(tmp_path)

    assert found["engine"] == "django.db.backends.sqlite3"
    assert (tmp_path / "data").is_dir()


def test_a_postgres_database_url_selects_postgresql_with_health_checks(tmp_path):
    found = report(tmp_path, DATABASE_URL="postgres://qms:secret@db.example:5432/qms")

    assert found["engine"] == "django.db.backends.postgresql"
    assert found["conn_health_checks"] is True


def test_the_session_idle_time_comes_from_the_environment(tmp_path):
    assert report(tmp_path, SESSION_IDLE_MINUTES="5")["session_cookie_age"] == 5 * 60


def test_a_production_configuration_passes_the_deploy_checks(tmp_path):
    result = run_python(
        tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING",
        DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="qms.example.com",
        RECORDS_HMAC_KEY=secrets.token_urlsafe(50),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_with_debug_off_and_no_secret_key_the_portal_refuses_to_start(tmp_path):
    result = run_python(tmp_path, "manage.py", "check", DEBUG="0", ALLOWED_HOSTS="qms.example.com")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("records_key", [None, settings.DEVELOPMENT_RECORDS_HMAC_KEY])
def test_with_debug_off_the_records_key_is_required_and_not_the_development_one(tmp_path, records_key):
    keys = {} if records_key is None else {"RECORDS_HMAC_KEY": records_key}
    result = run_python(
        tmp_path, "manage.py", "check",
        DEBUG="0", ALLOWED_HOSTS="qms.example.com", SECRET_KEY=secrets.token_urlsafe(50), **keys,
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "RECORDS_HMAC_KEY" in result.stderr


def test_with_debug_off_the_development_secret_key_is_refused(tmp_path):
    result = run_python(
        tmp_path, "manage.py", "check",
        DEBUG="0", ALLOWED_HOSTS="qms.example.com", SECRET_KEY=settings.DEVELOPMENT_SECRET_KEY,
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize(("name", "value", "explanation"), [
    ("DEBUG", "maybe", "got 'maybe'"),
    ("SESSION_IDLE_MINUTES", "half an hour", "must be a whole number"),
    ("SESSION_IDLE_MINUTES", "0", "must be at least 1"),
    ("LOGIN_FAILURE_LIMIT", "five", "must be a whole number"),
])
def test_a_bad_value_stops_the_portal_and_says_what_is_wrong(tmp_path, name, value, explanation):
    result = run_python(tmp_path, "manage.py", "check", **{name: value})

    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} " in result.stderr
    assert explanation in result.stderr


def test_passwords_are_hashed_with_argon2(tmp_path):
    found = report(tmp_path)

    assert found["hashers"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert found["hash"].startswith("argon2$")


def test_the_task_limits_follow_the_environment_and_stay_consistent(tmp_path):
    found = report(tmp_path, TASK_TIME_LIMIT_SECONDS="120")

    assert found["time_limit"] == 120
    assert found["soft_time_limit"] < found["time_limit"]
    assert found["visibility_timeout"] > found["time_limit"]


def test_celery_accepts_only_json():
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_serializer == "json"


def test_celery_tasks_survive_a_worker_that_dies_mid_task():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_celery_redelivers_a_task_only_after_its_hard_time_limit():
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.broker_transport_options["visibility_timeout"] > app.conf.task_time_limit


def test_celery_recycles_worker_processes():
    assert isinstance(app.conf.worker_max_tasks_per_child, int)
    assert app.conf.worker_max_tasks_per_child > 0


def test_pdf_rendering_tasks_go_to_the_pdf_queue_and_others_to_the_default_queue():
    def queue_of(task_name: str) -> str:
        return app.amqp.router.route({}, task_name)["queue"].name

    assert queue_of("policy.tasks.render_policy_pdf") == "pdf"
    assert queue_of("leadership.tasks.render_evidence_pack") == "pdf"
    assert queue_of("qms_portal.tasks.verify_audit_trail") == "default"


def test_the_nightly_verification_expires_instead_of_piling_up():
    entry = app.conf.beat_schedule["verify-audit-trail-nightly"]

    assert entry["task"] == "qms_portal.tasks.verify_audit_trail_nightly"
    assert 0 < entry["options"]["expires"] <= 24 * 3600
