"""Approving a policy version by electronic signature: the password, what the signature records, the
lockout after repeated wrong passwords, and content that can no longer change once signed."""
import datetime as dt
import hashlib

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from policy import workflow
from policy.models import PolicyVersion, VersionStatus
from qms_portal.audit import AuditAction, AuditEntry
from qms_portal.models import ElectronicSignature, SignedRecordImmutable, SigningLock
from qms_portal.refusals import StepRefused
from qms_portal.signatures import SignatureRefused, signature_is_valid, signature_sign
from tests.core.factories import PASSWORD, OrgUnitFactory
from tests.policy.factories import POLICY_BODY, PolicyDocumentFactory, PolicyVersionFactory, shown_hash

pytestmark = pytest.mark.django_db

WRONG = "not-my-password"


@pytest.fixture
def in_review(portal_users) -> PolicyVersion:
    return PolicyVersionFactory(status=VersionStatus.IN_REVIEW, author=portal_users.quality_manager)


def approve(version: PolicyVersion, by, password: str) -> PolicyVersion:
    return workflow.version_approve(
            version=version, password=password, expected_sha256=shown_hash(version), by=by
        )


def refused_steps(version: PolicyVersion) -> list[str]:
    """The reasons of the "signature refused" entries on ``version``, oldest first."""
    entries = AuditEntry.objects.filter(
        record_type="policy.policyversion", object_id=str(version.pk), action=AuditAction.STEP,
        step="signature refused",
    )
    return list(entries.order_by("id").values_list("reason", flat=True))


def run_sql(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- Signing -------------------------------------------------------------------------------------------------


def test_approving_with_the_right_password_signs_the_exact_content(portal_users, in_review):
    tm = portal_users.top_management
    expected_hash = hashlib.sha256(in_review.signed_content().encode("utf-8")).hexdigest()
    before = timezone.now()

    approve(in_review, tm, PASSWORD)

    version = PolicyVersion.objects.get(pk=in_review.pk)
    signature = version.signature
    assert version.status == VersionStatus.APPROVED
    assert (signature.signer, signature.printed_name, signature.meaning) == (tm, "Tessa Mann", "Approved")
    assert before <= signature.signed_at <= timezone.now()
    assert signature.signed_at.utcoffset() == dt.timedelta(0)
    assert signature.content_sha256 == expected_hash
    assert (signature.record_type, signature.object_id) == ("policy.policyversion", str(version.pk))
    assert version.signature_valid


def test_the_signed_content_names_the_version_and_holds_its_change_summary_and_text(in_review):
    content = in_review.signed_content()

    assert content.startswith(f"Version {in_review.number}\n")
    assert in_review.change_summary in content and in_review.body in content


def test_signing_with_a_wrong_password_signs_nothing_and_is_audited(portal_users, in_review):
    tm = portal_users.top_management

    with pytest.raises(SignatureRefused, match="not right. Nothing was signed"):
        approve(in_review, tm, WRONG)

    version = PolicyVersion.objects.get(pk=in_review.pk)
    assert (version.status, version.signature, version.approved_at) == (VersionStatus.IN_REVIEW, None, None)
    assert not ElectronicSignature.objects.exists()
    assert refused_steps(version) == ["wrong password"]
    refusal = AuditEntry.objects.get(step="signature refused")
    assert (refusal.actor_id, refusal.actor_name) == (tm.pk, "Tessa Mann")


def test_the_signature_api_signs_any_record(portal_users):
    unit = OrgUnitFactory()
    content = "Minutes of the management review, 2026-03-02"
    unit.signed_content = lambda: content
    unit.signed_title = lambda: "Minutes MR-7"

    signature = signature_sign(
        obj=unit, content=content, title="Minutes MR-7", signer=portal_users.top_management, password=PASSWORD,
        meaning="Reviewed",
    )

    assert (signature.record_type, signature.object_id) == ("qms_portal.orgunit", str(unit.pk))
    assert signature.meaning == "Reviewed"
    assert signature_is_valid(signature, unit)
    unit.signed_content = lambda: content + " "
    assert not signature_is_valid(signature, unit)


# --- Lockout -------------------------------------------------------------------------------------------------


def fail(version: PolicyVersion, by, times: int) -> list[str]:
    """Give a wrong password ``times`` times; the messages shown."""
    messages = []
    for _ in range(times):
        with pytest.raises(SignatureRefused) as refused:
            approve(version, by, WRONG)
        messages.append(str(refused.value))
    return messages


def test_five_wrong_passwords_in_a_row_lock_signing_and_tell_the_quality_managers(
    portal_users, in_review, django_capture_on_commit_callbacks
):
    tm = portal_users.top_management

    with django_capture_on_commit_callbacks(execute=True):
        fail(in_review, tm, 5)

    assert refused_steps(in_review) == ["wrong password"] * 4 + ["wrong password: signing locked"]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    # The active quality manager is told; the deactivated one is not.
    assert message.to == [portal_users.quality_manager.email]
    assert "Signing locked for Tessa Mann" in message.subject
    assert str(in_review) in message.body

    with pytest.raises(SignatureRefused, match="Signing is locked after repeated wrong passwords until"):
        approve(in_review, tm, PASSWORD)
    version = PolicyVersion.objects.get(pk=in_review.pk)
    assert (version.status, version.signature) == (VersionStatus.IN_REVIEW, None)
    assert not ElectronicSignature.objects.exists()


def test_four_wrong_passwords_neither_lock_signing_nor_send_mail(
    portal_users, in_review, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        messages = fail(in_review, portal_users.top_management, 4)

    assert all("not right" in message for message in messages)
    assert mail.outbox == []
    approve(in_review, portal_users.top_management, PASSWORD)
    assert PolicyVersion.objects.get(pk=in_review.pk).status == VersionStatus.APPROVED


def test_the_lock_lasts_the_configured_number_of_minutes(portal_users, in_review, settings):
    settings.SIGNING_LOCKOUT_MINUTES = 7
    before = timezone.now()

    fail(in_review, portal_users.top_management, 5)

    lock = SigningLock.objects.get(user=portal_users.top_management)
    assert before + dt.timedelta(minutes=7) <= lock.locked_until <= timezone.now() + dt.timedelta(minutes=7)


def test_a_right_password_before_the_fifth_attempt_starts_the_count_again(
    portal_users, in_review, django_capture_on_commit_callbacks
):
    tm = portal_users.top_management
    other = PolicyVersionFactory(status=VersionStatus.IN_REVIEW, document=PolicyDocumentFactory())

    with django_capture_on_commit_callbacks(execute=True):
        fail(in_review, tm, 4)
        approve(in_review, tm, PASSWORD)
        messages = fail(other, tm, 4)
        approve(other, tm, PASSWORD)

    assert all("not right" in message for message in messages)
    assert mail.outbox == []
    assert PolicyVersion.objects.filter(status=VersionStatus.APPROVED).count() == 2


def test_signing_is_possible_again_once_the_lock_has_run_out(portal_users, in_review):
    tm = portal_users.top_management
    fail(in_review, tm, 5)
    with pytest.raises(SignatureRefused, match="locked"):
        approve(in_review, tm, PASSWORD)

    SigningLock.objects.filter(user=tm).update(locked_until=timezone.now() - dt.timedelta(minutes=1))
    approve(in_review, tm, PASSWORD)

    assert PolicyVersion.objects.get(pk=in_review.pk).signature_valid


def test_after_a_lock_runs_out_one_wrong_password_does_not_lock_again(portal_users, in_review):
    tm = portal_users.top_management
    fail(in_review, tm, 5)
    SigningLock.objects.filter(user=tm).update(locked_until=timezone.now() - dt.timedelta(minutes=1))

    assert fail(in_review, tm, 1) == ["That password is not right. Nothing was signed."]
    approve(in_review, tm, PASSWORD)


def test_a_lock_holds_only_for_the_person_who_gave_the_wrong_passwords(portal_users, in_review):
    other_signer = PolicyVersionFactory(status=VersionStatus.APPROVED).signature.signer  # another top manager
    fail(in_review, portal_users.top_management, 5)

    approve(in_review, other_signer, PASSWORD)

    assert PolicyVersion.objects.get(pk=in_review.pk).signature.signer == other_signer


# --- What was signed cannot change ---------------------------------------------------------------------------


@pytest.fixture
def signed(portal_users, in_review) -> PolicyVersion:
    approve(in_review, portal_users.top_management, PASSWORD)
    return PolicyVersion.objects.get(pk=in_review.pk)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("body", POLICY_BODY + "\nAnd one more promise.\n"),
        ("change_summary", "Something else."),
        ("number", 7),
        ("checklist", {"5.2.1.a": {"confirmed": True, "passage": "A different passage altogether, quoted."}}),
    ],
)
def test_changing_signed_content_is_refused_and_the_database_keeps_the_signed_text(signed, field, value):
    kept = getattr(signed, field)
    setattr(signed, field, value)

    with pytest.raises(SignedRecordImmutable, match="is signed"):
        signed.save()

    assert getattr(PolicyVersion.objects.get(pk=signed.pk), field) == kept


def test_moving_a_signed_version_to_another_document_is_refused(signed):
    signed.document = PolicyDocumentFactory()

    with pytest.raises(SignedRecordImmutable):
        signed.save()


def test_removing_the_signature_to_change_the_text_is_refused(signed):
    signed.signature = None

    with pytest.raises(SignedRecordImmutable):
        signed.save()

    assert PolicyVersion.objects.get(pk=signed.pk).signature_valid


def test_a_signed_version_can_still_move_through_the_workflow(portal_users, signed):
    workflow.version_publish(
        version=signed, due_on=timezone.localdate() + dt.timedelta(days=14), by=portal_users.quality_manager
    )

    version = PolicyVersion.objects.get(pk=signed.pk)
    assert version.status == VersionStatus.PUBLISHED and version.signature_valid


def test_an_unsigned_version_has_no_valid_signature(in_review):
    assert not in_review.signature_valid


@pytest.mark.parametrize("column", ["body", "change_summary"])
def test_a_hand_edit_in_the_database_makes_the_signature_invalid(portal_users, signed, column):
    assert signed.signature_valid

    # Straight to the table, past the model, as someone with database access could.
    run_sql(f"UPDATE policy_policyversion SET {column} = %s WHERE id = %s", ["Tampered with.", signed.pk])

    version = PolicyVersion.objects.get(pk=signed.pk)
    assert getattr(version, column) == "Tampered with."
    assert version.signature is not None and not version.signature_valid
    with pytest.raises(StepRefused, match="signature no longer matches"):
        workflow.version_publish(
            version=version, due_on=timezone.localdate() + dt.timedelta(days=14), by=portal_users.quality_manager
        )
    assert PolicyVersion.objects.get(pk=signed.pk).status == VersionStatus.APPROVED


def test_a_signature_cannot_be_changed_or_removed_once_made(signed):

    signature = ElectronicSignature.objects.get(pk=signed.signature_id)
    signature.printed_name = "Someone Else"

    with pytest.raises(SignedRecordImmutable):
        signature.save()
    with pytest.raises(SignedRecordImmutable):
        signature.delete()

    assert ElectronicSignature.objects.get(pk=signed.signature_id).printed_name != "Someone Else"


def test_an_attempt_while_signing_is_locked_is_audited_too(portal_users, in_review):
    fail(in_review, portal_users.top_management, times=5)
    before = len(refused_steps(in_review))

    with pytest.raises(SignatureRefused, match="locked"):
        approve(in_review, portal_users.top_management, PASSWORD)

    reasons = refused_steps(in_review)
    assert len(reasons) == before + 1
    assert "locked" in reasons[-1]


def test_a_signed_version_cannot_be_deleted(signed):
    with pytest.raises(SignedRecordImmutable):
        signed.delete()

    assert PolicyVersion.objects.filter(pk=signed.pk).exists()
