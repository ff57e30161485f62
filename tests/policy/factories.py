"""factory_boy factories for the policy app: documents, versions in any state, campaigns, acknowledgements."""
import datetime as dt

import factory
from django.utils import timezone

from policy.models import (
    CHECKLIST_ITEMS,
    Acknowledgement,
    Campaign,
    PolicyDocument,
    PolicyKind,
    PolicyReview,
    PolicyVersion,
    ReviewOutcome,
    VersionStatus,
)
from qms_portal.access import PortalRole
from qms_portal.models import ElectronicSignature
from qms_portal.models.signatures import signature_seal
from qms_portal.signatures import content_sha256
from tests.core.factories import UserFactory

# A policy text with one passage for each 5.2.1 item (the passages are PASSAGES below).
PASSAGES = {
    "5.2.1.a": "We design and build precision parts that keep our customers' lines running.",
    "5.2.1.b": "Each year top management sets measurable quality objectives from this policy.",
    "5.2.1.c": "We meet customer, statutory and regulatory requirements.",
    "5.2.1.d": "We continually improve the quality management system.",
}
POLICY_BODY = "# Quality policy\n\n" + "\n\n".join(f"- {passage}" for passage in PASSAGES.values()) + "\n"

# The states a version reaches only after top management signed it.
SIGNED_STATES = (VersionStatus.APPROVED, VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED)


def complete_checklist() -> dict:
    """Every 5.2.1 item confirmed, with its passage quoted from ``POLICY_BODY``."""
    return {item_id: {"confirmed": True, "passage": PASSAGES[item_id]} for item_id in CHECKLIST_ITEMS}


def _when(*states: str):
    """A date field set (to now) only when the version is in one of ``states``."""
    return factory.LazyAttribute(lambda version: timezone.now() if version.status in states else None)


class PolicyDocumentFactory(factory.django.DjangoModelFactory):
    """A quality policy document with a unique reference."""

    class Meta:
        model = PolicyDocument

    title = "Quality Policy"
    reference = factory.Sequence(lambda n: f"qp-{n:02d}")
    kind = PolicyKind.QUALITY


class PolicyVersionFactory(factory.django.DjangoModelFactory):
    """A version in any ``status``, its dates set to match; from approved on it carries a valid signature.

    ``signed_by`` names the signer (a top manager is made when not given); ``signed_by=False`` leaves
    an approved, published or superseded version unsigned.
    """

    class Meta:
        model = PolicyVersion
        skip_postgeneration_save = True

    document = factory.SubFactory(PolicyDocumentFactory)
    number = 1
    body = POLICY_BODY
    change_summary = "First issue."
    status = VersionStatus.DRAFT
    checklist = factory.LazyFunction(complete_checklist)
    author = factory.SubFactory(UserFactory, roles=[PortalRole.QUALITY_MANAGER])
    submitted_at = _when(VersionStatus.IN_REVIEW, *SIGNED_STATES)
    approved_at = _when(*SIGNED_STATES)
    published_at = _when(VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED)
    superseded_at = _when(VersionStatus.SUPERSEDED)
    withdrawn_at = _when(VersionStatus.WITHDRAWN)
    next_review_on = factory.LazyAttribute(
        lambda version: timezone.localdate() + dt.timedelta(days=365) if version.published_at else None
    )

    @factory.post_generation
    def signed_by(self, create: bool, extracted, **kwargs) -> None:
        if not create or extracted is False or (extracted is None and self.status not in SIGNED_STATES):
            return
        signer = extracted or UserFactory(roles=[PortalRole.TOP_MANAGEMENT])
        attested = {
            "record_type": self._meta.label_lower,
            "object_id": str(self.pk),
            "signer_id": signer.pk,
            "printed_name": signer.get_full_name(),
            "signer_username": signer.get_username(),
            "meaning": "Approved",
            "signed_at": self.approved_at or timezone.now(),
            "content_sha256": content_sha256(self.signed_content()),
        }
        seal = signature_seal(**attested, title=self.signed_title())
        self.signature = ElectronicSignature.objects.create(**attested, seal=seal)
        self.save()


class CampaignFactory(factory.django.DjangoModelFactory):
    """An acknowledgement campaign for all active staff, due in two weeks, on a published version."""

    class Meta:
        model = Campaign

    version = factory.SubFactory(PolicyVersionFactory, status=VersionStatus.PUBLISHED)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=14))


class AcknowledgementFactory(factory.django.DjangoModelFactory):
    """One person's acknowledgement of a published version."""

    class Meta:
        model = Acknowledgement

    version = factory.SubFactory(PolicyVersionFactory, status=VersionStatus.PUBLISHED)
    person = factory.SubFactory(UserFactory, roles=[PortalRole.EMPLOYEE])


class PolicyReviewFactory(factory.django.DjangoModelFactory):
    """A periodic review of a version in force that found it still suitable, recorded and awaiting signature."""

    class Meta:
        model = PolicyReview

    version = factory.SubFactory(PolicyVersionFactory, status=VersionStatus.PUBLISHED)
    outcome = ReviewOutcome.STILL_SUITABLE
    comment = "Context unchanged; objectives still follow from it."
    next_review_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365))
    recorded_by = factory.SubFactory(UserFactory, roles=[PortalRole.TOP_MANAGEMENT])


def shown_hash(version: PolicyVersion) -> str:
    """The hash of the version's content as stored now: what a signer opening the sign page is shown."""
    return content_sha256(PolicyVersion.objects.get(pk=version.pk).signed_content())
