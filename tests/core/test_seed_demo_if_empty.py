"""``seed_demo --if-empty`` loads nothing where people already exist (the other checks of the demo data are in
test_seed_demo.py, on a demo seeded once for that module: this one starts without it)."""
import io

import pytest
from django.core.management import call_command

from qms_portal.models import User

pytestmark = pytest.mark.django_db


def test_if_empty_loads_nothing_when_people_exist(portal_users):
    out = io.StringIO()

    call_command("seed_demo", "--if-empty", stdout=out)

    assert "demo data not loaded" in out.getvalue()
    assert not User.objects.filter(username="director").exists()
