"""How dates, times, shares and shortened texts read on the portal: ``day`` (behind the ``day`` template filter),
``percent`` and ``shorten`` (behind the ``shorten`` filter).

The formats themselves live in the format module (``qms_portal/formats/en/formats.py``); a style here
only names one of them, so a page, a message, a chart and a PDF write the same date the same way.
"""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ImproperlyConfigured
from django.utils import dateformat, formats, timezone

# Style -> the name of its format in the format module.
STYLES = {
    "date": "DATE_FORMAT",  # 8 Aug 2026
    "long": "LONG_DATE_FORMAT",  # 8 August 2026
    "weekday": "WEEKDAY_DATE_FORMAT",  # Saturday 8 Aug 2026
    "day_month": "MONTH_DAY_FORMAT",  # 8 Aug
    "month": "YEAR_MONTH_FORMAT",  # August 2026
    "time": "TIME_FORMAT",  # 14:30
    "seconds": "SECONDS_TIME_FORMAT",  # 14:30:05
    "datetime": "DATETIME_FORMAT",  # 8 Aug 2026, 14:30
    "long_datetime": "LONG_DATETIME_FORMAT",  # 8 August 2026, 14:30
    "at": "AT_DATETIME_FORMAT",  # 8 August 2026 at 14:30
    "signed": "SIGNED_DATETIME_FORMAT",  # 8 Aug 2026, 14:30 UTC
    "long_signed": "LONG_SIGNED_DATETIME_FORMAT",  # 8 August 2026, 14:30 UTC
}


def _format(name: str) -> str:
    """The format called ``name`` for the active language: Django's own names through ``get_format``."""
    if name in formats.FORMAT_SETTINGS:
        return str(formats.get_format(name))
    for module in formats.get_format_modules():
        if hasattr(module, name):
            return str(getattr(module, name))
    raise ImproperlyConfigured(f"No {name} in the format modules of FORMAT_MODULE_PATH.")


def day(value: dt.date | dt.datetime | None, style: str = "date") -> str:
    """``value`` written the portal's way (``style`` is a key of ``STYLES``); "" for no value.

    An aware date-time is shown in the current time zone, as templates show it.
    """
    if value is None or value == "":
        return ""
    if style not in STYLES:
        raise ValueError(f"Unknown date style {style!r}; use one of {', '.join(STYLES)}.")
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, _format(STYLES[style]))


def percent(part: int, whole: int) -> int:
    """``part`` of ``whole`` in whole per cent, rounded half up (1 of 8 is 13%), the one rounding of every share shown.

    100% means all and 0% means none: 199 of 200 reads 99%, 1 of 300 reads 1%. Nothing of nothing is 0%.
    """
    if whole <= 0 or part <= 0:
        return 0
    if part >= whole:
        return 100
    # Integer arithmetic: round() would round half to even (12.5 -> 12) and floats can land just under the half.
    rounded = (200 * part + whole) // (2 * whole)
    return min(99, max(1, rounded))


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, with "…" when cut: never mid-word as
    Django's ``truncatechars`` cuts ("com…"). A single word longer than the limit is cut where it must be."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    head = text[: max(limit - 1, 0)]
    if text[len(head)] != " " and " " in head:  # the cut falls inside a word: drop that word
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:.–—-") + "…"
