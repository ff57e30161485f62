"""Forms of the quality policy pages. Templates render them with crispy-forms' Bootstrap 5 pack.

The forms only parse input; the lifecycle rules (who, which state, the 5.2.1 gate) stay in
``policy/workflow.py`` and come back to the form as field errors.
"""
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from policy.models import (
    CHECKLIST_ITEMS,
    AudienceKind,
    PolicyDocument,
    PolicyKind,
    PolicyVersion,
    ReviewOutcome,
)
from policy.workflow import next_review_after
from qms_portal.forms import ReasonForm, SignatureForm, date_input
from qms_portal.models import OrgUnit

# Paths under /policies/ that a document reference would hide.
RESERVED_REFERENCES = {"new"}
QUESTION_CHOICES = 4
CAMPAIGN_DAYS = 30

BODY_HELP = (
    "Markdown: # for headings, - for lists, **bold**, *italic*, [text](https://...) for links. "
    "Images and scripts are removed."
)


def policy_length_check(text: str) -> None:
    """Refuse a policy text longer than ``POLICY_MAX_CHARS``: anyone may download a public policy as a PDF, and
    drawing a text the size of a manual holds a web worker for as long as it takes."""
    limit = settings.POLICY_MAX_CHARS
    if len(text) > limit:
        raise ValidationError(
            f"A policy may be at most {limit:,} characters long; this text has {len(text):,}. "
            "Keep the policy to its commitments and move detail into the procedures it refers to.",
            code="max_length",
        )


def _suffix(item_id: str) -> str:
    """The field-name part of a checklist item: "5.2.1.a" gives "a"."""
    return item_id.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class ChecklistRow:
    """One 5.2.1 item as the edit form shows it: the requirement and its two fields."""

    item_id: str
    requirement: str
    confirmed: forms.BoundField
    passage: forms.BoundField


class VersionForm(forms.Form):
    """A draft's text, change summary and 5.2.1 checklist (a confirmation and a passage per item)."""

    body = forms.CharField(
        label="Policy text",
        widget=forms.Textarea(attrs={"rows": 18, "class": "font-monospace"}),
        help_text=BODY_HELP,
        validators=[policy_length_check],
    )
    change_summary = forms.CharField(
        label="Change summary",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What changed since the previous version, and why. Needed before you submit it for review.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item_id in CHECKLIST_ITEMS:
            self.fields[f"checklist_{_suffix(item_id)}_confirmed"] = forms.BooleanField(
                label="The policy meets this", required=False
            )
            self.fields[f"checklist_{_suffix(item_id)}_passage"] = forms.CharField(
                label="Where: the passage of the text that meets it",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="Copy the words exactly as they appear in the policy text.",
            )

    @staticmethod
    def data_of(version: PolicyVersion) -> dict[str, Any]:
        """What the form holds for ``version`` as it is stored."""
        data: dict[str, Any] = {"body": version.body, "change_summary": version.change_summary}
        for item_id in CHECKLIST_ITEMS:
            entry = version.checklist.get(item_id) or {}
            data[f"checklist_{_suffix(item_id)}_confirmed"] = bool(entry.get("confirmed"))
            data[f"checklist_{_suffix(item_id)}_passage"] = entry.get("passage", "")
        return data

    def checklist(self) -> dict[str, dict[str, Any]]:
        """The checklist as ``PolicyVersion.checklist`` stores it."""
        return {
            item_id: {
                "confirmed": bool(self.cleaned_data[f"checklist_{_suffix(item_id)}_confirmed"]),
                "passage": self.cleaned_data[f"checklist_{_suffix(item_id)}_passage"].strip(),
            }
            for item_id in CHECKLIST_ITEMS
        }

    def checklist_rows(self) -> Iterator[ChecklistRow]:
        for item_id, requirement in CHECKLIST_ITEMS.items():
            yield ChecklistRow(
                item_id,
                requirement,
                self[f"checklist_{_suffix(item_id)}_confirmed"],
                self[f"checklist_{_suffix(item_id)}_passage"],
            )

    def add_checklist_problems(self, problems: dict[str, str]) -> None:
        """Show the workflow's refusal of a submission beside the fields it concerns."""
        for key, message in problems.items():
            if key in CHECKLIST_ITEMS:
                missing_confirmation = not self.cleaned_data.get(f"checklist_{_suffix(key)}_confirmed")
                field = f"checklist_{_suffix(key)}_{'confirmed' if missing_confirmation else 'passage'}"
                self.add_error(field, message)
            elif key in self.fields:
                self.add_error(key, message)
            else:
                self.add_error(None, message)


class NewPolicyForm(forms.Form):
    """A new policy document and the text of its first draft."""

    title = forms.CharField(max_length=200, help_text="As it appears on the document, such as “Quality policy”.")
    reference = forms.SlugField(
        max_length=30,
        help_text="The document's reference number, such as QP-01: letters, digits and hyphens. It appears in "
        "the page's address and cannot be changed later.",
    )
    kind = forms.ChoiceField(choices=PolicyKind.choices, initial=PolicyKind.QUALITY)
    body = forms.CharField(
        label="Policy text",
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=BODY_HELP,
        validators=[policy_length_check],
    )
    change_summary = forms.CharField(
        label="Change summary",
        initial="First issue.",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For a first version, say why the policy is being issued.",
    )

    def clean_reference(self) -> str:
        reference: str = self.cleaned_data["reference"]
        if reference.lower() in RESERVED_REFERENCES:
            raise ValidationError("This reference is reserved by the portal: choose another.")
        if PolicyDocument.objects.filter(reference__iexact=reference).exists():
            raise ValidationError("Another policy already has this reference.")
        return reference


class DocumentSettingsForm(forms.ModelForm):
    """What a quality manager may change about a document once it exists."""

    class Meta:
        model = PolicyDocument
        fields = ["title", "kind", "is_public"]
        help_texts = {
            "is_public": (
                "When ticked, anyone, without signing in, can read the current published version on a public "
                "page and download it as a PDF: for customers, suppliers and other interested parties (5.2.2.c). "
                "Drafts and earlier versions are never shown there."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Signatures attest the policy's title with its text (``PolicyVersion.signed_title``): renaming it would
        # show every signature on it invalid, so a signed policy keeps its title.
        if self.instance.pk is not None and self.instance.versions.filter(signature__isnull=False).exists():
            self.fields["title"].disabled = True
            self.fields["title"].help_text = (
                "Top management signed a version under this title: it is part of what they signed, so it can no "
                "longer change. A policy under a new title starts as a new policy."
            )


class ReturnForm(forms.Form):
    """Top management sends a version back to draft, saying why."""

    comment = forms.CharField(
        label="What needs to change",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The quality manager sees this comment on the version; it is kept in the audit trail.",
    )


WITHDRAW_REASON_LABEL = "Why is it withdrawn"
WITHDRAW_REASON_HELP = "Kept in the audit trail and shown on the version."


class WithdrawForm(ReasonForm):
    """The quality manager withdraws a draft or a version in review, saying why."""

    reason_missing = "Say why the version is withdrawn: the reason is kept in the audit trail."

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label, self.fields["reason"].help_text = WITHDRAW_REASON_LABEL, WITHDRAW_REASON_HELP


class SignedWithdrawForm(ReasonForm, SignatureForm):
    """Top management withdraws a version they signed: a reason, then their electronic signature."""

    field_order = ["reason", "content_sha256", "password"]
    reason_missing = WithdrawForm.reason_missing

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label, self.fields["reason"].help_text = WITHDRAW_REASON_LABEL, WITHDRAW_REASON_HELP
        self.fields["password"].widget.attrs.pop("autofocus", None)  # the reason comes first


def _default_due_on() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=CAMPAIGN_DAYS)


class PublishForm(ReasonForm):
    """Publishing opens an acknowledgement campaign: who, by when, and an optional question. When a version is
    in force, it is superseded: the reason is then required."""

    due_on = forms.DateField(
        label="Acknowledgement due on",
        initial=_default_due_on,
        widget=date_input(),
        help_text="Everyone in the audience is asked to read and acknowledge the version by this date.",
    )
    audience = forms.ChoiceField(
        choices=AudienceKind.choices,
        initial=AudienceKind.ALL_STAFF,
        widget=forms.RadioSelect,
        label="Who must acknowledge it",
    )
    org_units = forms.ModelMultipleChoiceField(
        queryset=OrgUnit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Departments",
        help_text="Only with chosen departments: the people in the departments ticked and in the units below them.",
    )
    question = forms.CharField(
        label="Question",
        required=False,
        max_length=300,
        help_text="A multiple-choice question that must be answered correctly to acknowledge, "
        "to check the policy is understood.",
    )

    reason_missing = "Say why this version replaces the one in force: the reason is kept in the audit trail."

    def __init__(self, *args: Any, superseding: PolicyVersion | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.superseding = superseding
        if superseding is None:
            del self.fields["reason"]
        else:
            self.fields["reason"].label = f"Why it replaces version {superseding.number}"
            self.fields["reason"].help_text = (
                f"Version {superseding.number} becomes superseded; the reason is kept in the audit trail."
            )
        cast(forms.ModelMultipleChoiceField, self.fields["org_units"]).queryset = OrgUnit.objects.order_by("name")
        for number in range(1, QUESTION_CHOICES + 1):
            self.fields[f"choice_{number}"] = forms.CharField(
                label=f"Answer {number}", required=False, max_length=200
            )
        self.fields["correct_choice"] = forms.TypedChoiceField(
            label="The right answer",
            choices=[("", "—"), *((str(n), f"Answer {n}") for n in range(1, QUESTION_CHOICES + 1))],
            coerce=int,
            required=False,
            empty_value=None,
        )

    def choice_fields(self) -> list[forms.BoundField]:
        return [self[f"choice_{number}"] for number in range(1, QUESTION_CHOICES + 1)]

    def clean_due_on(self) -> dt.date:
        due_on: dt.date = self.cleaned_data["due_on"]
        if due_on < timezone.localdate():
            raise ValidationError("The due date is in the past.")
        return due_on

    def reason_required(self) -> bool:
        return self.superseding is not None

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("audience") == AudienceKind.DEPARTMENTS and not cleaned.get("org_units"):
            self.add_error("org_units", "Choose at least one department, or send it to all active staff.")
        question = cleaned.get("question", "").strip()
        answers = {n: cleaned.get(f"choice_{n}", "").strip() for n in range(1, QUESTION_CHOICES + 1)}
        filled = [n for n, text in answers.items() if text]
        correct = cleaned.get("correct_choice")
        cleaned["choices"], cleaned["correct_index"] = [], None
        if question:
            if len(filled) < 2:
                self.add_error("choice_1", "Give at least two answers to choose from.")
            elif correct is None or correct not in filled:
                self.add_error("correct_choice", "Say which of the answers you gave is the right one.")
            else:
                cleaned["choices"] = [answers[n] for n in filled]
                cleaned["correct_index"] = filled.index(correct)
        elif filled:
            self.add_error("question", "Write the question, or clear the answers.")
        return cleaned


def _default_next_review() -> dt.date:
    return next_review_after(timezone.localdate())


class ReviewForm(forms.Form):
    """The outcome of a policy's periodic review, as top management records it."""

    outcome = forms.ChoiceField(
        choices=ReviewOutcome.choices, widget=forms.RadioSelect, label="Outcome of the review"
    )
    next_review_on = forms.DateField(
        label="Next review on",
        required=False,
        initial=_default_next_review,
        widget=date_input(),
        help_text="Needed when the policy is still suitable: it becomes the version's next review date once you sign.",
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What was considered. Needed when a new version is needed: say what it must change.",
    )
