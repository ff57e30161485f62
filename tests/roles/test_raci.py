"""The RACI and 5.3 duty rules of roles/raci.py: each rule broken, and kept."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from roles.models import Activity, Duty, Process, RaciCell, Role, RoleAssignment
from roles.raci import (
    FIX_LABELS,
    RULES,
    Matrix,
    RuleBreak,
    health_summary,
    matrix_load,
    matrix_rule_breaks,
    rule_break_fix_label,
    rule_break_fix_url,
)
from tests.core.factories import OrgUnitFactory, UserFactory

PLAN, BUILD = 1, 2
OWNER, ENGINEER = 10, 20


def sound() -> Matrix:
    """Two activities and two held roles, every rule kept; the duties assigned to held roles."""
    return Matrix(
        activities={PLAN: "Production — Plan", BUILD: "Production — Build"},
        roles={OWNER: "Production manager", ENGINEER: "Engineer"},
        letters={(PLAN, OWNER): "A", (PLAN, ENGINEER): "R", (BUILD, OWNER): "A", (BUILD, ENGINEER): "R"},
        held_role_ids={OWNER, ENGINEER},
        duties={"5.3.a": OWNER, "5.3.b": ENGINEER},
    )


def rules(matrix: Matrix) -> list[tuple[str, int | None, int | None, str | None]]:
    return [(b.rule, b.activity_id, b.role_id, b.duty_code) for b in matrix_rule_breaks(matrix)]


def test_a_sound_matrix_breaks_no_rule():
    assert rules(sound()) == []


def test_an_activity_without_an_a_breaks_the_one_accountable_rule():
    matrix = sound()
    matrix.letters[(PLAN, OWNER)] = "C"

    assert rules(matrix) == [("one_accountable", PLAN, None, None)]
    assert "“Production — Plan” has no A" in matrix_rule_breaks(matrix)[0].message


def test_an_activity_with_two_as_breaks_the_one_accountable_rule():
    matrix = sound()
    matrix.letters[(BUILD, ENGINEER)] = "A"
    matrix.letters[(BUILD, 30)] = "R"
    matrix.roles[30] = "Fitter"
    matrix.held_role_ids.add(30)

    assert rules(matrix) == [("one_accountable", BUILD, None, None)]
    assert "has 2 A's" in matrix_rule_breaks(matrix)[0].message


def test_an_activity_without_an_r_breaks_the_responsible_rule():
    matrix = sound()
    matrix.letters[(BUILD, ENGINEER)] = "I"

    assert rules(matrix) == [("responsible", BUILD, None, None)]


def test_a_role_with_letters_and_no_current_holder_breaks_the_held_rule():
    matrix = sound()
    matrix.held_role_ids.discard(ENGINEER)
    matrix.duties["5.3.b"] = OWNER

    assert rules(matrix) == [("role_held", None, ENGINEER, None)]


def test_a_role_without_any_letter_breaks_the_used_rule():
    matrix = sound()
    matrix.roles[30] = "Fitter"
    matrix.held_role_ids.add(30)

    assert rules(matrix) == [("role_used", None, 30, None)]


def test_an_unassigned_duty_and_a_duty_of_a_role_nobody_holds_break_the_duty_rules():
    matrix = sound()
    matrix.duties["5.3.c"] = None
    matrix.roles[30] = "Customer champion"
    matrix.letters[(PLAN, 30)] = "I"
    matrix.duties["5.3.d"] = 30

    assert rules(matrix) == [
        ("role_held", None, 30, None),
        ("duty_assigned", None, None, "5.3.c"),
        ("duty_held", None, 30, "5.3.d"),
    ]


@pytest.mark.django_db
def test_the_matrix_is_read_from_the_database_in_five_queries_and_holders_count_on_the_day():
    unit = OrgUnitFactory()
    owner = Role.objects.create(title="Production manager", org_unit=unit)
    engineer = Role.objects.create(title="Engineer", org_unit=unit)
    process = Process.objects.create(name="Production", code="prod", owner_role=owner)
    plan = Activity.objects.create(process=process, position=1, name="Plan")
    RaciCell.objects.create(activity=plan, role=owner, letter="A")
    RaciCell.objects.create(activity=plan, role=engineer, letter="R")
    RoleAssignment.objects.create(role=owner, person=UserFactory(), starts_on=dt.date(2026, 1, 1))
    RoleAssignment.objects.create(
        role=engineer, person=UserFactory(), starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 6, 30)
    )
    for duty in Duty.objects.all():
        duty.role = owner
        duty.save()

    with CaptureQueriesContext(connection) as queries:
        in_june = matrix_load(on=dt.date(2026, 6, 30))
    later = matrix_load(on=dt.date(2026, 7, 1))

    assert len(queries) == 5
    assert matrix_rule_breaks(in_june) == []
    assert [(b.rule, b.role_id) for b in matrix_rule_breaks(later)] == [("role_held", engineer.pk)]


# --- Each rule, broken by one matrix and kept by the nearest matrix that differs -----------------------------------
def _second_a(matrix: Matrix) -> None:
    matrix.letters[(PLAN, ENGINEER)] = "A"


def _a_and_two_rs(matrix: Matrix) -> None:
    matrix.roles[30] = "Fitter"
    matrix.held_role_ids.add(30)
    matrix.letters[(PLAN, 30)] = "R"


def _unheld_role_with_a_letter(matrix: Matrix) -> None:
    matrix.roles[30] = "Fitter"
    matrix.letters[(PLAN, 30)] = "C"


def _deputy_only_role_with_a_letter(matrix: Matrix) -> None:
    # Whoever holds it (a deputy counts) is in held_role_ids: matrix_load reads every current assignment.
    _unheld_role_with_a_letter(matrix)
    matrix.held_role_ids.add(30)


def _held_role_without_letters(matrix: Matrix) -> None:
    matrix.roles[30] = "Fitter"
    matrix.held_role_ids.add(30)


def _unassigned_duty(matrix: Matrix) -> None:
    matrix.duties["5.3.e"] = None


def _duty_of_a_role_nobody_holds(matrix: Matrix) -> None:
    matrix.roles[30] = "Customer champion"
    matrix.letters[(PLAN, 30)] = "I"
    matrix.duties["5.3.d"] = 30


def _duty_of_a_held_role(matrix: Matrix) -> None:
    matrix.duties["5.3.d"] = ENGINEER


def _no_letters_at_all_for_an_activity(matrix: Matrix) -> None:
    del matrix.letters[(BUILD, OWNER)], matrix.letters[(BUILD, ENGINEER)]


RULE_CASES = {
    # rule: (a change that breaks it, a change that keeps it)
    "one_accountable": (_second_a, _a_and_two_rs),
    "responsible": (_no_letters_at_all_for_an_activity, _a_and_two_rs),
    "role_held": (_unheld_role_with_a_letter, _deputy_only_role_with_a_letter),
    "role_used": (_held_role_without_letters, _deputy_only_role_with_a_letter),
    "duty_assigned": (_unassigned_duty, _duty_of_a_held_role),
    "duty_held": (_duty_of_a_role_nobody_holds, _duty_of_a_held_role),
}


@pytest.mark.parametrize("rule", list(RULE_CASES))
def test_each_rule_is_broken_by_one_matrix_and_kept_by_another(rule):
    breaking, keeping = sound(), sound()
    RULE_CASES[rule][0](breaking)
    RULE_CASES[rule][1](keeping)

    assert rule in {b.rule for b in matrix_rule_breaks(breaking)}
    assert rule not in {b.rule for b in matrix_rule_breaks(keeping)}


def test_every_rule_has_a_case_and_a_title():
    assert set(RULE_CASES) == set(RULES) == set(FIX_LABELS)


# --- Where each break is fixed -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("rule_break", "manager", "others"), [
    (RuleBreak("one_accountable", "", activity_id=PLAN), "/roles/matrix/?process=prod&activity=1#activity-1",
     "/roles/matrix/?process=prod&activity=1#activity-1"),
    (RuleBreak("responsible", "", activity_id=BUILD), "/roles/matrix/?process=prod&activity=2#activity-2",
     "/roles/matrix/?process=prod&activity=2#activity-2"),
    (RuleBreak("role_held", "", role_id=ENGINEER), "/roles/20/assignments/new/", "/roles/20/"),
    (RuleBreak("role_used", "", role_id=ENGINEER), "/roles/matrix/#role-20", "/roles/matrix/#role-20"),
    (RuleBreak("duty_assigned", "", duty_code="5.3.c"), "/roles/duties/5.3.c/", "/roles/duties/"),
    (RuleBreak("duty_held", "", role_id=OWNER, duty_code="5.3.a"), "/roles/duties/5.3.a/", "/roles/duties/"),
])
def test_each_break_links_to_its_fix_or_for_onlookers_to_where_it_shows(rule_break, manager, others):
    codes = {PLAN: "prod", BUILD: "prod"}

    assert rule_break_fix_url(rule_break, codes) == manager
    assert rule_break_fix_url(rule_break, codes, can_manage=False) == others
    assert rule_break_fix_label(rule_break) != rule_break_fix_label(rule_break, can_manage=False)


def test_the_health_summary_groups_every_rule_in_order_with_its_linked_breaks():
    matrix = sound()
    _unassigned_duty(matrix)
    _no_letters_at_all_for_an_activity(matrix)

    health = health_summary(matrix=matrix, processes_by_activity={PLAN: "prod", BUILD: "prod"})

    assert health.count == 3 and not health.all_met
    assert [(g.rule, len(g.breaks)) for g in health.by_rule()] == [
        ("one_accountable", 1), ("responsible", 1), ("role_held", 0), ("role_used", 0),
        ("duty_assigned", 1), ("duty_held", 0),
    ]
    assert health.breaks[0].fix_url == "/roles/matrix/?process=prod&activity=2#activity-2"
    assert health.breaks[-1].fix_label == "Assign the duty"
    assert health_summary(matrix=sound(), processes_by_activity={}).all_met
