"""The evidence pack's 5.3 section: roles and their holders at the period's end, the 5.3 duties, the RACI rule
breaks, and the RACI matrix on landscape pages with the whole matrix attached as CSV."""
import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from leadership.evidence_pack.period import PackPeriod
from leadership.evidence_pack.render import PackHeading, part_html
from leadership.evidence_pack.sections import section_named
from leadership.evidence_pack.sections.base import PartContent, PartPlan
from qms_portal.audit import audit_context
from qms_portal.models import Organisation
from qms_portal.pdf_assembly import pdf_render_part
from qms_portal.presentation import day
from roles.models import Duty, RaciCell, RoleAcknowledgement
from tests.core.factories import OrgUnitFactory, UserFactory
from tests.roles.factories import ActivityFactory, AssignmentFactory, ProcessFactory, RaciCellFactory, RoleFactory

pytestmark = pytest.mark.django_db

SECTION = section_named("5.3")


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def period() -> PackPeriod:
    """A year that ended a month ago."""
    return PackPeriod.of(today() - dt.timedelta(days=395), today() - dt.timedelta(days=30))


def draw(period: PackPeriod, plan: PartPlan) -> tuple[PdfReader, PartContent]:
    heading = PackHeading(number="EP-TEST", organisation=Organisation.current(), period=period, scope="5.3",
                          generated_at=timezone.now())
    html, content = part_html(SECTION, heading, plan.args)
    return PdfReader(io.BytesIO(pdf_render_part(html).pdf)), content


def text_of(reader: PdfReader, page: int | None = None) -> str:
    pages = reader.pages if page is None else [reader.pages[page]]
    return " ".join(" ".join(p.extract_text().split()) for p in pages)


def part(period: PackPeriod, kind: str) -> PartPlan:
    return next(plan for plan in SECTION.plan(period) if plan.args.get("part") == kind)


@pytest.fixture
def quality_lead(period):
    """A role held at the period's end by Ann Lee (acknowledged before the end) and by Ben Ode (never
    acknowledged); Cy Dee left it before the end and Di Fox took it on after."""
    with time_machine.travel(period.start_at, tick=False):
        role = RoleFactory(title="Quality lead", responsibilities="Run the internal audits",
                           authorities="Stop a shipment that fails inspection")
    ann = AssignmentFactory(role=role, person=UserFactory(full_name="Ann Lee"), starts_on=period.start)
    AssignmentFactory(role=role, person=UserFactory(full_name="Ben Ode"), starts_on=period.start, is_deputy=True)
    AssignmentFactory(role=role, person=UserFactory(full_name="Cy Dee"), starts_on=period.start,
                      ends_on=period.end - dt.timedelta(days=10))
    AssignmentFactory(role=role, person=UserFactory(full_name="Di Fox"), starts_on=period.end + dt.timedelta(days=5))
    ack = RoleAcknowledgement.objects.create(role=role, person=ann.person, revision=role.revision)
    ack.acknowledged_at = period.start_at + dt.timedelta(days=3)
    ack.save()
    return role


def test_roles_part_shows_the_holders_at_the_period_end_with_their_acknowledgements(period, quality_lead):
    reader, content = draw(period, part(period, "roles"))

    text = text_of(reader)
    assert "Organizational roles, responsibilities and authorities" in text
    assert "Run the internal audits" in text and "Stop a shipment that fails inspection" in text
    assert "Ann Lee" in text and "Ben Ode (deputy)" in text
    assert "Cy Dee" not in text  # left before the period's end
    assert "Di Fox" not in text  # took the role on after it
    assert "Acknowledged revision 1" in text and "Not acknowledged" in text
    assert "1 of 2 holders had acknowledged" in text
    # Past period: says what is as it stood at the end, and that the letters are as they stand now.
    assert f"revisions, holders and acknowledgements are as they stood on {day(period.end, 'long')}" in text
    assert f"RACI letters are shown as they stand on {day(today(), 'long')}" in text
    assert {record.type for record in content.records} == {
        "roles.role", "roles.roleassignment", "roles.roleacknowledgement"}
    assert reader.outline[0].title == "Organizational roles, responsibilities and authorities"


def test_a_duty_is_listed_with_its_role_and_holder_and_a_broken_rule_is_listed(period, quality_lead):
    duty = Duty.objects.get(code="5.3.a")
    duty.role = quality_lead
    duty.save()
    audits = ActivityFactory(process=ProcessFactory(name="Internal audit", owner_role=quality_lead),
                             name="Plan the audits")
    RaciCellFactory(activity=audits, role=quality_lead, letter="R")  # no A: breaks "exactly one A"

    reader, content = draw(period, part(period, "duties"))

    text = text_of(reader)
    assert "5.3.a Making sure the QMS conforms to ISO 9001 Quality lead" in text
    assert "Ann Lee" in text and "Di Fox" not in text
    assert "Duty 5.3.b is not assigned to any role." in text
    assert "“Internal audit — Plan the audits” has no A: give exactly one role the A." in text
    assert "Org chart" in text and "Quality lead" in text
    assert "roles.duty" in {record.type for record in content.records}


def test_a_holder_who_acknowledged_the_revision_in_force_at_the_end_shows_acknowledged_after_a_later_one(
    period, quality_lead,
):
    # A month after the period, the role gains a responsibility: revision 2, not yet acknowledged by anyone.
    quality_lead.responsibilities += "\nKeep the calibration records"
    quality_lead.revision = 2
    quality_lead.save()

    reader, content = draw(period, part(period, "roles"))

    text = text_of(reader)
    assert "revision 1" in text and "revision 2" not in text
    assert "Keep the calibration records" not in text  # the texts as they stood at the end
    assert "Acknowledged revision 1" in text and "Earlier revision" not in text
    assert "1 of 2 holders had acknowledged" in text
    assert "Role: Quality lead (revision 1)" in [record.label for record in content.records]


def test_a_role_created_after_the_period_is_left_out(period, quality_lead):
    RoleFactory(title="Sustainability lead")  # today, a month after the period's end

    reader, content = draw(period, part(period, "roles"))

    text = text_of(reader)
    assert "Quality lead" in text and "Sustainability lead" not in text
    assert "1 role, 1 held" in text
    assert [record.label for record in content.records if record.type == "roles.role"] == [
        "Role: Quality lead (revision 1)"]


def test_a_duty_holder_who_acknowledged_the_revision_in_force_at_the_end_is_marked_so(period, quality_lead):
    duty = Duty.objects.get(code="5.3.a")
    duty.role = quality_lead
    duty.save()
    quality_lead.revision = 2
    quality_lead.save()

    _, content = draw(period, part(period, "duties"))

    [(_status, holders)] = [row for row in content.context["duties"] if row[0].duty.code == "5.3.a"]
    assert ("Ann Lee", False, True) in holders and ("Ben Ode", True, False) in holders


@pytest.fixture
def big_matrix():
    """30 roles (two column blocks) by 70 activities (more rows than one landscape page holds), a letter where
    the row and column numbers add up to a multiple of 5."""
    unit = OrgUnitFactory(name="Works", code="WRK")
    with time_machine.travel(today() - dt.timedelta(days=400), tick=False):  # before the period fixture's start
        roles = [RoleFactory(title=f"Operator grade {n:02d}", org_unit=unit) for n in range(30)]
    process = ProcessFactory(name="Machining", owner_role=roles[0])
    activities = [ActivityFactory(process=process, position=n, name=f"Step {n:03d}") for n in range(70)]
    with audit_context(actor="test"):
        for a, activity in enumerate(activities):
            for r, role in enumerate(roles):
                if (a + r) % 5 == 0:
                    RaciCell.objects.create(activity=activity, role=role, letter="RACI"[(a + r) // 5 % 4])
    return roles, activities


def test_the_matrix_is_cut_into_landscape_parts_with_the_role_headings_on_every_page(period, big_matrix):
    blocks = [plan for plan in SECTION.plan(period) if plan.args.get("part") == "matrix"]
    assert [plan.args["columns"] for plan in blocks] == [[0, 15], [15, 30]]
    assert all(plan.args["rows"] == [0, 70] for plan in blocks)
    assert blocks[0].weight == 70 * 15

    reader, _ = draw(period, blocks[1])

    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert page.mediabox.width > page.mediabox.height  # A4 landscape
    second = text_of(reader, 1)
    assert "Operator grade 15 [WRK]" in second and "Operator grade 29 [WRK]" in second  # headings repeated
    assert "Operator grade 14" not in text_of(reader)  # in the other block
    assert "Step 069" in text_of(reader)


def test_the_csv_attachment_holds_the_whole_matrix(period, big_matrix):
    roles, activities = big_matrix

    _, content = draw(period, part(period, "duties"))

    rows = list(csv.reader(io.StringIO(content.attachments["raci-matrix.csv"].lstrip("\ufeff"))))
    assert rows[0][:4] == ["Process code", "Process", "Activity", "Operator grade 00 [WRK]"]
    assert len(rows) == 71 and len(rows[0]) == 33
    assert rows[1][2:9] == ["Step 000", "R", "", "", "", "", "A"]  # roles 0 and 5
    assert rows[70][2] == "Step 069" and rows[70][-1] == ""
    assert rows[70][3 + 26] == "RACI"[(69 + 26) // 5 % 4] == "I"
    matrix = next(record for record in content.records if record.id == "raci-matrix.csv")
    assert "70 activities x 30 roles, 420 letters" in matrix.label


def queries_per_part(period: PackPeriod) -> list[int]:
    heading = PackHeading(number="EP-TEST", organisation=Organisation.current(), period=period, scope="5.3",
                          generated_at=timezone.now())
    counts = []
    for plan in SECTION.plan(period)[:3]:
        with CaptureQueriesContext(connection) as queries:
            part_html(SECTION, heading, plan.args)
        counts.append(len(queries))
    return counts


def test_each_part_reads_in_the_same_number_of_queries_whatever_the_size(period, big_matrix, quality_lead):
    small = queries_per_part(period)
    for role in big_matrix[0]:
        AssignmentFactory(role=role)
        ack = RoleAcknowledgement.objects.create(role=role, person=UserFactory(), revision=1)
        ack.acknowledged_at = period.start_at + dt.timedelta(days=1)
        ack.save()
        AssignmentFactory(role=role, person=ack.person, starts_on=period.start)

    assert queries_per_part(period) == small


def test_many_roles_are_described_over_several_parts_with_the_section_heading_once(period, big_matrix):
    with time_machine.travel(period.start_at, tick=False):
        RoleFactory(title="Works manager")  # 31 roles

    plans = [plan for plan in SECTION.plan(period) if plan.args.get("part") == "roles"]
    assert [plan.args["roles"] for plan in plans] == [[0, 30], [30, 31]]
    first, _ = draw(period, plans[0])
    second, content = draw(period, plans[1])

    assert "Organizational roles" in text_of(first) and "Operator grade 00" in text_of(first)
    assert "Organizational roles" not in text_of(second) and not second.outline
    assert "Works manager" in text_of(second) and "Operator grade" not in text_of(second)
    assert "roles 31-31 of 31" in text_of(second)
    assert [record.label for record in content.records if record.type == "roles.role"] == [
        "Role: Works manager (revision 1)"]


def test_a_very_long_matrix_is_also_cut_by_rows(period, big_matrix, monkeypatch):
    monkeypatch.setattr("leadership.evidence_pack.sections.roles.ROWS_PER_PART", 40)

    blocks = [plan for plan in SECTION.plan(period) if plan.args.get("part") == "matrix"]
    assert [(plan.args["columns"], plan.args["rows"]) for plan in blocks] == [
        ([0, 15], [0, 35]), ([0, 15], [35, 70]), ([15, 30], [0, 35]), ([15, 30], [35, 70])]
    reader, _ = draw(period, blocks[1])
    text = text_of(reader)
    assert "Roles 1-15 of 30, activities 36-70" in text
    assert "Step 035" in text and "Step 034" not in text
