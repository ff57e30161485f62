"""Processes and their ordered activities: the list, a process's page, and the quality manager's edits,
with the refusals a person meets on the way."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from qms_portal.audit import AuditAction, AuditEntry
from roles.models import Activity, Process, RaciCell
from roles.processes import activity_delete, activity_move, activity_save, process_save
from tests.roles.factories import ActivityFactory, ProcessFactory, RaciCellFactory, RoleFactory

pytestmark = pytest.mark.django_db


def names(process: Process) -> list[str]:
    return list(process.activities.order_by("position").values_list("name", flat=True))


@pytest.fixture
def purchasing() -> Process:
    """Purchasing, with three activities in order."""
    process = ProcessFactory(name="Purchasing", code="purchasing", owner_role__title="Buyer")
    for position, name in enumerate(["Request", "Approve", "Order"], start=1):
        ActivityFactory(process=process, position=position, name=name)
    return process


# --- The list ------------------------------------------------------------------------------------
def test_the_list_shows_each_process_with_its_owner_activities_and_rule_breaks(portal_users, client_for, purchasing):
    request, approve, _ = purchasing.activities.order_by("position")
    # "Request" keeps the rules; "Approve" has no R, "Order" has nothing: three breaks in all.
    RaciCellFactory(activity=request, role=purchasing.owner_role, letter="A")
    RaciCellFactory(activity=request, letter="R")
    RaciCellFactory(activity=approve, role=purchasing.owner_role, letter="A")
    ProcessFactory(name="Design", code="design")

    page = client_for(portal_users.employee).get(reverse("roles:process_list")).content.decode()

    assert "Purchasing" in page and "Buyer" in page
    assert "3 rule breaks" in page
    assert f'href="{reverse("roles:raci_matrix")}?process=purchasing"' in page
    assert "Design" in page and "No activities yet" in page
    assert "New process" not in page


def test_the_empty_list_invites_the_quality_manager_to_add_the_first_process(portal_users, client_for, qm_client):
    assert "Add the first process" in qm_client.get(reverse("roles:process_list")).content.decode()
    page = client_for(portal_users.auditor).get(reverse("roles:process_list")).content.decode()
    assert "No processes yet" in page and "Add the first process" not in page


# --- Creating and editing a process --------------------------------------------------------------
def test_quality_manager_creates_a_process_and_lands_on_its_page(qm_client):
    owner = RoleFactory(title="Production manager")

    response = qm_client.post(reverse("roles:process_create"), {
        "name": "Production", "code": "production", "owner_role": owner.pk, "description": "Make the parts.",
    })

    process = Process.objects.get(code="production")
    assert response["Location"] == reverse("roles:process_detail", args=["production"])
    assert (process.name, process.owner_role) == ("Production", owner)
    assert AuditEntry.objects.filter(record_type="roles.process", action=AuditAction.CREATE).exists()
    assert "Add the first activity" in qm_client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(("code", "message"), [
    ("purchasing", "Another process already has the code “purchasing”"),
    ("new", "“new” is reserved"),
    ("Not a slug!", "Enter a valid"),
])
def test_a_process_code_taken_reserved_or_malformed_is_refused_clearly(qm_client, purchasing, code, message):
    response = qm_client.post(reverse("roles:process_create"), {
        "name": "Another", "code": code, "owner_role": purchasing.owner_role.pk,
    })

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["code"])
    assert Process.objects.count() == 1


def test_an_empty_process_form_says_what_is_missing(qm_client):
    response = qm_client.post(reverse("roles:process_create"), {})

    errors = response.context["form"].errors
    assert errors["name"] == ["Name the process."]
    assert errors["owner_role"] == ["Choose the role that owns the process."]
    assert not Process.objects.exists()


def test_editing_a_process_keeps_its_code(qm_client, purchasing):
    new_owner = RoleFactory(title="Purchasing manager")

    response = qm_client.post(reverse("roles:process_edit", args=["purchasing"]), {
        "name": "Purchasing and suppliers", "code": "hijacked", "owner_role": new_owner.pk,
    })

    purchasing.refresh_from_db()
    assert response["Location"] == reverse("roles:process_detail", args=["purchasing"])
    assert (purchasing.name, purchasing.code, purchasing.owner_role) == (
        "Purchasing and suppliers", "purchasing", new_owner
    )


def test_writing_processes_and_activities_needs_the_quality_manager(portal_users, purchasing):
    activity = purchasing.activities.first()
    for write in (
        lambda: process_save(process=purchasing, by=portal_users.process_owner),
        lambda: activity_save(activity=Activity(process=purchasing, name="Pay"), by=portal_users.process_owner),
        lambda: activity_move(activity=activity, direction="down", by=portal_users.process_owner),
        lambda: activity_delete(activity=activity, by=portal_users.process_owner),
    ):
        with pytest.raises(PermissionDenied):
            write()
    assert names(purchasing) == ["Request", "Approve", "Order"]


# --- A process's page ----------------------------------------------------------------------------
def test_the_process_page_lists_activities_in_order_with_their_letters(portal_users, client_for, purchasing):
    approve = purchasing.activities.get(name="Approve")
    RaciCellFactory(activity=approve, role=purchasing.owner_role, letter="A")
    RaciCellFactory(activity=approve, role__title="Clerk", letter="R")

    page = client_for(portal_users.employee).get(reverse("roles:process_detail", args=["purchasing"])).content.decode()

    assert page.index("Request") < page.index("Approve") < page.index("Order")
    assert "Buyer" in page and "Clerk" in page
    assert "has no A" in page  # "Request" and "Order" break the rule
    assert "roles:activity_move" not in page and reverse("roles:activity_edit", args=[approve.pk]) not in page


def test_the_quality_manager_sees_move_edit_and_delete_buttons(qm_client, purchasing):
    approve = purchasing.activities.get(name="Approve")

    page = qm_client.get(reverse("roles:process_detail", args=["purchasing"])).content.decode()

    assert reverse("roles:activity_move", args=[approve.pk]) in page
    assert reverse("roles:activity_edit", args=[approve.pk]) in page
    assert reverse("roles:activity_delete", args=[approve.pk]) in page


# --- Activities ----------------------------------------------------------------------------------
def test_a_new_activity_goes_to_the_end_of_its_process(qm_client, purchasing):
    response = qm_client.post(reverse("roles:activity_create", args=["purchasing"]), {"name": "Receive the goods"})

    activity = purchasing.activities.get(name="Receive the goods")
    assert response["Location"] == f"{reverse('roles:process_detail', args=['purchasing'])}#activity-{activity.pk}"
    assert names(purchasing) == ["Request", "Approve", "Order", "Receive the goods"]
    assert activity.position == 4


def test_an_activity_name_already_in_the_process_is_refused(qm_client, purchasing):
    response = qm_client.post(reverse("roles:activity_create", args=["purchasing"]), {"name": "approve"})

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["“Purchasing” already has an activity called “approve”."]
    assert purchasing.activities.count() == 3


def test_renaming_an_activity_keeps_its_place(qm_client, purchasing):
    approve = purchasing.activities.get(name="Approve")

    qm_client.post(reverse("roles:activity_edit", args=[approve.pk]), {"name": "Approve the request"})

    assert names(purchasing) == ["Request", "Approve the request", "Order"]


@pytest.mark.parametrize(("name", "direction", "order"), [
    ("Approve", "up", ["Approve", "Request", "Order"]),
    ("Approve", "down", ["Request", "Order", "Approve"]),
])
def test_moving_an_activity_swaps_it_with_its_neighbour(qm_client, purchasing, name, direction, order):
    activity = purchasing.activities.get(name=name)

    response = qm_client.post(reverse("roles:activity_move", args=[activity.pk]), {"direction": direction})

    assert response["Location"] == f"{reverse('roles:process_detail', args=['purchasing'])}#activity-{activity.pk}"
    assert names(purchasing) == order
    assert AuditEntry.objects.filter(record_type="roles.activity", action=AuditAction.UPDATE).count() == 2


def test_the_first_activity_does_not_move_up(qm_client, purchasing):
    first = purchasing.activities.get(name="Request")

    response = qm_client.post(reverse("roles:activity_move", args=[first.pk]), {"direction": "up"}, follow=True)

    assert names(purchasing) == ["Request", "Approve", "Order"]
    assert "already the first activity" in response.content.decode()


@pytest.mark.parametrize("data", [{}, {"direction": "sideways"}])
def test_a_move_without_a_good_direction_changes_nothing_and_says_why(qm_client, purchasing, data):
    approve = purchasing.activities.get(name="Approve")

    response = qm_client.post(reverse("roles:activity_move", args=[approve.pk]), data, follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("roles:process_detail", args=["purchasing"]))
    assert names(purchasing) == ["Request", "Approve", "Order"]
    assert "up or down" in response.content.decode()


def test_moving_closes_gaps_and_ties_in_positions(portal_users, purchasing):
    ActivityFactory(process=purchasing, position=3, name="Pay")  # ties with "Order"

    pay = purchasing.activities.get(name="Pay")
    assert activity_move(activity=pay, direction="up", by=portal_users.quality_manager)

    assert list(purchasing.activities.order_by("position").values_list("name", "position")) == [
        ("Request", 1), ("Approve", 2), ("Pay", 3), ("Order", 4),
    ]


def test_the_write_refuses_a_direction_other_than_up_or_down_on_the_direction(portal_users, purchasing):
    order = purchasing.activities.get(name="Order")

    with pytest.raises(ValidationError, match="not a direction") as refused:
        activity_move(activity=order, direction="sideways", by=portal_users.quality_manager)

    assert list(refused.value.message_dict) == ["direction"]
    assert purchasing.activities.get(name="Order").position == order.position


def test_deleting_an_activity_asks_first_naming_the_letters_that_go(qm_client, purchasing):
    approve = purchasing.activities.get(name="Approve")
    RaciCellFactory(activity=approve, role=purchasing.owner_role, letter="A")
    RaciCellFactory(activity=approve, role__title="Clerk", letter="R")

    page = qm_client.get(reverse("roles:activity_delete", args=[approve.pk])).content.decode()

    assert "Delete “Approve”?" in page
    assert "These 2 letters go with it" in page and "Buyer" in page and "Clerk" in page
    assert Activity.objects.filter(pk=approve.pk).exists()


def test_deleting_an_activity_takes_its_letters_and_records_both(qm_client, purchasing):
    approve = purchasing.activities.get(name="Approve")
    RaciCellFactory(activity=approve, role=purchasing.owner_role, letter="A")

    response = qm_client.post(reverse("roles:activity_delete", args=[approve.pk]))

    assert response["Location"] == reverse("roles:process_detail", args=["purchasing"])
    assert names(purchasing) == ["Request", "Order"]
    assert not RaciCell.objects.exists()
    deleted = AuditEntry.objects.filter(action=AuditAction.DELETE).values_list("record_type", flat=True)
    assert sorted(deleted) == ["roles.activity", "roles.racicell"]
