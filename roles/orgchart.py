"""The org chart of 5.3: who reports to whom, with the people who hold each role on a day, drawn as SVG.

One drawing serves the page (inline, each box a link to its role) and the evidence pack (WeasyPrint, cut
into page-high bands). The SVG stands alone: no stylesheet, font or image, only presentation attributes,
which the portal's Content-Security-Policy (no inline styles) lets through and WeasyPrint draws the same.

The layout is an indented tree that reads top-down like a table of contents, so 150 roles need no
horizontal scrolling: a role's direct reports sit one step to the right below it, each hanging from a
line fed by a trunk from its manager's box. Reports who manage nobody are packed side by side in rows as
wide as the drawing (a manager with twelve staff takes three rows, not twelve); reports who manage others
follow, one per row, each with its own team below it.

Every text drawn is escaped here with ``django.utils.html.escape``; that is why ``orgchart_svg`` may
return markup marked safe.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from qms_portal.models import OrgUnit
from qms_portal.trees import ids_below
from roles.models import Role, RoleAssignment, held_on

# --- Reading the chart -------------------------------------------------------------------------------------

# Unit colours, dark enough for text on white, neighbours far apart; red is kept for vacant roles.
UNIT_COLOURS = (
    "#2563eb", "#c2410c", "#0f766e", "#9333ea", "#a16207",
    "#be185d", "#15803d", "#0369a1", "#7c2d12", "#4d7c0f",
)
NO_ROLES_COLOUR = "#94a3b8"


@dataclass(frozen=True)
class ChartUnit:
    """An org unit as the chart needs it: its place in the unit tree and the colour of its roles."""

    pk: int
    name: str
    parent_id: int | None
    depth: int
    colour: str


@dataclass(frozen=True)
class Holder:
    """A person holding a role on the chart's day."""

    name: str
    is_deputy: bool
    person_id: int = 0


@dataclass
class ChartRole:
    """A box of the chart: a role, its holders on the day and the roles reporting to it.

    ``in_focus`` is False for roles outside the chosen unit, drawn only to show whom the unit reports to.
    """

    pk: int
    title: str
    unit: ChartUnit
    reports_to_id: int | None
    holders: list[Holder] = field(default_factory=list)
    in_focus: bool = True
    reports: list[ChartRole] = field(default_factory=list)

    @property
    def vacant(self) -> bool:
        return not self.holders


@dataclass(frozen=True)
class UnitSummary:
    """How many roles a unit has on the chart, and how many of them nobody holds."""

    unit: ChartUnit
    roles: int
    vacant: int


@dataclass
class OrgChart:
    """The reporting forest of roles with their holders on ``on``, narrowed to ``unit`` when one is chosen."""

    on: dt.date
    units: list[ChartUnit]
    roots: list[ChartRole]
    unit: ChartUnit | None = None
    total_roles: int = 0
    summaries: list[UnitSummary] = field(default_factory=list)

    def roles(self) -> list[ChartRole]:
        """Every role drawn, managers before their reports."""
        found, stack = [], list(reversed(self.roots))
        while stack:
            role = stack.pop()
            found.append(role)
            stack.extend(reversed(role.reports))
        return found

    @property
    def focus_count(self) -> int:
        return sum(1 for role in self.roles() if role.in_focus)

    @property
    def vacant_count(self) -> int:
        return sum(1 for role in self.roles() if role.in_focus and role.vacant)


def orgchart_units() -> list[ChartUnit]:
    """Every org unit in tree order (parents before their sub-units, by name), each unit with roles in a colour
    of its own: one query."""
    has_roles = Exists(Role.objects.filter(org_unit=OuterRef("pk")))
    rows = list(OrgUnit.objects.order_by("name").values_list("pk", "name", "parent_id", has_roles))
    known = {row[0] for row in rows}
    children: dict[int | None, list[tuple]] = {}
    for row in rows:
        children.setdefault(row[2] if row[2] in known else None, []).append(row)
    ordered: list[tuple[tuple, int]] = []
    seen: set[int] = set()
    stack = [(row, 0) for row in reversed(children.get(None, []))]
    while stack:
        row, depth = stack.pop()
        if row[0] not in seen:
            seen.add(row[0])
            ordered.append((row, depth))
            stack.extend((child, depth + 1) for child in reversed(children.get(row[0], [])))
    # Units caught in a parent loop (the model refuses them, the database does not) are still listed.
    ordered += [(row, 0) for row in rows if row[0] not in seen]
    units, coloured = [], 0
    for (pk, name, parent_id, with_roles), depth in ordered:
        colour = UNIT_COLOURS[coloured % len(UNIT_COLOURS)] if with_roles else NO_ROLES_COLOUR
        coloured += bool(with_roles)
        units.append(ChartUnit(pk, name, parent_id, depth, colour))
    return units


def orgchart_load(*, on: dt.date, units: list[ChartUnit] | None = None, unit_id: int | None = None) -> OrgChart:
    """The org chart with the holders on ``on``; with ``unit_id``, only that unit's roles (and its sub-units')
    with the roles above them that they report to. Two queries, three without ``units``."""
    units = units if units is not None else orgchart_units()
    unit_by_pk = {unit.pk: unit for unit in units}
    order = {unit.pk: index for index, unit in enumerate(units)}
    rows = Role.objects.values_list("pk", "title", "org_unit_id", "org_unit__name", "reports_to_id")
    roles = {
        # A unit added since the units were read (a moment ago) gets a plain colour rather than an error.
        pk: ChartRole(pk, title, unit_by_pk.get(unit_pk) or ChartUnit(unit_pk, unit_name, None, 0, NO_ROLES_COLOUR),
                      reports_to_id)
        for pk, title, unit_pk, unit_name, reports_to_id in rows
    }
    _attach_holders(roles, on)
    roots = _build_forest(roles, key=lambda role: (order.get(role.unit.pk, 0), role.title.casefold(), role.pk))
    chosen = unit_by_pk.get(unit_id) if unit_id is not None else None
    if chosen is not None:
        inside = ids_below([chosen.pk], ((unit.pk, unit.parent_id) for unit in units))
        for role in roles.values():
            role.in_focus = role.unit.pk in inside
        roots = _prune(roots)
    return OrgChart(
        on=on, units=units, roots=roots, unit=chosen, total_roles=len(roles),
        summaries=_summaries(roles.values(), units),
    )


def _attach_holders(roles: dict[int, ChartRole], day: dt.date) -> None:
    # A person holding the role twice (as holder and as deputy) is listed once, as holder.
    deputy_only: dict[tuple[int, int], tuple[str, bool]] = {}  # (role, person): (name, only as deputy)
    rows = RoleAssignment.objects.filter(held_on(day)).values_list(
        "role_id", "person_id", "person__full_name", "person__username", "is_deputy"
    )
    for role_id, person_id, full_name, username, is_deputy in rows:
        name, was_deputy = deputy_only.get((role_id, person_id), (full_name or username, True))
        deputy_only[(role_id, person_id)] = (name, was_deputy and is_deputy)
    for (role_id, person_id), (name, is_deputy) in deputy_only.items():
        if role_id in roles:
            roles[role_id].holders.append(Holder(name, is_deputy, person_id))
    for role in roles.values():
        role.holders.sort(key=lambda holder: (holder.is_deputy, holder.name.casefold()))


def _build_forest(roles: dict[int, ChartRole], *, key) -> list[ChartRole]:
    """Link each role under its manager; roles reporting to nobody are the roots. A reporting loop cannot be
    saved through the forms, but if the database holds one, its first role becomes a root so the loop shows."""
    below: dict[int, list[ChartRole]] = {}
    roots: list[ChartRole] = []
    for role in roles.values():
        if role.reports_to_id in roles and role.reports_to_id != role.pk:
            below.setdefault(role.reports_to_id, []).append(role)
        else:
            roots.append(role)
    placed: set[int] = set()

    def place(start: ChartRole) -> None:
        stack = [start]
        placed.add(start.pk)
        while stack:
            role = stack.pop()
            for report in sorted(below.get(role.pk, []), key=key):
                if report.pk not in placed:
                    placed.add(report.pk)
                    role.reports.append(report)
                    stack.append(report)

    for root in sorted(roots, key=key):
        place(root)
    for role in sorted(roles.values(), key=lambda role: role.pk):
        if role.pk not in placed:
            roots.append(role)
            place(role)
    return sorted(roots, key=key)


def _prune(roles: list[ChartRole]) -> list[ChartRole]:
    """Keep the roles in focus and the managers above them; drop the rest."""
    kept = []
    for role in roles:
        role.reports = _prune(role.reports)
        if role.in_focus or role.reports:
            kept.append(role)
    return kept


def _summaries(roles: Iterable[ChartRole], units: list[ChartUnit]) -> list[UnitSummary]:
    counts: dict[int, list[int]] = {}
    for role in roles:
        count = counts.setdefault(role.unit.pk, [0, 0])
        count[0] += 1
        count[1] += role.vacant
    return [UnitSummary(unit, *counts[unit.pk]) for unit in units if unit.pk in counts]


# --- Measuring text ---------------------------------------------------------------------------------------
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


def _text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The width of ``text`` at ``size`` pixels, measured with DejaVu Sans (see above)."""
    table = _BOLD if bold else _REGULAR
    return sum(_char_width(char, table) for char in text) * size / 1000


def _clean(text: str) -> str:
    return " ".join(_NOT_XML.sub(" ", text).split())


def _fit(text: str, size: float, width: float, *, bold: bool = False) -> str:
    """``text``, cut and ended with an ellipsis if it is wider than ``width``."""
    if _text_width(text, size, bold=bold) <= width:
        return text
    while text and _text_width(text + ELLIPSIS, size, bold=bold) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS


def _wrap(text: str, size: float, width: float, *, bold: bool = False, max_lines: int = 2) -> list[str]:
    """``text`` broken into at most ``max_lines`` lines at spaces; the last line is cut if it still overflows."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if not current or _text_width(candidate, size, bold=bold) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return [_fit(line, size, width, bold=bold) for line in lines]


# --- Laying out ------------------------------------------------------------------------------------------

PAGE_WIDTH = 1080  # px: fits the portal's content column (1098 px inside the card) on a 1366 px wide screen
# The PDF: drawing units scaled to the width of an A4 portrait page (180 mm, about 0.79), three boxes a row;
# bands in drawing units that fill such a page, the first leaving room for a heading above it.
PDF_WIDTH = 860
PDF_BAND_HEIGHT, PDF_FIRST_BAND_HEIGHT = 1200, 1000
CONTINUED = 24  # room above a band after the first, for the managers whose teams carry on into it
MARGIN = 12
BOX_WIDTH = 232
COLUMN_GAP = 14
INDENT = 34  # how far a team sits to the right of its manager
TRUNK_OFFSET = 18  # where the trunk leaves the manager's box, from its left edge
BUS_GAP = 11  # from the line a row hangs from down to the boxes' tops
ROW_GAP = 8
SECTION_GAP = 26
PADDING = 10
STRIP = 6  # the unit's colour on the left of each box
TEXT_X = STRIP + 9
TEXT_WIDTH = BOX_WIDTH - TEXT_X - PADDING
TITLE_SIZE, UNIT_SIZE, HOLDER_SIZE, BADGE_SIZE = 13.0, 11.0, 12.0, 9.5
TITLE_LEAD, UNIT_LEAD, HOLDER_LEAD = 17, 15, 17
MAX_HOLDER_LINES = 3
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'DejaVu Sans', sans-serif"

INK, MUTED, FAINT = "#13263d", "#5b6b7c", "#94a3b8"
LINE = "#9aa8b8"
BOX_STROKE, BOX_FILL = "#d3dbe5", "#ffffff"
VACANT_STROKE, VACANT_FILL, VACANT_TEXT = "#dc2626", "#fff5f5", "#b42318"
CONTEXT_STROKE, CONTEXT_FILL, CONTEXT_STRIP = "#d7dde5", "#f3f5f8", "#c5ced9"
DEPUTY_FILL, DEPUTY_TEXT = "#fff1c2", "#7a4d00"
YOURS_FILL, YOURS_STROKE = "#eef4ff", "#1f6feb"
DEPUTY_LABEL = "deputy"


@dataclass
class _Box:
    """A role's box, measured (``lines``) and then placed (``x``, ``y``, ``height``)."""

    role: ChartRole
    title: list[str]
    unit: str | None  # only where the unit changes from the manager's: the colour strip says the rest
    holders: list[tuple[str, Holder]]  # the name as it fits, and the holder
    more: int
    height: float
    x: float = 0
    y: float = 0


@dataclass
class _Layout:
    width: float
    height: float = 0
    boxes: list[_Box] = field(default_factory=list)
    lines: list[tuple[float, float, float, float]] = field(default_factory=list)
    labels: list[tuple[float, float, str]] = field(default_factory=list)
    cuts: list[float] = field(default_factory=list)  # where a PDF band may start: above a row of boxes
    teams: list[tuple[_Box, float]] = field(default_factory=list)  # a manager's box and the bottom of its team


def _measure(role: ChartRole, manager: ChartRole | None) -> _Box:
    title = _wrap(_clean(role.title), TITLE_SIZE, TEXT_WIDTH, bold=True)
    unit = None
    if manager is None or manager.unit.pk != role.unit.pk:
        unit = _fit(_clean(role.unit.name), UNIT_SIZE, TEXT_WIDTH)
    shown = role.holders[:MAX_HOLDER_LINES] if len(role.holders) <= MAX_HOLDER_LINES else role.holders[:2]
    badge = _text_width(DEPUTY_LABEL, BADGE_SIZE, bold=True) + 12
    holders = [(_fit(_clean(h.name), HOLDER_SIZE, TEXT_WIDTH - (badge if h.is_deputy else 0), bold=True), h)
               for h in shown]
    more = len(role.holders) - len(shown)
    holder_lines = max(1, len(holders) + (1 if more else 0))  # a vacant role says so on one line
    height = PADDING + TITLE_LEAD * len(title) + (UNIT_LEAD if unit else 0) + 8 + HOLDER_LEAD * holder_lines + PADDING
    return _Box(role, title, unit, holders, more, height)


def _layout(roots: list[ChartRole], *, width: float) -> _Layout:
    layout = _Layout(width=width)
    branches = [role for role in roots if role.reports]
    loose = [role for role in roots if not role.reports]
    y = MARGIN
    for index, root in enumerate(branches):
        if index:
            y += SECTION_GAP
        layout.cuts.append(y - (SECTION_GAP / 2 if index else 0))
        box = _place_row(layout, [root], None, x=MARGIN, top=y)
        y = _place_reports(layout, box, x=MARGIN + INDENT, y=box.y + box.height, trunk_x=MARGIN + TRUNK_OFFSET)
    if loose:
        if branches:
            y += SECTION_GAP
            layout.cuts.append(y - SECTION_GAP / 2)
            layout.labels.append((MARGIN, y + 10, "Roles outside any reporting line"))
            y += 20
        for row in _rows(loose, x=MARGIN, width=width):
            layout.cuts.append(y)
            box = _place_row(layout, row, None, x=MARGIN, top=y)
            y = box.y + box.height + ROW_GAP
        y -= ROW_GAP
    layout.height = y + MARGIN
    layout.width = max(width, max((box.x + BOX_WIDTH for box in layout.boxes), default=0) + MARGIN)
    return layout


def _rows(roles: list[ChartRole], *, x: float, width: float) -> list[list[ChartRole]]:
    columns = max(1, int((width - MARGIN - x + COLUMN_GAP) // (BOX_WIDTH + COLUMN_GAP)))
    return [roles[start : start + columns] for start in range(0, len(roles), columns)]


def _place_row(
    layout: _Layout, roles: list[ChartRole], manager: ChartRole | None, *, x: float, top: float
) -> _Box:
    """Place one row of boxes, all as tall as the tallest; returns the first box."""
    boxes = [_measure(role, manager) for role in roles]
    height = max(box.height for box in boxes)
    for column, box in enumerate(boxes):
        box.x, box.y, box.height = x + column * (BOX_WIDTH + COLUMN_GAP), top, height
        layout.boxes.append(box)
    return boxes[0]


def _place_reports(layout: _Layout, manager_box: _Box, *, x: float, y: float, trunk_x: float) -> float:
    """Hang a manager's reports from a trunk at ``trunk_x`` that starts at ``y`` (the manager's bottom edge): first
    those who manage nobody, packed in rows, then the managers, each followed by its own team. Returns the bottom."""
    manager = manager_box.role
    trunk_top, last_bus = y, y
    rows = _rows([r for r in manager.reports if not r.reports], x=x, width=layout.width)
    rows += [[r] for r in manager.reports if r.reports]
    for row in rows:
        layout.cuts.append(y)
        bus = y + BUS_GAP
        first = _place_row(layout, row, manager, x=x, top=bus + BUS_GAP)
        centres = [first.x + column * (BOX_WIDTH + COLUMN_GAP) + BOX_WIDTH / 2 for column in range(len(row))]
        layout.lines.append((trunk_x, bus, centres[-1], bus))
        layout.lines.extend((centre, bus, centre, first.y) for centre in centres)
        last_bus = bus
        y = first.y + first.height
        if row[0].reports:
            y = _place_reports(layout, first, x=x + INDENT, y=y, trunk_x=x + TRUNK_OFFSET)
        y += ROW_GAP
    layout.lines.append((trunk_x, trunk_top, trunk_x, last_bus))
    layout.teams.append((manager_box, y - ROW_GAP))
    return y - ROW_GAP


# --- Drawing ---------------------------------------------------------------------------------------------


def _attrs(**values: object) -> str:
    return " ".join(f'{name.rstrip("_").replace("_", "-")}="{escape(value)}"' for name, value in values.items())


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, text: str, *, size: float, fill: str, bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" fill="{fill}"{weight}>{escape(text)}</text>'


def _deputy_badge(x: float, baseline: float) -> str:
    width = _text_width(DEPUTY_LABEL, BADGE_SIZE, bold=True) + 8
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


def _tooltip(role: ChartRole, on: dt.date) -> str:
    if role.holders:
        held = ", ".join(f"{h.name} (deputy)" if h.is_deputy else h.name for h in role.holders)
        who = f"Held by {held}"
    else:
        who = f"Vacant: nobody holds this role on {date_format(on, 'j F Y')}"
    context = "" if role.in_focus else "\nShown for its reporting line: a role of another unit"
    return _clean(f"{role.title} · {role.unit.name}") + "\n" + _clean(who) + context


def _draw_box(box: _Box, *, on: dt.date, href: str | None, viewer_id: int | None) -> str:
    role = box.role
    x, y, h = box.x, box.y, box.height
    mine = viewer_id is not None and any(holder.person_id == viewer_id for holder in role.holders)
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
        note_x = tx + _text_width("Vacant", HOLDER_SIZE, bold=True) + 6
        parts.append(_text(note_x, baseline, "no holder", size=HOLDER_SIZE - 1, fill=ink))
    for name, holder in box.holders:
        you = holder.person_id == viewer_id
        parts.append(_text(tx, baseline, name, size=HOLDER_SIZE, fill=YOURS_STROKE if you else holder_ink, bold=you))
        if holder.is_deputy:
            parts.append(_deputy_badge(tx + _text_width(name, HOLDER_SIZE, bold=you) + 6, baseline))
        baseline += HOLDER_LEAD
    if box.more:
        parts.append(_text(tx, baseline, f"and {box.more} more", size=HOLDER_SIZE - 1, fill=MUTED))
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


def _bands(layout: _Layout) -> list[tuple[float, float]]:
    """Cut the drawing into page-high bands, between rows of boxes."""
    bands, start, previous = [], 0.0, 0.0
    for cut in [*sorted(set(layout.cuts)), layout.height]:
        height = PDF_FIRST_BAND_HEIGHT if not bands else PDF_BAND_HEIGHT - CONTINUED
        if cut - start > height and previous > start:
            bands.append((start, previous))
            start = previous
        previous = cut
    bands.append((start, layout.height))
    return bands


def _continued(layout: _Layout, top: float) -> str:
    """The chain of managers whose teams run on from the band before into the one starting at ``top``."""
    chain = sorted((box for box, bottom in layout.teams if box.y + box.height <= top < bottom), key=lambda b: b.x)
    if not chain:
        return ""
    names = [_clean(box.role.title) for box in chain]
    text = "Continued: " + " › ".join(names)
    while len(names) > 1 and _text_width(text, 11) > layout.width - 2 * MARGIN:
        names = names[1:]
        text = "Continued: … › " + " › ".join(names)
    return _text(MARGIN, top - 8, _fit(text, 11, layout.width - 2 * MARGIN), size=11, fill=MUTED)


def _draw(
    layout: _Layout, chart: OrgChart, *, top: float, bottom: float, links: bool, label: str, viewer_id: int | None
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
    boxes = "".join(
        _draw_box(
            box,
            on=chart.on,
            href=reverse("role_detail", args=[box.role.pk]) + suffix if links else None,
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


def orgchart_svg(chart: OrgChart, *, for_pdf: bool = False, viewer_id: int | None = None) -> SafeString:
    """The chart as inline SVG markup, every text escaped: one ``<svg>`` whose boxes link to the role pages
    (the roles ``viewer_id`` holds stand out, each box is ``#orgchart-role-<pk>``), or ``for_pdf``, a
    ``<div class="orgchart-band">`` per page-high band of the same drawing, without links."""
    if not chart.roots:
        return mark_safe("")  # noqa: S308 - nothing to escape in an empty string
    layout = _layout(chart.roots, width=PDF_WIDTH if for_pdf else PAGE_WIDTH)
    day = date_format(chart.on, "j F Y")
    label = f"Org chart: {chart.focus_count} roles and their holders on {day}"
    if not for_pdf:
        markup = _draw(layout, chart, top=0, bottom=layout.height, links=True, label=label, viewer_id=viewer_id)
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
        width = _text_width(DEPUTY_LABEL, BADGE_SIZE, bold=True) + 8
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
