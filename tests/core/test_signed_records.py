"""The core's signed record (``SignedRecord``) and its one signing service (``record_sign``), tried on a policy
version, the first of the records that use them: what is signed is frozen, and a refused signature is still
recorded in the audit trail even though the signing step raised."""
from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from policy.models import PolicyVersion, VersionStatus
from qms_portal.audit import AuditAction, AuditEntry
from qms_portal.models import ElectronicSignature, SignedRecordImmutable, SigningLock
from qms_portal.refusals import StepRefused
from qms_portal.signatures import SignatureRefused, content_sha256, record_sign
from tests.core.factories import PASSWORD
from tests.policy.factories import PolicyVersionFactory, shown_hash


@pytest.fixture
def in_review(portal_users) -> PolicyVersion:
    return PolicyVersionFactory(status=VersionStatus.IN_REVIEW, author=portal_users.quality_manager)


def sign(version: PolicyVersion, by, password: str = PASSWORD, **overrides) -> PolicyVersion:
    arguments = {
        "record": version, "password": password, "expected_sha256": shown_hash(version),
        "meaning": PolicyVersion.signature_meaning, "by": by, "check": lambda record: None,
        "changed": lambda record: StepRefused(f"{record} changed."), "step": "reviewed", "reason": "Signed in a test",
    }
    return record_sign(**{**arguments, **overrides})


def refused_attempts(version: PolicyVersion) -> list[str]:
    return list(AuditEntry.objects.filter(
        record_type="policy.policyversion", object_id=str(version.pk), step="signature refused"
    ).values_list("reason", flat=True))


def test_signing_binds_the_signature_to_the_content_calls_the_records_step_and_records_it(portal_users, in_review):
    director = portal_users.top_management

    signed = sign(in_review, director, apply=lambda record: setattr(record, "status", VersionStatus.APPROVED))

    stored = PolicyVersion.objects.get(pk=in_review.pk)
    assert stored.status == VersionStatus.APPROVED and stored.is_signed and stored.signature_valid
    assert stored.electronic_signature.content_sha256 == content_sha256(stored.signed_content())
    assert stored.electronic_signature.meaning == "Approved" and signed.signature_id == stored.signature_id
    assert AuditEntry.objects.filter(
        object_id=str(in_review.pk), action=AuditAction.STEP, step="reviewed", reason="Signed in a test"
    ).exists()


def test_a_wrong_password_signs_nothing_yet_the_refusal_stays_in_the_trail_after_the_step_raised(
    portal_users, in_review
):
    # As in a request (ATOMIC_REQUESTS): the caller's transaction goes on after the refusal is answered.
    with transaction.atomic(), pytest.raises(SignatureRefused, match="password is not right"):
        sign(in_review, portal_users.top_management, password="not the password")

    assert not PolicyVersion.objects.get(pk=in_review.pk).is_signed
    assert not ElectronicSignature.objects.exists()
    assert refused_attempts(in_review) == ["wrong password"]
    assert SigningLock.objects.get(user=portal_users.top_management).failures == 1


def test_a_wrong_password_on_the_sign_page_is_answered_on_the_form_and_recorded(portal_users, in_review, client_for):
    director = client_for(portal_users.top_management)
    page = reverse("policy:version_approve", args=[in_review.document.reference, in_review.number])

    response = director.post(page, {"password": "not the password", "content_sha256": shown_hash(in_review)})

    assert response.status_code == 200 and "That password is not right" in response.text
    assert refused_attempts(in_review) == ["wrong password"]


def test_content_changed_since_it_was_shown_is_refused_before_the_password_is_checked(portal_users, in_review):
    with pytest.raises(StepRefused, match="changed"):
        sign(in_review, portal_users.top_management, password="wrong", expected_sha256=content_sha256("other"))

    assert refused_attempts(in_review) == [] and not ElectronicSignature.objects.exists()


def test_the_records_own_check_runs_on_the_locked_record_and_stops_the_signature(portal_users, in_review):
    def refuse(record: PolicyVersion) -> None:
        raise StepRefused(f"{record} is not ready.")

    with pytest.raises(StepRefused, match="is not ready"):
        sign(in_review, portal_users.top_management, check=refuse)

    assert not ElectronicSignature.objects.exists()


@pytest.fixture
def signed(portal_users, in_review) -> PolicyVersion:
    sign(in_review, portal_users.top_management)
    return PolicyVersion.objects.get(pk=in_review.pk)


def test_a_signed_record_refuses_to_change_what_is_signed_or_to_lose_its_signature(signed):
    signed.body += "\nOne more promise."
    with pytest.raises(SignedRecordImmutable):
        signed.save()

    signed.refresh_from_db()
    signed.signature = None
    with pytest.raises(SignedRecordImmutable):
        signed.save()
    assert PolicyVersion.objects.get(pk=signed.pk).signature_valid


def test_a_signed_record_may_still_change_what_the_signature_does_not_cover(signed):
    signed.status = VersionStatus.APPROVED
    signed.save()

    assert PolicyVersion.objects.get(pk=signed.pk).status == VersionStatus.APPROVED


def test_a_signed_record_and_its_signature_refuse_to_be_deleted_one_by_one_or_in_bulk(signed):
    with pytest.raises(SignedRecordImmutable):
        signed.delete()
    with pytest.raises(SignedRecordImmutable):
        PolicyVersion.objects.filter(pk=signed.pk).delete()
    with pytest.raises(SignedRecordImmutable):
        signed.electronic_signature.delete()

    assert PolicyVersion.objects.filter(pk=signed.pk).exists()


def test_an_unsigned_record_may_be_changed_and_deleted(in_review):
    in_review.body += "\nOne more promise."
    in_review.save()
    PolicyVersion.objects.get(pk=in_review.pk).delete()

    assert not PolicyVersion.objects.filter(pk=in_review.pk).exists()
