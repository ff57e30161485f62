"""Reading the values a record's fields held at a past moment from the audit trail (``audit_values_at``)."""
import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qms_portal.audit import audit_values_at
from qms_portal.models import OrgUnit
from tests.core.factories import OrgUnitFactory

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


def test_a_record_changed_after_the_moment_reads_back_its_values_at_the_moment():
    with time_machine.travel(MOMENT - dt.timedelta(days=30), tick=False):
        plant = OrgUnitFactory(name="Plant", code="PLANT")
        unit = OrgUnitFactory(name="Machining", code="MACH", description="")
    with time_machine.travel(MOMENT - dt.timedelta(days=1), tick=False):
        unit.name = "Machining and turning"
        unit.save()
    with time_machine.travel(MOMENT + dt.timedelta(days=5), tick=False):
        unit.name = "CNC machining"
        unit.description = "Five-axis cells"
        unit.parent = plant
        unit.save()
    with time_machine.travel(MOMENT + dt.timedelta(days=9), tick=False):
        unit.name = "CNC"
        unit.save()

    values = audit_values_at(OrgUnit, [unit.pk, plant.pk], MOMENT)

    # The value the last change before the moment left, not the first one nor today's; a link reads back as None.
    assert values == {unit.pk: {"name": "Machining and turning", "description": "", "parent": None}}
    assert audit_values_at(OrgUnit, [unit.pk], MOMENT, fields=["name"]) == {unit.pk: {"name": "Machining and turning"}}
    assert audit_values_at(OrgUnit, [unit.pk], MOMENT + dt.timedelta(days=30)) == {}


def test_a_link_set_before_the_moment_reads_back_as_the_linked_id_and_one_query_serves_all_records():
    with time_machine.travel(MOMENT - dt.timedelta(days=30), tick=False):
        plant, site = OrgUnitFactory(code="PLANT"), OrgUnitFactory(code="SITE")
        units = [OrgUnitFactory(code=f"U{n}", parent=plant) for n in range(5)]
    with time_machine.travel(MOMENT + dt.timedelta(days=1), tick=False):
        for unit in units:
            unit.parent = site
            unit.save()

    with CaptureQueriesContext(connection) as queries:
        values = audit_values_at(OrgUnit, [unit.pk for unit in units], MOMENT, fields=["parent"])

    assert len(queries) == 1
    assert values == {unit.pk: {"parent": plant.pk} for unit in units}


def test_a_record_created_after_the_moment_reads_its_changes_only():
    with time_machine.travel(MOMENT + dt.timedelta(days=1), tick=False):
        unit = OrgUnitFactory(name="Paint shop", code="PAINT")
    assert audit_values_at(OrgUnit, [unit.pk], MOMENT) == {}
    with time_machine.travel(MOMENT + dt.timedelta(days=2), tick=False):
        unit.name = "Paint and finish"
        unit.save()

    # Its creation is not a change: whether it existed at the moment is read from its creation time.
    assert audit_values_at(OrgUnit, [unit.pk], MOMENT) == {unit.pk: {"name": "Paint shop"}}
