"""The calendar file of a management review."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.leadership.review_pages import (
    plan,
    url,
)

pytestmark = pytest.mark.django_db


# --- The calendar file --------------------------------------------------------------------------------------------
def test_the_calendar_file_downloads_with_its_headers_and_the_review_in_it(portal_users, client_for):
    review = plan(portal_users, title="Management review; H2", planned_on=dt.date(2026, 12, 10))

    response = client_for(portal_users.auditor).get(url("review_ics", review))
    text = response.content.decode()

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="management-review-2026-12-10.ics"'
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert f"UID:management-review-{review.uid}@qms-portal\r\n" in text
    assert "DTSTART;VALUE=DATE:20261210\r\n" in text and "SUMMARY:Management review\\; H2\r\n" in text
    assert "mailto:tm@example.com" in text
