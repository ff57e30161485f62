""""My roles": each person reads what their roles ask of them and acknowledges each revision (5.3)."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from roles.definitions import role_save
from roles.models import Duty, RoleAcknowledgement
from tests.roles.factories import ActivityFactory, AssignmentFactory, ProcessFactory, RaciCellFactory, RoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(portal_users):
    """A role the employee holds, with letters in two processes and a 5.3 duty."""
    role = RoleFactory(title="Shift lead", purpose="Keep the shift running", responsibilities="Run the shift\n"
                       "Brief the team", authorities="Stop the line")
    AssignmentFactory(role=role, person=portal_users.employee)
    assembly, testing = ProcessFactory(name="Assembly"), ProcessFactory(name="Testing")
    RaciCellFactory(role=role, letter="A", activity=ActivityFactory(process=assembly, name="Fit the seals"))
    RaciCellFactory(role=role, letter="C", activity=ActivityFactory(process=testing, name="Pressure test"))
    duty = Duty.objects.get(code="5.3.b")
    duty.role = role
    duty.save()
    return role


def acknowledge(client, role, revision=None):
    return client.post(reverse("roles:role_acknowledge", args=[role.pk]),
                       {"revision": role.revision if revision is None else revision}, follow=True)


def test_my_roles_shows_what_the_role_asks_with_its_letters_by_process_and_its_duties(portal_users, client_for, held):
    page = client_for(portal_users.employee).get(reverse("roles:my_roles")).text

    for text in ("Shift lead", "Keep the shift running", "Run the shift", "Brief the team", "Stop the line",
                 "Assembly", "Fit the seals", "accountable", "Testing", "Pressure test", "consulted", "5.3.b"):
        assert text in page, text
    assert page.index("Assembly") < page.index("Fit the seals") < page.index("Testing") < page.index("Pressure test")
    assert "Acknowledge Shift lead" in page


def test_acknowledging_records_it_and_the_button_goes(portal_users, client_for, held):
    client = client_for(portal_users.employee)

    response = acknowledge(client, held)

    assert response.redirect_chain == [(reverse("roles:my_roles"), 302)]
    assert "you acknowledged “Shift lead” (revision 1)" in response.text
    assert RoleAcknowledgement.objects.filter(role=held, person=portal_users.employee, revision=1).exists()
    assert "Acknowledge Shift lead" not in response.text
    assert "You acknowledged revision 1" in response.text


def test_acknowledging_twice_is_a_message_and_keeps_one_record(portal_users, client_for, held):
    client = client_for(portal_users.employee)
    acknowledge(client, held)

    response = acknowledge(client, held)

    assert response.status_code == 200
    assert "You already acknowledged revision 1" in response.text
    assert RoleAcknowledgement.objects.filter(role=held, person=portal_users.employee).count() == 1


def test_someone_who_does_not_hold_the_role_cannot_acknowledge_it(portal_users, client_for, held):
    response = client_for(portal_users.process_owner).post(
        reverse("roles:role_acknowledge", args=[held.pk]), {"revision": 1}
    )

    assert response.status_code == 403
    assert not RoleAcknowledgement.objects.filter(role=held).exists()


def test_a_former_holder_cannot_acknowledge(portal_users, client_for):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    role = AssignmentFactory(person=portal_users.employee, ends_on=yesterday).role

    response = client_for(portal_users.employee).post(
        reverse("roles:role_acknowledge", args=[role.pk]), {"revision": 1}
    )

    assert response.status_code == 403
    assert not RoleAcknowledgement.objects.exists()


def test_acknowledging_a_revision_that_changed_meanwhile_records_nothing(portal_users, client_for, held):
    held.responsibilities += "\nTrain new starters"
    role_save(role=held, by=portal_users.quality_manager)  # revision 2 while the page showed revision 1

    response = acknowledge(client_for(portal_users.employee), held, revision=1)

    assert "changed while you were reading it" in response.text
    assert not RoleAcknowledgement.objects.filter(role=held).exists()


def test_a_change_asks_again_says_what_changed_and_is_acknowledged_again(portal_users, client_for, held):
    client = client_for(portal_users.employee)
    acknowledge(client, held)
    held.responsibilities = "Run the shift\nTrain new starters"
    role_save(role=held, by=portal_users.quality_manager)

    page = client.get(reverse("roles:my_roles")).text

    assert "This role changed since you acknowledged revision 1" in page
    assert "New responsibility:</strong> Train new starters" in page
    assert "No longer a responsibility:</strong> <del>Brief the team</del>" in page
    assert "Acknowledge Shift lead" in page

    acknowledge(client, held)
    assert set(RoleAcknowledgement.objects.filter(role=held).values_list("revision", flat=True)) == {1, 2}


def test_the_holder_reads_why_their_role_changed(portal_users, client_for, held):
    client = client_for(portal_users.employee)
    acknowledge(client, held)
    held.authorities = "Stop the line\nRelease parts after a failed test"
    role_save(role=held, by=portal_users.quality_manager, reason="Shift leads now release retested parts")

    page = client.get(reverse("roles:my_roles")).text

    assert "New authority:</strong> Release parts after a failed test" in page
    assert "<strong>Why:</strong> Shift leads now release retested parts" in page


def test_a_person_without_a_role_sees_why_the_page_is_empty(portal_users, client_for):
    page = client_for(portal_users.auditor).get(reverse("roles:my_roles")).text

    assert "You hold no role" in page


def test_a_role_no_longer_held_is_not_shown(portal_users, client_for):
    AssignmentFactory(role=RoleFactory(title="Old job"), person=portal_users.employee,
                      ends_on=timezone.localdate() - dt.timedelta(days=1))

    page = client_for(portal_users.employee).get(reverse("roles:my_roles")).text

    assert "Old job" not in page and "You hold no role" in page


def _hold_changed_roles(person, count: int, *, by) -> None:
    """``count`` roles held by ``person``, each with a letter, acknowledged at revision 1 and changed since."""
    process = ProcessFactory()
    for _ in range(count):
        role = RoleFactory()
        AssignmentFactory(role=role, person=person)
        RaciCellFactory(role=role, activity=ActivityFactory(process=process))
        RoleAcknowledgement.objects.create(role=role, person=person, revision=1)
        role.responsibilities += "\nOne more thing"
        role_save(role=role, by=by)


def test_my_roles_costs_the_same_number_of_queries_for_5_and_50_roles(portal_users, client_for):
    person, qm = portal_users.employee, portal_users.quality_manager
    client = client_for(person)
    client.get(reverse("home"))  # the first page of a session loads what later pages find cached
    _hold_changed_roles(person, 5, by=qm)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("roles:my_roles")).status_code == 200
    _hold_changed_roles(person, 45, by=qm)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("roles:my_roles")).text

    assert page.count("New responsibility:</strong> One more thing") == 50
    assert len(many) == len(few)
