"""Drawing the laid-out org chart as standalone SVG: for the page (one drawing, boxes linking to their roles)
and for the PDF (page-high bands); the legend's swatches. Every text is escaped here."""
from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from roles.orgchart.layout import (
    BADGE_SIZE,
    BOX_WIDTH,
    CONTINUED,
    DEPUTY_LABEL,
    HOLDER_LEAD,
    HOLDER_SIZE,
    MARGIN,
    PADDING,
    PAGE_WIDTH,
    PDF_BAND_HEIGHT,
    PDF_FIRST_BAND_HEIGHT,
    PDF_WIDTH,
    STRIP,
    TEXT_WIDTH,
    TEXT_X,
    TITLE_LEAD,
    TITLE_SIZE,
    UNIT_LEAD,
    UNIT_SIZE,
    Box,
    Layout,
    layout_chart,
)
from roles.orgchart.load import UNIT_COLOURS, ChartRole, OrgChart
from roles.orgchart.text import clean_text, fit_text, text_width

FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'DejaVu Sans', sans-serif"
INK, MUTED, FAINT = "#13263d", "#5b6b7c", "#94a3b8"
LINE = "#9aa8b8"
BOX_STROKE, BOX_FILL = "#d3dbe5", "#ffffff"
VACANT_STROKE, VACANT_FILL, VACANT_TEXT = "#dc2626", "#fff5f5", "#b42318"
CONTEXT_STROKE, CONTEXT_FILL, CONTEXT_STRIP = "#d7dde5", "#f3f5f8", "#c5ced9"
DEPUTY_FILL, DEPUTY_TEXT = "#fff1c2", "#7a4d00"
YOURS_FILL, YOURS_STROKE = "#eef4ff", "#1f6feb"
_PK_MARK = 987654321  # a number no other part of the role page's address holds


def _attrs(**values: object) -> str:
    return " ".join(f'{name.rstrip("_").replace("_", "-")}="{escape(value)}"' for name, value in values.items())


def _num(value: float) -> str:
    """A coordinate to a tenth, without trailing zeros ("12", "12.5"); called thousands of times a drawing."""
    tenth = round(value, 1)
    return str(int(tenth)) if tenth == int(tenth) else str(tenth)


def _text(x: float, y: float, text: str, *, size: float, fill: str, bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" fill="{fill}"{weight}>{escape(text)}</text>'


def _deputy_badge(x: float, baseline: float) -> str:
    width = text_width(DEPUTY_LABEL, BADGE_SIZE, bold=True) + 8
    return (
        f'<rect x="{_num(x)}" y="{_num(baseline - 10.5)}" width="{_num(width)}" height="14" rx="3" '
        f'fill="{DEPUTY_FILL}"/>'
        + _text(x + 4, baseline - 0.5, DEPUTY_LABEL, size=BADGE_SIZE, fill=DEPUTY_TEXT, bold=True)
    )


def _strip(x: float, y: float, height: float, colour: str) -> str:
    """The unit's colour down the left edge, following the box's rounded corners."""
    r = STRIP
    return (
        f'<path d="M{_num(x + r)},{_num(y)} V{_num(y + height)} A{r},{r} 0 0 1 {_num(x)},{_num(y + height - r)} '
        f'V{_num(y + r)} A{r},{r} 0 0 1 {_num(x + r)},{_num(y)} Z" fill="{colour}"/>'
    )


def _deputies(count: int) -> str:
    return f"{count} deput{'y' if count == 1 else 'ies'}"


def _tooltip(role: ChartRole, on: dt.date) -> str:
    if role.vacant:
        who = f"Vacant: nobody holds this role on {date_format(on, 'j F Y')}"
    else:
        who = "Held by " + ", ".join(f"{h.name} (deputy)" if h.is_deputy else h.name for h in role.holders)
        if role.unnamed:
            # Only the first names were read: say how many more, and how many deputies in all.
            deputies = f", {_deputies(role.deputies)} among them" if role.deputies else ""
            who += f" and {role.unnamed} more: {role.people} people{deputies}"
    context = "" if role.in_focus else "\nShown for its reporting line: a role of another unit"
    return clean_text(f"{role.title} · {role.unit.name}") + "\n" + clean_text(who) + context


def _draw_box(box: Box, *, on: dt.date, href: str | None, viewer_id: int | None) -> str:
    role = box.role
    x, y, h = box.x, box.y, box.height
    mine = viewer_id is not None and role.yours
    if not role.in_focus:
        fill, stroke, strip, title_ink, unit_ink, holder_ink = (
            CONTEXT_FILL, CONTEXT_STROKE, CONTEXT_STRIP, MUTED, MUTED, MUTED)
    elif role.vacant:
        fill, stroke, strip, title_ink, unit_ink, holder_ink = (
            VACANT_FILL, VACANT_STROKE, role.unit.colour, INK, role.unit.colour, INK)
    else:
        fill, stroke, strip, title_ink, unit_ink, holder_ink = (
            BOX_FILL, BOX_STROKE, role.unit.colour, INK, role.unit.colour, "#334155")
    dash = ' stroke-dasharray="5 3"' if role.vacant and role.in_focus else ""
    if mine:
        fill, stroke = YOURS_FILL, YOURS_STROKE
    parts = [
        f'<rect x="{_num(x)}" y="{_num(y)}" width="{BOX_WIDTH}" height="{_num(h)}" rx="{STRIP}" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="{2 if mine else 1.5 if dash else 1}"{dash}/>',
        _strip(x, y, h, strip),
    ]
    tx = x + TEXT_X
    baseline = y + PADDING + TITLE_SIZE - 1
    for line in box.title:
        parts.append(_text(tx, baseline, line, size=TITLE_SIZE, fill=title_ink, bold=True))
        baseline += TITLE_LEAD
    if box.unit:
        parts.append(_text(tx, baseline - 3, box.unit, size=UNIT_SIZE, fill=unit_ink, bold=True))
        baseline += UNIT_LEAD
    divider = baseline - 9
    rule = "#f3c4c4" if dash else "#e6ebf1"
    parts.append(
        f'<line x1="{_num(tx)}" y1="{_num(divider)}" x2="{_num(x + BOX_WIDTH - PADDING)}" y2="{_num(divider)}" '
        f'stroke="{rule}" stroke-width="1"/>'
    )
    baseline = divider + 6 + HOLDER_SIZE
    if role.vacant:
        ink = VACANT_TEXT if role.in_focus else MUTED
        parts.append(_text(tx, baseline, "Vacant", size=HOLDER_SIZE, fill=ink, bold=True))
        note_x = tx + text_width("Vacant", HOLDER_SIZE, bold=True) + 6
        parts.append(_text(note_x, baseline, "no holder", size=HOLDER_SIZE - 1, fill=ink))
    for name, holder in box.holders:
        you = holder.person_id == viewer_id
        parts.append(_text(tx, baseline, name, size=HOLDER_SIZE, fill=YOURS_STROKE if you else holder_ink, bold=you))
        if holder.is_deputy:
            parts.append(_deputy_badge(tx + text_width(name, HOLDER_SIZE, bold=you) + 6, baseline))
        baseline += HOLDER_LEAD
    if box.more:
        more = f"and {box.more} more" + (f" ({_deputies(box.more_deputies)})" if box.more_deputies else "")
        parts.append(_text(tx, baseline, fit_text(more, HOLDER_SIZE - 1, TEXT_WIDTH), size=HOLDER_SIZE - 1, fill=MUTED))
    tooltip = _tooltip(role, on)
    if href is None:
        return f"<g>{''.join(parts)}</g>"
    group = f'<g id="orgchart-role-{role.pk}">'
    # The link is a transparent pane over the box rather than a wrapper around it: the page's stylesheet
    # underlines the text of links, and the portal's CSP allows no style attribute to undo that.
    pane = (
        f'<rect x="{_num(x)}" y="{_num(y)}" width="{BOX_WIDTH}" height="{_num(h)}" rx="{STRIP}" '
        'fill="#ffffff" fill-opacity="0"/>'
    )
    label = _attrs(href=href, aria_label=tooltip.replace("\n", ". "))
    return f"{group}{''.join(parts)}<a {label}><title>{escape(tooltip)}</title>{pane}</a></g>"


def _clip(line: tuple[float, float, float, float], top: float, bottom: float) -> tuple[float, ...] | None:
    """The part of a horizontal or vertical line between ``top`` and ``bottom``, or None."""
    x1, y1, x2, y2 = line
    low, high = min(y1, y2), max(y1, y2)
    if high < top or low > bottom:
        return None
    return (x1, max(low, top), x2, min(high, bottom)) if x1 == x2 else line


def _bands(layout: Layout) -> list[tuple[float, float]]:
    """Cut the drawing into page-high bands, between rows of boxes."""
    bands: list[tuple[float, float]] = []
    start, previous = 0.0, 0.0
    for cut in [*sorted(set(layout.cuts)), layout.height]:
        height = PDF_FIRST_BAND_HEIGHT if not bands else PDF_BAND_HEIGHT - CONTINUED
        if cut - start > height and previous > start:
            bands.append((start, previous))
            start = previous
        previous = cut
    bands.append((start, layout.height))
    return bands


def _continued(layout: Layout, top: float) -> str:
    """The chain of managers whose teams run on from the band before into the one starting at ``top``."""
    chain = sorted((box for box, bottom in layout.teams if box.y + box.height <= top < bottom), key=lambda b: b.x)
    if not chain:
        return ""
    names = [clean_text(box.role.title) for box in chain]
    text = "Continued: " + " › ".join(names)
    while len(names) > 1 and text_width(text, 11) > layout.width - 2 * MARGIN:
        names = names[1:]
        text = "Continued: … › " + " › ".join(names)
    return _text(MARGIN, top - 8, fit_text(text, 11, layout.width - 2 * MARGIN), size=11, fill=MUTED)


def _draw(
    layout: Layout, chart: OrgChart, *, top: float, bottom: float, links: bool, label: str, viewer_id: int | None
) -> str:
    continued = _continued(layout, top) if top > 0 else ""
    view_top = top - CONTINUED if continued else top
    width, height = layout.width, bottom - view_top
    # On a past (or future) day, a box opens its role on that same day.
    suffix = f"?on={chart.on.isoformat()}" if chart.on != timezone.localdate() else ""
    parts = []
    for line in layout.lines:
        clipped = _clip(line, top, bottom)
        if clipped:
            x1, y1, x2, y2 = (_num(value) for value in clipped)
            parts.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"/>')
    lines = f'<g stroke="{LINE}" stroke-width="1.25" fill="none">{"".join(parts)}</g>'
    labels = "".join(
        _text(x, y, text.upper(), size=10.5, fill=MUTED, bold=True)
        for x, y, text in layout.labels
        if top <= y <= bottom
    )
    # One reverse() for the drawing rather than one a box: the role page's address with a mark where the pk goes.
    address = reverse("roles:role_detail", args=[_PK_MARK]) + suffix
    boxes = "".join(
        _draw_box(
            box,
            on=chart.on,
            href=address.replace(str(_PK_MARK), str(box.role.pk)) if links else None,
            viewer_id=viewer_id,
        )
        for box in layout.boxes
        if box.y < bottom and box.y + box.height > top
    )
    size = f'width="{_num(width)}" height="{_num(height)}"' if links else 'width="100%"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 {_num(view_top)} {_num(width)} {_num(height)}" {size} '
        f'{_attrs(font_family=FONT_FAMILY, aria_label=label)} class="orgchart">'
        f"{continued}{lines}{labels}{boxes}</svg>"
    )


def orgchart_svg(chart: OrgChart, *, for_pdf: bool = False) -> SafeString:
    """The chart as inline SVG markup, every text escaped: one ``<svg>`` whose boxes link to the role pages
    (the roles of the chart's viewer stand out, each box is ``#orgchart-role-<pk>``), or ``for_pdf``, a
    ``<div class="orgchart-band">`` per page-high band of the same drawing, without links or viewer."""
    if not chart.roots:
        return mark_safe("")  # noqa: S308 - nothing to escape in an empty string
    layout = layout_chart(chart.roots, width=PDF_WIDTH if for_pdf else PAGE_WIDTH)
    day = date_format(chart.on, "j F Y")
    label = f"Org chart: {chart.focus_count} roles and their holders on {day}"
    if not for_pdf:
        markup = _draw(layout, chart, top=0, bottom=layout.height, links=True, label=label, viewer_id=chart.viewer_id)
    else:
        markup = "".join(
            '<div class="orgchart-band">'
            + _draw(layout, chart, top=top, bottom=bottom, links=False, label=label, viewer_id=None)
            + "</div>"
            for top, bottom in _bands(layout)
        )
    # Safe: every text above went through escape() (_text, _attrs, the tooltips); the rest are our numbers.
    return mark_safe(markup)  # noqa: S308


def orgchart_swatch(kind: str) -> SafeString:
    """A small sample of a box for the legend ("held", "vacant", "context") or the deputy mark ("deputy")."""
    if kind == "deputy":
        width = text_width(DEPUTY_LABEL, BADGE_SIZE, bold=True) + 8
        body = _deputy_badge(0, 12)
        return mark_safe(  # noqa: S308 - fixed markup
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(width)}" height="16" viewBox="0 0 {_num(width)} 16" '
            f'{_attrs(font_family=FONT_FAMILY)} aria-hidden="true">{body}</svg>'
        )
    fill, stroke, strip, dash = {
        "held": (BOX_FILL, BOX_STROKE, UNIT_COLOURS[0], ""),
        "vacant": (VACANT_FILL, VACANT_STROKE, UNIT_COLOURS[0], ' stroke-dasharray="4 2"'),
        "context": (CONTEXT_FILL, CONTEXT_STROKE, CONTEXT_STRIP, ""),
        "yours": (YOURS_FILL, YOURS_STROKE, UNIT_COLOURS[0], ""),
    }[kind]
    return mark_safe(  # noqa: S308 - fixed markup
        '<svg xmlns="http://www.w3.org/2000/svg" width="30" height="18" viewBox="0 0 30 18" aria-hidden="true">'
        f'<rect x="1" y="1" width="28" height="16" rx="{STRIP}" fill="{fill}" stroke="{stroke}" '
        f'stroke-width="{1 if kind == "held" or kind == "context" else 1.5}"{dash}/>{_strip(1, 1, 16, strip)}</svg>'
    )


def unit_dot(colour: str) -> SafeString:
    """A dot in a unit's colour, to tie a unit's name on the page to its boxes."""
    return mark_safe(  # noqa: S308 - colour is one of UNIT_COLOURS
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" viewBox="0 0 10 10" aria-hidden="true">'
        f'<circle cx="5" cy="5" r="5" fill="{escape(colour)}"/></svg>'
    )
