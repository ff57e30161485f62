"""The RACI health page: every rule with its breaks, each naming what breaks it and linking to the fix."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from qms_portal.audit import audit_context
from roles.definitions import duty_assign
from roles.models import Duty, Process
from roles.selectors import raci_health, roles_and_health_on, roles_on
from tests.roles.factories import ActivityFactory, AssignmentFactory, RaciCellFactory, RoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sound(portal_users):
    """A matrix that keeps every rule: one activity with an A and an R from held roles, the duties assigned."""
    owner = AssignmentFactory(role__title="Production manager").role
    engineer = AssignmentFactory(role__title="Engineer").role
    with audit_context(actor="test"):
        process = Process.objects.create(name="Production", code="production", owner_role=owner)
    plan = ActivityFactory(process=process, name="Plan the week")
    RaciCellFactory(activity=plan, role=owner, letter="A")
    RaciCellFactory(activity=plan, role=engineer, letter="R")
    for duty in Duty.objects.all():
        duty_assign(duty=duty, role=owner, by=portal_users.quality_manager)
    return {"owner": owner, "engineer": engineer, "plan": plan, "process": process}


def section(page: str, rule: str) -> str:
    start = page.index(f'id="rule-{rule}"')
    return page[start:page.index("</section>", start)]


def test_a_sound_matrix_shows_every_rule_met(qm_client, sound):
    page = qm_client.get(reverse("roles:raci_health")).content.decode()

    assert "All rules are met." in page
    for rule in ("one_accountable", "responsible", "role_held", "role_used", "duty_assigned", "duty_held"):
        assert "✓ Met" in section(page, rule)


def test_each_break_is_listed_under_its_rule_with_a_link_to_its_fix(portal_users, qm_client, sound):
    vacant = RoleFactory(title="Vacant inspector")
    RaciCellFactory(activity=sound["plan"], role=vacant, letter="C")  # letters, nobody holds it
    idle = AssignmentFactory(role__title="Idle clerk").role  # held, no letter
    review = ActivityFactory(process=sound["process"], name="Review the output")  # no A, no R
    duty_assign(duty=Duty.objects.get(code="5.3.c"), role=None, by=portal_users.quality_manager)

    page = qm_client.get(reverse("roles:raci_health")).content.decode()

    assert "5 rule breaks." in page
    matrix = reverse("roles:raci_matrix")
    assert "“Production — Review the output” has no A" in section(page, "one_accountable")
    fix = f'href="{matrix}?process=production&amp;activity={review.pk}#activity-{review.pk}"'
    assert fix in section(page, "one_accountable")
    assert "has no R" in section(page, "responsible")
    assert "“Vacant inspector” has letters in the matrix but nobody holds it now" in section(page, "role_held")
    assert f'href="{reverse("roles:assignment_create", args=[vacant.pk])}"' in section(page, "role_held")
    assert "“Idle clerk” has no letter anywhere" in section(page, "role_used")
    assert f'href="{matrix}#role-{idle.pk}"' in section(page, "role_used")
    assert "Duty 5.3.c is not assigned" in section(page, "duty_assigned")
    assert f'href="{reverse("roles:duty_edit", args=["5.3.c"])}"' in section(page, "duty_assigned")
    assert "✓ Met" in section(page, "duty_held")


def test_a_duty_of_a_role_nobody_holds_links_to_the_duty(portal_users, qm_client, sound):
    duty_assign(duty=Duty.objects.get(code="5.3.d"), role=RoleFactory(title="Customer champion"),
                by=portal_users.quality_manager)

    page = qm_client.get(reverse("roles:raci_health")).content.decode()

    assert "Duty 5.3.d is assigned to “Customer champion”, which nobody holds now." in section(page, "duty_held")
    assert f'href="{reverse("roles:duty_edit", args=["5.3.d"])}"' in section(page, "duty_held")


@pytest.mark.parametrize("who", ["employee", "auditor", "top_management", "process_owner"])
def test_onlookers_see_the_same_breaks_linked_to_pages_they_may_open(who, portal_users, client_for, sound):
    vacant = RoleFactory(title="Vacant inspector")
    RaciCellFactory(activity=sound["plan"], role=vacant, letter="C")
    duty_assign(duty=Duty.objects.get(code="5.3.c"), role=None, by=portal_users.quality_manager)

    page = client_for(portal_users.by_key(who)).get(reverse("roles:raci_health")).content.decode()

    assert "nobody holds it now" in page and "Duty 5.3.c is not assigned" in page
    assert reverse("roles:assignment_create", args=[vacant.pk]) not in page
    assert not re.search(r'href="/roles/duties/5\.3\.c/"', page)
    assert f'href="{reverse("roles:role_detail", args=[vacant.pk])}"' in section(page, "role_held")
    assert f'href="{reverse("roles:duty_list")}"' in section(page, "duty_assigned")


def test_the_dashboard_reads_roles_and_raci_health_from_one_matrix_as_the_two_selectors_do(portal_users, sound):
    """The dashboard reads the matrix once for its RACI panel and readiness's 5.3 rules: the same breaks (duties
    apart for readiness), counts and acknowledgements as reading them apart."""
    vacant = RoleFactory(title="Vacant inspector")
    RaciCellFactory(activity=sound["plan"], role=vacant, letter="A")  # a second A; letters nobody holds
    ActivityFactory(process=sound["process"], name="Review the output")  # no A, no R
    duty_assign(duty=Duty.objects.get(code="5.3.c"), role=vacant, by=portal_users.quality_manager)
    today = timezone.localdate()

    roles, health = roles_and_health_on(today)

    assert health == raci_health(on=today)
    assert roles == roles_on(today)
    assert {b.rule for b in health.rule_breaks} == {"one_accountable", "responsible", "role_held", "duty_held"}
    assert [b for b in health.rule_breaks if b.duty_code is None] == roles.rule_breaks
