"""The 5.3 a-e duties page: each duty's role, whether someone holds it now, and assigning the duties."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from qms_portal.audit import AuditEntry
from roles.models import Duty
from tests.core.factories import UserFactory
from tests.roles.factories import AssignmentFactory, RoleFactory

pytestmark = pytest.mark.django_db


def assign(code: str, role) -> None:
    duty = Duty.objects.get(code=code)
    duty.role = role
    duty.save()


def row(page: str, code: str) -> str:
    start = page.index(f'id="duty-{code}"')
    return page[start:page.index("</tr>", start)]


REASON = "The board gave this duty to the quality lead at the March review"


def duty_entries(code: str) -> list[AuditEntry]:
    duty = Duty.objects.get(code=code)
    return list(AuditEntry.objects.filter(record_type="roles.duty", object_id=str(duty.pk)).order_by("id"))


@pytest.fixture
def held_role():
    return AssignmentFactory(role=RoleFactory(title="Quality lead"), person=UserFactory(full_name="Ann Lee")).role


@pytest.fixture
def role_held_by_nobody():
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    return AssignmentFactory(role=RoleFactory(title="Toolmaker"), ends_on=yesterday).role


def test_each_duty_shows_its_role_its_holders_and_the_rule_it_breaks(
    portal_users, client_for, held_role, role_held_by_nobody
):
    assign("5.3.a", held_role)
    assign("5.3.b", role_held_by_nobody)

    page = client_for(portal_users.auditor).get(reverse("roles:duty_list")).text

    assert "Quality lead" in row(page, "5.3.a") and "Ann Lee" in row(page, "5.3.a")
    assert "Assigned and held" in row(page, "5.3.a")
    assert "Toolmaker" in row(page, "5.3.b") and "which nobody holds now" in row(page, "5.3.b")
    assert "Duty 5.3.c is not assigned to any role." in row(page, "5.3.c")
    assert "4 of the 5 duties are not assigned to a role that someone holds" in page


def test_when_every_duty_is_held_the_page_says_so(portal_users, client_for, held_role):
    for duty in Duty.objects.all():
        assign(duty.code, held_role)

    page = client_for(portal_users.employee).get(reverse("roles:duty_list")).text

    assert "Every duty is assigned to a role that someone holds" in page


def test_only_the_quality_manager_gets_the_forms_to_change_a_duty(portal_users, client_for, held_role):
    as_qm = client_for(portal_users.quality_manager).get(reverse("roles:duty_list")).text
    as_top = client_for(portal_users.top_management).get(reverse("roles:duty_list")).text

    edit_url = reverse("roles:duty_edit", args=["5.3.a"])
    assert f'href="{edit_url}"' in row(as_qm, "5.3.a")
    assert edit_url not in as_top


def test_the_quality_manager_assigns_a_duty_to_a_held_role(qm_client, held_role):
    response = qm_client.post(
        reverse("roles:duty_edit", args=["5.3.d"]), {"role": held_role.pk, "reason": REASON}, follow=True
    )

    assert response.redirect_chain == [(reverse("roles:duty_list"), 302)]
    assert "Duty 5.3.d is assigned to “Quality lead”." in response.text
    assert Duty.objects.get(code="5.3.d").role == held_role


def test_assigning_a_duty_to_a_role_nobody_holds_warns(qm_client, role_held_by_nobody):
    response = qm_client.post(
        reverse("roles:duty_edit", args=["5.3.d"]), {"role": role_held_by_nobody.pk, "reason": REASON}, follow=True
    )

    assert "nobody holds that role now" in response.text
    assert Duty.objects.get(code="5.3.d").role == role_held_by_nobody


def test_an_empty_choice_unassigns_the_duty(qm_client, held_role):
    assign("5.3.e", held_role)

    response = qm_client.post(reverse("roles:duty_edit", args=["5.3.e"]), {"role": "", "reason": REASON})

    assert response.status_code == 302
    assert Duty.objects.get(code="5.3.e").role is None


def test_a_role_that_does_not_exist_is_refused_and_nothing_changes(qm_client, held_role):
    assign("5.3.e", held_role)

    response = qm_client.post(reverse("roles:duty_edit", args=["5.3.e"]), {"role": 999999})

    assert response.status_code == 200
    assert response.context["form"].errors["role"]
    assert Duty.objects.get(code="5.3.e").role == held_role


def test_the_edit_page_starts_from_the_current_role(qm_client, held_role):
    assign("5.3.a", held_role)

    form = qm_client.get(reverse("roles:duty_edit", args=["5.3.a"])).context["form"]

    assert form["role"].value() == held_role.pk


def test_an_employee_cannot_assign_a_duty(portal_users, client_for, held_role):
    response = client_for(portal_users.employee).post(
        reverse("roles:duty_edit", args=["5.3.a"]), {"role": held_role.pk}
    )

    assert response.status_code == 403
    assert Duty.objects.get(code="5.3.a").role is None


def test_an_unknown_duty_is_not_found(qm_client):
    assert qm_client.get(reverse("roles:duty_edit", args=["5.3.z"])).status_code == 404


# --- Why a duty changes hands (issue 10 item 4) ---------------------------------------------------------------------
def test_assigning_a_duty_without_a_reason_is_refused_and_nothing_changes(qm_client, held_role):
    response = qm_client.post(reverse("roles:duty_edit", args=["5.3.d"]), {"role": held_role.pk, "reason": "  "})

    assert response.status_code == 200
    assert "Say why the duty is assigned to another role, or to none" in response.text
    assert Duty.objects.get(code="5.3.d").role is None
    assert duty_entries("5.3.d") == []


def test_ending_a_duty_without_a_reason_is_refused(qm_client, held_role):
    assign("5.3.e", held_role)

    response = qm_client.post(reverse("roles:duty_edit", args=["5.3.e"]), {"role": ""})

    assert "Say why the duty is assigned to another role, or to none" in response.text
    assert Duty.objects.get(code="5.3.e").role == held_role


def test_the_reason_for_assigning_a_duty_is_kept_in_the_audit_trail(portal_users, client_for, qm_client, held_role):
    qm_client.post(reverse("roles:duty_edit", args=["5.3.d"]), {"role": held_role.pk, "reason": REASON})

    [entry] = duty_entries("5.3.d")
    trail = client_for(portal_users.auditor).get(reverse("audit_trail"), {"record_type": "roles.duty"}).text
    assert entry.reason == REASON and entry.actor_id == portal_users.quality_manager.pk
    assert REASON in trail
