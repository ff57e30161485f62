"""The RACI and 5.3 duty rules of roles/raci.py: each rule broken, and kept."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from roles.models import Activity, Duty, Process, RaciCell, Role, RoleAssignment
from roles.raci import Matrix, matrix_load, matrix_rule_breaks
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
