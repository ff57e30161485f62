"""``/health/``: a JSON report of the database, Redis and the worker, 503 when any of them fails."""
import json
import socket

import pytest
from django.urls import reverse

from tests.core.test_settings import run_python

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_without_redis_health_reports_the_database_ok(client, settings):
    settings.REDIS_URL = ""

    response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["database"]["vendor"] in ("sqlite", "postgresql")
    assert "no-cache" in response["Cache-Control"]


def test_an_unreachable_redis_gives_503_and_names_the_failing_check(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response = client.get(reverse("health"))

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


DATABASE_DOWN = """
import json, django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
response = Client().get("/health/")
print(json.dumps({"status": response.status_code, "type": response["Content-Type"], "body": response.json()}))
"""


def test_a_database_that_is_down_gives_a_json_503_naming_it(tmp_path):
    """In a fresh process whose DATABASE_URL points at a port where no PostgreSQL listens."""
    nowhere = f"postgres://qms@127.0.0.1:{closed_port()}/qms"
    result = run_python(tmp_path, "-c", DATABASE_DOWN, DATABASE_URL=nowhere, LOG_LEVEL="CRITICAL")

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert answer["type"] == "application/json"
    assert answer["body"]["status"] == "failing"
    assert answer["body"]["checks"]["database"]["ok"] is False
    assert "OperationalError" in answer["body"]["checks"]["database"]["detail"]
