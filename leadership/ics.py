"""Writing iCalendar (RFC 5545) text by hand: escaping, parameter quoting and line folding.

Only what management reviews need; no library is pinned for it and a VEVENT is a few lines.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

MAX_LINE_OCTETS = 75
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def escape_text(value: str) -> str:
    """A TEXT value (3.3.11): backslash, semicolon and comma escaped, line breaks as ``\\n``, controls dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value.replace("\t", " "))
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def param_value(value: str) -> str:
    """A parameter value (3.2): double quotes and controls cannot appear at all; quoted when it holds ``;:,``."""
    value = _CONTROL.sub("", value.replace('"', "'").replace("\n", " ").replace("\r", " ").replace("\t", " "))
    return f'"{value}"' if any(char in value for char in ";:,") else value


def fold(line: str) -> str:
    """Fold one content line (3.1): at most 75 octets a line, continuation lines starting with a space,
    never splitting a UTF-8 character."""
    out: list[str] = []
    current, size, limit = "", 0, MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, MAX_LINE_OCTETS
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def utc_stamp(moment: dt.datetime) -> str:
    """A DATE-TIME in UTC form (``20260302T091500Z``)."""
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def date_value(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def calendar_text(lines: Iterable[str]) -> str:
    """Content lines folded and joined with CRLF, ending with CRLF, as a calendar file."""
    return "".join(fold(line) + "\r\n" for line in lines)
