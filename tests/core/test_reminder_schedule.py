"""The organisation's reminder schedule (issue 14): one page listing every kind's days with their defaults, saved
with a reason and only when every field is valid, read by the kinds through ``schedule_value`` (the sweep reads the
organisation once), and the readiness thresholds' three reminder settings moved there by a data migration."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from leadership.reminders import ACTION_ESCALATION_AFTER, ACTION_OVERDUE_EVERY, REVIEW_DAYS_BEFORE
from policy.reminders import ACK_DAYS_BEFORE
from qms_portal.audit import AuditEntry
from qms_portal.models import Organisation
from qms_portal.notifications import (
    REMINDER_KINDS,
    ReminderKind,
    reminder_kind_register,
    reminder_kind_unregister,
    reminders_sweep,
    schedule_settings,
)
from qms_portal.reminder_schedule import Days, DaysList, schedule_value

URL = "reminder_schedule"


def current_values() -> dict[str, str]:
    """The form as the page shows it, every setting at the value in use."""
    return {key: setting.text(schedule_value(setting)) for key, setting in schedule_settings().items()}


def stored() -> dict:
    return Organisation.current().reminder_schedule


# --- The page -----------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_page_lists_every_kinds_setting_by_group_with_its_default(portal_users, qm_client):
    page = qm_client.get(reverse(URL)).text

    for group in ("Management reviews", "Actions", "Quality policy", "People"):
        assert f">{group}</h2>" in page
    for setting in schedule_settings().values():
        assert escape(setting.label) in page
        assert f'name="{setting.key}" value="{setting.text(setting.default)}"' in page
        assert f"Default: {setting.text(setting.default)}." in page
    assert "Default: 14, 7, 1." in page and "Default: 7, 1." in page
    # Every kind that counts days has its settings here: the leadership, policy and account kinds.
    assert {"review_reminder_days", "action_escalation_days", "policy_ack_days_before",
            "account_access_ending_days"} <= set(schedule_settings())


@pytest.mark.django_db
def test_the_organisation_page_links_to_the_schedule(portal_users, qm_client):
    assert f'href="{reverse(URL)}"' in qm_client.get(reverse("organisation")).text


@pytest.mark.django_db
def test_a_change_is_saved_with_its_reason_and_every_kind_reads_it(portal_users, qm_client):
    values = {**current_values(), "review_reminder_days": "3, 10", "action_escalation_days": "5",
              "policy_ack_days_before": "10,3,1", "reason": "Tighter follow-up"}

    response = qm_client.post(reverse(URL), values)

    assert response.status_code == 302
    # Only what differs from the defaults is kept: the rest follows the defaults.
    assert stored() == {"review_reminder_days": [10, 3], "action_escalation_days": 5,
                        "policy_ack_days_before": [10, 3, 1]}
    assert schedule_value(REVIEW_DAYS_BEFORE) == (10, 3)
    assert schedule_value(ACTION_ESCALATION_AFTER) == 5
    assert schedule_value(ACK_DAYS_BEFORE) == (10, 3, 1)
    assert schedule_value(ACTION_OVERDUE_EVERY) == 7
    entry = AuditEntry.objects.filter(record_type="qms_portal.organisation").order_by("id").last()
    assert entry is not None and entry.reason == "Tighter follow-up"
    page = qm_client.get(reverse(URL)).text
    assert 'name="review_reminder_days" value="10, 3"' in page and "Default: 14, 7, 1." in page


@pytest.mark.django_db
def test_bad_input_shows_each_fields_error_and_changes_nothing(portal_users, qm_client):
    qm_client.post(reverse(URL), {**current_values(), "action_escalation_days": "21", "reason": "Start"})
    before = stored()

    response = qm_client.post(reverse(URL), {
        **current_values(), "review_reminder_days": "ten, 3", "action_escalation_days": "0",
        "action_reminder_repeat_days": "91", "policy_ack_overdue_repeat_days": "4", "reason": "Typo",
    })

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Give whole numbers of days from 1 to 365" in errors["review_reminder_days"][0]
    assert errors["action_escalation_days"] == ["Give a number of days from 1 to 365."]
    assert errors["action_reminder_repeat_days"] == ["Give a number of days from 1 to 90."]
    assert "policy_ack_overdue_repeat_days" not in errors
    assert stored() == before == {"action_escalation_days": 21}  # not even the valid field was saved


@pytest.mark.django_db
def test_a_change_without_a_reason_is_refused_and_an_unchanged_form_needs_none(portal_users, qm_client):
    refused = qm_client.post(reverse(URL), {**current_values(), "action_escalation_days": "5", "reason": ""})
    assert refused.status_code == 200 and "reason" in refused.context["form"].errors
    assert stored() == {}
    assert qm_client.post(reverse(URL), {**current_values(), "reason": ""}).status_code == 302


@pytest.mark.django_db
def test_an_empty_field_or_the_default_goes_back_to_following_the_default(portal_users, qm_client):
    qm_client.post(reverse(URL), {**current_values(), "action_escalation_days": "5",
                                  "review_reminder_days": "3", "reason": "Try"})
    qm_client.post(reverse(URL), {**current_values(), "action_escalation_days": "",
                                  "review_reminder_days": "1, 7, 14", "reason": "Back"})
    assert stored() == {}
    assert schedule_value(ACTION_ESCALATION_AFTER) == 14


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["top_management", "process_owner", "employee", "auditor"])
def test_without_the_organisation_capability_the_page_is_refused_and_nothing_changes(portal_users, client_for, who):
    client = client_for(portal_users.by_key(who))
    assert client.get(reverse(URL)).status_code == 403
    response = client.post(reverse(URL), {**current_values(), "action_escalation_days": "5", "reason": "Mine"})
    assert response.status_code == 403
    assert stored() == {}


# --- The one read ---------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_stored_value_no_longer_valid_is_read_as_its_default():
    organisation = Organisation.current()
    organisation.reminder_schedule = {"action_escalation_days": 0, "review_reminder_days": "x"}
    organisation.save()
    assert schedule_value(ACTION_ESCALATION_AFTER) == 14
    assert schedule_value(REVIEW_DAYS_BEFORE) == (14, 7, 1)


def test_a_kind_cannot_declare_a_setting_another_kind_declares():
    mine = ReminderKind("test_copycat", "Copycat", "Tests", lambda now: [], schedule=(
        Days("action_escalation_days", "Escalate", help="", default=3),
    ))
    with pytest.raises(ValueError, match="already 'action_escalation'"):
        reminder_kind_register(mine)
    assert "test_copycat" not in REMINDER_KINDS


def test_a_list_of_days_is_read_largest_first_without_repeats():
    days = DaysList("test_days", "Days", help="", default=(7, 1))
    assert days.clean("1, 7,7 ,14") == (14, 7, 1)
    assert days.clean([3, 10]) == (10, 3)


@pytest.mark.django_db
def test_the_sweep_reads_the_organisation_once_whatever_the_number_of_kinds_reading_the_schedule(portal_users):
    reads = []

    def find(now: dt.datetime) -> list:
        reads.append(schedule_value(ACTION_ESCALATION_AFTER))
        return []

    for n in range(3):
        reminder_kind_register(ReminderKind(f"test_reader_{n}", "Reader", "Tests", find))
    try:
        Organisation.current()
        with CaptureQueriesContext(connection) as queries:
            reminders_sweep(now=timezone.now(), dry_run=True)
    finally:
        for n in range(3):
            reminder_kind_unregister(f"test_reader_{n}")
    organisation_reads = [q for q in queries.captured_queries if 'FROM "qms_portal_organisation"' in q["sql"]]
    assert reads == [14, 14, 14]
    assert len(organisation_reads) == 1


# --- The readiness thresholds' reminder settings moved here -------------------------------------------------------
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the portal roles come back after
@pytest.mark.usefixtures("truncatable_test_database")  # PostgreSQL: the test's end empties retained records' tables
def test_the_migration_keeps_the_reminder_settings_changed_on_the_readiness_thresholds():
    executor = MigrationExecutor(connection)
    before = [("leadership", "0009_reminder_settings")]
    after = executor.loader.graph.leaf_nodes("leadership")
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    old.get_model("leadership", "ReadinessSettings").objects.create(
        review_reminder_days="10, 3", action_reminder_repeat_days=7, action_escalation_days=21,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(after)

    # The repeat was left at its default: it is not stored, and follows the default.
    assert Organisation.current().reminder_schedule == {"review_reminder_days": [10, 3], "action_escalation_days": 21}
    assert schedule_value(REVIEW_DAYS_BEFORE) == (10, 3)
    assert schedule_value(ACTION_ESCALATION_AFTER) == 21
