"""Policy documents (5.2), their numbered versions, acknowledgement campaigns and acknowledgements."""
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from policy.access import PolicyCapability
from qms_portal.audit import AuditedModel
from qms_portal.capabilities import capability_permissions
from qms_portal.models import ElectronicSignature, RecordRetained, RetainedRecord, SignedRecord
from qms_portal.models.retention import RetainedManager
from qms_portal.models.signatures import SignedManager, SignedQuerySet, content_sha256, signature_is_valid

# The 5.2.1 commitments a policy must show, by requirement id, in our own words.
CHECKLIST_ITEMS = {
    "5.2.1.a": "Suits the organisation's purpose and context and supports its strategic direction",
    "5.2.1.b": "Gives a framework for setting quality objectives",
    "5.2.1.c": "Commits to satisfying applicable requirements",
    "5.2.1.d": "Commits to continual improvement of the quality management system",
}


class PolicyKind(models.TextChoices):
    QUALITY = "quality", "Quality policy"
    ENVIRONMENTAL = "environmental", "Environmental policy"
    HEALTH_SAFETY = "health_safety", "Occupational health and safety policy"
    OTHER = "other", "Other policy"


class PolicyDocument(AuditedModel):
    """A controlled policy (the quality policy, or another of an integrated system) with its versions."""

    title = models.CharField(max_length=200)
    reference = models.SlugField(
        max_length=30, unique=True, help_text="The document's reference number, such as QP-01 (ISO 9001, 7.5.2)."
    )
    kind = models.CharField(max_length=20, choices=PolicyKind.choices, default=PolicyKind.QUALITY)
    is_public = models.BooleanField(
        "Publish for interested parties",
        default=False,
        help_text="Show the current published version on a public page and as a PDF, without signing in (5.2.2.c).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "title"]
        permissions = capability_permissions({
            PolicyCapability.MANAGE:
                "Draft, submit, publish and withdraw policy versions; run acknowledgement campaigns",
            PolicyCapability.APPROVE: "Send policy versions back or approve them by electronic signature",
            PolicyCapability.VIEW_HISTORY: "Read every version of a policy, drafts and superseded ones included",
            PolicyCapability.VIEW_ACKNOWLEDGEMENTS: "Read acknowledgement reports",
        })

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Superseded"
    WITHDRAWN = "withdrawn", "Withdrawn"


class PolicyVersion(SignedRecord, AuditedModel):
    """One numbered version of a policy document; its text is frozen once approved by signature (``SignedRecord``).

    ``checklist`` holds, for each 5.2.1 item, whether the author confirmed it and the passage of the
    text that meets it: ``{"5.2.1.a": {"confirmed": true, "passage": "..."}, ...}``.
    """

    signed_fields = ("body", "change_summary", "checklist", "number", "document_id")
    signature_meaning = "Approved"
    withdrawal_meaning = "Withdrawn"
    objects: ClassVar[SignedManager] = SignedManager()

    document = models.ForeignKey(PolicyDocument, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField(help_text="Markdown: headings, lists, emphasis, tables and links.")
    change_summary = models.TextField(help_text="What changed since the previous version, and why.")
    status = models.CharField(max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    checklist = models.JSONField(default=dict, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    next_review_on = models.DateField(null=True, blank=True)
    signature = models.OneToOneField(
        "qms_portal.ElectronicSignature", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Withdrawing a version top management signed is top management's act too: their signature, meaning
    # "Withdrawn", over the same content as the approval.
    withdrawal_signature = models.OneToOneField(
        "qms_portal.ElectronicSignature", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # Not a field: set by the home page's acknowledgement prompt (``policy.home``) on the versions it lists.
    overdue: bool

    class Meta:
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="policyversion_unique_number"),
            models.UniqueConstraint(
                fields=["document"], condition=Q(status="published"), name="policyversion_one_published"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document.title} v{self.number}"

    def signed_content(self) -> str:
        """The exact text an approval signature covers: version number, change summary, body and 5.2.1 checklist.

        The document's reference and title are attested too, sealed beside this text (``signed_title``).
        """
        checklist = "\n".join(
            f"{item_id}: {'confirmed' if entry.get('confirmed') else 'not confirmed'}; "
            f"passage: {entry.get('passage', '')}"
            for item_id, entry in sorted(self.checklist.items())
        )
        return (
            f"Version {self.number}\n\nChanges: {self.change_summary}\n\n{self.body}\n\n"
            f"5.2.1 checklist:\n{checklist}"
        )

    def signed_title(self) -> str:
        """The policy's reference, title and version number, as its signatures attest them."""
        return f"{self.document.reference} {self.document.title}, version {self.number}"

    @property
    def withdrawal(self) -> "WithdrawalSignature | None":
        """The withdrawal signature in the shape the core's signature block reads, or None if not signed."""
        if self.withdrawal_signature is None:
            return None
        return WithdrawalSignature(self)


class WithdrawalSignature:
    """A version's withdrawal signature, read as a signed record (``electronic_signature``, ``signature_valid``)
    so that the core's signature block shows it like the approval."""

    def __init__(self, version: PolicyVersion) -> None:
        self.version = version

    @property
    def electronic_signature(self) -> ElectronicSignature | None:
        return self.version.withdrawal_signature

    @property
    def signature_valid(self) -> bool:
        signature = self.version.withdrawal_signature
        if signature is None or signature.meaning != PolicyVersion.withdrawal_meaning:
            return False
        return signature_is_valid(signature, self.version)


class AudienceKind(models.TextChoices):
    ALL_STAFF = "all", "All active staff"
    DEPARTMENTS = "departments", "Chosen departments"


class Campaign(AuditedModel):
    """The request to an audience to read and acknowledge one published version, by a due date (5.2.2.b)."""

    version = models.OneToOneField(PolicyVersion, on_delete=models.PROTECT, related_name="campaign")
    audience = models.CharField(max_length=12, choices=AudienceKind.choices, default=AudienceKind.ALL_STAFF)
    org_units = models.ManyToManyField(
        "qms_portal.OrgUnit",
        blank=True,
        related_name="+",
        help_text="With chosen departments: these and their sub-units.",
    )
    due_on = models.DateField()
    question = models.CharField(max_length=300, blank=True, help_text="Optional: a question to check understanding.")
    choices = models.JSONField(default=list, blank=True)
    correct_choice = models.PositiveSmallIntegerField(null=True, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)

    audit_index_into = {"correct_choice": "choices"}  # the trail shows the right answer's text, not its position

    def __str__(self) -> str:
        return f"Acknowledgement of {self.version}"


class ComprehensionAttempt(RetainedRecord, AuditedModel):
    """One answer a person gave to the comprehension question of a version's campaign, right or wrong (5.2.2.b):
    every attempt is kept (``RetainedRecord``), so the campaign report shows who understood the policy the first
    time."""

    retained_because = "every answer is kept, so the campaign report shows who understood the policy"
    objects: ClassVar[RetainedManager] = RetainedManager()

    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="comprehension_attempts")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comprehension_attempts"
    )
    choice = models.PositiveSmallIntegerField(help_text="The position of the answer chosen in the campaign's list.")
    answer = models.CharField(max_length=300, help_text="The answer chosen, as the person read it.")
    correct = models.BooleanField("right")
    answered_at = models.DateTimeField(auto_now_add=True)

    # The trail shows the answer's text; its position in the list is for the report's queries.
    audit_exclude = ("choice",)

    class Meta:
        ordering = ["answered_at", "pk"]
        verbose_name = "comprehension answer"
        # The campaign report reads each person's answers to one version (how many, and whether the first was
        # right) once per person in the audience: one index lookup each, in answer order, instead of scanning the
        # version's thousands of answers for every person.
        indexes = [
            models.Index(fields=["version", "person", "answered_at", "id"], name="attempt_version_person_order"),
        ]

    def __str__(self) -> str:
        return f"{self.person}'s {'right' if self.correct else 'wrong'} answer on {self.version}"


class Acknowledgement(RetainedRecord, AuditedModel):
    """A person's confirmation that they read and understood one version; one per person and version. Kept for good
    (``RetainedRecord``; on PostgreSQL a trigger refuses its deletion too)."""

    retained_because = "an acknowledgement is a record of who read which version, kept by law"
    objects: ClassVar[RetainedManager] = RetainedManager()

    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="acknowledgements")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="acknowledgements")
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [
            models.UniqueConstraint(fields=["version", "person"], name="acknowledgement_once_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.person} read {self.version}"


class ReviewOutcome(models.TextChoices):
    STILL_SUITABLE = "still_suitable", "Reviewed, still suitable"
    NEW_VERSION_NEEDED = "new_version_needed", "A new version is needed"


class PolicyReviewQuerySet(SignedQuerySet):
    """Periodic reviews: every one is kept, signed or not."""

    def retained_rows(self) -> models.QuerySet:
        return self


PolicyReviewManager = models.Manager.from_queryset(PolicyReviewQuerySet)


class PolicyReview(SignedRecord, AuditedModel):
    """One periodic review of the version in force, with its outcome (5.2, 9.3).

    "Still suitable" is signed by top management (``SignedRecord``) and sets the version's next review date;
    "a new version is needed" is recorded as it is, and the next version is drafted from it. Every review is kept,
    signed or not: it is the record that the policy was reviewed.
    """

    objects: ClassVar[PolicyReviewManager] = PolicyReviewManager()
    signature_meaning = "Reviewed, still suitable"

    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="reviews")
    outcome = models.CharField(max_length=20, choices=ReviewOutcome.choices)
    comment = models.TextField(blank=True)
    next_review_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    signature = models.OneToOneField(
        "qms_portal.ElectronicSignature", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"Periodic review of {self.version}"

    def signed_content(self) -> str:
        """What top management signs: the version reviewed (by its content's hash), the outcome, the next date."""
        next_review = f"{self.next_review_on:%Y-%m-%d}" if self.next_review_on else "none"
        return (
            f"Periodic review of {self.version.document.reference} version {self.version.number}\n"
            f"Version content SHA-256: {content_sha256(self.version.signed_content())}\n"
            f"Outcome: {self.get_outcome_display()}\nNext review on: {next_review}\n\n{self.comment}"
        )

    def is_retained(self) -> bool:
        return self.pk is not None

    def retained_refusal(self) -> Exception:
        return RecordRetained(f"{self} cannot be deleted: it is the record that the policy was reviewed.")

    def signed_title(self) -> str:
        """The review's number and the policy version it reviewed, by reference, title and number."""
        return f"Periodic review #{self.pk} of {self.version.signed_title()}"
