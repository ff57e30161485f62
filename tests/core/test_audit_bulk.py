"""Audited writes in bulk: the same entries as single saves, written in one pass of the chain under its lock, and no
way round the trail."""
import datetime as dt
import gc
import threading
import time
from io import StringIO

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection, transaction

from leadership.models import ManagementReview, ReviewAttendance, ReviewStatus
from qms_portal.accounts import people_create_bulk
from qms_portal.audit import (
    AuditBypassRefused,
    AuditEntry,
    audit_context,
    audit_step,
    audit_verify,
    audited_bulk_create,
    audited_bulk_delete,
    audited_bulk_m2m_add,
    audited_bulk_step,
    audited_bulk_update,
)
from qms_portal.models import ElectronicSignature, Job, OrgUnit, User
from tests.core.factories import OrgUnitFactory
from tests.services import require_postgres

REASON = "Reorganisation of the plant, agreed at the March review"
# Everything an entry holds but its own id, the moment it was written and its place in the chain.
NOT_CONTENT = {"id", "created_at", "prev_hash", "hash"}


class _Undo(Exception):
    """Raised to roll back a write once its entries have been read."""


def entries_written_by(write, *, reason: str = "") -> list[dict]:
    """Run ``write`` in a savepoint as the quality manager (giving ``reason`` for single saves, which take it from
    the context), read the content of the entries it wrote, check the chain, then undo everything: the same change
    can then be made the other way from the same start."""
    last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    content: list[dict] = []
    try:
        with transaction.atomic():
            with audit_context(actor=User.objects.get(username="qm"), reason=reason):
                write()
            for entry in AuditEntry.objects.filter(id__gt=last).order_by("id"):
                assert entry.created_at is not None
                assert entry.hash == entry.compute_hash()
                content.append({
                    field.attname: getattr(entry, field.attname)
                    for field in AuditEntry._meta.concrete_fields if field.name not in NOT_CONTENT
                })
            assert audit_verify().ok
            raise _Undo
    except _Undo:
        pass
    return content


@pytest.fixture
def units(portal_users):
    site = OrgUnitFactory(name="Main site", code="SITE", kind="site")
    works = OrgUnitFactory(name="Works", code="WORKS", kind="site")
    return {
        "site": site, "works": works,
        "paint": OrgUnitFactory(name="Paint shop", code="PAINT", parent=site, description="Wet and powder lines"),
        "stores": OrgUnitFactory(name="Stores", code="STORES", parent=site),
        "canteen": OrgUnitFactory(name="Canteen", code="CANTEEN"),
    }


@pytest.mark.django_db
def test_bulk_creates_write_the_entries_single_saves_write(units):
    first_free = OrgUnit.objects.order_by("-pk").values_list("pk", flat=True).first() + 100

    def new_units() -> list[OrgUnit]:  # the same primary keys both ways, so even the record ids agree
        return [
            OrgUnit(pk=first_free, name="Assembly", code="ASSY", kind="team", parent=units["works"],
                    description="Final assembly\nand packing"),
            OrgUnit(pk=first_free + 1, name="Quality lab", code="LAB"),  # blank fields are left out, both ways
            # What the bulk path must carry through its COPY unchanged: backslashes, tabs, line breaks, quotes, a
            # value that reads as NULL, text beyond ASCII.
            OrgUnit(pk=first_free + 2, name='Prüfstand "B"\tC:\\data', code="PRUEF",
                    description="\\N\r\nline two\\\tend — ünïcode ✓"),
        ]

    single = entries_written_by(lambda: [unit.save() for unit in new_units()], reason=REASON)
    bulk = entries_written_by(lambda: audited_bulk_create(OrgUnit, new_units(), reason=REASON))

    assert len(single) == 3
    assert single[2]["object_repr"] == 'Prüfstand "B"\tC:\\data'
    assert single[2]["changes"]["description"] == [None, "\\N\r\nline two\\\tend — ünïcode ✓"]
    assert bulk == single
    assert single[0]["action"] == "create"
    assert single[0]["actor_id"] == User.objects.get(username="qm").pk
    assert single[0]["reason"] == REASON
    assert single[0]["object_repr"] == "Assembly"
    assert single[0]["changes"]["parent"] == [None, units["works"].pk]
    assert "description" not in single[1]["changes"]


@pytest.mark.django_db
def test_bulk_creates_of_people_redact_and_leave_out_what_single_saves_do(portal_users):
    first_free = User.objects.order_by("-pk").values_list("pk", flat=True).first() + 100

    def newcomers() -> list[User]:
        return [
            User(pk=first_free + n, username=f"newcomer{n}", full_name=f"New Comer {n}", email=f"new{n}@example.com",
                 password=make_password(None), date_joined=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
                 last_login=None if n else dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
            for n in range(2)
        ]

    single = entries_written_by(lambda: [person.save() for person in newcomers()], reason=REASON)
    bulk = entries_written_by(lambda: audited_bulk_create(User, newcomers(), reason=REASON))

    assert bulk == single
    assert single[0]["changes"]["password"] == ["(redacted)", "(redacted)"]
    assert "last_login" not in single[0]["changes"]
    assert single[0]["changes"]["full_name"] == [None, "New Comer 0"]


@pytest.mark.django_db
def test_bulk_steps_write_the_entries_single_steps_write(units):
    moved = [units["paint"], units["stores"]]

    def changes(unit: OrgUnit) -> dict:
        return {"site": ["Main site", f"{unit.name} works"]}

    single = entries_written_by(lambda: [audit_step(unit, step="moved", changes=changes(unit)) for unit in moved],
                                reason=REASON)
    bulk = entries_written_by(lambda: audited_bulk_step(moved, step="moved", changes_of=changes, reason=REASON))

    assert [(entry["action"], entry["step"], entry["object_repr"]) for entry in single] == [
        ("step", "moved", "Paint shop"), ("step", "moved", "Stores")]
    assert bulk == single


@pytest.mark.django_db
def test_bulk_links_write_the_entries_single_adds_write(portal_users):
    from django.contrib.auth.models import Group

    auditors, employees = Group.objects.get(name="Auditor"), Group.objects.get(name="Employee")

    def people() -> list[User]:  # one with a role already (the entry lists it before and after), one without
        return [User.objects.get(username="emp"), User.objects.get(username="po")]

    def add_singly() -> None:
        for person in people():
            person.groups.add(auditors, employees)

    single = entries_written_by(add_singly, reason=REASON)
    bulk = entries_written_by(lambda: audited_bulk_m2m_add(people(), "groups", [auditors, employees], reason=REASON))

    assert bulk == single
    assert [entry["changes"] for entry in single] == [
        {"groups": [["Employee"], ["Auditor", "Employee"]]},
        {"groups": [["Process owner"], ["Auditor", "Employee", "Process owner"]]},
    ]


@pytest.mark.django_db
def test_a_bulk_create_names_each_records_own_actor_when_asked(units, portal_users):
    people = {unit: User.objects.get(username=name) for unit, name in (("Assembly", "emp"), ("Lab", "po"))}
    bulk = entries_written_by(lambda: audited_bulk_create(
        OrgUnit, [OrgUnit(name=name, code=name.upper()) for name in people], reason=REASON,
        actor_of=lambda unit: people[unit.name],
    ))

    assert [(entry["object_repr"], entry["actor_username"]) for entry in bulk] == [("Assembly", "emp"), ("Lab", "po")]
    assert {entry["reason"] for entry in bulk} == {REASON}


@pytest.mark.django_db
def test_a_bulk_create_names_whoever_acts_for_the_rows_without_their_own_actor(units, portal_users):
    emp = User.objects.get(username="emp")
    bulk = entries_written_by(lambda: audited_bulk_create(
        OrgUnit, [OrgUnit(name=name, code=name.upper()) for name in ("Assembly", "Lab")], reason=REASON,
        actor_of=lambda unit: emp if unit.name == "Lab" else None,
    ))

    assert [(entry["object_repr"], entry["actor_username"]) for entry in bulk] == [("Assembly", "qm"), ("Lab", "emp")]


@pytest.mark.django_db
def test_bulk_updates_write_the_entries_single_saves_write(units):
    def changed() -> list[OrgUnit]:
        paint, stores, canteen = (OrgUnit.objects.get(code=code) for code in ("PAINT", "STORES", "CANTEEN"))
        paint.name, paint.kind, paint.parent = "Coating", "team", units["works"]
        stores.description = ""  # already blank: no change, so no entry either way
        canteen.description = "Run by a contractor"
        return [paint, stores, canteen]

    fields = ["name", "kind", "parent", "description"]
    single = entries_written_by(lambda: [unit.save(update_fields=fields) for unit in changed()], reason=REASON)
    bulk = entries_written_by(lambda: audited_bulk_update(changed(), fields, reason=REASON))

    assert [entry["object_repr"] for entry in single] == ["Coating", "Canteen"]
    assert bulk == single
    assert single[0]["changes"] == {
        "name": ["Paint shop", "Coating"], "kind": ["department", "team"],
        "parent": [units["site"].pk, units["works"].pk],
    }


@pytest.mark.django_db
def test_bulk_updates_of_people_redact_and_leave_out_what_single_saves_do(portal_users):
    def changed() -> list[User]:
        people = list(User.objects.filter(username__in=["emp", "po"]).order_by("username"))
        for person in people:
            person.set_password("An-entirely-new-one-2026")
            person.full_name = f"{person.full_name} Junior"
            person.last_login = person.date_joined
        return people

    fields = ["password", "full_name", "last_login"]
    single = entries_written_by(lambda: [person.save(update_fields=fields) for person in changed()], reason=REASON)
    bulk = entries_written_by(lambda: audited_bulk_update(changed(), fields, reason=REASON))

    assert bulk == single
    assert single[0]["changes"] == {
        "full_name": ["Emil Park", "Emil Park Junior"], "password": ["(redacted)", "(redacted)"],
    }


@pytest.mark.django_db
def test_bulk_deletes_write_the_entries_single_deletes_write(units):
    def doomed() -> list[OrgUnit]:
        return list(OrgUnit.objects.filter(code__in=["STORES", "CANTEEN"]).order_by("code"))

    single = entries_written_by(lambda: [unit.delete() for unit in doomed()], reason=REASON)
    bulk = entries_written_by(lambda: audited_bulk_delete(doomed(), reason=REASON))

    assert [entry["action"] for entry in single] == ["delete", "delete"]
    assert sorted(bulk, key=lambda e: e["object_id"]) == sorted(single, key=lambda e: e["object_id"])
    assert {entry["object_repr"] for entry in single} == {"Stores", "Canteen"}
    stores = next(entry for entry in single if entry["object_repr"] == "Stores")
    assert stores["changes"]["parent"] == [units["site"].pk, None]


@pytest.mark.django_db
def test_a_bulk_write_cannot_go_without_its_trail_or_its_reason(units):
    before = AuditEntry.objects.count()

    with pytest.raises(AuditBypassRefused):
        OrgUnit.objects.bulk_create([OrgUnit(name="Hidden", code="HIDDEN")])
    with pytest.raises(AuditBypassRefused):
        OrgUnit.objects.bulk_update([units["paint"]], ["name"])
    with pytest.raises(ValueError, match="needs a reason"):
        audited_bulk_create(OrgUnit, [OrgUnit(name="Hidden", code="HIDDEN")], reason=" ")
    with pytest.raises(TypeError, match="not audited"):
        audited_bulk_create(Job, [Job(kind="verify_audit_trail")], reason=REASON)

    assert AuditEntry.objects.count() == before
    assert not OrgUnit.objects.filter(code="HIDDEN").exists()


def test_a_bulk_write_refuses_the_records_whose_own_save_or_delete_guards_them(portal_users):
    """The rows are written without their model's save() and delete(): a signed record (its frozen fields), a part
    of signed minutes and a signature (never changed) are refused before anything is written."""
    qm = portal_users.quality_manager
    review = ManagementReview.objects.create(
        title="Review", planned_on=dt.date(2026, 3, 1), chair=portal_users.top_management, status=ReviewStatus.HELD,
        held_on=dt.date(2026, 3, 1), created_by=qm)
    attendance = ReviewAttendance.objects.create(review=review, person=qm, attended=True)
    before = AuditEntry.objects.count()

    with pytest.raises(TypeError, match="signed record"):
        audited_bulk_update([review], ["title"], reason=REASON)
    with pytest.raises(TypeError, match="own save\\(\\) and delete\\(\\)"):
        audited_bulk_delete([attendance], reason=REASON)
    with pytest.raises(TypeError, match="own save"):
        audited_bulk_create(ElectronicSignature, [], reason=REASON)

    assert AuditEntry.objects.count() == before
    assert ReviewAttendance.objects.filter(pk=attendance.pk).exists()


def test_people_created_in_bulk_have_a_password_nobody_can_use_even_when_given_one(portal_users):
    made = people_create_bulk(people=[User(username="newcomer", full_name="New Comer", email="new@example.com",
                                           password=make_password("Known-Password-1"))], roles=[], reason=REASON)

    stored = User.objects.get(pk=made[0].pk)
    assert not stored.has_usable_password()
    assert not stored.check_password("Known-Password-1")


@pytest.mark.django_db
def test_a_failed_bulk_write_keeps_neither_its_rows_nor_its_entries(units):
    before = AuditEntry.objects.count()
    rows = [OrgUnit(name="New", code="NEW"), OrgUnit(name="Clash", code="PAINT")]  # PAINT is taken

    with pytest.raises(Exception, match="(?i)unique"):
        audited_bulk_create(OrgUnit, rows, reason=REASON)

    assert AuditEntry.objects.count() == before
    assert not OrgUnit.objects.filter(code="NEW").exists()


@pytest.mark.django_db
def test_a_bulk_write_leaves_pythons_cycle_collector_as_it_found_it(units):
    # The collector is paused while a bulk write holds its entries: it runs again after one, failed or not, and is
    # not started by one when something else had stopped it.
    def write(code: str) -> None:
        audited_bulk_create(OrgUnit, [OrgUnit(name=f"Unit {code}", code=code)], reason=REASON)

    assert gc.isenabled()
    write("ONE")
    assert gc.isenabled()
    with pytest.raises(Exception, match="(?i)unique"):
        write("ONE")
    assert gc.isenabled()
    gc.disable()
    try:
        write("TWO")
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert OrgUnit.objects.filter(code__in=["ONE", "TWO"]).count() == 2


@pytest.mark.django_db
def test_a_bulk_update_records_what_the_row_held_not_what_the_caller_loaded(units):
    stale = OrgUnit.objects.get(code="PAINT")
    fresh = OrgUnit.objects.get(code="PAINT")
    fresh.name = "Coating"
    fresh.save()
    stale.name = "Finishing"

    audited_bulk_update([stale], ["name"], reason=REASON)

    entry = AuditEntry.objects.filter(record_type="qms_portal.orgunit", object_id=str(stale.pk)).order_by("-id")[0]
    assert entry.changes == {"name": ["Coating", "Finishing"]}


# --- The chain, with another connection appending at the same time (PostgreSQL) ---------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("truncatable_test_database")
def test_the_chain_verifies_after_a_bulk_write_among_single_saves_from_another_connection():
    require_postgres()
    other = OrgUnitFactory(name="Busy unit", code="BUSY")
    saved: list[int] = []
    started, stop, failed = threading.Event(), threading.Event(), []

    def single_saves() -> None:  # another thread, so another database connection
        try:
            with audit_context(actor="another connection", reason="single saves"):
                n = 0
                while not stop.is_set() or n < 3:
                    unit = OrgUnit.objects.get(pk=other.pk)
                    unit.description = f"save {n}"
                    unit.save()
                    saved.append(n)
                    n += 1
                    if n >= 3:
                        started.set()
        except Exception as exc:  # noqa: BLE001 (reported by the main thread)
            failed.append(exc)
            started.set()
        finally:
            connection.close()

    worker = threading.Thread(target=single_saves)
    worker.start()
    assert started.wait(10)
    with audit_context(actor="bulk writer"):
        with transaction.atomic():
            created = audited_bulk_create(
                OrgUnit, [OrgUnit(name=f"Cell {n}", code=f"CELL-{n}") for n in range(2500)], reason=REASON
            )
            time.sleep(0.3)  # the single saves wait on the chain's lock meanwhile
        for unit in created:
            unit.kind = "team"
        audited_bulk_update(created, ["kind"], reason=REASON)
        audited_bulk_delete(created[:1000], reason=REASON)
    count = len(saved)
    while len(saved) < count + 3 and not failed:
        time.sleep(0.01)
    stop.set()
    worker.join(10)

    assert not failed, failed
    bulk_ids = list(AuditEntry.objects.filter(actor_name="bulk writer").order_by("id").values_list("id", flat=True))
    single_ids = list(AuditEntry.objects.filter(actor_name="another connection").values_list("id", flat=True))
    assert len(bulk_ids) == 2500 + 2500 + 1000
    # Each bulk write's entries follow one another: nothing came between them while it held the chain's lock ...
    for action in ("create", "update", "delete"):
        ids = [i for i, a in AuditEntry.objects.filter(actor_name="bulk writer").values_list("id", "action")
               if a == action]
        assert max(ids) - min(ids) + 1 == len(ids), action
    # ... while the other connection's saves came before, between and after them.
    assert min(single_ids) < bulk_ids[0] and max(single_ids) > bulk_ids[-1]
    assert any(bulk_ids[0] < i < bulk_ids[-1] for i in single_ids)
    assert audit_verify().ok
    out = StringIO()
    call_command("verify_audit_trail", stdout=out)
    assert f"Audit trail intact: {AuditEntry.objects.count()} entries verified" in out.getvalue()
