"""The audit trail reads as the portal does: choice labels, related records by name, yes/no, dates and answers
as the pages write them; the CSV keeps the stored values beside them for machines."""
import csv
import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qms_portal.audit import AuditEntry
from qms_portal.models import OrgUnit
from tests.core.factories import OrgUnitFactory
from tests.policy.factories import CampaignFactory

pytestmark = pytest.mark.django_db


def lines_of(response, record) -> list[tuple]:
    """The change lines the page shows for ``record``'s newest entry, as (field, before, after)."""
    entry = next(
        entry for entry in response.context["page"].object_list
        if entry.record_type == record._meta.label_lower and entry.object_id == str(record.pk)
    )
    return [(line.field, line.before, line.after) for line in entry.change_lines]


def test_a_choice_shows_its_label_not_its_stored_value(qm_client):
    unit = OrgUnitFactory(name="Paint shop", kind="department")
    unit.kind = "team"
    unit.save()

    response = qm_client.get(reverse("audit_trail"), {"record_type": "qms_portal.orgunit"})

    assert ("kind", "Department", "Team") in lines_of(response, unit)
    assert "<del>Department</del> → <ins>Team</ins>" in response.text
    assert "department → team" not in response.text


def test_a_related_record_shows_by_name_and_a_removed_one_says_so(qm_client):
    site, works = OrgUnitFactory(name="Main site"), OrgUnitFactory(name="Works")
    unit = OrgUnitFactory(name="Paint shop", parent=site)
    unit.parent = works
    unit.save()
    gone = OrgUnitFactory(name="Old stores")
    unit.parent = gone
    unit.save()
    gone_pk = gone.pk
    unit.parent = works
    unit.save()
    gone.delete()

    response = qm_client.get(reverse("audit_trail"), {"record_type": "qms_portal.orgunit"})

    entries = [e for e in response.context["page"].object_list if e.object_id == str(unit.pk)]
    shown = [(line.before, line.after) for entry in entries for line in entry.change_lines if line.field == "part of"]
    assert shown[0] == (f"#{gone_pk} (deleted)", "Works")
    assert ("Main site", "Works") in shown


def test_a_boolean_shows_yes_or_no_and_a_date_as_the_pages_write_it(portal_users, qm_client):
    person = portal_users.employee
    person.is_active = False
    person.access_expires_on = dt.date(2027, 3, 31)
    person.save()

    response = qm_client.get(reverse("audit_trail"), {"record_type": "qms_portal.user"})

    lines = lines_of(response, person)
    assert ("active", "yes", "no") in lines
    assert ("access expires on", None, "31 Mar 2027") in lines


def test_the_right_answer_of_a_comprehension_question_shows_as_its_text(qm_client):
    campaign = CampaignFactory(question="Who owns the policy?", choices=["Everyone", "Top management"],
                               correct_choice=1)

    response = qm_client.get(reverse("audit_trail"), {"record_type": "policy.campaign"})

    lines = lines_of(response, campaign)
    assert ("correct choice", None, "answer 2: Top management") in lines
    assert ("version", None, str(campaign.version)) in lines  # the version as the pages number it (v1)
    assert str(campaign.version).endswith(" v1")


def test_the_csv_shows_the_readable_changes_and_keeps_the_stored_values(portal_users, client_for):
    unit = OrgUnitFactory(name="Paint shop", kind="department")
    unit.kind = "team"
    unit.save()

    response = client_for(portal_users.auditor).get(reverse("audit_trail_csv"), {"record_type": "qms_portal.orgunit"})

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    changed = rows[0]
    assert changed["changes"] == "kind: Department → Team"
    assert json.loads(changed["changes (stored values, JSON)"]) == {"kind": ["department", "team"]}


def _queries_for_trail_page(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("audit_trail"), {"record_type": "qms_portal.orgunit"}).status_code == 200
    return len(queries)


def test_a_trail_page_costs_the_same_queries_for_few_and_for_many_related_records(qm_client):
    def add_units(count: int) -> None:
        for n in range(count):
            parent = OrgUnitFactory(name=f"Site {n}-{OrgUnit.objects.count()}")
            OrgUnitFactory(name=f"Team {n}-{OrgUnit.objects.count()}", parent=parent)

    add_units(3)
    _queries_for_trail_page(qm_client)  # the first page of a session also reads what is cached afterwards
    few = _queries_for_trail_page(qm_client)
    add_units(25)
    many = _queries_for_trail_page(qm_client)

    assert AuditEntry.objects.count() >= 50
    assert many == few
