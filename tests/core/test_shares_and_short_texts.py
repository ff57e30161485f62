"""The one rounding of every share the portal shows (``percent``) and the one way a text is shortened (``shorten``)."""
from __future__ import annotations

import pytest

from qms_portal.presentation import percent, shorten


@pytest.mark.parametrize(("part", "whole", "shown"), [
    (1, 8, 13),  # 12.5 rounds up, where Python's round() would give 12
    (3, 8, 38),  # 37.5
    (2, 3, 67),
    (1, 3, 33),
    (1, 2, 50),
    (199, 200, 99),  # not everyone, so never 100%
    (1, 300, 1),  # someone, so never 0%
    (0, 5, 0),
    (5, 5, 100),
    (0, 0, 0),  # nobody asked
])
def test_a_share_is_whole_per_cent_rounded_half_up_with_0_and_100_kept_for_none_and_all(part, whole, shown):
    assert percent(part, whole) == shown


@pytest.mark.parametrize(("text", "limit", "shown"), [
    ("Brings the policy into line with the 2026 to 2028 strategy: names our growth markets, commits", 90,
     "Brings the policy into line with the 2026 to 2028 strategy: names our growth markets…"),
    ("one two three", 8, "one two…"),
    ("one two three", 7, "one…"),
    ("Short enough", 12, "Short enough"),
    ("Supercalifragilistic", 8, "Superca…"),  # one long word is cut where it must be
])
def test_a_shortened_text_is_cut_between_words_never_inside_one(text, limit, shown):
    assert shorten(text, limit) == shown
    assert len(shorten(text, limit)) <= limit
