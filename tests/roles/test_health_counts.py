"""The matrix's health read from counts (``matrix_counts_load``): the same breaks as the rules run on every letter,
in the same few queries however many letters the matrix has."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qms_portal.audit import audit_context, audited_bulk_create
from roles.models import Activity, Duty, Process, RaciCell, Role
from roles.raci import RULES, health_summary, matrix_counts_load, matrix_load, matrix_rule_breaks
from roles.selectors import raci_health, roles_and_health_on, roles_on
from tests.roles.factories import ActivityFactory, AssignmentFactory, RaciCellFactory, RoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def every_break():
    """A matrix breaking each rule once: an activity with two A's, one with no A, one with no R, a role with a
    letter and no holder, a held role with no letter, a duty assigned to nobody and one to a role nobody holds."""
    owner = AssignmentFactory(role__title="Production manager").role
    engineer = AssignmentFactory(role__title="Engineer").role
    unheld = RoleFactory(title="Toolmaker")
    AssignmentFactory(role__title="Fitter")  # held, no letter
    process = Process.objects.create(name="Production", code="production", owner_role=owner)
    two_as, no_a, no_r = (ActivityFactory(process=process, name=name) for name in ("Plan", "Build", "Ship"))
    for activity, letters in ((two_as, "AAR"), (no_a, "RCI"), (no_r, "ACI")):
        for role, letter in zip((owner, engineer, unheld), letters, strict=True):
            RaciCellFactory(activity=activity, role=role, letter=letter)
    duties = list(Duty.objects.order_by("code"))
    for duty in duties[:-2]:
        duty.role = owner
        duty.save()
    duties[-2].role = unheld
    duties[-2].save()  # the last one stays unassigned
    return {"process": process, "roles": [owner, engineer]}


def grow(process: Process, roles: list[Role], activities: int) -> None:
    """``activities`` more activities, each keeping the rules with an A and an R, plus a C and an I for each of
    twenty more held roles."""
    more_roles = [AssignmentFactory(role__title=f"Clerk {n}").role for n in range(20)]
    start = Activity.objects.count() + 1
    with audit_context(actor="test"):
        added = audited_bulk_create(Activity, [
            Activity(process=process, position=start + n, name=f"Step {n}") for n in range(activities)
        ], reason="A larger matrix")
        audited_bulk_create(RaciCell, [
            RaciCell(activity=activity, role=role, letter=letter)
            for activity in added
            for role, letter in [*zip(roles, "AR", strict=True), *((r, "CI"[n % 2]) for n, r in enumerate(more_roles))]
        ], reason="A larger matrix")


def health_reads() -> tuple[list[int], list[object]]:
    """The queries of each health read, and the breaks each finds."""
    day = timezone.localdate()
    reads = (
        lambda: raci_health().rule_breaks,
        lambda: [linked.rule_break for linked in health_summary().breaks],
        lambda: roles_on(day).rule_breaks,
        lambda: [read.rule_breaks for read in roles_and_health_on(day)],
    )
    counted, answers = [], []
    for read in reads:
        with CaptureQueriesContext(connection) as queries:
            answers.append(read())
        counted.append(len(queries))
    return counted, answers


def test_the_counts_break_every_rule_as_the_whole_matrix_does_in_the_same_words_and_order(every_break):
    from_counts = matrix_rule_breaks(matrix_counts_load())

    assert from_counts == matrix_rule_breaks(matrix_load())
    assert {b.rule for b in from_counts} == set(RULES)
    assert [b.message for b in from_counts if b.rule == "one_accountable"] == [
        "“Production — Plan” has 2 A's: keep exactly one.",
        "“Production — Build” has no A: give exactly one role the A.",
    ]


def test_the_health_reads_cost_the_same_queries_for_a_small_and_a_large_matrix(every_break):
    small_queries, small = health_reads()
    grow(every_break["process"], every_break["roles"], activities=60)  # 1,320 letters more
    large_queries, large = health_reads()

    assert small_queries == large_queries
    assert large_queries[0] <= 3  # raci_health: activities, roles and duties, each one row apiece
    # The new activities keep every rule: the breaks are those of the small matrix, and of every letter read.
    assert small == large
    assert raci_health().rule_breaks == matrix_rule_breaks(matrix_load())
