"""Dates read one way: ``presentation.day`` and the ``|day`` filter write the formats of the format module."""
import datetime as dt
import zoneinfo

import pytest
from django.template import Context, Template
from django.utils import timezone

from qms_portal.presentation import day


def test_a_date_reads_with_no_leading_zero_and_a_short_or_long_month():
    assert day(dt.date(2026, 8, 8)) == "8 Aug 2026"
    assert day(dt.date(2026, 8, 8), "long") == "8 August 2026"
    assert day(dt.date(2026, 8, 8), "month") == "August 2026"
    assert day(dt.date(2026, 8, 8), "day_month") == "8 Aug"
    assert day(dt.date(2026, 8, 8), "weekday") == "Saturday 8 Aug 2026"
    assert day(None) == ""


def test_a_moment_reads_in_the_current_time_zone():
    moment = dt.datetime(2026, 8, 8, 23, 30, 5, tzinfo=dt.UTC)
    with timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")):
        assert day(moment, "datetime") == "9 Aug 2026, 08:30"
        assert day(moment, "at") == "9 August 2026 at 08:30"
        assert day(moment, "long_signed") == "9 August 2026, 08:30 JST"
        assert day(moment, "seconds") == "08:30:05"
        assert Template('{% load portal %}{{ when|day:"signed" }}').render(Context({"when": moment})) == (
            "9 Aug 2026, 08:30 JST"
        )


def test_the_filter_writes_nothing_for_no_value_and_refuses_an_unknown_style():
    assert Template("{% load portal %}{{ nothing|day|default:'—' }}").render(Context({})) == "—"
    with pytest.raises(ValueError, match="Unknown date style"):
        day(dt.date(2026, 8, 8), "fancy")
