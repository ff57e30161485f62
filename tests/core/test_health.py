"""``/health/``: a JSON report of the database, Redis and the worker, 503 when any of them fails.

Anyone may ask whether the portal is healthy; the details (timings, what failed and why) are for quality
managers signed in, or for a monitor holding ``HEALTH_TOKEN``. The checks run at most once per
``HEALTH_CACHE_SECONDS``, however many ask.
"""
import json
import socket

import pytest
from django.urls import reverse

from qms_portal.views import health as health_view
from tests.core.test_settings import run_python

pytestmark = pytest.mark.django_db
TOKEN = "monitor-token-for-tests-0123456789"


@pytest.fixture(autouse=True)
def _fresh_checks(settings):
    settings.HEALTH_TOKEN = TOKEN
    health_view.checks_forget()
    yield
    health_view.checks_forget()


def with_token() -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_without_redis_health_reports_the_database_ok(client, settings):
    settings.REDIS_URL = ""

    response = client.get(reverse("health"), **with_token())

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["database"]["vendor"] in ("sqlite", "postgresql")
    assert "no-cache" in response["Cache-Control"]


def test_an_unreachable_redis_gives_503_and_names_the_failing_check(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response = client.get(reverse("health"), **with_token())

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is False
    assert "ConnectionError" in body["checks"]["redis"]["detail"]


def test_health_needs_no_sign_in_and_reveals_no_settings(client, settings):
    settings.REDIS_URL = f"redis://:hunter2-secret@127.0.0.1:{closed_port()}/0"

    response = client.get(reverse("health"))

    assert response.status_code == 503
    assert "hunter2-secret" not in response.text


def test_anyone_learns_only_whether_each_part_is_healthy_never_why(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response = client.get(reverse("health"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing"
    assert body["checks"] == {"database": {"ok": True}, "redis": {"ok": False}, "worker": {"ok": False}}
    assert "ConnectionError" not in response.text
    assert "Error" not in response.text


def test_a_wrong_token_gets_the_public_answer(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response = client.get(reverse("health"), HTTP_AUTHORIZATION="Bearer not-the-token")

    assert "ConnectionError" not in response.text
    assert response.json()["checks"]["redis"] == {"ok": False}


def test_a_signed_in_quality_manager_sees_the_details(client_for, portal_users, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response = client_for(portal_users.quality_manager).get(reverse("health"))

    assert "ConnectionError" in response.json()["checks"]["redis"]["detail"]


def test_an_employee_signed_in_gets_the_public_answer(client_for, portal_users, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response = client_for(portal_users.employee).get(reverse("health"))

    assert "ConnectionError" not in response.text


def test_many_callers_run_the_checks_once_per_period(client, settings, monkeypatch):
    settings.REDIS_URL = ""
    settings.HEALTH_CACHE_SECONDS = 60
    runs = []
    real_check = health_view._check_database
    monkeypatch.setattr(health_view, "_check_database", lambda: runs.append(1) or real_check())

    answers = [client.get(reverse("health")).status_code for _ in range(5)]

    assert answers == [200] * 5
    assert len(runs) == 1


def test_the_checks_run_again_once_the_period_is_over(client, settings, monkeypatch):
    settings.REDIS_URL = ""
    settings.HEALTH_CACHE_SECONDS = 60
    runs = []
    real_check = health_view._check_database
    monkeypatch.setattr(health_view, "_check_database", lambda: runs.append(1) or real_check())
    now = [1000.0]
    monkeypatch.setattr(health_view, "monotonic", lambda: now[0])

    client.get(reverse("health"))
    now[0] += 61
    client.get(reverse("health"))

    assert len(runs) == 2


DATABASE_DOWN = """
import json, django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
response = Client().get("/health/", HTTP_AUTHORIZATION="Bearer t0ken-for-the-test")
print(json.dumps({"status": response.status_code, "type": response["Content-Type"], "body": response.json()}))
"""


def test_a_database_that_is_down_gives_a_json_503_naming_it(tmp_path):
    """In a fresh process whose DATABASE_URL points at a port where no PostgreSQL listens."""
    nowhere = f"postgres://qms@127.0.0.1:{closed_port()}/qms"
    result = run_python(
        tmp_path, "-c", DATABASE_DOWN, DATABASE_URL=nowhere, LOG_LEVEL="CRITICAL", HEALTH_TOKEN="t0ken-for-the-test"
    )

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert answer["type"] == "application/json"
    assert answer["body"]["status"] == "failing"
    assert answer["body"]["checks"]["database"]["ok"] is False
    assert "OperationalError" in answer["body"]["checks"]["database"]["detail"]
