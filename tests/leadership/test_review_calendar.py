"""A review as an iCalendar file: RFC 5545 line endings, folding and escaping, a stable UID, a UTC DTSTAMP."""
import datetime as dt
import re

import pytest

from leadership import ics, reviews
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db

TITLE = "Management review, H1 2026; site Nord – qualité, délais et coûts: the long agenda \\ all managers"


def unfold(text: str) -> list[str]:
    """The content lines of a calendar file, continuation lines joined back (RFC 5545, 3.1)."""
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def parameters(line: str) -> tuple[str, dict[str, str], str]:
    """A content line's name, its parameters (quotes taken off) and its value."""
    name, params, value = re.fullmatch(r'([A-Z-]+)((?:;[A-Z-]+=(?:"[^"]*"|[^";:,]*))*):(.*)', line).groups()
    found = {key: raw.strip('"') for key, raw in re.findall(r';([A-Z-]+)=("[^"]*"|[^";:,]*)', params)}
    return name, found, value


def properties(text: str) -> dict[str, str]:
    found = {}
    for line in unfold(text):
        name, _, value = line.partition(":")
        found.setdefault(name, value)
    return found


@pytest.fixture
def review(portal_users):
    portal_users.top_management.full_name = "Tessa Mann, CEO"
    portal_users.top_management.save()
    no_email = UserFactory(email="")
    return reviews.review_plan(
        title=TITLE, planned_on=dt.date(2026, 3, 2), chair=portal_users.top_management,
        attendees=[portal_users.quality_manager, no_email], by=portal_users.quality_manager,
    )


def test_every_line_ends_with_crlf_and_is_at_most_75_octets(review):
    text = ics.review_ics(review, with_emails=True)

    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    physical = text.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in physical)
    assert any(line.startswith(" ") for line in physical)  # the long title was folded
    assert unfold(text)[0] == "BEGIN:VCALENDAR" and unfold(text)[-1] == "END:VCALENDAR"


def test_the_event_holds_the_review_with_commas_semicolons_and_backslashes_escaped(review):
    found = properties(ics.review_ics(review, with_emails=True))

    assert found["SUMMARY"] == TITLE.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    assert unescape(found["SUMMARY"]) == TITLE
    assert found["DTSTART;VALUE=DATE"] == "20260302"
    assert found["DTEND;VALUE=DATE"] == "20260303"
    description = unescape(found["DESCRIPTION"])
    assert description.startswith("Management review chaired by Tessa Mann, CEO.\n\nAgenda (9.3.2 inputs):\na. ")
    assert "\nc1. Customer satisfaction" in description
    assert found['ORGANIZER;CN="Tessa Mann, CEO"'] == "mailto:tm@example.com"


def test_attendees_with_an_email_are_listed_and_the_chair_marked(review):
    text = ics.review_ics(review, with_emails=True)
    lines = [parameters(line) for line in unfold(text) if line.startswith("ATTENDEE")]

    assert sorted((params["CN"], params["ROLE"], value) for _, params, value in lines) == [
        ("Quentin Moss", "REQ-PARTICIPANT", "mailto:qm@example.com"),
        ("Tessa Mann, CEO", "CHAIR", "mailto:tm@example.com"),
    ]


def test_the_uid_is_stable_and_dtstamp_is_utc(review):
    morning_at_utc_plus_2 = dt.datetime(2026, 2, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    first = properties(ics.review_ics(review, with_emails=True, now=morning_at_utc_plus_2))
    second = properties(ics.review_ics(review, with_emails=True))

    assert first["UID"] == second["UID"] == f"management-review-{review.uid}@qms-portal"
    assert first["DTSTAMP"] == "20260201T073000Z"
    assert re.fullmatch(r"\d{8}T\d{6}Z", second["DTSTAMP"])


def test_each_event_has_the_required_structure(review):
    lines = unfold(ics.review_ics(review, with_emails=True))

    assert lines[:5] == [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//QMS Leadership Portal//Management reviews//EN",
        "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
    ]
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 1


@pytest.mark.parametrize(
    ("title", "escaped"),
    [
        ("a,b;c\\d", "a\\,b\\;c\\\\d"),
        ("line one\r\nline two\nthree", "line one\\nline two\\nthree"),
        ("tab\there\x07", "tab here"),
    ],
)
def test_text_is_escaped_and_control_characters_dropped(review, title, escaped):
    review.title = title

    assert properties(ics.review_ics(review, with_emails=True))["SUMMARY"] == escaped


def test_names_are_quoted_when_needed_and_never_hold_a_double_quote(review, portal_users):
    portal_users.quality_manager.full_name = 'Ada "the auditor" Ude: QA'
    portal_users.quality_manager.save()

    line = next(line for line in unfold(ics.review_ics(review, with_emails=True)) if "qm@example.com" in line)

    assert line.startswith('ATTENDEE;CN="Ada ^\'the auditor^\' Ude: QA";')  # RFC 6868 writes " as ^'


def test_folding_never_splits_a_multibyte_character(review):
    review.title = "é" * 100
    text = ics.review_ics(review, with_emails=True)

    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    assert "SUMMARY:" + "é" * 100 in unfold(text)
