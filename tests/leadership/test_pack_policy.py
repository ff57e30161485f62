"""The evidence pack's section 5.2 (Policy), read back from the PDF as an auditor would: the version in force at the
period's end with its signer and hash, superseded versions watermarked, versions out of the period absent, the
acknowledgement rates by department as they stood at the period's end, the attached CSV, and a hostile policy text
that embeds nothing."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pypdf
import pytest
from django.db import models
from django.utils import timezone

from leadership.evidence_pack.period import PackPeriod
from leadership.evidence_pack.render import PackHeading, part_html
from leadership.evidence_pack.sections import section_named
from policy.models import Acknowledgement, ComprehensionAttempt, PolicyVersion, VersionStatus
from policy.workflow import version_withdraw_signed
from qms_portal.access import PortalRole
from qms_portal.models import Organisation
from qms_portal.pdf_assembly import AttachedFile, OutlineEntry, pdf_merge, pdf_render_part
from qms_portal.presentation import day as shown_day
from qms_portal.signatures import content_sha256
from tests.core.factories import PASSWORD, OrgUnitFactory, UserFactory
from tests.policy.factories import CampaignFactory, PolicyDocumentFactory, PolicyReviewFactory, PolicyVersionFactory

pytestmark = pytest.mark.django_db

PERIOD = (dt.date(2026, 1, 1), dt.date(2026, 6, 30))


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=dt.UTC)


def set_stored(record: models.Model, **values: object) -> None:
    """Write columns straight to the row (dates the models set themselves, a tampered text), past the model and its
    audit trail, as someone with database access could."""
    models.QuerySet(model=type(record)).filter(pk=record.pk).update(**values)


def render_section(period: PackPeriod) -> tuple[pypdf.PdfReader, dict[str, str]]:
    """Section 5.2 drawn part by part and merged, as the pack does, with its parts' CSVs attached to the first."""
    heading = PackHeading(number="EP-TEST", organisation=Organisation.current(), period=period, scope="5.2",
                          generated_at=timezone.now())
    section = section_named("5.2")
    drawn, attachments, outline, pages = [], {}, [], 0
    for plan in section.plan(period):
        html, content = part_html(section, heading, plan.args)
        attachments.update(content.attachments)
        files = [AttachedFile(name, text.encode()) for name, text in content.attachments.items()]
        part = pdf_render_part(html, attachments=files)
        outline += [OutlineEntry(e.label, e.level, e.page + pages) for e in part.outline]
        pages += part.pages
        drawn.append(part.pdf)
    return pypdf.PdfReader(io.BytesIO(pdf_merge(drawn, outline=outline))), attachments


def page_texts(reader: pypdf.PdfReader) -> list[str]:
    """Each page's text, its lines joined with single spaces (the layout wraps lines anywhere)."""
    return [" ".join(page.extract_text().split()) for page in reader.pages]


@pytest.fixture
def policy_history():
    """QP-07: v1 superseded before the period, v2 superseded in it, v3 in force at its end (superseded only after),
    v4 published after it."""
    document = PolicyDocumentFactory(reference="qp-07", title="Quality Policy", is_public=True)
    signer = UserFactory(full_name="Tessa Mann", username="tmann", roles=[PortalRole.TOP_MANAGEMENT])

    def version(number: int, published: str, superseded: str | None, status: str) -> PolicyVersion:
        return PolicyVersionFactory(
            document=document, number=number, status=status, signed_by=signer,
            body=f"# Quality Policy\n\nThe text of version {number} says ZEBRA{number}.\n",
            approved_at=at(published) - dt.timedelta(days=2), published_at=at(published),
            superseded_at=at(superseded) if superseded else None,
        )

    return {
        1: version(1, "2025-01-10", "2025-12-01", VersionStatus.SUPERSEDED),
        2: version(2, "2025-12-01", "2026-03-01", VersionStatus.SUPERSEDED),
        3: version(3, "2026-03-01", "2026-08-01", VersionStatus.SUPERSEDED),
        4: version(4, "2026-08-01", None, VersionStatus.PUBLISHED),
    }


def test_the_version_in_force_at_the_end_shows_its_signer_and_hash(policy_history):
    v3 = policy_history[3]
    reader, _ = render_section(PackPeriod.of(*PERIOD))
    text = "\n".join(page_texts(reader))

    assert "In force at the period's end: QP-07 v3 Quality Policy" in text
    assert "approved by Tessa Mann" in text
    assert v3.signature.content_sha256 == content_sha256(v3.signed_content())
    assert v3.signature.content_sha256 in text
    assert "Signature valid" in text
    assert "ZEBRA3" in text  # its full text


def test_superseded_versions_are_watermarked_and_the_one_in_force_is_not(policy_history):
    reader, _ = render_section(PackPeriod.of(*PERIOD))
    pages = page_texts(reader)
    v2_pages = [text for text in pages if "ZEBRA2" in text or "QP-07 v2 Quality Policy" in text]
    v3_pages = [text for text in pages if "ZEBRA3" in text or "QP-07 v3 Quality Policy" in text]

    assert v2_pages and all("SUPERSEDED" in text for text in v2_pages)
    # v3 was superseded only after the period: as the period ended it was in force, with no watermark.
    assert v3_pages and not any("SUPERSEDED" in text for text in v3_pages)


def test_versions_out_of_the_period_are_absent(policy_history):
    reader, _ = render_section(PackPeriod.of(*PERIOD))
    text = "\n".join(page_texts(reader))

    assert "QP-07 v2" in text and "QP-07 v3" in text
    for absent in ("ZEBRA1", "ZEBRA4", "QP-07 v1", "QP-07 v4"):
        assert absent not in text


def test_the_public_page_and_periodic_reviews_in_the_period_are_shown(policy_history):
    in_period = PolicyReviewFactory(version=policy_history[3], comment="Still fits the strategy KIWI.")
    set_stored(in_period, recorded_at=at("2026-05-04"))
    after = PolicyReviewFactory(version=policy_history[3], comment="Reviewed again MANGO.")
    set_stored(after, recorded_at=at("2026-07-04"))

    reader, _ = render_section(PackPeriod.of(*PERIOD))
    text = "\n".join(page_texts(reader))

    assert "/public/policies/qp-07/" in text.replace("/ ", "/")  # an address may wrap after a slash
    assert "KIWI" in text and "MANGO" not in text


def test_acknowledgement_rates_by_department_as_they_stood_at_the_period_end(policy_history):
    v3 = policy_history[3]
    campaign = CampaignFactory(version=v3, due_on=dt.date(2026, 4, 1), question="What do you do with a bad part?",
                               choices=["Pass it on", "Stop and say so"], correct_choice=1)
    set_stored(campaign, opened_at=at("2026-03-01"))
    joined = at("2025-06-01")
    machining, quality = OrgUnitFactory(name="Machining"), OrgUnitFactory(name="Quality assurance")
    ann, bob, cy, dee = (
        UserFactory(full_name=name, username=name.lower(), org_unit=unit, date_joined=joined,
                    roles=[PortalRole.EMPLOYEE])
        for name, unit in (("Ann", machining), ("Bob", machining), ("Cy", quality), ("Dee", quality))
    )
    for person, day in ((ann, "2026-03-05"), (cy, "2026-03-06"), (dee, "2026-03-07"), (bob, "2026-07-15")):
        ack = Acknowledgement.objects.create(version=v3, person=person)
        set_stored(ack, acknowledged_at=at(day))
    for person, correct, day in ((ann, True, "2026-03-05"), (cy, False, "2026-03-06"), (cy, True, "2026-03-06")):
        attempt = ComprehensionAttempt.objects.create(
            version=v3, person=person, choice=int(correct), answer="x", correct=correct
        )
        set_stored(attempt, answered_at=at(day, 9))

    reader, attachments = render_section(PackPeriod.of(*PERIOD))
    text = "\n".join(page_texts(reader))

    # Bob acknowledged after the period's end: Machining stood at 1 of 2 then.
    assert "75%: 3 of 4 people asked (1 pending)" in text
    assert "Machining 2 1 50%" in text
    assert "Quality assurance 2 2 100%" in text
    assert "50% answered right the first time (1 of the 2 people who answered), in 3 attempts" in text

    # The CSV, attached to the PDF: one row per person asked, with department, when, and first time right.
    assert set(reader.attachments) == {"acknowledgements.csv"}
    embedded = reader.attachments["acknowledgements.csv"][0].decode()
    assert embedded == attachments["acknowledgements.csv"]
    rows = {row["name"]: row for row in csv.DictReader(io.StringIO(embedded.removeprefix("\ufeff")))}
    assert set(rows) == {"Ann", "Bob", "Cy", "Dee"}
    assert (rows["Ann"]["policy"], rows["Ann"]["version"], rows["Ann"]["department"]) == ("QP-07", "3", "Machining")
    assert (rows["Ann"]["acknowledged at (UTC)"], rows["Ann"]["first time right"]) == ("2026-03-05 10:00", "yes")
    assert (rows["Cy"]["answers"], rows["Cy"]["first time right"]) == ("2", "no")
    assert (rows["Bob"]["acknowledged"], rows["Bob"]["acknowledged at (UTC)"]) == ("no", "")


HOSTILE = (
    '<link rel="attachment" href="file:///etc/passwd">\n\n'
    "![x](file:///etc/passwd)\n\n"
    '<img src="http://169.254.169.254/latest/meta-data/">\n\n'
    '<a href="file:///etc/passwd" rel="attachment">passwd</a>\n\n'
    "The policy text goes on after the attempts.\n"
)


def test_a_hostile_policy_text_renders_and_embeds_nothing(policy_history):
    v3 = policy_history[3]
    # Written straight to the row, as a tampered database would hold it: no form or service sees it.
    set_stored(v3, body=HOSTILE)

    reader, _ = render_section(PackPeriod.of(*PERIOD))
    text = "\n".join(page_texts(reader))

    assert "The policy text goes on after the attempts." in text
    assert "Signature INVALID" in text  # the text no longer matches what was signed, and the pack says so
    assert set(reader.attachments) <= {"acknowledgements.csv"}
    assert "root:x:0:0" not in text
    for _name, contents in reader.attachments.items():
        assert all(b"root:x:0:0" not in data for data in contents)
    links = [
        str(annotation.get_object().get("/A", {}).get("/URI", ""))
        for page in reader.pages for annotation in page.get("/Annots", [])
    ]
    assert not any(link.startswith("file:") or "169.254" in link for link in links)


def test_a_version_withdrawn_in_the_period_is_watermarked_withdrawn():
    document = PolicyDocumentFactory(reference="qp-08", title="Quality Policy")
    PolicyVersionFactory(
        document=document, number=1, status=VersionStatus.WITHDRAWN, body="Withdrawn text OKAPI.",
        approved_at=at("2025-11-01"), published_at=at("2025-11-02"), withdrawn_at=at("2026-02-01"),
        signed_by=UserFactory(full_name="Tessa Mann", roles=[PortalRole.TOP_MANAGEMENT]),
    )
    reader, _ = render_section(PackPeriod.of(*PERIOD))
    pages = page_texts(reader)

    assert "No quality policy version was in force at the period's end." in pages[0]
    version_pages = [text for text in pages if "OKAPI" in text]
    assert version_pages and all("WITHDRAWN" in text and "SUPERSEDED" not in text for text in version_pages)


def test_a_version_withdrawn_after_the_period_was_in_force_at_its_end_with_its_review_date_and_page_then():
    document = PolicyDocumentFactory(reference="qp-09", title="Quality Policy", is_public=True)
    signer = UserFactory(full_name="Tessa Mann", roles=[PortalRole.TOP_MANAGEMENT])
    version = PolicyVersionFactory(
        document=document, number=1, status=VersionStatus.PUBLISHED, body="In force text IBEX.", signed_by=signer,
        approved_at=at("2026-02-01"), published_at=at("2026-02-02"), next_review_on=dt.date(2026, 11, 1),
    )
    # Today, five months after the period: the review date moves, the page is unpublished, the version withdrawn.
    version.next_review_on = dt.date(2027, 3, 1)
    version.save()
    document.is_public = False
    document.save()
    version_withdraw_signed(
        version=version, reason="Replaced by the group policy.", password=PASSWORD,
        expected_sha256=content_sha256(version.signed_content()), by=signer,
    )

    reader, _ = render_section(PackPeriod.of(*PERIOD))
    pages = page_texts(reader)
    text = "\n".join(pages)

    assert "In force at the period's end: QP-09 v1 Quality Policy" in text
    version_pages = [page for page in pages if "IBEX" in page or "QP-09 v1 Quality Policy" in page]
    assert version_pages and not any("WITHDRAWN" in page for page in version_pages)
    assert "At the period's end In force" in text and "and still in force at the period's end" in text
    # The withdrawal is printed only as after the period, never as the period's.
    assert f"Withdrawn after the period, on {shown_day(timezone.localdate())}" in text
    assert "Next review 1 November 2026" in text and "QP-09 v1: next review due on 1 November 2026" in text
    assert "2027" not in text
    assert "/public/policies/qp-09/" in text.replace("/ ", "/") and "not published" not in text
