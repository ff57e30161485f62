"""The bench's figures and its table (``make bench``, scripts/bench.py): one record per figure (``name``, ``value``,
``unit``, ``floor``, ``ratio``; ``target`` and ``met`` where the issue sets a target; ``note``) and the text table
printed and written beside them."""
from __future__ import annotations

from typing import Any

from load_client import Load

Figure = dict[str, Any]

PAGE_TARGET_RATIO = 5.0  # every page within 5x the floor page at the large scale
LOAD_TARGET_RATIO = 0.3  # the dashboard's throughput at least 30% of the floor page's


def make_figure(name: str, value: float | None, unit: str, *, floor: float | None = None, target: str | None = None,
            met: bool | None = None, note: str | None = None) -> Figure:
    ratio = round(value / floor, 2) if value is not None and floor else None
    figure: Figure = {"name": name, "value": round(value, 2) if isinstance(value, float) else value, "unit": unit,
                      "floor": round(floor, 2) if isinstance(floor, float) else floor, "ratio": ratio}
    if target is not None:
        figure.update(target=target, met=met)
    if note:
        figure["note"] = note
    return figure


def _title(titles: dict[str, str], page: str) -> str:
    """A page's title; a kept page timed cold (scripts/bench.py ``KEPT_PAGES``) is its page's, said cold."""
    return titles[page] if page in titles else f"{titles[page.removesuffix('_cold')]}, cold"


def page_figures(records: dict[str, list[dict[str, Any]]], titles: dict[str, str]) -> list[Figure]:
    """The pages' figures; ``titles``: each page's title by its key."""
    figures = []
    for scale, rows in records.items():
        for row in rows:
            key = f"floor.{row['user']}" if row["page"] == "floor" else row["page"]
            ratio = row["ms"] / row["floor_ms"] if row["floor_ms"] else None
            target, met = None, None
            if scale == "large" and row["page"] != "floor":
                target, met = f"<= {PAGE_TARGET_RATIO:g}x floor", ratio is not None and ratio <= PAGE_TARGET_RATIO
            figures.append(make_figure(f"pages.{scale}.{key}.ms", row["ms"], "ms", floor=row["floor_ms"], target=target,
                                   met=met, note=f"{_title(titles, row['page'])}, signed in as {row['user']}"))
            figures.append(make_figure(f"pages.{scale}.{key}.queries", row["queries"], "queries",
                                   floor=row["floor_queries"]))
    if {"demo", "large"} <= records.keys():
        demo = {(row["page"], row["user"]): row["queries"] for row in records["demo"]}
        for row in records["large"]:
            if (row["page"], row["user"]) in demo and row["page"] != "floor":
                growth = row["queries"] - demo[row["page"], row["user"]]
                figures.append(make_figure(f"pages.{row['page']}.queries_large_minus_demo", growth, "queries",
                                       target="0 (the same queries at both scales)", met=growth == 0))
    return figures


def load_figures(loads: dict[str, Load], users: int, scale: str) -> list[Figure]:
    figures = []
    floor = loads.get("floor")
    for key, load in loads.items():
        target, met = None, None
        if key == "dashboard" and floor:
            target = f">= {LOAD_TARGET_RATIO:g}x floor"
            met = bool(floor.rps) and load.rps / floor.rps >= LOAD_TARGET_RATIO
        note = f"{scale} scale, {users} signed-in people; answers {load.statuses}"
        figures += [
            make_figure(f"load.{key}.rps", load.rps, "requests/s", floor=floor.rps if floor else None, target=target,
                    met=met, note=note),
            make_figure(f"load.{key}.p50", load.percentile(0.5), "ms", floor=floor.percentile(0.5) if floor else None),
            make_figure(f"load.{key}.p95", load.percentile(0.95), "ms",
                        floor=floor.percentile(0.95) if floor else None),
            make_figure(f"load.{key}.errors", load.errors, "requests", target="0", met=load.errors == 0),
            make_figure(f"load.{key}.requests", load.requests, "requests"),
            make_figure(f"load.{key}.seconds", load.seconds, "s"),
        ]
    return figures


def scale_figures(built: list[dict[str, Any]]) -> list[Figure]:
    figures = []
    for scale in built:
        for key, unit in (("people", "people"), ("roles", "roles"), ("raci_letters", "letters"),
                          ("audit_entries", "entries"), ("seconds", "s")):
            name = "build_time" if key == "seconds" else key
            figures.append(make_figure(f"scale.{scale['scale']}.{name}", scale[key], unit))
    return figures


def _cell(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(figures: list[Figure], heading: str) -> str:
    by_name = {figure["name"]: figure for figure in figures}
    lines = [heading, ""]
    scales = [f["name"].split(".")[1] for f in figures if f["name"].startswith("scale.") and
              f["name"].endswith(".people")]
    if scales:
        lines.append("Data: " + "; ".join(
            f"{scale} {by_name[f'scale.{scale}.people']['value']} people, {by_name[f'scale.{scale}.roles']['value']} "
            f"roles, {by_name[f'scale.{scale}.raci_letters']['value']} RACI letters, "
            f"{by_name[f'scale.{scale}.audit_entries']['value']} audit entries "
            f"(built in {_cell(by_name[f'scale.{scale}.build_time']['value'])} s)" for scale in scales))
        lines.append("")
    page_rows = [f for f in figures if f["name"].startswith("pages.") and f["name"].endswith(".ms")]
    if page_rows:
        lines.append("Pages in-process (median server time; ratio = page / floor page of the same person, timed in "
                     f"turn with it; target at large <= {PAGE_TARGET_RATIO:g}x)")
        lines.append(f"{'page':<24} {'as':<9} {'scale':<6} {'queries':>7} {'floor q':>7} {'ms':>8} {'floor ms':>8} "
                     f"{'ratio':>6}  {'check'}")
        for figure in sorted(page_rows, key=lambda f: (f["name"].split(".")[2] != "floor", f["name"].split(".")[2],
                                                       f["name"].split(".")[1] != "demo")):
            _, scale, *key, _ = figure["name"].split(".")
            queries = by_name[figure["name"].removesuffix(".ms") + ".queries"]
            page_key = key[0]
            growth = by_name.get(f"pages.{page_key}.queries_large_minus_demo")
            checks = []
            if figure.get("met") is False:
                checks.append(f"over {PAGE_TARGET_RATIO:g}x")
            if scale == "large" and growth and growth["value"]:
                checks.append(f"queries {growth['value']:+d} vs demo")
            title, _, who = (figure.get("note") or "").partition(", signed in as ")
            lines.append(f"{title:<24} {who:<9} {scale:<6} {queries['value']:>7} {queries['floor']:>7} "
                         f"{_cell(figure['value']):>8} {_cell(figure['floor']):>8} {_cell(figure['ratio'], 2):>6}  "
                         f"{'; '.join(checks) or 'ok'}")
        lines.append("")
    load_rows = [f for f in figures if f["name"].startswith("load.") and f["name"].endswith(".rps")]
    if load_rows:
        lines.append(f"Under load: gunicorn (3 workers) on PostgreSQL, "
                     f"{load_rows[0]['note'].split(';')[0]}, one page after the other;\n  target 0 errors, "
                     f"dashboard >= {LOAD_TARGET_RATIO:g}x the floor's requests/s")
        lines.append(f"{'page':<14} {'requests':>8} {'in s':>5} {'req/s':>7} {'ratio':>6} {'p50 ms':>8} {'p95 ms':>8} "
                     f"{'errors':>6}  check")
        for figure in load_rows:
            key = figure["name"].split(".")[1]
            errors = by_name[f"load.{key}.errors"]
            checks = [] if errors["met"] else ["errors"]
            if figure.get("met") is False:
                checks.append(f"under {LOAD_TARGET_RATIO:g}x")
            lines.append(f"{key:<14} {by_name[f'load.{key}.requests']['value']:>8} "
                         f"{_cell(by_name[f'load.{key}.seconds']['value']):>5} "
                         f"{_cell(figure['value']):>7} {_cell(figure['ratio'], 2):>6} "
                         f"{_cell(by_name[f'load.{key}.p50']['value']):>8} "
                         f"{_cell(by_name[f'load.{key}.p95']['value']):>8} {errors['value']:>6}  "
                         f"{'; '.join(checks) or 'ok'}")
        lines.append("")
    background = [f for f in figures if not f["name"].startswith(("pages.", "load.", "scale."))]
    if background:
        lines.append("Background work (scripts' own figures)")
        for figure in background:
            value = figure["unit"] if figure["value"] is None else f"{_cell(figure['value'], 3)} {figure['unit']}"
            extra = f"  floor {figure['floor']}, ratio {figure['ratio']}" if figure.get("ratio") is not None else ""
            note = f"  ({figure['note']})" if figure.get("note") else ""
            lines.append(f"  {figure['name']:<58} {value}{extra}{note}")
        lines.append("")
    missed = [f for f in figures if f.get("met") is False]
    lines.append(f"Targets missed: {len(missed)}" + "".join(f"\n  {f['name']}: {f['value']} {f['unit']} (ratio "
                                                             f"{f['ratio']}; target {f['target']})" for f in missed))
    return "\n".join(lines)
