"""Measuring text for the org chart drawing, which cannot ask a browser how wide a text is: widths, cutting
with an ellipsis, wrapping, and cleaning out what XML does not allow."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# The drawing cannot ask a browser how wide a text is, so it measures with the advance widths of DejaVu Sans
# (1/1000 em, characters space to tilde): it is the widest of the usual sans-serif faces and the one the
# server's WeasyPrint uses, so a text measured to fit fits in whichever face the reader's browser picks.
_REGULAR = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636,
    636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656,
    557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613,
    635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818,
    592, 592, 525, 636, 337, 636, 838,
)
_BOLD = (
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696, 696,
    696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775,
    637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500, 500, 675,
    716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924,
    645, 652, 582, 712, 365, 712, 838,
)
ELLIPSIS = "…"
# Characters XML 1.0 does not allow (a pasted vertical tab would make the whole drawing unreadable).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _char_width(char: str, table: tuple[int, ...]) -> int:
    code = ord(char)
    if 32 <= code < 127:
        return table[code - 32]
    base = unicodedata.normalize("NFKD", char)[:1]
    if base and 32 <= ord(base) < 127:
        return table[ord(base) - 32]
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1000
    return 1000 if char == ELLIPSIS else 700


# The measuring functions are pure and the chart draws the same titles and names on every request, so their answers
# are kept (a few thousand entries at most: a few hundred kilobytes).
@lru_cache(maxsize=8192)
def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The width of ``text`` at ``size`` pixels, measured with DejaVu Sans (see above)."""
    table = _BOLD if bold else _REGULAR
    return sum(_char_width(char, table) for char in text) * size / 1000


def clean_text(text: str) -> str:
    return " ".join(_NOT_XML.sub(" ", text).split())


@lru_cache(maxsize=8192)
def fit_text(text: str, size: float, width: float, *, bold: bool = False) -> str:
    """``text``, cut and ended with an ellipsis if it is wider than ``width``."""
    if text_width(text, size, bold=bold) <= width:
        return text
    while text and text_width(text + ELLIPSIS, size, bold=bold) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS


def wrap_text(text: str, size: float, width: float, *, bold: bool = False, max_lines: int = 2) -> list[str]:
    """``text`` broken into at most ``max_lines`` lines at spaces; the last line is cut if it still overflows."""
    return list(_wrapped(text, size, width, bold, max_lines))


@lru_cache(maxsize=4096)
def _wrapped(text: str, size: float, width: float, bold: bool, max_lines: int) -> tuple[str, ...]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if not current or text_width(candidate, size, bold=bold) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return tuple(fit_text(line, size, width, bold=bold) for line in lines)
