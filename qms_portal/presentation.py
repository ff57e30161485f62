"""How dates and times read on the portal: one function for Python, behind the ``day`` template filter.

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
