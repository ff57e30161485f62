"""The org chart of 5.3: who reports to whom, with the people who hold each role on a day, drawn as SVG.

One drawing serves the page (inline, each box a link to its role) and the evidence pack (WeasyPrint, cut
into page-high bands). The SVG stands alone: no stylesheet, font or image, only presentation attributes,
which the portal's Content-Security-Policy (no inline styles) lets through and WeasyPrint draws the same.

The layout is an indented tree that reads top-down like a table of contents, so 150 roles need no
horizontal scrolling: a role's direct reports sit one step to the right below it, each hanging from a
line fed by a trunk from its manager's box. Reports who manage nobody are packed side by side in rows as
wide as the drawing (a manager with twelve staff takes three rows, not twelve); reports who manage others
follow, one per row, each with its own team below it.

Every text drawn is escaped in ``svg`` with ``django.utils.html.escape``; that is why ``orgchart_svg`` may
return markup marked safe.

Four modules: ``load`` (the units and the reporting forest on a day), ``text`` (measuring text), ``layout``
(boxes and lines placed) and ``svg`` (the drawing, the legend's swatches).
"""
from roles.orgchart.load import (
    NO_ROLES_COLOUR,
    UNIT_COLOURS,
    ChartRole,
    ChartUnit,
    Holder,
    OrgChart,
    UnitSummary,
    orgchart_load,
    orgchart_units,
)
from roles.orgchart.svg import orgchart_svg, orgchart_swatch, unit_dot

__all__ = [
    "NO_ROLES_COLOUR", "UNIT_COLOURS", "ChartRole", "ChartUnit", "Holder", "OrgChart", "UnitSummary",
    "orgchart_load", "orgchart_swatch", "orgchart_svg", "orgchart_units", "unit_dot",
]
