"""The action pages: the list and its filters, "My actions", an action's page with its status moves and notes,
and creating or changing actions; who may do what, and what the database holds after a refusal."""
import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leadership.actions import action_update_status
from leadership.models import Action, ActionNote, ActionStatus, Commitment
from qms_portal.access import PortalRole
from tests.core.factories import UserFactory
from tests.leadership.factories import ActionFactory, QualityObjectiveFactory

pytestmark = pytest.mark.django_db


def days_from_today(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def titles(page: str) -> list[str]:
    """The action titles linked from a page, in order."""
    return re.findall(r'href="/leadership/actions/\d+/">([^<]+)</a>', page)


# --- The list ------------------------------------------------------------------------------------
def test_the_list_shows_open_actions_soonest_first_with_how_late_the_overdue_ones_are(portal_users, qm_client):
    ActionFactory(title="Later", due_on=days_from_today(20))
    ActionFactory(title="Late", due_on=days_from_today(-3))
    ActionFactory(title="Finished", due_on=days_from_today(-10), status=ActionStatus.DONE)

    page = qm_client.get(reverse("leadership:action_list")).text

    assert titles(page) == ["Late", "Later"]  # done ones only when asked for
    assert '<span class="text-nowrap text-danger fw-semibold">' in page and "3 days overdue" in page
    assert re.search(r'<span class="fw-semibold">2</span> open\s+· <a class="text-danger fw-semibold"', page)
    assert "1 overdue" in page


def test_the_filters_narrow_the_list_and_keep_their_values(portal_users, client_for):
    owner = portal_users.employee
    objective = QualityObjectiveFactory(title="Scrap rate")
    ActionFactory(title="Mine and late", owner=owner, due_on=days_from_today(-1), source_objective=objective)
    ActionFactory(title="Mine on time", owner=owner, source_objective=objective)
    ActionFactory(title="Mine but done", owner=owner, status=ActionStatus.DONE, source_objective=objective)
    ActionFactory(title="Someone else's and late", due_on=days_from_today(-1), source_objective=objective)
    ActionFactory(title="Mine without a source", owner=owner, due_on=days_from_today(-2))
    client = client_for(portal_users.auditor)

    def listed(**filters) -> list[str]:
        return sorted(titles(client.get(reverse("leadership:action_list"), filters).text))

    assert listed(owner=owner.pk, source="objective", overdue="yes", status="active") == ["Mine and late"]
    assert listed(owner=owner.pk, source="objective", overdue="no", status="active") == ["Mine on time"]
    assert listed(owner=owner.pk, status="") == [
        "Mine and late", "Mine but done", "Mine on time", "Mine without a source",
    ]
    assert listed(status="done") == ["Mine but done"]
    assert listed(source="none") == ["Mine without a source"]
    page = client.get(
        reverse("leadership:action_list"), {"owner": owner.pk, "source": "objective", "overdue": "yes"}
    ).text
    assert f'<option value="{owner.pk}" selected>' in page
    assert '<option value="objective" selected>' in page and '<option value="yes" selected>' in page
    assert "Scrap rate" in page  # the source, linked
    assert f'href="{reverse("leadership:objective_detail", args=[objective.pk])}"' in page


def test_a_filter_that_matches_nothing_says_so(portal_users, qm_client):
    ActionFactory(title="On time")

    page = qm_client.get(reverse("leadership:action_list"), {"overdue": "yes"}).text

    assert "No action matches" in page and titles(page) == []


def test_filtering_by_someone_who_owns_no_action_lists_none_of_the_others(portal_users, qm_client):
    ActionFactory(title="Someone else's")

    # As the overview links to the actions of a top manager who owns none yet.
    page = qm_client.get(reverse("leadership:action_list"), {"owner": portal_users.top_management.pk}).text

    assert titles(page) == [] and "No action matches" in page
    assert f'<option value="{portal_users.top_management.pk}" selected>' in page


def test_an_action_raised_from_a_commitment_starts_with_it_chosen(portal_users, qm_client):
    commitment = Commitment.objects.get(code="5.1.1.e")

    page = qm_client.get(reverse("leadership:action_create"), {"commitment": "5.1.1.e"}).text

    assert f'value="commitment:{commitment.pk}" selected' in page


def test_sources_link_to_their_commitment(portal_users, qm_client):
    commitment = Commitment.objects.get(code="5.1.1.e")
    ActionFactory(title="Budget a second CMM", source_commitment=commitment)

    page = qm_client.get(reverse("leadership:action_list")).text

    assert f'href="{reverse("leadership:commitment_detail", args=["5.1.1.e"])}"' in page


def _actions(count: int, owners: list) -> None:
    creator = UserFactory(roles=[PortalRole.QUALITY_MANAGER])
    objective = QualityObjectiveFactory()
    commitment = Commitment.objects.get(code="5.1.1.a")
    for number in range(count):
        source = {0: {"source_objective": objective}, 1: {"source_commitment": commitment}}.get(number % 3, {})
        ActionFactory(owner=owners[number % len(owners)], created_by=creator, due_on=days_from_today(number % 40 - 20),
                      **source)


def test_the_list_costs_the_same_number_of_queries_for_5_and_500_actions(portal_users, client_for):
    client = client_for(portal_users.top_management)
    client.get(reverse("home"))  # the first page of a session loads what later pages find cached
    owners = [UserFactory(roles=[PortalRole.EMPLOYEE]) for _ in range(5)]
    _actions(5, owners)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("leadership:action_list"), {"status": ""}).status_code == 200
    _actions(495, owners + [UserFactory() for _ in range(20)])
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("leadership:action_list"), {"status": ""}).text

    assert "1–50 of 500" in page
    assert len(many) == len(few), f"{len(few)} queries for 5 actions, {len(many)} for 500"


# --- My actions ----------------------------------------------------------------------------------
def test_my_actions_lists_mine_to_do_first_then_recently_done(portal_users, client_for):
    me = portal_users.employee
    ActionFactory(title="Late one", owner=me, due_on=days_from_today(-3), status=ActionStatus.IN_PROGRESS)
    ActionFactory(title="Next one", owner=me, due_on=days_from_today(5))
    done = ActionFactory(title="Done one", owner=me)
    action_update_status(action=done, status=ActionStatus.DONE, by=me)
    ActionFactory(title="Not mine", due_on=days_from_today(-1))

    page = client_for(me).get(reverse("leadership:my_actions")).text

    assert titles(page) == ["Late one", "Next one", "Done one"]
    assert "2 to do" in page and "1 overdue" in page and "3 days overdue" in page
    assert "border-danger" in page  # the overdue one stands out
    # Quick buttons: the owner may finish or put back an action in progress, start or finish an open one.
    assert page.count('name="status" value="done"') == 2
    assert page.count('name="status" value="in_progress"') == 1
    assert 'value="cancelled"' not in page
    assert f'name="next" value="{reverse("leadership:my_actions")}"' in page


def test_my_actions_costs_the_same_number_of_queries_for_5_and_500_of_mine(portal_users, client_for):
    me = portal_users.process_owner  # reads leadership records too, so that sources are links
    client = client_for(me)
    client.get(reverse("home"))  # the first page of a session loads what later pages find cached

    def mine(count: int) -> None:
        _actions(count, [me])
        for _ in range(count // 5):
            ActionFactory(owner=me, status=ActionStatus.DONE, completed_on=days_from_today(-1))

    mine(5)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("leadership:my_actions")).status_code == 200
    mine(495)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("leadership:my_actions")).text

    assert "500 to do" in page
    assert len(many) == len(few), f"{len(few)} queries for 5 actions, {len(many)} for 500"


def test_my_actions_says_so_when_nothing_is_assigned(portal_users, client_for):
    ActionFactory(title="Not mine")

    page = client_for(portal_users.employee).get(reverse("leadership:my_actions")).text

    assert "Nothing assigned to you" in page and titles(page) == []


def test_a_quick_button_moves_the_action_and_comes_back_to_my_actions(portal_users, client_for):
    me = portal_users.employee
    action = ActionFactory(owner=me)

    response = client_for(me).post(
        reverse("leadership:action_status", args=[action.pk]),
        {"status": "in_progress", "next": reverse("leadership:my_actions")},
    )

    assert response.status_code == 302 and response["Location"] == reverse("leadership:my_actions")
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS


# --- An action's page and its steps --------------------------------------------------------------
def test_the_owner_moves_their_action_with_a_note_and_sees_it_in_the_history(portal_users, client_for):
    me = portal_users.employee
    action = ActionFactory(owner=me)
    client = client_for(me)

    response = client.post(
        reverse("leadership:action_status", args=[action.pk]), {"status": "done", "note": "Board is tidy."}
    )

    assert response.status_code == 302 and response["Location"] == reverse("leadership:action_detail", args=[action.pk])
    action.refresh_from_db()
    assert (action.status, action.completed_on) == (ActionStatus.DONE, timezone.localdate())
    page = client.get(reverse("leadership:action_detail", args=[action.pk])).text
    assert "Open → Done" in page and "Board is tidy." in page and "Emil Park" in page
    assert "Edit</a>" not in page  # editing is for managers of actions


def test_an_employee_cannot_move_or_note_someone_elses_action(portal_users, client_for):
    action = ActionFactory(title="Not yours")
    client = client_for(portal_users.employee)

    assert client.get(reverse("leadership:action_detail", args=[action.pk])).status_code == 403
    moved = client.post(reverse("leadership:action_status", args=[action.pk]), {"status": "done"})
    noted = client.post(reverse("leadership:action_note_add", args=[action.pk]), {"text": "Done it for you"})

    assert (moved.status_code, noted.status_code) == (403, 403)
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN and action.completed_on is None
    assert not ActionNote.objects.exists()


def test_the_owner_cannot_cancel_their_action_and_is_not_offered_to(portal_users, client_for):
    me = portal_users.employee
    action = ActionFactory(owner=me)
    client = client_for(me)

    page = client.get(reverse("leadership:action_detail", args=[action.pk])).text
    response = client.post(reverse("leadership:action_status", args=[action.pk]), {"status": "cancelled"})

    assert 'value="cancelled"' not in page
    assert response.status_code == 403 and "Only a manager of actions may cancel" in response.text
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_a_move_the_status_does_not_allow_is_a_conflict_and_changes_nothing(portal_users, qm_client):
    action = ActionFactory(status=ActionStatus.DONE, completed_on=timezone.localdate())

    response = qm_client.post(
        reverse("leadership:action_status", args=[action.pk]), {"status": "in_progress", "note": "Hm"}
    )

    assert response.status_code == 409 and "cannot become in progress" in response.text
    assert "Nothing was changed" in response.text
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and not ActionNote.objects.exists()


def test_a_status_that_does_not_exist_is_refused_on_the_page(portal_users, qm_client):
    action = ActionFactory()

    response = qm_client.post(reverse("leadership:action_status", args=[action.pk]), {"status": "finished"})

    assert response.status_code == 200 and "The status was not changed" in response.text
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_a_manager_cancels_and_reopens_any_action(portal_users, client_for):
    action = ActionFactory()
    client = client_for(portal_users.top_management)

    assert 'value="cancelled"' in client.get(reverse("leadership:action_detail", args=[action.pk])).text
    client.post(reverse("leadership:action_status", args=[action.pk]), {"status": "cancelled", "note": "Overtaken"})
    action.refresh_from_db()
    assert action.status == ActionStatus.CANCELLED
    client.post(reverse("leadership:action_status", args=[action.pk]), {"status": "open"})
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_notes_are_added_by_the_owner_and_shown_newest_first(portal_users, client_for):
    me = portal_users.employee
    action = ActionFactory(owner=me)
    client = client_for(me)

    client.post(reverse("leadership:action_note_add", args=[action.pk]), {"text": "Ordered the boards."})
    response = client.post(reverse("leadership:action_note_add", args=[action.pk]), {"text": "Boards arrived."})

    assert response.status_code == 302
    page = client.get(reverse("leadership:action_detail", args=[action.pk])).text
    assert page.index("Boards arrived.") < page.index("Ordered the boards.")
    assert list(action.notes.values_list("author__username", flat=True)) == ["emp", "emp"]


def test_an_empty_note_is_refused_with_a_message_and_nothing_saved(portal_users, client_for):
    action = ActionFactory(owner=portal_users.employee)

    response = client_for(portal_users.employee).post(
        reverse("leadership:action_note_add", args=[action.pk]), {"text": "  "}
    )

    assert response.status_code == 200
    assert "The note was not added" in response.text and "Write the note before adding it." in response.text
    assert not ActionNote.objects.exists()


@pytest.mark.parametrize("target", ["https://elsewhere.example/", "//elsewhere.example/x", "javascript:alert(1)"])
def test_next_leads_only_to_this_site(portal_users, qm_client, target):
    action = ActionFactory()

    response = qm_client.post(
        reverse("leadership:action_note_add", args=[action.pk]), {"text": "Checked", "next": target}
    )

    assert response["Location"] == reverse("leadership:action_detail", args=[action.pk])


def test_next_within_the_site_is_followed(portal_users, qm_client):
    action = ActionFactory()

    response = qm_client.post(
        reverse("leadership:action_status", args=[action.pk]),
        {"status": "in_progress", "next": reverse("leadership:action_list")},
    )

    assert response["Location"] == reverse("leadership:action_list")


def test_a_reader_sees_the_action_but_no_button_or_note_form(portal_users, client_for):
    action = ActionFactory(description="Replace the faded board by the canteen.")

    page = client_for(portal_users.auditor).get(reverse("leadership:action_detail", args=[action.pk])).text

    assert "Replace the faded board" in page
    assert "Move it on" not in page and "Add note" not in page


# --- Creating and changing -----------------------------------------------------------------------
def test_the_new_action_form_is_due_in_30_days_and_offers_only_active_people(portal_users, qm_client):
    UserFactory(full_name="Left Already", is_active=False)

    page = qm_client.get(reverse("leadership:action_create")).text

    assert f'value="{days_from_today(30).isoformat()}"' in page
    assert "Emil Park" in page and "Left Already" not in page


def test_a_manager_creates_an_action_for_an_objective(portal_users, client_for):
    objective = QualityObjectiveFactory(title="First-pass yield")
    client = client_for(portal_users.top_management)
    assert f'value="objective:{objective.pk}" selected' in client.get(
        reverse("leadership:action_create"), {"objective": objective.pk}
    ).text

    response = client.post(reverse("leadership:action_create"), {
        "title": "Weekly yield huddle", "description": "", "owner": portal_users.employee.pk,
        "due_on": days_from_today(14).isoformat(), "source": f"objective:{objective.pk}",
    })

    action = Action.objects.get()
    assert response["Location"] == reverse("leadership:action_detail", args=[action.pk])
    assert (action.title, action.owner, action.source, action.created_by) == (
        "Weekly yield huddle", portal_users.employee, objective, portal_users.top_management,
    )


@pytest.mark.parametrize(
    ("changes", "field_error"),
    [
        ({"title": ""}, "This field is required."),
        ({"owner": ""}, "This field is required."),
        ({"due_on": "next week"}, "Enter a valid date."),
        ({"source": "commitment:999999"}, "Select a valid choice."),
        ({"source": "review:1"}, "Select a valid choice."),
    ],
)
def test_an_invalid_action_is_refused_and_nothing_is_created(portal_users, qm_client, changes, field_error):
    data = {"title": "Tidy up", "owner": portal_users.employee.pk, "due_on": days_from_today(5).isoformat()}

    response = qm_client.post(reverse("leadership:action_create"), data | changes)

    assert response.status_code == 200 and field_error in response.text
    assert not Action.objects.exists()


def test_an_inactive_owner_is_refused(portal_users, qm_client):
    gone = UserFactory(is_active=False)

    response = qm_client.post(reverse("leadership:action_create"), {
        "title": "Tidy up", "owner": gone.pk, "due_on": days_from_today(5).isoformat(),
    })

    assert response.status_code == 200 and "Select a valid choice." in response.text
    assert not Action.objects.exists()


def test_a_manager_changes_an_action_but_not_its_source(portal_users, qm_client):
    objective = QualityObjectiveFactory(title="Scrap rate")
    action = ActionFactory(title="Old title", source_objective=objective)

    page = qm_client.get(reverse("leadership:action_edit", args=[action.pk])).text
    response = qm_client.post(reverse("leadership:action_edit", args=[action.pk]), {
        "title": "New title", "description": "Now with a scope.", "owner": portal_users.process_owner.pk,
        "due_on": days_from_today(60).isoformat(), "source": "",
    })

    assert 'name="source"' not in page and "Scrap rate" in page
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.title, action.owner, action.due_on, action.source) == (
        "New title", portal_users.process_owner, days_from_today(60), objective,
    )
    history = qm_client.get(reverse("leadership:action_detail", args=[action.pk])).text
    assert "Changed:" in history and "due on" in history


def test_an_employee_sees_the_source_of_their_action_without_a_link_they_could_not_follow(portal_users, client_for):
    objective = QualityObjectiveFactory(title="Scrap rate")
    ActionFactory(owner=portal_users.employee, source_objective=objective)

    page = client_for(portal_users.employee).get(reverse("leadership:my_actions")).text

    assert "Scrap rate" in page and reverse("leadership:objective_detail", args=[objective.pk]) not in page
