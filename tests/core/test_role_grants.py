"""Separation of duties over portal roles: nobody changes their own, and a grant of Top management or Quality
manager is kept with who granted it and why, shown on the people list."""
import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qms_portal.access import PortalRole
from qms_portal.accounts import person_save
from qms_portal.audit import AuditEntry
from qms_portal.refusals import StepRefused
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db


def role_ids(*roles: str) -> list[int]:
    return [Group.objects.get(name=role).pk for role in roles]


def edit_form(person, *roles: str, reason: str = "") -> dict:
    return {
        "username": person.username, "full_name": person.full_name, "email": person.email,
        "job_title": person.job_title, "is_active": "on", "roles": role_ids(*roles), "reason": reason,
    }


def test_a_quality_manager_cannot_give_herself_top_management(portal_users, qm_client):
    qm = portal_users.quality_manager
    last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()

    response = qm_client.post(reverse("person_edit", args=[qm.pk]), edit_form(
        qm, PortalRole.QUALITY_MANAGER, PortalRole.TOP_MANAGEMENT, reason="I approve policies now",
    ))

    assert response.status_code == 200
    assert "You cannot change your own portal roles" in response.text
    assert qm.role_names() == [PortalRole.QUALITY_MANAGER]
    assert not AuditEntry.objects.filter(id__gt=last, record_type="qms_portal.user").exists()


def test_a_quality_manager_may_still_change_her_own_details_but_not_drop_her_role(portal_users, qm_client):
    qm = portal_users.quality_manager

    kept = qm_client.post(reverse("person_edit", args=[qm.pk]), {
        **edit_form(qm, PortalRole.QUALITY_MANAGER), "email": "quentin@example.com", "reason": "New mailbox",
    })
    dropped = qm_client.post(reverse("person_edit", args=[qm.pk]), edit_form(qm, reason="Stepping down"))

    assert kept.status_code == 302
    qm.refresh_from_db()
    assert qm.email == "quentin@example.com"
    assert "You cannot change your own portal roles" in dropped.text
    assert qm.role_names() == [PortalRole.QUALITY_MANAGER]


def test_the_service_refuses_a_change_of_ones_own_roles(portal_users):
    qm = portal_users.quality_manager

    with pytest.raises(StepRefused, match="another quality manager"):
        person_save(person=qm, roles=Group.objects.filter(name__in=[PortalRole.TOP_MANAGEMENT]), by=qm,
                    reason="Promoting myself")

    assert qm.role_names() == [PortalRole.QUALITY_MANAGER]


def test_granting_top_management_is_recorded_with_the_role_and_the_reason(portal_users, qm_client):
    person = UserFactory(full_name="Rosa Lind", roles=[PortalRole.EMPLOYEE])

    qm_client.post(reverse("person_edit", args=[person.pk]), edit_form(
        person, PortalRole.TOP_MANAGEMENT, reason="Appointed operations director by the board",
    ))

    assert person.role_names() == [PortalRole.TOP_MANAGEMENT]
    entry = AuditEntry.objects.filter(record_type="qms_portal.user", object_id=str(person.pk)).latest("id")
    before, after = entry.changes["groups"]
    assert PortalRole.TOP_MANAGEMENT in after and PortalRole.TOP_MANAGEMENT not in before
    assert entry.reason == "Appointed operations director by the board"
    assert entry.actor == portal_users.quality_manager


def test_a_new_person_given_quality_manager_needs_a_reason(qm_client):
    form = {
        "username": "n.ahmed", "full_name": "Nadia Ahmed", "email": "n.ahmed@example.com", "job_title": "QA lead",
        "org_unit": "", "access_expires_on": "", "is_active": "on", "roles": role_ids(PortalRole.QUALITY_MANAGER),
    }

    refused = qm_client.post(reverse("person_create"), form)
    saved = qm_client.post(reverse("person_create"), {**form, "reason": "Hired as deputy quality manager"})

    assert refused.status_code == 200
    assert "Say why this person is given Quality manager" in refused.text
    assert saved.status_code == 302
    entry = AuditEntry.objects.filter(record_type="qms_portal.user", changes__has_key="groups").latest("id")
    assert entry.changes["groups"][1] == [PortalRole.QUALITY_MANAGER]
    assert entry.reason == "Hired as deputy quality manager"


def test_the_people_list_shows_who_granted_top_management_and_quality_manager(portal_users, qm_client):
    person = UserFactory(full_name="Rosa Lind", roles=[PortalRole.EMPLOYEE])
    qm_client.post(reverse("person_edit", args=[person.pk]), edit_form(
        person, PortalRole.TOP_MANAGEMENT, reason="Appointed operations director",
    ))

    page = qm_client.get(reverse("people"))

    assert "Top management granted by Quentin Moss" in page.text
    assert "Appointed operations director" in page.text


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("people")).status_code == 200
    return len(queries)


def test_the_grants_on_the_people_list_cost_the_same_queries_for_few_and_many(portal_users, qm_client):
    def grant(count: int) -> None:
        for _ in range(count):
            person = UserFactory(roles=[PortalRole.EMPLOYEE])
            person_save(person=person, roles=Group.objects.filter(name=PortalRole.QUALITY_MANAGER),
                        by=portal_users.quality_manager, reason="Deputy")

    grant(2)
    qm_client.get(reverse("people"))
    few = _queries(qm_client)
    grant(20)

    assert _queries(qm_client) == few
