"""Roles on the home page: the prompt to acknowledge a role, and the card with the matrix health, the duties and the
acknowledgement rate (and the public reads of roles/selectors.py behind it)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from roles.definitions import role_save
from roles.models import Duty, RoleAcknowledgement
from roles.selectors import role_acknowledgement_rate
from tests.roles.factories import ActivityFactory, AssignmentFactory, RaciCellFactory, RoleFactory

pytestmark = pytest.mark.django_db


def home(client) -> str:
    return client.get(reverse("home")).text


def card(page: str) -> str:
    """The roles card of a home page."""
    start = page.index("Roles and responsibilities")
    return page[start:page.index("</ul>", start)]


def test_a_holder_is_prompted_until_they_acknowledge_and_again_after_a_change(portal_users, client_for):
    role = AssignmentFactory(role=RoleFactory(title="Shift lead"), person=portal_users.employee).role
    client = client_for(portal_users.employee)

    assert "You hold the role Shift lead: read and acknowledge it" in home(client)

    client.post(reverse("roles:role_acknowledge", args=[role.pk]), {"revision": 1})
    assert "Shift lead: read and acknowledge" not in home(client)

    role.authorities += "\nSign off overtime"
    role_save(role=role, by=portal_users.quality_manager)
    page = home(client)
    assert "Your role Shift lead changed: read and acknowledge it" in page
    assert f'{reverse("roles:my_roles")}#role-{role.pk}' in page


def test_people_who_hold_no_role_get_no_prompt(portal_users, client_for):
    AssignmentFactory(role=RoleFactory(title="Shift lead"))

    assert "read and acknowledge it" not in home(client_for(portal_users.employee))


def test_the_card_counts_rule_breaks_held_duties_and_the_acknowledgement_rate(portal_users, client_for):
    role = AssignmentFactory(role=RoleFactory(title="Quality lead")).role
    holder = role.assignments.get().person
    # The activity has an R but no A: one break.
    RaciCellFactory(role=role, letter="R", activity=ActivityFactory(process__owner_role=role))
    duty = Duty.objects.get(code="5.3.a")
    duty.role = role
    duty.save()
    AssignmentFactory()  # a held role without any letter: a second break
    RoleAcknowledgement.objects.create(role=role, person=holder, revision=1)

    page = home(client_for(portal_users.auditor))

    card = page[page.index("Roles and responsibilities"):]
    assert reverse("roles:raci_health") in card
    # 1 activity without an A, 1 role without letters, 4 duties unassigned.
    assert "6 rule breaks" in card
    assert "1 of 5" in card
    assert "50%" in card  # 1 of the 2 holders acknowledged


def test_a_person_holding_a_role_twice_counts_once_in_the_rate(portal_users):
    first = AssignmentFactory()
    AssignmentFactory(role=first.role, person=first.person, is_deputy=True)
    RoleAcknowledgement.objects.create(role=first.role, person=first.person, revision=1)

    rate = role_acknowledgement_rate()

    assert (rate.acknowledged, rate.expected, rate.percent) == (1, 1, 100)


def test_the_rate_counts_only_the_current_revision(portal_users):
    assignment = AssignmentFactory()
    RoleAcknowledgement.objects.create(role=assignment.role, person=assignment.person, revision=1)
    assignment.role.responsibilities += "\nMore"
    role_save(role=assignment.role, by=portal_users.quality_manager)

    assert role_acknowledgement_rate().acknowledged == 0


def test_the_card_is_kept_until_a_record_changes_and_then_shows_the_change(portal_users, client_for):
    role = AssignmentFactory(role=RoleFactory(title="Shift lead"), person=portal_users.employee).role
    AssignmentFactory(role=role)
    auditor = client_for(portal_users.auditor)

    with CaptureQueriesContext(connection) as computed:
        first = card(home(auditor))
    with CaptureQueriesContext(connection) as kept:
        assert card(home(auditor)) == first  # read back from the records cache, in fewer queries
    assert "0%" in first
    assert len(kept) < len(computed)

    client_for(portal_users.employee).post(reverse("roles:role_acknowledge", args=[role.pk]), {"revision": 1})

    assert "50%" in card(home(auditor))  # 1 of the 2 holders, at once
