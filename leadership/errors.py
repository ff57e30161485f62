"""The refusals the leadership business functions raise besides ``StepRefused`` itself and ``PermissionDenied``."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.urls import reverse

from qms_portal.refusals import RefusalItem, StepRefused

if TYPE_CHECKING:
    from leadership.models import ManagementReview, ReviewInput


class InputsUnaddressed(StepRefused):
    """A review cannot close: ``codes`` are the 9.3.2 inputs that still have no notes; the 409 page lists them,
    each with the link to write its notes."""

    def __init__(self, review: ManagementReview, missing: Sequence[ReviewInput]) -> None:
        listed = "; ".join(f"{row.code} ({row.get_code_display()})" for row in missing)
        count = len(missing)
        super().__init__(
            f"{review} cannot close: these inputs have no notes yet: {listed}.",
            back_url=reverse("leadership:review_detail", args=[review.pk]),
            back_label="Back to the review",
            record="the review",
            title=f"Not closed · {review.title}",
            heading="The review was not closed",
            lead=(
                "Every 9.3.2 input needs notes recording how it was covered. "
                f"{count} input{' has' if count == 1 else 's have'} none yet:"
            ),
            items=[
                RefusalItem(
                    row.code,
                    row.get_code_display(),
                    reverse("leadership:review_input_edit", args=[review.pk, row.code]),
                    "Write notes",
                )
                for row in missing
            ],
            note="Nothing was changed: the review is still held.",
        )
        self.codes = [row.code for row in missing]
