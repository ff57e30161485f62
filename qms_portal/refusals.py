"""The one refusal of a step: "this step is not allowed now", with the message and where to go back.

A business function that cannot take a step in the record's current state raises ``StepRefused``;
``AccessMiddleware`` answers it once for every view (the 409 page, or for htmx a message and a page
reload), so views never catch it. Apps raise it, or a subclass of it, never an error of their own.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RefusalItem:
    """One thing a refusal lists for the person to fix, with the link that fixes it."""

    code: str
    label: str
    url: str
    link: str


class StepRefused(Exception):
    """The step is not possible in the record's current state: nothing changed (answered 409).

    ``back_url``/``back_label`` say where the person goes back to, ``record`` names what may have moved on
    ("the review"). A refusal that lists things to fix gives ``heading``, ``lead`` (what the page says
    instead of the message), ``items`` and ``note``.
    """

    def __init__(
        self,
        message: str,
        *,
        back_url: str = "",
        back_label: str = "",
        record: str = "the record",
        title: str = "",
        heading: str = "",
        lead: str = "",
        items: Sequence[RefusalItem] = (),
        note: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.back_url = back_url or "/"
        self.back_label = back_label or ("Back" if back_url else "Back to the home page")
        self.record = record
        self.title, self.heading, self.lead, self.items, self.note = title, heading, lead, list(items), note

    def context(self) -> dict[str, Any]:
        """What ``qms_portal/conflict.html`` shows."""
        return {
            "message": self.lead or self.message, "record": self.record, "back_url": self.back_url,
            "back_label": self.back_label, "title": self.title, "heading": self.heading,
            "items": self.items, "note": self.note,
        }
