"""Withdrawing a version top management signed is their act: their electronic signature with a reason (issue 10,
item 5); the quality manager withdraws only drafts and versions in review, with a reason (item 4)."""
from __future__ import annotations

import pytest
from django.urls import reverse

from policy.models import PolicyVersion, VersionStatus
from qms_portal.audit import AuditEntry
from qms_portal.models import ElectronicSignature
from tests.core.factories import PASSWORD
from tests.policy.factories import PolicyVersionFactory
from tests.policy.lifecycle import snapshot

pytestmark = pytest.mark.django_db
REASON = "Replaced by the integrated management system policy."


def url(name: str, version: PolicyVersion) -> str:
    return reverse(name, kwargs={"reference": version.document.reference, "number": version.number})


@pytest.fixture
def in_force(portal_users) -> PolicyVersion:
    return PolicyVersionFactory(
        document__reference="qp-01", status=VersionStatus.PUBLISHED, signed_by=portal_users.top_management,
        author=portal_users.quality_manager,
    )


def sign_withdrawal(client, version: PolicyVersion, *, password: str, reason: str = REASON):
    shown = client.get(url("policy:version_withdraw_sign", version)).context["form"]["content_sha256"].value()
    return client.post(
        url("policy:version_withdraw_sign", version),
        {"reason": reason, "password": password, "content_sha256": shown},
    )


def test_the_quality_manager_cannot_withdraw_the_version_in_force(qm_client, in_force):
    page = qm_client.get(url("policy:version_detail", in_force)).content.decode()
    before = snapshot(in_force)  # after a first page, which sets up the organisation
    refused = qm_client.post(url("policy:version_withdraw", in_force), {"reason": REASON})
    not_hers = qm_client.post(url("policy:version_withdraw_sign", in_force), {"reason": REASON, "password": PASSWORD})

    assert url("policy:version_withdraw", in_force) not in page  # no Withdraw button is offered to her
    assert "Top management signed this version: only they can withdraw it" in page
    assert refused.status_code == 409
    assert "it cannot be withdrawn now except by top management" in refused.content.decode()
    assert not_hers.status_code == 403
    assert snapshot(in_force) == before


def test_top_management_withdraws_the_version_in_force_by_signature_with_a_reason(
    portal_users, client_for, in_force
):
    director = client_for(portal_users.top_management)
    page = director.get(url("policy:version_detail", in_force)).content.decode()
    assert "Withdraw by signature" in page
    form = director.get(url("policy:version_withdraw_sign", in_force)).content.decode()
    assert "Why is it withdrawn" in form and "Your password" in form and "Withdrawn" in form

    response = sign_withdrawal(director, in_force, password=PASSWORD)

    assert response.status_code == 302
    in_force.refresh_from_db()
    assert in_force.status == VersionStatus.WITHDRAWN and in_force.withdrawn_at is not None
    signature = in_force.withdrawal_signature
    assert (signature.meaning, signature.signer) == ("Withdrawn", portal_users.top_management)
    assert in_force.signature.meaning == "Approved"  # the approval stays as it was
    step = AuditEntry.objects.get(record_type="policy.policyversion", object_id=str(in_force.pk), step="withdrawn")
    assert (step.reason, step.actor_id) == (REASON, portal_users.top_management.pk)
    page = director.get(url("policy:version_detail", in_force)).content.decode()
    assert "Withdrawal signature" in page and "<strong>Withdrawn</strong>" in page
    assert "Signature valid" in page and REASON in page


def test_a_wrong_password_withdraws_nothing_and_says_so(portal_users, client_for, in_force):
    director = client_for(portal_users.top_management)
    signatures = ElectronicSignature.objects.count()

    response = sign_withdrawal(director, in_force, password="not-my-password")

    assert response.status_code == 200
    assert "That password is not right. Nothing was signed." in response.content.decode()
    in_force.refresh_from_db()
    assert in_force.status == VersionStatus.PUBLISHED and in_force.withdrawal_signature is None
    assert ElectronicSignature.objects.count() == signatures
    refused = AuditEntry.objects.filter(object_id=str(in_force.pk), step="signature refused")
    assert refused.count() == 1  # recorded, as every refused signature is


def test_withdrawing_by_signature_needs_a_reason(portal_users, client_for, in_force):
    director = client_for(portal_users.top_management)
    director.get(url("policy:version_detail", in_force))
    before = snapshot(in_force)

    response = sign_withdrawal(director, in_force, password=PASSWORD, reason="  ")

    assert "Say why the version is withdrawn" in response.content.decode()
    assert snapshot(in_force) == before


def test_an_approved_version_not_yet_published_is_withdrawn_by_signature_too(portal_users, client_for, qm_client):
    approved = PolicyVersionFactory(status=VersionStatus.APPROVED)

    assert qm_client.post(url("policy:version_withdraw", approved), {"reason": REASON}).status_code == 409
    response = sign_withdrawal(client_for(portal_users.top_management), approved, password=PASSWORD)

    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.status == VersionStatus.WITHDRAWN and approved.published_at is None
