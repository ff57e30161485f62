"""Quality objectives (6.2): saving them, recording measurements, their status and their trend chart.

Status from the latest measurement and the pace between the latest two:

- no data: nothing measured yet;
- on track: the latest value meets the target (equal to the target counts as met, in both directions);
- at risk: not met, the due date not yet passed, and the pace between the latest two measurements moves
  toward the target fast enough that, kept up, it reaches the target by the due date;
- off track: anything else: not met with a single measurement (no trend yet), moving away from the target
  or too slowly, or the due date passed (``today`` after it, or the latest measurement taken on or after it).

Holders of ``manage_objectives`` save objectives and record any objective's measurements; holders of
``record_measurements`` (process owners) record measurements of the objectives they own.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.formats import date_format

from leadership.access import LeadershipCapability
from leadership.models import Direction, Measurement, QualityObjective
from qms_portal.access import require_capability, user_can
from qms_portal.audit import audit_context, audited_bulk_create
from qms_portal.charts import DIRECTION_SIGNS, format_number, trend_chart_svg

if TYPE_CHECKING:
    from qms_portal.models import User

MANAGE = LeadershipCapability.MANAGE_OBJECTIVES
RECORD = LeadershipCapability.RECORD_MEASUREMENTS
OBJECTIVE_FIELDS = (
    "title", "policy", "measure", "unit", "target", "direction", "owner", "org_unit", "due_on", "plan",
    "planned_resources", "evaluation_method",
)


class ObjectiveState(models.TextChoices):
    NO_DATA = "no_data", "No data"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"


@dataclass(frozen=True)
class ObjectiveStatus:
    """An objective's state, the measurement it was judged on, and the value projected for the due date."""

    state: ObjectiveState
    latest: Measurement | None = None
    projected: Decimal | None = None

    @property
    def label(self) -> str:
        return self.state.label


def objective_status(
    objective: QualityObjective, measurements: Iterable[Measurement], *, today: dt.date
) -> ObjectiveStatus:
    """The status of ``objective`` from its measurements (any order; only the latest two are used)."""
    ordered = sorted(measurements, key=lambda m: m.measured_on)
    if not ordered:
        return ObjectiveStatus(ObjectiveState.NO_DATA)
    latest = ordered[-1]
    if objective.meets_target(latest.value):
        return ObjectiveStatus(ObjectiveState.ON_TRACK, latest)
    if len(ordered) < 2 or today > objective.due_on or latest.measured_on >= objective.due_on:
        return ObjectiveStatus(ObjectiveState.OFF_TRACK, latest)
    previous = ordered[-2]
    pace = (latest.value - previous.value) / Decimal((latest.measured_on - previous.measured_on).days)
    projected = latest.value + pace * (objective.due_on - latest.measured_on).days
    toward = pace > 0 if objective.direction == Direction.AT_LEAST else pace < 0
    state = ObjectiveState.AT_RISK if toward and objective.meets_target(projected) else ObjectiveState.OFF_TRACK
    return ObjectiveStatus(state, latest, projected)


def latest_measurements(
    objectives: Iterable[QualityObjective], *, per_objective: int = 2, on: dt.date | None = None
) -> dict[int, list[Measurement]]:
    """The newest ``per_objective`` measurements of each objective (taken on or before ``on`` when given), newest
    first, in one query."""
    measurements = Measurement.objects.filter(objective__in=[o.pk for o in objectives])
    if on is not None:
        measurements = measurements.filter(measured_on__lte=on)
    ranked = measurements.annotate(
        rank=Window(RowNumber(), partition_by=[F("objective_id")], order_by=F("measured_on").desc())
    )
    found: dict[int, list[Measurement]] = defaultdict(list)
    for measurement in ranked.filter(rank__lte=per_objective).order_by("objective_id", "-measured_on"):
        found[measurement.objective_id].append(measurement)
    return found


def objective_statuses(objectives: Iterable[QualityObjective], *, today: dt.date) -> dict[int, ObjectiveStatus]:
    """The status of each objective by id, reading their measurements in one query."""
    objectives = list(objectives)
    latest = latest_measurements(objectives)
    return {o.pk: objective_status(o, latest.get(o.pk, []), today=today) for o in objectives}


def objective_chart_svg(
    objective: QualityObjective, measurements: Sequence[Measurement], *, width: int = 640, height: int = 260
) -> str:
    """The objective's trend chart (SVG), the same drawing for the web page and the evidence pack."""
    return trend_chart_svg(
        [(m.measured_on, m.value) for m in sorted(measurements, key=lambda m: m.measured_on)],
        target=objective.target,
        direction=objective.direction,
        unit=objective.unit,
        width=width,
        height=height,
        title=objective.title,
    )


@transaction.atomic
def objective_save(
    *, fields: Mapping[str, object], objective: QualityObjective | None = None, by: User
) -> QualityObjective:
    """Create an objective, or change ``objective``, from ``fields`` (names from ``OBJECTIVE_FIELDS``)."""
    require_capability(by, MANAGE, doing="create or change quality objectives")
    unknown = set(fields) - set(OBJECTIVE_FIELDS)
    if unknown:
        raise ValueError(f"Not fields of an objective: {', '.join(sorted(unknown))}")
    if objective is None:
        objective = QualityObjective()
    else:
        objective = QualityObjective.objects.select_for_update().get(pk=objective.pk)
    for name, value in fields.items():
        setattr(objective, name, value.strip() if isinstance(value, str) else value)
    objective.full_clean()
    if objective.pk is None and objective.due_on < timezone.localdate():
        # An objective already overdue on the day it is set is a record of the past, not a plan (6.2).
        raise ValidationError({"due_on": "A new objective needs a date still to come to be met by."})
    if not objective.owner.is_active:
        raise ValidationError({"owner": f"{objective.owner} is no longer active: choose someone else."})
    with audit_context(actor=by):
        objective.save()
    return objective


def may_record_measurements(objective: QualityObjective, user: User) -> bool:
    """Whether ``user`` may record ``objective``'s measurements: a manager of objectives, or its owner holding
    ``record_measurements``."""
    return user_can(user, MANAGE) or (user_can(user, RECORD) and objective.owner_id == user.pk)


@transaction.atomic
def measurement_record(
    *, objective: QualityObjective, measured_on: dt.date, value: Decimal | str, note: str = "", by: User
) -> Measurement:
    """Record the value measured on a date; a second value for the same date corrects the first (audited)."""
    if not may_record_measurements(objective, by):
        raise PermissionDenied("Only the objective's owner or a manager of objectives may record its measurements.")
    if measured_on > timezone.localdate():
        raise ValidationError({"measured_on": "A measurement cannot be dated in the future."})
    try:
        value = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError({"value": f"“{value}” is not a number."}) from None
    if not value.is_finite():
        raise ValidationError({"value": "Give a finite number."})
    measurement = (
        Measurement.objects.select_for_update().filter(objective=objective, measured_on=measured_on).first()
        or Measurement(objective=objective, measured_on=measured_on, recorded_by=by)
    )
    measurement.value, measurement.note, measurement.recorded_by = value, note.strip(), by
    measurement.full_clean(validate_unique=False)
    with audit_context(actor=by):
        measurement.save()
    return measurement


@transaction.atomic
def measurements_record_bulk(
    *, values: Sequence[tuple[QualityObjective, Decimal]], measured_on: dt.date, by: User, reason: str
) -> list[Measurement]:
    """Record the values measured on one date for many objectives at once, as ``measurement_record`` records one
    (a month's figures, the large demo): only a manager of objectives, a date not in the future, finite numbers;
    an objective already measured on that date is refused (correct it with ``measurement_record``). Written
    through the audited bulk path, attributed to ``by`` with ``reason``."""
    require_capability(by, MANAGE, doing="record measurements")
    if measured_on > timezone.localdate():
        raise ValidationError({"measured_on": "A measurement cannot be dated in the future."})
    rows, errors = [], []
    for objective, value in values:
        if not Decimal(value).is_finite():
            raise ValidationError({"value": "Give a finite number."})
        row = Measurement(objective=objective, measured_on=measured_on, value=Decimal(value), recorded_by=by)
        try:  # what measurement_record checks of one, for each (the one date's uniqueness is checked below at once)
            row.full_clean(validate_unique=False)
        except ValidationError as error:
            errors.append(f"{objective}: {'; '.join(error.messages)}")
        rows.append(row)
    if errors:
        raise ValidationError([f"Nothing was recorded. {message}" for message in errors])
    taken = Measurement.objects.filter(measured_on=measured_on, objective__in=[objective for objective, _ in values])
    if taken.exists():
        raise ValidationError({"measured_on": f"{taken.first()} is recorded already: correct it one by one."})
    with audit_context(actor=by):
        return audited_bulk_create(Measurement, rows, reason=reason)


# --- Saying where an objective stands: its page and the evidence pack ------------------------------

def amount_text(value: Decimal, objective: QualityObjective) -> str:
    """A value with its unit: "97.5 %"."""
    return f"{format_number(value)} {objective.unit}".strip()


def target_text(objective: QualityObjective) -> str:
    """The target with its direction and unit: "≥ 95 %"."""
    return f"{DIRECTION_SIGNS[objective.direction]} {amount_text(objective.target, objective)}"


def status_reason(objective: QualityObjective, status: ObjectiveStatus, *, today: dt.date) -> str:
    """Why the objective has its status, in a sentence a reader can check against the measurements."""
    latest = status.latest
    if status.state == ObjectiveState.NO_DATA or latest is None:
        return "Nothing has been measured yet."
    said = f"The latest value, {amount_text(latest.value, objective)} on {date_format(latest.measured_on, 'j M Y')},"
    due = date_format(objective.due_on, "j M Y")
    if status.state == ObjectiveState.ON_TRACK:
        return f"{said} meets the target {target_text(objective)}."
    if status.state == ObjectiveState.AT_RISK and status.projected is not None:  # at risk always has a projection
        return (
            f"{said} does not meet the target {target_text(objective)} yet; at the pace of the last two "
            f"measurements it reaches {amount_text(round(status.projected, 2), objective)} by {due}."
        )
    if today > objective.due_on or latest.measured_on >= objective.due_on:
        return f"{said} does not meet the target {target_text(objective)}, and it was due by {due}."
    if status.projected is None:
        return f"{said} does not meet the target {target_text(objective)}, and there is no trend yet to show it will."
    return (
        f"{said} does not meet the target {target_text(objective)}; at the pace of the last two measurements it "
        f"would be {amount_text(round(status.projected, 2), objective)} by {due}, short of the target."
    )
