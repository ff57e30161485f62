"""Laying out the org chart: an indented tree of boxes, measured and placed, with the lines between them and
the places where a PDF page may cut it."""
from __future__ import annotations

from dataclasses import dataclass, field

from roles.orgchart.load import NAMES_READ, ChartRole, Holder
from roles.orgchart.text import clean_text, fit_text, text_width, wrap_text

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
MAX_HOLDER_LINES = min(3, NAMES_READ)  # names in a box: all of them up to this, else one fewer and "and N more"
DEPUTY_LABEL = "deputy"


@dataclass
class Box:
    """A role's box, measured (``lines``) and then placed (``x``, ``y``, ``height``)."""

    role: ChartRole
    title: list[str]
    unit: str | None  # only where the unit changes from the manager's: the colour strip says the rest
    holders: list[tuple[str, Holder]]  # the name as it fits, and the holder
    more: int  # holders not named in the box
    more_deputies: int  # of them, deputies
    height: float
    x: float = 0
    y: float = 0


@dataclass
class Layout:
    """The whole drawing placed: its size, boxes, lines and labels, where a PDF page may cut it, and each
    manager's team with the bottom it reaches."""

    width: float
    height: float = 0
    boxes: list[Box] = field(default_factory=list)
    lines: list[tuple[float, float, float, float]] = field(default_factory=list)
    labels: list[tuple[float, float, str]] = field(default_factory=list)
    cuts: list[float] = field(default_factory=list)  # where a PDF band may start: above a row of boxes
    teams: list[tuple[Box, float]] = field(default_factory=list)  # a manager's box and the bottom of its team


def _measure(role: ChartRole, manager: ChartRole | None) -> Box:
    title = wrap_text(clean_text(role.title), TITLE_SIZE, TEXT_WIDTH, bold=True)
    unit = None
    if manager is None or manager.unit.pk != role.unit.pk:
        unit = fit_text(clean_text(role.unit.name), UNIT_SIZE, TEXT_WIDTH)
    shown = role.holders[:MAX_HOLDER_LINES] if role.people <= MAX_HOLDER_LINES else role.holders[: MAX_HOLDER_LINES - 1]
    badge = text_width(DEPUTY_LABEL, BADGE_SIZE, bold=True) + 12
    holders = [(fit_text(clean_text(h.name), HOLDER_SIZE, TEXT_WIDTH - (badge if h.is_deputy else 0), bold=True), h)
               for h in shown]
    more = role.people - len(shown)
    more_deputies = role.deputies - sum(h.is_deputy for h in shown)
    holder_lines = max(1, len(holders) + (1 if more else 0))  # a vacant role says so on one line
    height = PADDING + TITLE_LEAD * len(title) + (UNIT_LEAD if unit else 0) + 8 + HOLDER_LEAD * holder_lines + PADDING
    return Box(role, title, unit, holders, more, more_deputies, height)


def layout_chart(roots: list[ChartRole], *, width: float) -> Layout:
    """Place the reporting forest ``roots`` in a drawing ``width`` wide: the trees first, then the roles outside
    any reporting line, packed in rows."""
    layout = Layout(width=width)
    branches = [role for role in roots if role.reports]
    loose = [role for role in roots if not role.reports]
    y: float = MARGIN
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
    layout: Layout, roles: list[ChartRole], manager: ChartRole | None, *, x: float, top: float
) -> Box:
    """Place one row of boxes, all as tall as the tallest; returns the first box."""
    boxes = [_measure(role, manager) for role in roles]
    height = max(box.height for box in boxes)
    for column, box in enumerate(boxes):
        box.x, box.y, box.height = x + column * (BOX_WIDTH + COLUMN_GAP), top, height
        layout.boxes.append(box)
    return boxes[0]


def _place_reports(layout: Layout, manager_box: Box, *, x: float, y: float, trunk_x: float) -> float:
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
