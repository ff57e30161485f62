"""The evidence pack's section 5.3, Organizational roles, responsibilities and authorities.

Parts: (1) the roles with their responsibilities, authorities and holders at the period's end, each holder's
acknowledgement as it stood then; (2) the 5.3 a-e duties with role and holder, the RACI rules the matrix breaks
and the org chart, with the whole matrix attached as ``raci-matrix.csv``; then the RACI matrix itself on landscape
pages, one part per block of role columns that fits a page across, its rows running on over as many pages as
they need with the heading row repeated. Roles are read only through ``roles.selectors``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from leadership.evidence_pack.period import PackPeriod
from leadership.evidence_pack.sections.base import ManifestRecord, PackSection, PartContent, PartPlan, manifest_record
from qms_portal.exports import csv_text
from qms_portal.presentation import day
from roles.selectors import (
    duties_status,
    orgchart_pdf_svg,
    raci_health,
    raci_matrix_size,
    raci_matrix_table,
    raci_rules,
    role_acknowledgements_before,
    roles_at,
)

TITLE = "Organizational roles, responsibilities and authorities"
CSV_NAME = "raci-matrix.csv"
# Role columns across one landscape A4 page beside the activity column (about 9 mm each, headings turned).
COLUMNS_PER_PAGE = 24
# The fixed columns of the matrix table (process code, process, activity) before the role columns.
FIXED_COLUMNS = 3
# Activities per matrix part: about 30 rows fit a landscape page, so a part stays under 20 pages.
ROWS_PER_PART = 500
# Roles described per part: 30 roles with a dozen holders each make about 20 portrait pages.
ROLES_PER_PART = 30
# A role heading longer than this is shortened on the page; its full name is listed under the block.
HEADING_CHARS = 56


def _column_blocks(roles: int) -> list[tuple[int, int]]:
    """The role columns cut into blocks of about equal width, none wider than a page: [start, end) indexes."""
    if roles == 0:
        return []
    count = math.ceil(roles / COLUMNS_PER_PAGE)
    size = math.ceil(roles / count)
    return [(start, min(start + size, roles)) for start in range(0, roles, size)]


def _row_blocks(activities: int) -> list[tuple[int, int]]:
    """The activities cut into runs of at most ``ROWS_PER_PART``, of about equal length: [start, end) indexes."""
    count = max(math.ceil(activities / ROWS_PER_PART), 1)
    size = max(math.ceil(activities / count), 1)
    return [(start, min(start + size, activities)) for start in range(0, max(activities, 1), size)]


def _role_chunks(roles: int) -> list[tuple[int, int]]:
    """The roles cut into parts of ``ROLES_PER_PART`` (one part, maybe empty, when there are few or none)."""
    return [(start, min(start + ROLES_PER_PART, roles)) for start in range(0, max(roles, 1), ROLES_PER_PART)]


def _plan(period: PackPeriod) -> list[PartPlan]:
    size = raci_matrix_size()
    # Weights in about the same unit as a matrix block's cells: a role with its holders draws like ~100 cells.
    parts = [
        PartPlan(
            label="Roles and their holders" + (f", roles {start + 1}-{end}" if size.roles > ROLES_PER_PART else ""),
            args={"part": "roles", "roles": [start, end]}, weight=max(end - start, 1) * 100,
        )
        for start, end in _role_chunks(size.roles)
    ]
    parts.append(PartPlan(label="5.3 duties, RACI rules and org chart", args={"part": "duties"},
                          weight=max(size.roles, 1) * 50))
    row_blocks = _row_blocks(size.activities)
    for start, end in _column_blocks(size.roles):
        for top, bottom in row_blocks:
            rows = f", activities {top + 1}-{bottom}" if len(row_blocks) > 1 else ""
            parts.append(PartPlan(
                label=f"RACI matrix, roles {start + 1}-{end}{rows}",
                args={"part": "matrix", "columns": [start, end], "rows": [top, bottom]},
                weight=max(bottom - top, 1) * (end - start),
            ))
    return parts


def _as_of_note(period: PackPeriod, part: str) -> str:
    """One honest line when the period ended before today: what ``part`` (roles, duties, matrix) shows as it stood
    at the period's end and what as it stands now."""
    today = timezone.now().astimezone(period.tz).date()
    if period.end >= today:
        return ""
    end, now = day(period.end, "long"), day(today, "long")
    if part == "duties":
        return (f"Duties' assignments and the org chart's roles as they stand on {now}, when this pack was made (they "
                f"are not dated in the records); holders, role titles and revisions as they stood on {end}.")
    if part == "matrix":
        return (f"The RACI matrix, its roles and letters, as it stands on {now}, when this pack was made: letters are "
                f"not dated in the records; their earlier states are in the audit trail.")
    return (
        f"Roles, their texts and revisions, holders and acknowledgements are as they stood on {end}, the period's "
        f"end; a role created since is left out. The 5.3 duties' assignments and the RACI letters are shown as they "
        f"stand on {now}, when this pack was made; their earlier states are in the audit trail."
    )


@dataclass(frozen=True)
class HolderLine:
    """A holder of a role at the period's end and where their acknowledgement of the role stood then."""

    name: str
    is_deputy: bool
    since: dt.date
    until: dt.date | None
    ack_revision: int | None  # their latest acknowledgement made by the period's end, of whichever revision
    ack_at: dt.datetime | None
    current: bool  # that acknowledgement is of the role's revision in force at the period's end


def _roles_content(period: PackPeriod, start: int, end: int) -> PartContent:
    """Roles ``start`` to ``end`` (by title) as they stood at the period's end, with their holders then; the counts
    in the first part's lead are over all roles, so every part reads them all (four queries) and draws its own."""
    roles = roles_at(period.end_at, on=period.end)
    acks = role_acknowledgements_before(period.end_at)
    records: list[ManifestRecord] = []
    shown, expected, acknowledged, held = [], 0, 0, 0
    for index, role in enumerate(roles):
        drawn = start <= index < end
        lines, seen = [], set()
        for assignment in role.holders:
            ack = acks.get((role.pk, assignment.person_id))
            name = assignment.person.full_name or assignment.person.username
            line = HolderLine(
                name, assignment.is_deputy, assignment.starts_on, assignment.ends_on,
                ack.revision if ack else None, ack.acknowledged_at if ack else None,
                bool(ack and ack.revision == role.revision),
            )
            lines.append(line)
            if drawn:
                records.append(manifest_record(assignment, f"Assignment: {name} as {role.title}"))
            if assignment.person_id not in seen:  # someone holding a role twice counts once
                seen.add(assignment.person_id)
                expected += 1
                acknowledged += line.current
                if drawn and ack is not None:  # labelled from what is at hand: the ack's role and person are not read
                    label = f"Acknowledgement: {name}, {role.title} revision {ack.revision}"
                    records.append(manifest_record(ack, label))
        held += bool(lines)
        if drawn:
            records.append(manifest_record(role, f"Role: {role.title} (revision {role.revision})"))
            shown.append((role, lines))
    return PartContent(
        template="leadership/pack/roles_holders.html",
        context={
            "title": TITLE, "roles": shown, "total": len(roles), "held": held, "expected": expected,
            "acknowledged": acknowledged, "as_of_note": _as_of_note(period, "roles"), "period": period,
            "first_part": start == 0, "start": start + 1, "end": end,
        },
        records=records,
    )


def _duties_content(period: PackPeriod) -> PartContent:
    duties = duties_status(on=period.end, at=period.end_at)
    acks = role_acknowledgements_before(period.end_at)
    rows = []
    records: list[ManifestRecord] = []
    for status in duties:
        records.append(manifest_record(status.duty, f"Duty {status.duty.code}"))
        role = status.duty.role
        holders = [
            (a.person.full_name or a.person.username, a.is_deputy,
             bool(role and (ack := acks.get((role.pk, a.person_id))) and ack.revision == role.revision))
            for a in status.holders
        ]
        rows.append((status, holders))
    health = raci_health(on=period.end)
    broken: dict[str, int] = {}
    for rule_break in health.rule_breaks:
        broken[rule_break.rule] = broken.get(rule_break.rule, 0) + 1
    rules = [(text, broken.get(key, 0)) for key, text in raci_rules().items()]
    table = raci_matrix_table()
    text = csv_text(table.header, table.rows)
    letters = sum(1 for row in table.rows for cell in row[FIXED_COLUMNS:] if cell)
    records.append(ManifestRecord(
        type="roles.racicell", id=CSV_NAME, sha256=hashlib.sha256(text.encode()).hexdigest(),
        label=f"RACI matrix: {len(table.rows)} activities x {len(table.header) - FIXED_COLUMNS} roles, "
              f"{letters} letters (the attached {CSV_NAME})",
    ))
    return PartContent(
        template="leadership/pack/roles_duties.html",
        context={
            "duties": rows, "health": health, "rules": rules, "letters": letters,
            "orgchart": orgchart_pdf_svg(on=period.end),
            "as_of_note": _as_of_note(period, "duties"), "period": period, "csv_name": CSV_NAME,
        },
        records=records,
        attachments={CSV_NAME: text},
    )


def _short(heading: str) -> str:
    return heading if len(heading) <= HEADING_CHARS else heading[: HEADING_CHARS - 1].rstrip() + "…"


def _matrix_content(period: PackPeriod, start: int, end: int, top: int, bottom: int | None) -> PartContent:
    """Role columns ``start`` to ``end`` of activities ``top`` to ``bottom`` (all when None)."""
    table = raci_matrix_table()
    roles = len(table.header) - FIXED_COLUMNS
    start, end = max(0, min(start, roles)), max(0, min(end, roles))
    top = max(0, min(top, len(table.rows)))
    bottom = len(table.rows) if bottom is None else max(top, min(bottom, len(table.rows)))
    first, last = FIXED_COLUMNS + start, FIXED_COLUMNS + end
    headings = [(start + n + 1, _short(h), h) for n, h in enumerate(table.header[first:last])]
    # Rows grouped under their process, in the table's order (processes by name, activities by position).
    processes: list[tuple[str, list[tuple[str, list[str]]]]] = []
    for row in table.rows[top:bottom]:
        if not processes or processes[-1][0] != row[1]:
            processes.append((row[1], []))
        processes[-1][1].append((row[2], row[first:last]))
    return PartContent(
        template="leadership/pack/roles_matrix.html",
        context={
            "headings": headings, "shortened": [h for h in headings if h[1] != h[2]], "processes": processes,
            "start": start + 1, "end": end, "roles": roles, "activities": len(table.rows),
            "first_block": start == 0 and top == 0, "as_of_note": _as_of_note(period, "matrix"),
            "top": top + 1, "bottom": bottom, "row_range": top > 0 or bottom < len(table.rows),
        },
    )


def _content(period: PackPeriod, args: dict[str, Any]) -> PartContent:
    part = args.get("part", "roles")
    if part == "duties":
        return _duties_content(period)
    if part == "matrix":
        start, end = args["columns"]
        top, bottom = args.get("rows", [0, None])
        return _matrix_content(period, int(start), int(end), int(top), None if bottom is None else int(bottom))
    start, end = args.get("roles", [0, ROLES_PER_PART])
    return _roles_content(period, int(start), int(end))


SECTION = PackSection(
    key="5.3", title=TITLE, scopes=frozenset({"5", "5.3"}), content=_content, plan=_plan,
    record_types=(
        "roles.role", "roles.roleassignment", "roles.roleacknowledgement", "roles.duty", "roles.racicell",
        "roles.activity", "roles.process",
    ),
)
