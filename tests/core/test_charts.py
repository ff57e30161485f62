"""The core's SVG trend chart: well-formed standalone SVG, escaped text, the target line, 0, 1 and many points."""
import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from qms_portal.charts import format_number, sparkline_svg, trend_chart_svg, value_ticks

SVG = "{http://www.w3.org/2000/svg}"
POINTS = [(dt.date(2026, month, 1), Decimal(value)) for month, value in enumerate(["88", "90.5", "93", "96.25"], 1)]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - markup the portal drew itself, in a test


def texts(root: ET.Element) -> list[str]:
    return [element.text for element in root.iter(f"{SVG}text")]


def draw(points, **overrides) -> str:
    options = {"target": Decimal("95"), "direction": "at_least", "unit": "%"} | overrides
    return trend_chart_svg(points, **options)


def test_many_points_give_a_line_a_dot_each_the_target_and_labelled_axes():
    root = parse(draw(POINTS, width=640, height=260))

    assert root.tag == f"{SVG}svg" and (root.get("width"), root.get("viewBox")) == ("640", "0 0 640 260")
    assert len(root.findall(f"{SVG}circle")) == 4
    assert len(root.findall(f"{SVG}polyline")[0].get("points").split()) == 4
    labels = texts(root)
    assert "Target ≥ 95 %" in labels
    assert "1 Jan 2026" in labels and "1 Apr 2026" in labels
    assert {"87.5", "90", "92.5", "95", "97.5"} <= set(labels)  # value labels at round steps
    dots = [(c.get("fill"), c.find(f"{SVG}title").text) for c in root.findall(f"{SVG}circle")]
    assert dots[0] == ("#dc3545", "1 Jan 2026: 88 %") and dots[-1] == ("#198754", "1 Apr 2026: 96.25 %")


def test_points_out_of_order_are_drawn_by_date():
    root = parse(draw(list(reversed(POINTS))))
    xs = [float(c.get("cx")) for c in root.findall(f"{SVG}circle")]
    assert xs == sorted(xs)


def test_no_points_draws_the_axes_and_target_and_says_so():
    root = parse(draw([]))

    assert "No measurements yet" in texts(root)
    assert "Target ≥ 95 %" in texts(root)
    assert not root.findall(f"{SVG}circle") and not root.findall(f"{SVG}polyline")


def test_one_point_sits_in_the_middle_without_a_line():
    root = parse(draw([POINTS[0]], width=600))

    (dot,) = root.findall(f"{SVG}circle")
    assert not root.findall(f"{SVG}polyline")
    assert float(dot.get("cx")) == pytest.approx((64 + 580) / 2)
    assert "1 Jan 2026" in texts(root)


def test_at_most_colours_values_at_or_below_the_target_as_met():
    root = parse(draw([(dt.date(2026, 1, 1), Decimal("3")), (dt.date(2026, 2, 1), Decimal("2"))],
                      target=Decimal("2"), direction="at_most", unit="complaints"))

    assert [c.get("fill") for c in root.findall(f"{SVG}circle")] == ["#dc3545", "#198754"]
    assert "Target ≤ 2 complaints" in texts(root)


def test_every_text_is_escaped():
    nasty = '<script>alert("x")</script> & </svg>'
    svg = draw(POINTS, unit=nasty, title=nasty)

    root = parse(svg)
    assert "<script" not in svg and not list(root.iter(f"{SVG}script")) and not list(root.iter("script"))
    assert root.get("aria-label").startswith(nasty)
    assert root.find(f"{SVG}title").text.startswith(nasty)
    assert f"Target ≥ 95 {nasty}" in texts(root)


def test_the_svg_is_self_contained():
    svg = draw(POINTS)
    assert "<style" not in svg and "@import" not in svg and "href" not in svg and "<script" not in svg
    assert svg.count("http") == 1  # the SVG namespace only


def test_a_flat_series_equal_to_the_target_still_has_a_value_range():
    root = parse(draw([(dt.date(2026, 1, 1), Decimal("95")), (dt.date(2026, 2, 1), Decimal("95"))]))
    ys = {float(c.get("cy")) for c in root.findall(f"{SVG}circle")}
    assert len(ys) == 1 and 28 < ys.pop() < 220


@pytest.mark.parametrize(
    ("values", "ticks"),
    [
        (["0", "10"], ["0", "2.5", "5", "7.5", "10"]),
        (["0.02", "0.031"], ["0.02", "0.025", "0.03", "0.035"]),
        (["0", "0"], ["-1", "-0.5", "0", "0.5", "1"]),
        (["-3", "4"], ["-4", "-2", "0", "2", "4"]),
    ],
)
def test_value_ticks_are_round_and_cover_every_value(values, ticks):
    assert [format_number(t) for t in value_ticks([Decimal(v) for v in values])] == ticks


def test_a_bad_direction_is_refused():
    with pytest.raises(ValueError, match="direction"):
        draw(POINTS, direction="up")


# --- The sparkline ---------------------------------------------------------------------------------------------
def test_a_sparkline_is_a_small_self_contained_line_with_the_target_and_the_latest_value_coloured():
    svg = sparkline_svg(POINTS, target=Decimal("95"), direction="at_least", unit="%")
    root = parse(svg)

    assert (root.get("width"), root.get("height")) == ("120", "32")
    assert len(root.find(f"{SVG}polyline").get("points").split()) == 4
    assert root.find(f"{SVG}circle").get("fill") == "#198754"  # 96.25 meets at least 95
    assert "latest 96.25 %, target ≥ 95 %" in root.find(f"{SVG}title").text
    assert "<script" not in svg and "href" not in svg and svg.count("http") == 1


def test_a_sparkline_of_one_value_is_a_dot_and_of_none_is_nothing():
    one = parse(sparkline_svg(POINTS[:1], target=Decimal("95"), direction="at_most"))

    assert one.find(f"{SVG}polyline") is None and one.find(f"{SVG}circle").get("fill") == "#198754"
    assert sparkline_svg([], target=Decimal("95"), direction="at_least") == ""
