"""Drawing the pack's parts: the HTML of a part (its section's template inside ``leadership/pack/part.html``), and
the whole pack's HTML as one document (for the benchmark's "WeasyPrint alone" and for previews)."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from leadership.evidence_pack.period import SCOPE_CHOICES, PackPeriod
from leadership.evidence_pack.sections.base import PackSection, PartContent
from qms_portal.models import Organisation


@dataclass(frozen=True)
class PackHeading:
    """What every page of a pack says about it: its number, organisation, period, scope and when it was made."""

    number: str
    organisation: Organisation
    period: PackPeriod
    scope: str
    generated_at: dt.datetime
    generated_by: str = ""
    stamp_pages: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def scope_label(self) -> str:
        return "Clause 5 evidence" if self.scope == "5" else f"{self.scope} evidence"

    @property
    def scope_title(self) -> str:
        return dict(SCOPE_CHOICES)[self.scope]

    @property
    def title(self) -> str:
        return f"Evidence pack {self.number}: {self.scope_title}, {self.period}"


def part_html(section: PackSection, heading: PackHeading, args: dict[str, Any]) -> tuple[str, PartContent]:
    """The HTML of one part of ``section`` and what it holds (records, attachments), times in the pack's zone (a
    worker has no request to set it)."""
    with timezone.override(heading.period.tz):
        content = section.content(heading.period, args)
        context = {**content.context, "pack": heading, "section": section, "part_args": args}
        return render_to_string(content.template, context), content


_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL)


def one_document_html(parts_html: Sequence[str], heading: PackHeading) -> str:
    """The parts' bodies inside one ``part.html``: the same pack as a single WeasyPrint document."""
    bodies = []
    for text in parts_html:
        match = _BODY.search(text)
        bodies.append(match[1] if match else text)
    shell = render_to_string("leadership/pack/part.html", {"pack": heading})
    return shell.replace("</body>", "".join(bodies) + "</body>", 1)
