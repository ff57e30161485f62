"""The demo data: what ``seed_demo`` builds, that running it again changes nothing, and the demo log-ins."""
import datetime as dt
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qms_portal.access import PortalRole
from qms_portal.audit import AuditEntry
from qms_portal.management.commands.seed_demo import DEMO_PASSWORD
from qms_portal.models import Organisation, OrgUnit, OrgUnitKind, User

pytestmark = pytest.mark.django_db

DEMO_LOGINS = {
    "director": [PortalRole.EMPLOYEE, PortalRole.TOP_MANAGEMENT],
    "quality": [PortalRole.EMPLOYEE, PortalRole.QUALITY_MANAGER],
    "owner": [PortalRole.EMPLOYEE, PortalRole.PROCESS_OWNER],
    "employee": [PortalRole.EMPLOYEE],
    "auditor": [PortalRole.AUDITOR],
}


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def seeded(demo_seeded_once, db) -> str:
    """The demo, seeded once for the module (tests/conftest.py); what the seed printed."""
    return demo_seeded_once


def test_the_demo_has_forty_people_eight_departments_and_two_sites(seeded):
    assert User.objects.count() == 40
    assert OrgUnit.objects.filter(kind=OrgUnitKind.DEPARTMENT).count() == 8
    assert OrgUnit.objects.filter(kind=OrgUnitKind.SITE).count() == 2
    assert not OrgUnit.objects.filter(kind=OrgUnitKind.SITE, parent__isnull=False).exists()
    assert not OrgUnit.objects.filter(kind=OrgUnitKind.DEPARTMENT, parent__isnull=True).exists()
    assert Organisation.current().name == "Calder Valve & Pump Ltd"


def test_the_five_demo_log_ins_have_their_portal_roles(seeded):
    for username, roles in DEMO_LOGINS.items():
        assert User.objects.get(username=username).role_names() == roles, username


def test_the_demo_auditors_access_ends_in_the_future(seeded):
    auditor = User.objects.get(username="auditor")
    assert auditor.access_expires_on > timezone.localdate()
    assert not auditor.access_expired


def test_seeding_again_renews_the_demo_auditors_access_once_it_has_ended(seeded):
    auditor = User.objects.get(username="auditor")
    auditor.access_expires_on = timezone.localdate() - dt.timedelta(days=1)
    auditor.save()

    seed()

    auditor.refresh_from_db()
    assert auditor.access_expires_on > timezone.localdate()
    assert Client().post(reverse("login"), {"username": "auditor", "password": DEMO_PASSWORD}).status_code == 302


def test_the_demo_includes_a_deactivated_person(seeded):
    assert User.objects.filter(is_active=False).count() == 1


@pytest.mark.parametrize("username", sorted(DEMO_LOGINS))
def test_the_demo_password_signs_in_each_demo_log_in(username, seeded):
    client = Client()

    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(username=username).pk)


def test_running_the_seed_a_second_time_changes_nothing(seeded):
    counts = row_counts()
    last_entry = AuditEntry.objects.order_by("-id").first()
    people = {person.username: (person.password, person.full_name, person.access_expires_on, person.role_names())
              for person in User.objects.all()}

    seed()

    assert row_counts() == counts
    assert AuditEntry.objects.order_by("-id").first() == last_entry
    assert {person.username: (person.password, person.full_name, person.access_expires_on, person.role_names())
            for person in User.objects.all()} == people


def test_the_seed_completes_demo_data_that_was_changed_by_hand(seeded):
    director = User.objects.get(username="director")
    director.full_name = "Someone Else"
    director.save()
    director.groups.clear()
    # A person with no records of their own (the demo's staff have acknowledged policies, which protects them).
    User.objects.get(username="former.employee").delete()
    last_entry_id = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()

    seed()

    director.refresh_from_db()
    assert director.full_name == "Helen Marsh"
    assert director.role_names() == DEMO_LOGINS["director"]
    assert User.objects.filter(username="former.employee").exists()
    assert User.objects.count() == 40
    assert AuditEntry.objects.filter(pk__gt=last_entry_id, actor_name="seed_demo").exists()


def test_the_audit_trail_verifies_after_seeding(seeded):
    seed()
    out = io.StringIO()

    call_command("verify_audit_trail", stdout=out)

    assert f"Audit trail intact: {AuditEntry.objects.count()} entries verified." in out.getvalue()
    # The core's records are the seed's; the apps' demo steps act as the demo people, through their workflows.
    by_seed = AuditEntry.objects.filter(actor_name="seed_demo")
    assert by_seed.exists() and not by_seed.exclude(reason="Demo data").exists()
    demo_people = set(User.objects.values_list("full_name", flat=True))
    assert set(AuditEntry.objects.exclude(actor_name="seed_demo").values_list("actor_name", flat=True)) <= demo_people


def test_demo_people_report_to_managers_up_to_the_managing_director(seeded):
    people = {person.username: person for person in User.objects.select_related("manager")}
    assert people["employee"].manager.username == "owner"  # the owner, a demo log-in, sees a manager's summary
    assert people["owner"].manager.username == "d.whitaker"
    assert people["director"].manager is None and people["auditor"].manager is None
    for person in people.values():
        if person.username in ("director", "auditor"):
            continue
        chain, above = [], person.manager
        while above is not None:  # every chain ends at the managing director, never in a circle
            assert above.username not in chain, person.username
            chain.append(above.username)
            above = above.manager
        assert chain[-1] == "director", person.username
