"""The audit trail: what it records, that nothing can change it, that tampering is found, and its page."""
import csv
import datetime as dt
import io
import json
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import resolve, reverse

from qms_portal.access import PortalRole
from qms_portal.audit import (
    AuditAction,
    AuditBypassRefused,
    AuditEntry,
    AuditTrailImmutable,
    audit_context,
    audit_history,
    audit_step,
)
from qms_portal.models import Job, Organisation, OrgUnit, User
from tests.core.factories import PASSWORD, OrgUnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def entries_for(obj, after: int = 0) -> list[AuditEntry]:
    """The entries about ``obj``, oldest first; only those after entry ``after`` when given."""
    entries = AuditEntry.objects.filter(record_type=obj._meta.label_lower, object_id=str(obj.pk), pk__gt=after)
    return list(entries.order_by("id"))


def last_entry_id() -> int:
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def unit_form(unit: OrgUnit, **changes) -> dict:
    data = {"name": unit.name, "code": unit.code, "kind": unit.kind, "parent": unit.parent_id or "", "description": ""}
    return {**data, **changes}


def person_form(person: User, roles: list[str], **changes) -> dict:
    data = {
        "username": person.username,
        "full_name": person.full_name,
        "email": person.email,
        "job_title": person.job_title,
        "org_unit": person.org_unit_id or "",
        "access_expires_on": "",
        "is_active": "on",
        "roles": [Group.objects.get(name=role).pk for role in roles],
    }
    return {**data, **changes}


def run_sql(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- What is recorded ----------------------------------------------------------------------------


def test_renaming_an_org_unit_records_who_and_the_name_before_and_after(portal_users, qm_client):
    unit = OrgUnitFactory(name="Machining")

    response = qm_client.post(reverse("org_unit_edit", args=[unit.pk]), unit_form(unit, name="CNC machining"))

    assert response.status_code == 302
    last = entries_for(unit)[-1]
    assert last.action == "update"
    assert last.actor_id == portal_users.quality_manager.pk
    assert last.actor_name == portal_users.quality_manager.full_name
    assert last.changes == {"name": ["Machining", "CNC machining"]}


def test_creating_an_org_unit_records_its_values(portal_users, qm_client):
    qm_client.post(reverse("org_unit_create"), {"name": "Paint shop", "code": "PAINT", "kind": "department"})

    unit = OrgUnit.objects.get(code="PAINT")
    [entry] = entries_for(unit)
    assert entry.action == "create"
    assert entry.actor_id == portal_users.quality_manager.pk
    assert entry.changes["name"] == [None, "Paint shop"]
    assert entry.changes["code"] == [None, "PAINT"]


def test_deleting_an_org_unit_records_the_values_it_had(portal_users, qm_client):
    unit = OrgUnitFactory(name="Old stores", code="STORES")

    qm_client.post(reverse("org_unit_delete", args=[unit.pk]))

    assert not OrgUnit.objects.filter(code="STORES").exists()
    last = AuditEntry.objects.filter(record_type="qms_portal.orgunit", object_id=str(unit.pk)).order_by("id").last()
    assert last.action == "delete"
    assert last.actor_id == portal_users.quality_manager.pk
    assert last.object_repr == "Old stores"
    assert last.changes["name"] == ["Old stores", None]
    assert last.changes["code"] == ["STORES", None]


def test_changing_a_persons_portal_roles_records_the_roles_before_and_after(portal_users, qm_client):
    person = UserFactory(roles=[PortalRole.EMPLOYEE])
    form = {**person_form(person, [PortalRole.PROCESS_OWNER, PortalRole.TOP_MANAGEMENT]),
            "reason": "Appointed to the management board"}
    before = last_entry_id()

    response = qm_client.post(reverse("person_edit", args=[person.pk]), form)

    assert response.status_code == 302
    role_entries = [entry for entry in entries_for(person, after=before) if "groups" in entry.changes]
    assert role_entries[0].changes["groups"][0] == ["Employee"]
    assert role_entries[-1].changes["groups"][1] == ["Process owner", "Top management"]
    assert {entry.actor_id for entry in role_entries} == {portal_users.quality_manager.pk}
    assert {entry.reason for entry in role_entries} == {"Appointed to the management board"}


def test_password_values_never_appear_in_the_trail(client_for):
    person = UserFactory()
    old_hash = person.password
    new_password = "Brand-New-Secret-4471"
    client = client_for(person)

    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password,
    })

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password(new_password)
    recorded = [entry.changes["password"] for entry in entries_for(person) if "password" in entry.changes]
    assert recorded[-1] == ["(redacted)", "(redacted)"], "the change is recorded, without its values"
    trail = json.dumps(list(AuditEntry.objects.values()), default=str)
    for secret in (PASSWORD, new_password, old_hash, person.password):
        assert secret not in trail


def test_saving_some_fields_records_only_those_and_a_later_save_records_the_rest():
    unit = OrgUnitFactory(name="Machining", description="old")
    start = last_entry_id()
    unit.name = "Machining and turning"
    unit.description = "new"

    unit.save(update_fields=["description"])
    unit.save()

    first, second = entries_for(unit, after=start)
    assert first.changes == {"description": ["old", "new"]}
    assert second.changes == {"name": ["Machining", "Machining and turning"]}


def test_a_change_after_refresh_from_db_is_recorded_against_the_fresh_values():
    unit = OrgUnitFactory(name="Stores")
    stale = OrgUnit.objects.get(pk=unit.pk)
    unit.name = "Goods in"
    unit.save()
    start = last_entry_id()

    stale.refresh_from_db()
    stale.name = "Stores"
    stale.save()

    [entry] = entries_for(unit, after=start)
    assert entry.changes == {"name": ["Goods in", "Stores"]}


def test_roles_given_from_the_groups_side_are_recorded_on_each_person():
    first, second = UserFactory(roles=[PortalRole.EMPLOYEE]), UserFactory(roles=[PortalRole.EMPLOYEE])
    auditors = Group.objects.get(name=PortalRole.AUDITOR)
    start = last_entry_id()

    auditors.user_set.add(first, second)
    auditors.user_set.clear()

    for person in (first, second):
        added, cleared = entries_for(person, after=start)
        assert added.changes == {"groups": [["Employee"], ["Auditor", "Employee"]]}
        assert cleared.changes == {"groups": [["Auditor", "Employee"], ["Employee"]]}


def test_deleting_a_person_records_the_roles_they_held():
    person = UserFactory(roles=[PortalRole.PROCESS_OWNER, PortalRole.EMPLOYEE])
    start = last_entry_id()

    person.delete()

    [entry] = [e for e in AuditEntry.objects.filter(pk__gt=start) if e.record_type == "qms_portal.user"]
    assert entry.action == "delete"
    assert entry.changes["groups"] == [["Employee", "Process owner"], None]


@pytest.mark.parametrize("bulk_write", [
    lambda: OrgUnit.objects.update(name="Renamed"),
    lambda: OrgUnit.objects.bulk_create([OrgUnit(name="Bulk", code="BULK")]),
    lambda: OrgUnit.objects.bulk_update(list(OrgUnit.objects.all()), ["name"]),
    lambda: User.objects.filter(is_active=True).update(is_active=False),
])
def test_bulk_writes_that_would_skip_the_trail_are_refused(bulk_write):
    unit = OrgUnitFactory(name="Assembly")
    person = UserFactory()
    start = last_entry_id()

    with pytest.raises(AuditBypassRefused, match="bypass the audit trail"):
        bulk_write()

    assert OrgUnit.objects.get(pk=unit.pk).name == "Assembly"
    assert not OrgUnit.objects.filter(code="BULK").exists()
    assert User.objects.get(pk=person.pk).is_active
    assert last_entry_id() == start


def test_a_change_whose_entry_cannot_be_written_is_not_kept():
    unit = OrgUnitFactory(name="Paint shop")

    with mock.patch.object(AuditEntry, "save", side_effect=DatabaseError("disk full")), pytest.raises(DatabaseError):
        unit.name = "Finishing"
        unit.save()

    assert OrgUnit.objects.get(pk=unit.pk).name == "Paint shop"


# --- Nothing can change it -----------------------------------------------------------------------


def _update_all(entry):
    AuditEntry.objects.update(reason="rewritten")


def _update_one(entry):
    AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")


def _delete_all(entry):
    AuditEntry.objects.all().delete()


def _save_changed(entry):
    entry.reason = "rewritten"
    entry.save()


def _delete_one(entry):
    entry.delete()


def _bulk_update(entry):
    entry.reason = "rewritten"
    AuditEntry.objects.bulk_update([entry], ["reason"])


@pytest.mark.parametrize("attempt", [_update_all, _update_one, _delete_all, _save_changed, _delete_one, _bulk_update])
def test_the_orm_refuses_to_change_or_remove_an_entry(attempt):
    unit = OrgUnitFactory()
    [entry] = entries_for(unit)
    count = AuditEntry.objects.count()

    with pytest.raises(AuditTrailImmutable):
        attempt(entry)

    assert AuditEntry.objects.count() == count
    assert AuditEntry.objects.get(pk=entry.pk).reason == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only")
@pytest.mark.parametrize("sql", [
    "UPDATE qms_portal_auditentry SET reason = 'rewritten' WHERE id = %s",
    "DELETE FROM qms_portal_auditentry WHERE id = %s",
])
def test_postgresql_refuses_raw_sql_changes_to_entries(sql):
    unit = OrgUnitFactory()
    [entry] = entries_for(unit)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        run_sql(sql, [entry.pk])

    assert AuditEntry.objects.get(pk=entry.pk).reason == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only")
def test_postgresql_refuses_to_truncate_the_trail():
    OrgUnitFactory()

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        run_sql("TRUNCATE qms_portal_auditentry", [])

    assert AuditEntry.objects.exists()


# --- Tampering is found --------------------------------------------------------------------------


def test_verify_audit_trail_passes_on_an_untouched_trail():
    OrgUnitFactory.create_batch(3)
    out = io.StringIO()

    call_command("verify_audit_trail", stdout=out)

    assert f"{AuditEntry.objects.count()} entries verified" in out.getvalue()


def test_a_row_edited_by_raw_sql_is_named_by_verify_audit_trail(allow_audit_tampering):
    units = OrgUnitFactory.create_batch(3)
    [target] = entries_for(units[1])
    call_command("verify_audit_trail", stdout=io.StringIO())
    allow_audit_tampering()

    run_sql("UPDATE qms_portal_auditentry SET object_repr = 'Forged' WHERE id = %s", [target.pk])

    with pytest.raises(CommandError, match=rf"#{target.pk}\b.*changed after it was written"):
        call_command("verify_audit_trail")


def test_a_row_whose_hash_was_recomputed_after_editing_is_still_found(allow_audit_tampering):
    """Rewriting a row and its own hash is not enough: the next row no longer follows it."""
    units = OrgUnitFactory.create_batch(3)
    [target] = entries_for(units[1])
    [following] = entries_for(units[2])
    target.object_repr = "Forged"
    forged_hash = target.compute_hash()
    allow_audit_tampering()

    run_sql("UPDATE qms_portal_auditentry SET object_repr = 'Forged', hash = %s WHERE id = %s",
            [forged_hash, target.pk])

    with pytest.raises(CommandError, match=rf"#{following.pk}\b.*removed or altered"):
        call_command("verify_audit_trail")


def test_a_row_removed_by_raw_sql_is_found_at_the_row_after_it(allow_audit_tampering):
    units = OrgUnitFactory.create_batch(3)
    [removed] = entries_for(units[1])
    [following] = entries_for(units[2])
    allow_audit_tampering()

    run_sql("DELETE FROM qms_portal_auditentry WHERE id = %s", [removed.pk])

    with pytest.raises(CommandError, match=rf"#{following.pk}\b.*removed or altered"):
        call_command("verify_audit_trail")


@pytest.fixture
def verify_from_the_page(qm_client, django_capture_on_commit_callbacks):
    """Start a verification as a person would; what the job (run in-process after the commit) found."""

    def verify() -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            response = qm_client.post(reverse("audit_trail_verify"))
        return Job.objects.get(pk=resolve(response.url).kwargs["pk"]).result

    return verify


def test_entries_cut_from_the_end_after_a_verification_are_found(verify_from_the_page, allow_audit_tampering):
    units = OrgUnitFactory.create_batch(3)
    [last_unit] = entries_for(units[2])
    assert verify_from_the_page()["ok"] is True
    head_id = last_entry_id()
    allow_audit_tampering()

    run_sql("DELETE FROM qms_portal_auditentry WHERE id >= %s", [last_unit.pk])

    with pytest.raises(CommandError, match=rf"#{head_id}\b.*is gone: entries were removed from the end of the trail"):
        call_command("verify_audit_trail")
    result = verify_from_the_page()
    assert (result["ok"], result["bad_entry_id"]) == (False, head_id)


def test_a_chain_rewritten_from_an_edited_row_onwards_is_found(verify_from_the_page, allow_audit_tampering):
    """Recomputing every hash after an edit keeps the chain consistent, but not the head seen earlier."""
    units = OrgUnitFactory.create_batch(3)
    [target] = entries_for(units[0])
    assert verify_from_the_page()["ok"] is True
    head_id = last_entry_id()
    allow_audit_tampering()

    previous_hash = AuditEntry.objects.get(pk=target.pk).prev_hash
    for entry in AuditEntry.objects.filter(pk__gte=target.pk, pk__lte=head_id).order_by("id"):
        if entry.pk == target.pk:
            entry.object_repr = "Forged"
        entry.prev_hash = previous_hash
        forged = entry.compute_hash()
        run_sql(
            "UPDATE qms_portal_auditentry SET object_repr = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [entry.object_repr, previous_hash, forged, entry.pk],
        )
        previous_hash = forged

    with pytest.raises(CommandError, match=rf"#{head_id}\b.*rewritten"):
        call_command("verify_audit_trail")


# --- The audit trail page ------------------------------------------------------------------------


def unit_created_at(when: dt.datetime, name: str, actor=None) -> OrgUnit:
    with mock.patch("django.utils.timezone.now", return_value=when), audit_context(actor=actor):
        return OrgUnitFactory(name=name)


def shown(response) -> list[str]:
    """What the page lists in its table, as record names."""
    return [entry.object_repr for entry in response.context["page"].object_list]


def test_the_page_filters_by_date_range(qm_client):
    for day in (1, 10, 20):
        unit_created_at(dt.datetime(2025, 3, day, 12, tzinfo=dt.UTC), f"Unit of {day} March")

    response = qm_client.get(reverse("audit_trail"), {"date_from": "2025-03-05", "date_to": "2025-03-15"})

    assert shown(response) == ["Unit of 10 March"]
    assert "Unit of 10 March" in response.text
    assert "Unit of 1 March" not in response.text
    assert "Unit of 20 March" not in response.text


def test_the_date_range_is_read_in_the_organisations_time_zone(qm_client):
    organisation = Organisation.current()
    organisation.time_zone = "Asia/Tokyo"
    organisation.save()
    # 20:00 on 10 March in UTC is 05:00 on 11 March in Tokyo.
    unit_created_at(dt.datetime(2025, 3, 10, 20, tzinfo=dt.UTC), "Late shift unit")

    on_the_11th = qm_client.get(reverse("audit_trail"), {"date_from": "2025-03-11", "date_to": "2025-03-11"})
    on_the_10th = qm_client.get(reverse("audit_trail"), {"date_from": "2025-03-10", "date_to": "2025-03-10"})

    assert shown(on_the_11th) == ["Late shift unit"]
    assert shown(on_the_10th) == []


def test_an_end_date_before_the_start_date_is_an_error_and_lists_nothing(qm_client):
    unit_created_at(dt.datetime(2025, 3, 10, 12, tzinfo=dt.UTC), "Any unit")

    response = qm_client.get(reverse("audit_trail"), {"date_from": "2025-03-15", "date_to": "2025-03-05"})

    assert response.context["form"].errors["date_to"] == ["The end date is before the start date."]
    assert shown(response) == []


def test_the_page_filters_by_person(portal_users, qm_client):
    now = dt.datetime(2025, 3, 10, 12, tzinfo=dt.UTC)
    unit_created_at(now, "Unit by the director", actor=portal_users.top_management)
    unit_created_at(now, "Unit by the quality manager", actor=portal_users.quality_manager)

    response = qm_client.get(reverse("audit_trail"), {"actor": "tessa"})

    assert portal_users.top_management.full_name == "Tessa Mann"
    assert shown(response) == ["Unit by the director"]


def test_the_page_filters_by_kind_of_record(qm_client):
    OrgUnitFactory(name="Only unit")
    UserFactory(full_name="Only person")

    units = qm_client.get(reverse("audit_trail"), {"record_type": "qms_portal.orgunit"})
    people = qm_client.get(reverse("audit_trail"), {"record_type": "qms_portal.user"})

    assert shown(units) == ["Only unit"]
    assert "Only person" in shown(people)
    assert "Only unit" not in shown(people)


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@"])
def test_the_csv_export_escapes_cells_a_spreadsheet_would_run(prefix, portal_users, client_for):
    formula = f'{prefix}HYPERLINK("http://evil.example/","Click")'
    OrgUnitFactory(name=formula)
    OrgUnitFactory(name="Plain unit")

    response = client_for(portal_users.auditor).get(reverse("audit_trail_csv"), {"record_type": "qms_portal.orgunit"})

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [row["record"] for row in rows] == ["Plain unit", "'" + formula]


def test_the_csv_export_escapes_a_formula_in_a_persons_name(portal_users, client_for):
    prankster = UserFactory(full_name="=cmd|'/c calc'!A1")
    with audit_context(actor=prankster):
        OrgUnitFactory(name="Unit by a prankster")

    response = client_for(portal_users.auditor).get(reverse("audit_trail_csv"), {"actor": "=cmd"})

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [row["who"] for row in rows] == ["'=cmd|'/c calc'!A1"]


@pytest.mark.parametrize(("who", "status"), [
    ("quality_manager", 200),
    ("auditor", 200),
    ("top_management", 200),  # accountable for the QMS, so they read its trail (issue 10)
    ("process_owner", 403),
    ("employee", 403),
])
def test_only_the_quality_manager_top_management_and_auditors_read_the_trail(who, status, portal_users, client_for):
    client = client_for(portal_users.by_key(who))

    assert client.get(reverse("audit_trail")).status_code == status
    assert client.get(reverse("audit_trail_csv")).status_code == status


def test_an_inner_audit_block_without_a_reason_keeps_the_outer_reason(portal_users):
    qm = portal_users.quality_manager
    with audit_context(actor=qm, reason="Reorganisation of 1 March"), audit_context(actor=qm):
        unit = OrgUnitFactory()

    assert entries_for(unit)[-1].reason == "Reorganisation of 1 March"


def test_a_records_history_lists_its_own_entries_oldest_first_and_its_steps_alone_on_request():
    unit, neighbour = OrgUnitFactory(name="Sales"), OrgUnitFactory(name="Stores")
    unit.name = "Sales and marketing"
    unit.save()
    audit_step(unit, step="reviewed", reason="Yearly look")
    neighbour.name = "Stores and shipping"
    neighbour.save()

    history = list(audit_history(unit))
    assert [entry.action for entry in history] == [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.STEP]
    assert [entry.step for entry in audit_history(unit, steps_only=True)] == ["reviewed"]
    assert list(audit_history(unit, newest_first=True)) == history[::-1]
    both = list(audit_history(unit, neighbour))
    assert len(both) == 5 and {entry.object_id for entry in both} == {str(unit.pk), str(neighbour.pk)}
