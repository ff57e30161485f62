"""Management reviews (9.3): the meeting, who attended, the 9.3.2 inputs, the 9.3.3 decisions, signed minutes.

Once the chair has signed the minutes, the review and everything the minutes hold (inputs, decisions,
attendance) are frozen: the write functions in ``leadership.reviews`` refuse, and so do these models'
``save`` and ``delete`` and their querysets' ``delete`` (``SignedRecordImmutable``): the review is a
``SignedRecord``, as policy versions are.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from qms_portal.audit import AuditedModel
from qms_portal.models import RecordRetained, SignedRecord, SignedRecordImmutable
from qms_portal.models.signatures import SignedQuerySet

if TYPE_CHECKING:  # annotations only: these modules import the models
    from leadership.models.actions import Action
    from leadership.review_inputs import LiveFigure


MAX_DURATION_MINUTES = 600


def duration_label(minutes: int) -> str:
    """``90`` as "1 hour 30 minutes"."""
    hours, rest = divmod(minutes, 60)
    parts = [f"{hours} hour{'s' if hours > 1 else ''}"] if hours else []
    if rest or not hours:
        parts.append(f"{rest} minutes")
    return " ".join(parts)


class ReviewStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    HELD = "held", "Held"
    CLOSED = "closed", "Closed"


class InputCode(models.TextChoices):
    """The 9.3.2 inputs every review covers, in our own words. Codes sort in agenda order."""

    A = "a", "Status of actions from earlier management reviews"
    B = "b", "Changes in external and internal issues that matter to the QMS"
    C1 = "c1", "Customer satisfaction and feedback from interested parties"
    C2 = "c2", "How far the quality objectives were met"
    C3 = "c3", "Process performance and conformity of products and services"
    C4 = "c4", "Nonconformities and corrective actions"
    C5 = "c5", "Monitoring and measurement results"
    C6 = "c6", "Audit results"
    C7 = "c7", "Performance of external providers"
    D = "d", "Whether resources are adequate"
    E = "e", "How effective the actions on risks and opportunities were"
    F = "f", "Opportunities for improvement"


class OutputCategory(models.TextChoices):
    """The 9.3.3 outputs a decision falls under, in our own words."""

    IMPROVEMENT = "a", "Improvement opportunities"
    QMS_CHANGE = "b", "Changes needed to the QMS"
    RESOURCES = "c", "Resource needs"


class MinutesQuerySet(SignedQuerySet):
    """Refuses a bulk delete that would remove part of signed minutes (the rows' ``delete()`` is bypassed)."""

    signed_lookup = "review__minutes_signature__isnull"


class ReviewQuerySet(SignedQuerySet):
    """Reviews: kept once held (the record that the review took place), and frozen once signed."""

    signed_lookup = "minutes_signature__isnull"

    def retained_rows(self) -> models.QuerySet:
        return self.filter(models.Q(minutes_signature__isnull=False) | ~models.Q(status=ReviewStatus.PLANNED))


MinutesManager = models.Manager.from_queryset(MinutesQuerySet)
ReviewManager = models.Manager.from_queryset(ReviewQuerySet)


def _review_is_signed(review_id: int | None) -> bool:
    return review_id is not None and ManagementReview.objects.filter(
        pk=review_id, minutes_signature__isnull=False
    ).exists()


class ManagementReview(SignedRecord, AuditedModel):
    """A management review meeting: planned for a date with a chair and invitees, then held, closed and
    its minutes signed by the chair. A recurring review proposes the next one when it is held.

    The chair's signature covers every field of the review (``signed_fields`` None), and ``signed_content``
    is the minutes."""

    signature_field = "minutes_signature"
    signature_meaning = "Minutes approved"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, help_text="Names it in calendars.")
    title = models.CharField(max_length=200)
    planned_on = models.DateField()
    # Reviews planned before times were kept have none: calendars show them as all-day events.
    starts_at = models.TimeField(
        "starts at", null=True, blank=True, help_text="In the organisation's time zone; empty for an all-day entry."
    )
    duration_minutes = models.PositiveSmallIntegerField(
        "duration (minutes)",
        null=True,
        blank=True,
        validators=[MinValueValidator(15), MaxValueValidator(MAX_DURATION_MINUTES)],
    )
    place = models.CharField(max_length=300, blank=True, help_text="A meeting room, an address or a video-call link.")
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="chaired_reviews")
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ReviewAttendance", related_name="management_reviews"
    )
    recurrence_months = models.PositiveSmallIntegerField(
        "repeat every (months)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
        help_text="Leave empty for a one-off review.",
    )
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PLANNED)
    # Raised each time the date, time, place or invitees change: the invitation's SEQUENCE (RFC 5545), so that
    # calendars apply the latest, and the occasion of the update e-mail, so that each change is sent once.
    calendar_sequence = models.PositiveIntegerField(default=0, editable=False)
    held_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    minutes_signature = models.OneToOneField(
        "qms_portal.ElectronicSignature", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_from = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_review",
        help_text="The recurring review whose holding proposed this one.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[ReviewManager] = ReviewManager()

    # Set by the review pages for their templates, never stored: the state people see (``selectors.review_state``).
    state: str

    class Meta:
        ordering = ["-planned_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="planned") | models.Q(held_on__isnull=False), name="review_held_has_date"
            ),
            models.CheckConstraint(
                condition=models.Q(minutes_signature__isnull=True) | models.Q(status="closed"),
                name="review_signed_only_when_closed",
            ),
            models.CheckConstraint(
                condition=models.Q(starts_at__isnull=True) | models.Q(duration_minutes__isnull=False),
                name="review_timed_has_duration",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.named_on.day} {self.named_on:%b %Y})"

    @property
    def is_timed(self) -> bool:
        """Whether the review has a start time (older reviews were planned by the day only)."""
        return self.starts_at is not None and self.duration_minutes is not None

    @property
    def ends_at(self) -> dt.time | None:
        """The time the meeting is planned to end, on its day (None for an all-day review)."""
        if self.starts_at is None or self.duration_minutes is None:
            return None
        start = dt.datetime.combine(self.planned_on, self.starts_at)
        return (start + dt.timedelta(minutes=self.duration_minutes)).time()

    @property
    def duration_text(self) -> str:
        """How long the review lasts, in words ("" for an all-day review)."""
        return duration_label(self.duration_minutes) if self.duration_minutes else ""

    @property
    def named_on(self) -> dt.date:
        """The day that names the review: the day it was held once it was, else the day it is planned for."""
        return self.held_on or self.planned_on

    def signed_content(self) -> str:
        """The minutes, the exact text the chair's signature covers: the review, attendance, every input with its notes,
        and every decision. People are named by their record number, so that a later change of someone's
        name does not make the signature look broken."""
        attendance = {True: "attended", False: "absent", None: "not recorded"}
        lines = [
            f"Management review {self.uid}",
            f"Title: {self.title}",
            f"Planned for: {self.planned_on.isoformat()}",
            f"Held on: {self.held_on.isoformat() if self.held_on else '-'}",
            # Reviews planned before times and places were kept have neither line, so their signed text is unchanged.
            *([f"Time: {self.starts_at:%H:%M}, {self.duration_minutes} minutes"] if self.is_timed else []),
            *([f"Place: {self.place}"] if self.place else []),
            f"Chair: person {self.chair_id}",
            "",
            "Attendance:",
            *(
                f"- person {row.person_id}: {attendance[row.attended]}"
                for row in self.attendance.order_by("person_id")
            ),
            "",
            "Inputs (9.3.2):",
        ]
        for review_input in self.inputs.order_by("code"):
            lines += [f"{review_input.code}. {review_input.get_code_display()}", review_input.notes.strip(), ""]
        lines.append("Decisions (9.3.3):")
        lines += [
            f"{number}. [{output.category}] {output.get_category_display()}: {output.decision.strip()}"
            for number, output in enumerate(self.outputs.order_by("pk"), start=1)
        ]
        return "\n".join(lines) + "\n"

    def is_retained(self) -> bool:
        """Kept once held, signed or not: a planned review that never took place may still be deleted."""
        if super().is_retained():
            return True
        return self.pk is not None and type(self)._base_manager.filter(pk=self.pk).exclude(
            status=ReviewStatus.PLANNED
        ).exists()

    def retained_refusal(self) -> Exception:
        if self.is_signed:
            return super().retained_refusal()
        return RecordRetained(f"{self} was held: it is the record that the review took place and cannot be deleted.")

    def signed_title(self) -> str:
        """The review's title and number (its uid), as the chair's signature attests them."""
        return f"Management review {self.uid}: {self.title}"


class _PartOfMinutes(AuditedModel):
    """A row the signed minutes hold: it cannot be added, changed or removed once the review is signed."""

    objects: ClassVar[MinutesManager] = MinutesManager()
    # Every concrete subclass has a ``review`` foreign key; the abstract base only promises its id.
    review_id: int

    class Meta:
        abstract = True

    def _refuse_if_signed(self) -> None:
        stored_review = None
        if self.pk is not None:  # moving a row away from signed minutes would change them too
            # django-stubs resolves the lookup on this abstract base, which has no field; every subclass has ``review``.
            rows = type(self).objects.filter(pk=self.pk)
            stored_review = rows.values_list("review_id", flat=True).first()  # type: ignore[misc]
        if _review_is_signed(self.review_id) or (stored_review != self.review_id and _review_is_signed(stored_review)):
            raise SignedRecordImmutable(
                f"The minutes of review #{self.review_id} are signed: they can no longer change."
            )

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._refuse_if_signed()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        self._refuse_if_signed()
        return super().delete(*args, **kwargs)


class ReviewAttendance(_PartOfMinutes):
    """A person invited to a review, and whether they attended (None until recorded)."""

    review = models.ForeignKey(ManagementReview, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    attended = models.BooleanField(null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review", "person__full_name"]
        verbose_name = "review attendance"
        verbose_name_plural = "review attendance"
        constraints = [models.UniqueConstraint(fields=["review", "person"], name="attendance_once_per_person")]

    def __str__(self) -> str:
        state = {True: "attended", False: "absent", None: "invited"}[self.attended]
        return f"{self.person} {state}: {self.review}"


class ReviewInput(_PartOfMinutes):
    """One 9.3.2 input on a review's agenda, with the notes recording how it was covered."""

    review = models.ForeignKey(ManagementReview, on_delete=models.CASCADE, related_name="inputs")
    code = models.CharField(max_length=2, choices=InputCode.choices)
    notes = models.TextField(blank=True)

    # Set by ``leadership.selectors.review_agenda`` for the page, never stored: the portal's live figures.
    figures: list[LiveFigure]

    class Meta:
        ordering = ["review", "code"]
        constraints = [models.UniqueConstraint(fields=["review", "code"], name="review_input_once_per_code")]

    def __str__(self) -> str:
        return f"9.3.2 {self.code}: {self.get_code_display()}"


class ReviewOutput(_PartOfMinutes):
    """A decision a review took, under its 9.3.3 category; actions it starts point back to it."""

    review = models.ForeignKey(ManagementReview, on_delete=models.CASCADE, related_name="outputs")
    category = models.CharField(max_length=1, choices=OutputCategory.choices)
    decision = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    # Set by ``leadership.selectors.review_decisions`` for the page, never stored: the actions it started.
    started: list[Action]

    class Meta:
        ordering = ["review", "pk"]
        verbose_name = "review decision"

    def __str__(self) -> str:
        return f"9.3.3 {self.category}: {self.decision[:60]}"
