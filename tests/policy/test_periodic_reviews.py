"""A policy's periodic review leaves a record (issue 10, item 6): "still suitable", signed by top management with the
next review date, which moves the version's; or "a new version is needed", which leads to drafting. The policy page
lists the reviews."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from policy.models import PolicyReview, PolicyVersion, ReviewOutcome, VersionStatus
from qms_portal.audit import AuditEntry
from tests.core.factories import PASSWORD
from tests.policy.factories import PolicyVersionFactory

pytestmark = pytest.mark.django_db


def url(name: str, version: PolicyVersion, **extra) -> str:
    return reverse(name, kwargs={"reference": version.document.reference, "number": version.number, **extra})


@pytest.fixture
def in_force(portal_users) -> PolicyVersion:
    return PolicyVersionFactory(
        document__reference="qp-01", status=VersionStatus.PUBLISHED, signed_by=portal_users.top_management,
        author=portal_users.quality_manager, next_review_on=timezone.localdate() + dt.timedelta(days=10),
    )


@pytest.fixture
def director(portal_users, client_for):
    return client_for(portal_users.top_management)


def record(client, version: PolicyVersion, **data):
    return client.post(url("policy:review_create", version), data)


def sign(client, review: PolicyReview, password: str):
    sign_url = url("policy:review_sign", review.version, pk=review.pk)
    shown = client.get(sign_url).context["form"]["content_sha256"].value()
    return client.post(sign_url, {"password": password, "content_sha256": shown})


def test_still_suitable_is_signed_and_moves_the_next_review_date(portal_users, director, in_force):
    next_review = timezone.localdate() + dt.timedelta(days=365)

    recorded = record(director, in_force, outcome="still_suitable", next_review_on=next_review.isoformat(),
                      comment="Context and direction unchanged.")
    review = PolicyReview.objects.get()
    assert recorded["Location"] == url("policy:review_sign", in_force, pk=review.pk)
    in_force.refresh_from_db()
    assert in_force.next_review_on == timezone.localdate() + dt.timedelta(days=10)  # not until signed
    signed = sign(director, review, PASSWORD)

    assert signed.status_code == 302
    review.refresh_from_db()
    in_force.refresh_from_db()
    assert review.signature.meaning == "Reviewed, still suitable"
    assert review.signature.signer == portal_users.top_management and review.signature_valid
    assert in_force.next_review_on == next_review
    assert AuditEntry.objects.filter(record_type="policy.policyreview", object_id=str(review.pk), step="signed")
    page = director.get(reverse("policy:policy_detail", args=["qp-01"])).content.decode()
    history = page[page.index("Periodic reviews"):page.index("Version history")]
    assert "Reviewed, still suitable" in history and "Tessa Mann" in history
    assert f"{next_review:%-d %B %Y}" in history and f"{timezone.localdate():%-d %B %Y}" in history


def test_a_wrong_password_signs_nothing_and_keeps_the_review_date(director, in_force):
    record(director, in_force, outcome="still_suitable",
           next_review_on=(timezone.localdate() + dt.timedelta(days=300)).isoformat())
    review = PolicyReview.objects.get()

    response = sign(director, review, "not-my-password")

    assert "That password is not right. Nothing was signed." in response.content.decode()
    review.refresh_from_db()
    in_force.refresh_from_db()
    assert review.signature is None
    assert in_force.next_review_on == timezone.localdate() + dt.timedelta(days=10)


def test_still_suitable_needs_a_next_review_date_after_today(director, in_force):
    response = record(director, in_force, outcome="still_suitable", next_review_on=timezone.localdate().isoformat())

    assert "Give the date of the next review, after today." in response.content.decode()
    assert not PolicyReview.objects.exists()


def test_a_new_version_needed_is_recorded_and_leads_the_quality_manager_to_drafting(
    director, qm_client, in_force, client_for, portal_users
):
    without_comment = record(director, in_force, outcome="new_version_needed")
    assert "Say what the new version must change." in without_comment.content.decode()
    assert not PolicyReview.objects.exists()

    response = record(director, in_force, outcome="new_version_needed",
                      comment="The new sites must be in the scope.")

    assert response["Location"] == reverse("policy:policy_detail", args=["qp-01"])
    review = PolicyReview.objects.get()
    assert (review.outcome, review.signature, review.next_review_on) == (ReviewOutcome.NEW_VERSION_NEEDED, None, None)
    page = qm_client.get(reverse("policy:policy_detail", args=["qp-01"])).content.decode()
    assert "A new version is needed." in page and "The new sites must be in the scope." in page
    assert reverse("policy:version_create", args=["qp-01"]) in page
    auditor_page = client_for(portal_users.auditor).get(reverse("policy:policy_detail", args=["qp-01"]))
    assert "A new version is needed" in auditor_page.content.decode()  # the history is evidence for an auditor


def test_the_quality_manager_cannot_record_or_sign_a_review(qm_client, in_force):
    assert qm_client.get(url("policy:review_create", in_force)).status_code == 403
    response = record(qm_client, in_force, outcome="still_suitable",
                      next_review_on=(timezone.localdate() + dt.timedelta(days=300)).isoformat())
    assert response.status_code == 403
    assert not PolicyReview.objects.exists()


def test_a_review_awaiting_signature_is_opened_again_rather_than_recorded_twice(director, in_force):
    record(director, in_force, outcome="still_suitable",
           next_review_on=(timezone.localdate() + dt.timedelta(days=300)).isoformat())
    review = PolicyReview.objects.get()

    again = director.get(url("policy:review_create", in_force))

    assert again["Location"] == url("policy:review_sign", in_force, pk=review.pk)
    page = director.get(reverse("policy:policy_detail", args=["qp-01"])).content.decode()
    assert "Sign the periodic review" in page and "Awaiting signature" in page
