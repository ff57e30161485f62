"""Charts drawn on the server as self-contained SVG: one drawing for the web page and the PDF evidence pack.

No scripts, no external fonts or style sheets, every text escaped: the same string can be inlined in a
page, embedded in a PDF by WeasyPrint or saved as a file. Part of the shared core: it knows dates and
numbers, not the apps' models.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from html import escape

from qms_portal import presentation

MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 64, 20, 32, 40
INSET = 14  # keeps the first and last points off the axes
FONT = 'font-family="sans-serif" font-size="11"'
AXIS_COLOUR, GRID_COLOUR, LINE_COLOUR = "#495057", "#dee2e6", "#0d6efd"
MET_COLOUR, NOT_MET_COLOUR, TARGET_COLOUR = "#198754", "#dc3545", "#6c757d"
DIRECTION_SIGNS = {"at_least": "≥", "at_most": "≤"}


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def format_number(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent: 95.50 -> 95.5, 100 -> 100."""
    text = f"{Decimal(value).normalize():f}"
    return "0" if text in {"-0", ""} else text


def _with_unit(value: Decimal, unit: str) -> str:
    return f"{format_number(value)} {unit}".strip()


def _nice_step(span: Decimal, intervals: int = 4) -> Decimal:
    """A step of 1, 2, 2.5 or 5 times a power of ten giving about ``intervals`` steps over ``span``."""
    raw = span / intervals
    power = Decimal(10) ** math.floor(math.log10(raw))
    for multiple in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if multiple * power >= raw:
            return multiple * power
    return 10 * power  # not reached: 10 x power is always >= raw


def value_ticks(values: Sequence[Decimal]) -> list[Decimal]:
    """Round tick values covering every value, lowest first."""
    low, high = min(values), max(values)
    if low == high:
        pad = abs(low) / 10 or Decimal(1)
        low, high = low - pad, high + pad
    step = _nice_step(high - low)
    first = (low / step).to_integral_value(rounding=ROUND_FLOOR) * step
    last = (high / step).to_integral_value(rounding=ROUND_CEILING) * step
    count = int((last - first) / step)
    return [first + step * i for i in range(count + 1)]


def _date_ticks(first: dt.date, last: dt.date, count: int) -> list[dt.date]:
    if first == last:
        return [first]
    span = (last - first).days
    days = sorted({round(span * i / (count - 1)) for i in range(count)})
    return [first + dt.timedelta(days=day) for day in days]


def trend_chart_svg(
    points: Sequence[tuple[dt.date, Decimal]],
    *,
    target: Decimal,
    direction: str,
    unit: str = "",
    width: int = 640,
    height: int = 260,
    title: str = "",
) -> str:
    """A line chart of dated values with the target as a dashed line, as a standalone SVG document.

    ``direction`` is ``"at_least"`` or ``"at_most"``: which side of the target is good, shown in the
    target's label and in each point's colour. With no points the chart says so; one point sits in the middle.
    """
    if direction not in DIRECTION_SIGNS:
        raise ValueError(f"direction must be one of {sorted(DIRECTION_SIGNS)}, not {direction!r}")
    target = Decimal(target)
    points = sorted((day, Decimal(value)) for day, value in points)
    left, right = MARGIN_LEFT, width - MARGIN_RIGHT
    top, bottom = MARGIN_TOP, height - MARGIN_BOTTOM
    ticks = value_ticks([target, *(value for _, value in points)])
    low, high = float(ticks[0]), float(ticks[-1])

    def y_of(value: Decimal) -> float:
        return round(bottom - (float(value) - low) / (high - low) * (bottom - top), 1)

    if points:
        first, last = points[0][0], points[-1][0]
        span = (last - first).days

        def x_of(day: dt.date) -> float:
            if span == 0:
                return round((left + right) / 2, 1)
            return round(left + INSET + (day - first).days / span * (right - left - 2 * INSET), 1)

    sign = DIRECTION_SIGNS[direction]
    label = title or "Trend"
    summary = f"{label}: target {sign} {_with_unit(target, unit)}, {len(points)} measurement(s)"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_text(summary)}">',
        f"<title>{_text(summary)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for tick in ticks:
        y = y_of(tick)
        parts.append(f'<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" stroke="{GRID_COLOUR}" stroke-width="1"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4}" text-anchor="end" fill="{AXIS_COLOUR}" {FONT}>'
            f"{_text(format_number(tick))}</text>"
        )
    parts.append(
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="{AXIS_COLOUR}" stroke-width="1"/>'
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{AXIS_COLOUR}" stroke-width="1"/>'
    )
    if unit:
        parts.append(
            f'<text x="{left - 6}" y="{top - 14}" text-anchor="end" fill="{AXIS_COLOUR}" {FONT}>{_text(unit)}</text>'
        )
    # The target: a dashed line across the plot, named in a legend above it where no point can cover it.
    target_y = y_of(target)
    dashed = f'stroke="{TARGET_COLOUR}" stroke-width="1.5" stroke-dasharray="6 4"'
    parts.append(
        f'<line x1="{left}" y1="{target_y}" x2="{right}" y2="{target_y}" {dashed}/>'
        f'<text x="{right}" y="{top - 14}" text-anchor="end" fill="{TARGET_COLOUR}" {FONT}>'
        f"{_text(f'Target {sign} {_with_unit(target, unit)}')}</text>"
    )
    if not points:
        # In the half of the plot away from the target line.
        quarter = (bottom - top) / 4
        message_y = top + quarter if target_y > (top + bottom) / 2 else bottom - quarter
        parts.append(
            f'<text x="{(left + right) / 2}" y="{message_y}" text-anchor="middle" fill="{AXIS_COLOUR}" '
            f'{FONT}>No measurements yet</text>'
        )
    else:
        label_count = max(2, min(5, (right - left) // 110))
        date_ticks = _date_ticks(points[0][0], points[-1][0], label_count)
        for day in date_ticks:
            x = x_of(day)
            # The last label ends at its tick, so that it stays inside the drawing.
            anchor = "end" if len(date_ticks) > 1 and day == date_ticks[-1] else "middle"
            parts.append(
                f'<line x1="{x}" y1="{bottom}" x2="{x}" y2="{bottom + 4}" stroke="{AXIS_COLOUR}" stroke-width="1"/>'
                f'<text x="{x}" y="{bottom + 16}" text-anchor="{anchor}" fill="{AXIS_COLOUR}" {FONT}>'
                f"{_text(presentation.day(day))}</text>"
            )
        if len(points) > 1:
            coordinates = " ".join(f"{x_of(day)},{y_of(value)}" for day, value in points)
            parts.append(f'<polyline points="{coordinates}" fill="none" stroke="{LINE_COLOUR}" stroke-width="2"/>')
        for day, value in points:
            met = value >= target if direction == "at_least" else value <= target
            parts.append(
                f'<circle cx="{x_of(day)}" cy="{y_of(value)}" r="3.5" '
                f'fill="{MET_COLOUR if met else NOT_MET_COLOUR}">'
                f"<title>{_text(f'{presentation.day(day)}: {_with_unit(value, unit)}')}</title></circle>"
            )
    parts.append("</svg>")
    return "".join(parts)


def sparkline_svg(
    points: Sequence[tuple[dt.date, Decimal]],
    *,
    target: Decimal,
    direction: str,
    unit: str = "",
    width: int = 120,
    height: int = 32,
) -> str:
    """A word-sized trend for tables: the values as a line, the target as a dashed line, the latest value as a
    dot coloured met or not; no axes or labels (the table's columns say the figures). Empty with no points."""
    if direction not in DIRECTION_SIGNS:
        raise ValueError(f"direction must be one of {sorted(DIRECTION_SIGNS)}, not {direction!r}")
    points = sorted((day, Decimal(value)) for day, value in points)
    if not points:
        return ""
    target = Decimal(target)
    values = [value for _, value in points]
    low, high = float(min(*values, target)), float(max(*values, target))
    if low == high:
        low, high = low - 1, high + 1
    pad = 3  # keeps the dot whole at the edges

    def y_of(value: Decimal) -> float:
        return round(height - pad - (float(value) - low) / (high - low) * (height - 2 * pad), 1)

    first, span = points[0][0], (points[-1][0] - points[0][0]).days

    def x_of(day: dt.date) -> float:
        return round(width / 2 if span == 0 else pad + (day - first).days / span * (width - 2 * pad), 1)

    last_day, last_value = points[-1]
    met = last_value >= target if direction == "at_least" else last_value <= target
    summary = (
        f"{len(points)} measurement(s) from {presentation.day(first)} to {presentation.day(last_day)}, latest "
        f"{_with_unit(last_value, unit)}, target {DIRECTION_SIGNS[direction]} {_with_unit(target, unit)}"
    )
    target_y = y_of(target)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_text(summary)}">',
        f"<title>{_text(summary)}</title>",
        f'<line x1="0" y1="{target_y}" x2="{width}" y2="{target_y}" stroke="{TARGET_COLOUR}" stroke-width="1" '
        'stroke-dasharray="3 2"/>',
    ]
    if len(points) > 1:
        coordinates = " ".join(f"{x_of(day)},{y_of(value)}" for day, value in points)
        parts.append(f'<polyline points="{coordinates}" fill="none" stroke="{LINE_COLOUR}" stroke-width="1.5"/>')
    parts.append(
        f'<circle cx="{x_of(last_day)}" cy="{y_of(last_value)}" r="2.5" '
        f'fill="{MET_COLOUR if met else NOT_MET_COLOUR}"/>'
    )
    parts.append("</svg>")
    return "".join(parts)
