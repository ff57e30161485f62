"""The evidence pack's section 5.1: what an auditor reads of top management's commitments and the quality objectives
for a period, and that nothing dated outside the period gets in."""
import datetime as dt
import io
import re
from decimal import Decimal

import pypdf
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leadership.evidence_pack.period import PackPeriod
from leadership.evidence_pack.render import PackHeading, part_html
from leadership.evidence_pack.sections import section_named
from leadership.models import Commitment, EvidenceAttachment
from qms_portal.access import PortalRole
from qms_portal.models import Organisation
from qms_portal.pdf_assembly import pdf_render_part
from tests.core.factories import UserFactory
from tests.leadership.factories import (
    CommitmentFactory,
    EvidenceEntryFactory,
    MeasurementFactory,
    QualityObjectiveFactory,
)

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 1, 1), dt.date(2026, 6, 30)
SECTION = section_named("5.1")
HASH = "ab12" * 16


def _period() -> PackPeriod:
    return PackPeriod.of(START, END)


def _heading() -> PackHeading:
    return PackHeading(number="EP-TEST", organisation=Organisation.current(), period=_period(), scope="5.1",
                       generated_at=timezone.now())


def _part(name: str) -> tuple[str, list]:
    html, content = part_html(SECTION, _heading(), {"part": name})
    return html, content.records


def _block(html: str, heading: str) -> str:
    """The HTML of one commitment or objective, from its heading to the next."""
    start = html.index(f"<h3>{heading}")
    following = html.find("<h3>", start + 1)
    return html[start:following if following != -1 else len(html)]


def _commitment(**fields) -> Commitment:
    """A commitment set before the period (its creation is recorded then)."""
    with time_machine.travel(dt.datetime(2025, 12, 1, 9, tzinfo=dt.UTC), tick=False):
        return CommitmentFactory(**fields)


def _attach(entry, *, name: str = "board-minutes.pdf", sha256: str = HASH) -> EvidenceAttachment:
    return EvidenceAttachment.objects.create(
        entry=entry, file="evidence/x.pdf", original_name=name, content_type="application/pdf", size=2048,
        sha256=sha256,
    )


@pytest.fixture
def leader():
    return UserFactory(full_name="Helen Marsh", roles=[PortalRole.TOP_MANAGEMENT])


def test_evidence_in_the_period_shows_with_its_attachment_hash_and_evidence_outside_it_is_absent(leader):
    commitment = _commitment(code="T.1", summary="Take accountability", owner=leader)
    inside = EvidenceEntryFactory(occurred_on=dt.date(2026, 3, 10), summary="Chaired the March quality board.",
                                  leader=leader, commitments=[commitment])
    attachment = _attach(inside)
    before = EvidenceEntryFactory(occurred_on=dt.date(2025, 12, 31), summary="Opened the December town hall.",
                                  leader=leader, commitments=[commitment])
    after = EvidenceEntryFactory(occurred_on=dt.date(2026, 7, 1), summary="Visited the Halifax line.",
                                 leader=leader, commitments=[commitment])
    _attach(after, name="halifax-visit.pdf", sha256="cd34" * 16)

    html, records = _part("commitments")

    block = _block(html, "T.1 Take accountability")
    assert "Chaired the March quality board." in block
    assert "board-minutes.pdf" in block and HASH in block
    assert "Helen Marsh" in block and "10 Mar 2026" in block
    for absent in ("Opened the December town hall.", "Visited the Halifax line.", "halifax-visit.pdf"):
        assert absent not in html
    shown = {(record.type, record.id) for record in records}
    assert ("leadership.evidenceentry", str(inside.pk)) in shown
    assert ("leadership.evidenceattachment", str(attachment.pk), HASH) in {
        (record.type, record.id, record.sha256) for record in records
    }
    assert ("leadership.evidenceentry", str(before.pk)) not in shown
    assert ("leadership.evidenceentry", str(after.pk)) not in shown


def test_a_commitment_shows_its_status_at_the_period_end_not_today(leader):
    # Evidenced in March with 90 days' grace: stale by the end of June, although July's evidence makes it current now.
    commitment = _commitment(code="T.2", summary="Promote improvement", owner=leader, evidence_every_days=90)
    EvidenceEntryFactory(occurred_on=dt.date(2026, 3, 1), leader=leader, commitments=[commitment])
    EvidenceEntryFactory(occurred_on=dt.date(2026, 7, 15), leader=leader, commitments=[commitment])
    _commitment(code="T.3", summary="Support other managers", owner=leader)

    html, _ = _part("commitments")

    stale = _block(html, "T.2 Promote improvement")
    assert "Stale" in stale and "new evidence was due by 30 May 2026" in stale
    assert "Last evidenced 1 Mar 2026" in stale
    unevidenced = _block(html, "T.3 Support other managers")
    assert "Never evidenced" in unevidenced
    assert "No evidence of this commitment is dated in the period." in unevidenced


def test_a_commitment_added_after_the_period_is_left_out(leader):
    _commitment(code="T.7", summary="Communicate the policy", owner=leader)
    added = CommitmentFactory(code="T.8", summary="Engage the supply chain", owner=leader)  # today, months after
    EvidenceEntryFactory(occurred_on=dt.date(2026, 5, 1), leader=leader, commitments=[added])

    html, records = _part("commitments")

    assert "T.7 Communicate the policy" in html and "T.8" not in html and "Engage the supply chain" not in html
    assert str(added.pk) not in {record.id for record in records if record.type == "leadership.commitment"}


def test_a_commitment_changed_after_the_period_shows_as_it_stood_at_the_end(leader):
    commitment = _commitment(code="T.6", summary="Promote the process approach", owner=leader,
                             evidence_every_days=90)
    EvidenceEntryFactory(occurred_on=dt.date(2026, 5, 1), leader=leader, commitments=[commitment])
    # Changed today, after the period: another owner and a shorter interval that would make it stale on 30 June.
    commitment.owner = UserFactory(full_name="Sana Hussain", roles=[PortalRole.TOP_MANAGEMENT])
    commitment.evidence_every_days = 30
    commitment.save()

    html, records = _part("commitments")

    block = _block(html, "T.6 Promote the process approach")
    assert "Helen Marsh" in block and "Sana Hussain" not in block
    assert "90 days" in block and "Current" in block
    assert "Changed after 30 Jun 2026: accountable top manager, evidence needed every (days)." in block


def test_an_objective_changed_after_the_period_is_judged_on_its_target_at_the_end():
    objective = QualityObjectiveFactory(title="Supplier on-time of 95%", target=Decimal("95"),
                                        due_on=dt.date(2026, 12, 31))
    objective.created_at = dt.datetime(2025, 12, 1, 9, tzinfo=dt.UTC)
    objective.save()
    MeasurementFactory(objective=objective, measured_on=dt.date(2026, 4, 30), value=Decimal("92"))
    objective.target = Decimal("90")  # lowered after the period: 92 would meet it now
    objective.save()

    html, _ = _part("objectives")

    block = _block(html, "Supplier on-time of 95%")
    assert "≥ 95 %" in block and "≥ 90 %" not in block
    assert "Off track" in block
    assert "Changed after 30 Jun 2026: target." in block


def test_top_management_lists_each_leader_with_their_evidence_count_in_the_period(leader):
    commitment = _commitment(code="T.4", owner=leader)
    for day in (dt.date(2026, 2, 1), dt.date(2026, 4, 1), dt.date(2026, 8, 1)):
        EvidenceEntryFactory(occurred_on=day, leader=leader, commitments=[commitment])

    html, _ = _part("commitments")

    table = html[html.index('<table class="leaders">'):html.index("</table>", html.index('<table class="leaders">'))]
    row = re.search(r"<tr><td>Helen Marsh</td>.*?</tr>", table, re.DOTALL)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row[0], re.DOTALL)
    assert cells[2] == "T.4" and cells[3] == "2" and cells[4] == "1 Apr 2026"


def test_an_objective_shows_measurements_in_the_period_and_its_status_at_the_end():
    objective = QualityObjectiveFactory(title="On-time delivery of 95%", target=Decimal("95"),
                                        due_on=dt.date(2026, 12, 31))
    objective.created_at = dt.datetime(2025, 12, 1, 9, tzinfo=dt.UTC)  # set before the period
    objective.save()
    MeasurementFactory(objective=objective, measured_on=dt.date(2025, 12, 31), value=Decimal("80"))
    inside = MeasurementFactory(objective=objective, measured_on=dt.date(2026, 3, 31), value=Decimal("91.5"))
    after = MeasurementFactory(objective=objective, measured_on=dt.date(2026, 8, 31), value=Decimal("97.25"))
    later = QualityObjectiveFactory(title="Scrap at most 1.5%")  # set today, after the period

    html, records = _part("objectives")

    block = _block(html, "On-time delivery of 95%")
    assert "31 Mar 2026" in block and "91.5 %" in block
    assert "97.25" not in block and "31 Aug 2026" not in block  # neither in the table nor in the chart
    assert "31 Dec 2025" not in block  # before the period: not listed...
    # ...but it is one of the latest two by the end: rising from 80 to 91.5, 95 is in reach by December (97.25 in
    # August would make it on track today).
    assert "At risk" in block
    assert "<svg" in block
    assert later.title not in html
    shown = {(record.type, record.id) for record in records}
    assert ("leadership.measurement", str(inside.pk)) in shown
    assert ("leadership.measurement", str(after.pk)) not in shown
    assert ("leadership.qualityobjective", str(later.pk)) not in shown


def test_the_commitments_part_draws_as_a_pdf_with_its_bookmarks_and_hashes(leader):
    commitment = _commitment(code="T.5", summary="See that the QMS has the resources it needs", owner=leader)
    _attach(EvidenceEntryFactory(occurred_on=dt.date(2026, 5, 5), leader=leader, commitments=[commitment]))

    html, _ = _part("commitments")
    part = pdf_render_part(html)

    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(part.pdf)).pages)
    assert HASH in re.sub(r"\s+", "", text)
    labels = [(entry.level, entry.label) for entry in part.outline]
    assert labels[0] == (1, "Leadership and commitment")
    assert (3, "T.5 See that the QMS has the resources it needs") in labels


def test_the_commitments_part_reads_a_fixed_number_of_queries(leader):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            _part("commitments")
        return len(captured)

    commitment = _commitment(owner=leader)
    _attach(EvidenceEntryFactory(occurred_on=dt.date(2026, 2, 2), leader=leader, commitments=[commitment]))
    queries()  # the first draw also loads what is cached (the organisation, the templates)
    few = queries()
    for day in range(3, 9):
        other = UserFactory(roles=[PortalRole.TOP_MANAGEMENT])
        _attach(EvidenceEntryFactory(occurred_on=dt.date(2026, 2, day), leader=other,
                                     commitments=[commitment, _commitment(owner=other)]))

    assert queries() == few


def test_the_objectives_part_reads_a_fixed_number_of_queries():
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            _part("objectives")
        return len(captured)

    def objective_measured(months: int) -> None:
        objective = QualityObjectiveFactory(due_on=dt.date(2026, 12, 31))
        objective.created_at = dt.datetime(2025, 12, 1, 9, tzinfo=dt.UTC)
        objective.save()
        for month in range(1, months + 1):
            MeasurementFactory(objective=objective, measured_on=dt.date(2026, month, 28))

    objective_measured(1)
    queries()
    few = queries()
    for _ in range(3):
        objective_measured(4)

    assert queries() == few
