"""The policy part of the demo data: QP-01 in three signed versions with a campaign about 80% acknowledged,
EP-01 submitted lately and waiting for the managing director's signature, built through the workflow so the audit
trail tells the story, and unchanged by a second run."""
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from policy.acknowledgements import campaign_report
from policy.models import Acknowledgement, PolicyDocument, PolicyKind, VersionStatus
from policy.workflow import checklist_problems
from qms_portal.audit import AuditAction, AuditEntry
from qms_portal.models import User

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def seeded(demo_seeded_once, db) -> str:
    """The demo, seeded once for the module (tests/conftest.py); what the seed printed."""
    return demo_seeded_once


def quality_policy():
    return PolicyDocument.objects.get(reference="QP-01")


def test_the_quality_policy_has_two_superseded_versions_and_one_published(seeded):
    versions = {version.number: version for version in quality_policy().versions.all()}

    assert sorted(versions) == [1, 2, 3]
    assert versions[1].status == versions[2].status == VersionStatus.SUPERSEDED
    assert versions[3].status == VersionStatus.PUBLISHED
    assert versions[1].superseded_at and versions[2].superseded_at and versions[3].next_review_on
    assert quality_policy().kind == PolicyKind.QUALITY


def test_every_version_is_signed_by_the_managing_director_and_the_signatures_are_valid(seeded):
    for version in quality_policy().versions.select_related("signature__signer"):
        assert version.signature.printed_name == "Helen Marsh", version
        assert version.signature.signer.username == "director"
        assert version.signature.meaning == "Approved"
        assert version.signature_valid, version


def test_every_version_meets_the_5_2_1_checklist_with_passages_from_its_own_text(seeded):
    for version in quality_policy().versions.all():
        assert checklist_problems(body=version.body, checklist=version.checklist) == {}, version
        assert version.change_summary


def test_about_eighty_per_cent_of_staff_acknowledged_the_current_version(seeded):
    current = quality_policy().versions.get(status=VersionStatus.PUBLISHED)

    report = campaign_report(current.campaign)

    assert 75 <= report.rate <= 85
    assert report.asked == 38  # active staff: the auditor and the former employee are not asked
    pending = {person["username"] for person in report.pending}
    assert "employee" in pending  # the demo log-in still has the policy to acknowledge on their home page
    assert "director" not in pending and "quality" not in pending
    assert "Quality policy QP-01 v3 published; 31 of 38 staff acknowledged it." in seeded


def test_the_current_campaign_asks_a_question_answered_by_everyone_who_acknowledged(seeded):
    campaign = quality_policy().versions.get(status=VersionStatus.PUBLISHED).campaign

    assert campaign.question and campaign.choices[campaign.correct_choice] == "Stop, and say so"


def test_superseded_versions_were_acknowledged_while_they_were_in_force(seeded):
    for number in (1, 2):
        version = quality_policy().versions.get(number=number)
        assert Acknowledgement.objects.filter(version=version).count() >= 30


def test_the_quality_policy_is_public_and_its_page_and_pdf_are_served(seeded, client):
    assert quality_policy().is_public

    page = client.get(reverse("policy:public_policy", args=["QP-01"]))
    pdf = client.get(reverse("policy:public_policy_pdf", args=["QP-01"]))

    assert page.status_code == 200 and "Helen Marsh" in page.content.decode()
    assert pdf.status_code == 200 and pdf.getvalue().startswith(b"%PDF-")


def test_the_environmental_policy_waits_for_the_managing_directors_signature_and_is_not_public(seeded):
    document = PolicyDocument.objects.get(reference="EP-01")

    [version] = document.versions.all()
    assert document.kind == PolicyKind.ENVIRONMENTAL
    assert version.number == 1 and version.status == VersionStatus.IN_REVIEW
    assert version.author.username == "quality"
    # Submitted a few days ago: its reminder to top management (from two days on) is due.
    assert 3 <= (timezone.localdate() - timezone.localdate(version.submitted_at)).days <= 7
    assert not document.is_public
    assert version.signature is None


def test_the_audit_trail_tells_who_drafted_signed_and_published(seeded):
    steps = AuditEntry.objects.filter(record_type="policy.policyversion", action=AuditAction.STEP)

    assert set(steps.filter(step="submitted for review").values_list("actor_name", flat=True)) == {"Priya Nair"}
    assert set(steps.filter(step="approved").values_list("actor_name", flat=True)) == {"Helen Marsh"}
    assert set(steps.filter(step="published").values_list("actor_name", flat=True)) == {"Priya Nair"}
    assert steps.filter(step="superseded").count() == 2
    assert not steps.filter(step="signature refused").exists()


def test_running_the_seed_again_changes_nothing(seeded):
    counts = row_counts()
    last_entry = AuditEntry.objects.order_by("-id").first()
    statuses = dict(quality_policy().versions.values_list("number", "status"))

    seed()

    assert row_counts() == counts
    assert AuditEntry.objects.order_by("-id").first() == last_entry
    assert dict(quality_policy().versions.values_list("number", "status")) == statuses


def test_the_audit_trail_verifies_after_seeding_twice(seeded):
    seed()
    out = io.StringIO()

    call_command("verify_audit_trail", stdout=out)

    assert f"Audit trail intact: {AuditEntry.objects.count()} entries verified." in out.getvalue()


def test_the_seed_leaves_a_version_someone_started_alone(seeded):
    from policy.workflow import version_create_draft

    draft = version_create_draft(document=quality_policy(), by=User.objects.get(username="quality"))
    counts = row_counts()

    seed()

    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
    assert row_counts() == counts
