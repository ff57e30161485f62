"""Template filters and tags of the shared core: Markdown, dates (``day``) and status badges (``badge``)."""
from __future__ import annotations

import datetime as dt

from django import template
from django.utils.safestring import SafeString

from qms_portal import presentation
from qms_portal.richtext import markdown_to_html

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    """Render Markdown as sanitised HTML: ``{{ version.body|markdown }}``."""
    return markdown_to_html(text)


@register.filter(expects_localtime=True)
def day(value: dt.date | dt.datetime | None, style: str = "date") -> str:
    """A date written the portal's way: ``{{ action.due_on|day }}``, ``{{ signed_at|day:"long_signed" }}``.

    Like Django's ``date`` filter it writes nothing for a missing or unreadable value.
    """
    try:
        return presentation.day(value, style)
    except (AttributeError, TypeError):
        return ""
