"""Quality objectives (6.2): status from the latest measurement and the trend, in both directions; saving
objectives and recording measurements, by whom; the trend chart of an objective."""
import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from leadership.models import Direction, Measurement, QualityObjective
from leadership.objectives import (
    ObjectiveState,
    measurement_record,
    objective_chart_svg,
    objective_save,
    objective_status,
    objective_statuses,
)
from qms_portal.audit import AuditAction, AuditEntry
from tests.core.factories import OrgUnitFactory
from tests.leadership.factories import MeasurementFactory, QualityObjectiveFactory
from tests.policy.factories import PolicyDocumentFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 4, 1)
DUE = dt.date(2026, 7, 1)  # 91 days after TODAY
MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)  # 31 days apart


def status(direction: str, target: str, *values: tuple[dt.date, str], today: dt.date = TODAY) -> ObjectiveState:
    objective = QualityObjective(target=Decimal(target), direction=direction, due_on=DUE)
    measurements = [Measurement(measured_on=day, value=Decimal(value)) for day, value in values]
    return objective_status(objective, measurements, today=today).state


# --- Status rules ---------------------------------------------------------------------------------------------

AT_LEAST, AT_MOST = Direction.AT_LEAST, Direction.AT_MOST


@pytest.mark.parametrize(
    ("direction", "target", "values", "expected"),
    [
        # Nothing measured.
        (AT_LEAST, "95", [], ObjectiveState.NO_DATA),
        (AT_MOST, "2", [], ObjectiveState.NO_DATA),
        # The latest value meets the target, the target itself included, whatever came before.
        (AT_LEAST, "95", [(MARCH, "99"), (APRIL, "95")], ObjectiveState.ON_TRACK),
        (AT_LEAST, "95", [(APRIL, "97.5")], ObjectiveState.ON_TRACK),
        (AT_MOST, "2", [(MARCH, "1"), (APRIL, "2")], ObjectiveState.ON_TRACK),
        (AT_MOST, "2", [(APRIL, "0")], ObjectiveState.ON_TRACK),
        # Not met, one measurement: no trend yet.
        (AT_LEAST, "95", [(APRIL, "94")], ObjectiveState.OFF_TRACK),
        (AT_MOST, "2", [(APRIL, "3")], ObjectiveState.OFF_TRACK),
        # Not met, moving toward the target fast enough: +3.1 in 31 days is 0.1 a day; kept up for the 91 days
        # to the due date it gives 91 + 9.1 = 100.1 (at most: 5 - 9.1 < 2).
        (AT_LEAST, "95", [(MARCH, "87.9"), (APRIL, "91")], ObjectiveState.AT_RISK),
        (AT_MOST, "2", [(MARCH, "6.1"), (APRIL, "5")], ObjectiveState.AT_RISK),
        # Toward the target but too slowly: 0.1 in 31 days.
        (AT_LEAST, "95", [(MARCH, "90.9"), (APRIL, "91")], ObjectiveState.OFF_TRACK),
        # Reaching the target exactly on the due date counts; falling short by 0.1 does not.
        (AT_LEAST, "100.1", [(MARCH, "87.9"), (APRIL, "91")], ObjectiveState.AT_RISK),
        (AT_LEAST, "100.2", [(MARCH, "87.9"), (APRIL, "91")], ObjectiveState.OFF_TRACK),
        # Moving away from the target, or not moving.
        (AT_LEAST, "95", [(MARCH, "93"), (APRIL, "91")], ObjectiveState.OFF_TRACK),
        (AT_LEAST, "95", [(MARCH, "91"), (APRIL, "91")], ObjectiveState.OFF_TRACK),
        (AT_MOST, "2", [(MARCH, "4"), (APRIL, "5")], ObjectiveState.OFF_TRACK),
        # Only the latest two count: an old good value does not help.
        (AT_MOST, "2", [(dt.date(2026, 1, 1), "1"), (MARCH, "4"), (APRIL, "5")], ObjectiveState.OFF_TRACK),
    ],
)
def test_status_rules(direction, target, values, expected):
    assert status(direction, target, *values) == expected


def test_measurements_in_any_order_are_judged_by_date():
    assert status(AT_LEAST, "95", (APRIL, "91"), (MARCH, "87.9")) == ObjectiveState.AT_RISK


def test_once_the_due_date_passed_an_unmet_objective_is_off_track():
    improving = [(MARCH, "87.9"), (APRIL, "91")]
    assert status(AT_LEAST, "95", *improving, today=DUE) == ObjectiveState.AT_RISK  # the due day itself
    assert status(AT_LEAST, "95", *improving, today=DUE + dt.timedelta(days=1)) == ObjectiveState.OFF_TRACK
    measured_on_due = [(dt.date(2026, 6, 1), "93"), (DUE, "94")]
    assert status(AT_LEAST, "95", *measured_on_due, today=DUE) == ObjectiveState.OFF_TRACK
    assert status(AT_LEAST, "95", (MARCH, "90"), (APRIL, "96"), today=DUE + dt.timedelta(days=99)) == (
        ObjectiveState.ON_TRACK
    )


def test_the_status_carries_the_latest_measurement_and_the_projection():
    objective = QualityObjective(target=Decimal("95"), direction=AT_LEAST, due_on=DUE)
    march = Measurement(measured_on=MARCH, value=Decimal("87.9"))
    april = Measurement(measured_on=APRIL, value=Decimal("91"))

    found = objective_status(objective, [march, april], today=TODAY)

    assert (found.latest, found.projected, found.label) == (april, Decimal("100.1"), "At risk")


def test_the_bulk_status_reads_only_the_latest_two_of_each_in_one_query(django_assert_num_queries):
    rising, falling, empty = (QualityObjectiveFactory(due_on=DUE) for _ in range(3))
    for day, value in [(dt.date(2026, 1, 1), "99"), (MARCH, "87.9"), (APRIL, "91")]:
        MeasurementFactory(objective=rising, measured_on=day, value=Decimal(value))
    for day, value in [(MARCH, "93"), (APRIL, "91")]:
        MeasurementFactory(objective=falling, measured_on=day, value=Decimal(value))

    with django_assert_num_queries(1):
        found = objective_statuses([rising, falling, empty], today=TODAY)

    assert [found[o.pk].state for o in (rising, falling, empty)] == [
        ObjectiveState.AT_RISK, ObjectiveState.OFF_TRACK, ObjectiveState.NO_DATA,
    ]


# --- Saving objectives ----------------------------------------------------------------------------------------


def objective_fields(portal_users) -> dict:
    return {
        "title": "Fewer customer complaints",
        "policy": PolicyDocumentFactory(),
        "measure": "Complaints received per month",
        "unit": "complaints",
        "target": Decimal("2"),
        "direction": AT_MOST,
        "owner": portal_users.process_owner,
        "org_unit": OrgUnitFactory(),
        "due_on": timezone.localdate() + dt.timedelta(days=91),
        "plan": "Root-cause every complaint within a week.",
        "planned_resources": "Two days a month of the quality engineer.",
        "evaluation_method": "Monthly count from the CRM, reviewed at the management review.",
    }


def test_a_quality_manager_creates_and_changes_an_objective_audited(portal_users):
    qm = portal_users.quality_manager
    objective = objective_save(fields=objective_fields(portal_users), by=qm)
    objective_save(objective=objective, fields={"target": Decimal("1.5")}, by=qm)

    objective.refresh_from_db()
    assert (objective.target, objective.direction) == (Decimal("1.5"), AT_MOST)
    entries = AuditEntry.objects.filter(record_type="leadership.qualityobjective", object_id=str(objective.pk))
    assert list(entries.order_by("id").values_list("action", flat=True)) == [AuditAction.CREATE, AuditAction.UPDATE]
    assert entries.get(action=AuditAction.UPDATE).changes["target"] == ["2.0000", "1.5"]


@pytest.mark.parametrize("key", ["process_owner", "top_management", "employee", "auditor"])
def test_only_quality_managers_save_objectives(portal_users, key):
    with pytest.raises(PermissionDenied):
        objective_save(fields=objective_fields(portal_users), by=portal_users.by_key(key))
    assert not QualityObjective.objects.exists()


def test_an_objective_is_validated_whole(portal_users):
    fields = objective_fields(portal_users) | {"title": "", "direction": "sideways"}
    with pytest.raises(ValidationError) as refused:
        objective_save(fields=fields, by=portal_users.quality_manager)
    assert {"title", "direction"} <= set(refused.value.message_dict)
    with pytest.raises(ValueError, match="colour"):
        objective_save(fields={"colour": "red"}, by=portal_users.quality_manager)


def test_a_new_objective_must_be_met_by_a_date_to_come_but_an_existing_one_keeps_its_past_date(portal_users):
    qm = portal_users.quality_manager
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        objective_save(fields=objective_fields(portal_users) | {"due_on": yesterday}, by=qm)
    assert "date still to come" in refused.value.message_dict["due_on"][0]
    assert not QualityObjective.objects.exists()

    lapsed = QualityObjectiveFactory(due_on=yesterday)
    objective_save(objective=lapsed, fields={"target": Decimal("90")}, by=qm)
    assert QualityObjective.objects.get(pk=lapsed.pk).target == Decimal("90")


# --- Recording measurements -----------------------------------------------------------------------------------


def test_a_process_owner_records_measurements_of_their_own_objectives_only(portal_users):
    po = portal_users.process_owner
    mine, theirs = QualityObjectiveFactory(owner=po), QualityObjectiveFactory()

    measurement = measurement_record(objective=mine, measured_on=MARCH, value="93.5", note="From the ERP.", by=po)
    with pytest.raises(PermissionDenied, match="owner"):
        measurement_record(objective=theirs, measured_on=MARCH, value="93.5", by=po)

    assert (measurement.value, measurement.recorded_by) == (Decimal("93.5"), po)
    assert AuditEntry.objects.get(record_type="leadership.measurement").actor_id == po.pk
    assert not theirs.measurements.exists()


@pytest.mark.parametrize(("key", "allowed"), [("quality_manager", True), ("top_management", False), ("auditor", False)])
def test_who_records_measurements_of_anyones_objective(portal_users, key, allowed):
    objective = QualityObjectiveFactory()
    if allowed:
        measurement_record(objective=objective, measured_on=MARCH, value="90", by=portal_users.by_key(key))
    else:
        with pytest.raises(PermissionDenied):
            measurement_record(objective=objective, measured_on=MARCH, value="90", by=portal_users.by_key(key))
    assert objective.measurements.exists() is allowed


def test_a_second_value_for_the_same_day_corrects_the_first_audited(portal_users):
    po = portal_users.process_owner
    objective = QualityObjectiveFactory(owner=po)
    measurement_record(objective=objective, measured_on=MARCH, value="39.5", by=po)

    measurement_record(objective=objective, measured_on=MARCH, value="93.5", note="Typo corrected.", by=po)

    assert list(objective.measurements.values_list("value", flat=True)) == [Decimal("93.5")]
    correction = AuditEntry.objects.get(record_type="leadership.measurement", action=AuditAction.UPDATE)
    assert correction.changes["value"] == ["39.5000", "93.5"]


@pytest.mark.parametrize(
    ("measured_on", "value", "field"),
    [(dt.date(2999, 1, 1), "1", "measured_on"), (MARCH, "lots", "value"), (MARCH, "NaN", "value"),
     (MARCH, "1e20", "value")],
)
def test_a_measurement_needs_a_past_date_and_a_number(portal_users, measured_on, value, field):
    objective = QualityObjectiveFactory(owner=portal_users.process_owner)
    with pytest.raises(ValidationError) as refused:
        measurement_record(objective=objective, measured_on=measured_on, value=value, by=portal_users.process_owner)
    assert field in refused.value.message_dict
    assert not objective.measurements.exists()


def test_an_objectives_chart_draws_its_measurements_and_target():
    objective = QualityObjectiveFactory(title="On-time <delivery> & more", target=Decimal("95"))
    measurements = [MeasurementFactory(objective=objective, measured_on=day, value=v) for day, v in
                    [(APRIL, Decimal("91")), (MARCH, Decimal("87.9"))]]

    svg = objective_chart_svg(objective, measurements)

    root = ET.fromstring(svg)  # noqa: S314 (our own output)
    assert root.get("aria-label").startswith("On-time <delivery> & more: target ≥ 95 %")
    assert len(root.findall("{http://www.w3.org/2000/svg}circle")) == 2
