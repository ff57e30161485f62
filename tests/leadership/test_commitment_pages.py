"""The commitment pages: the catalogue grouped by clause with each status, its counts and filters, a commitment's
page with the reason for its status and its evidence, and changing its owner and interval."""
import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from leadership.models import Commitment
from qms_portal.access import PortalRole
from qms_portal.audit import AuditEntry
from tests.core.factories import UserFactory
from tests.leadership.factories import ActionFactory, EvidenceEntryFactory

pytestmark = pytest.mark.django_db


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def day(value: dt.date) -> str:
    return date_format(value, "j M Y")


def commitment(code: str) -> Commitment:
    return Commitment.objects.get(code=code)


def evidence(code: str, *, on: dt.date, leader=None) -> None:
    extra = {"leader": leader} if leader else {}
    EvidenceEntryFactory(occurred_on=on, commitments=[commitment(code)], **extra)


def row_of(page: str, code: str) -> str:
    start = page.index(f">{code}<")
    return page[start:page.index("</tr>", start)]


def own(code: str, person, every: int = 90) -> None:
    found = commitment(code)
    found.owner, found.evidence_every_days = person, every
    found.save()


# --- The list ------------------------------------------------------------------------------------
def test_the_list_groups_the_thirteen_commitments_by_clause_with_status_owner_and_dates(portal_users, client_for):
    own("5.1.1.a", portal_users.top_management)
    evidence("5.1.1.a", on=days_ago(10))
    evidence("5.1.1.b", on=days_ago(80))
    evidence("5.1.2.c", on=days_ago(91))

    page = client_for(portal_users.process_owner).get(reverse("leadership:commitment_list")).text

    assert page.index("General: leadership and commitment to the QMS") < page.index("5.1.1.j")
    assert page.index("5.1.1.j") < page.index("Customer focus") < page.index("5.1.2.a")
    assert page.count('clause-row"') == 2
    current = row_of(page, "5.1.1.a")
    assert "Current" in current and "Tessa Mann" in current and "90 days" in current
    assert day(days_ago(10)) in current and day(days_ago(10) + dt.timedelta(days=90)) in current
    assert "Due soon" in row_of(page, "5.1.1.b")
    assert "Stale" in row_of(page, "5.1.2.c")
    assert "Never evidenced" in row_of(page, "5.1.1.c") and "Nobody named" in row_of(page, "5.1.1.c")


def test_the_counts_at_the_top_add_up_to_every_commitment(portal_users, client_for):
    evidence("5.1.1.a", on=days_ago(10))
    evidence("5.1.1.b", on=days_ago(80))
    evidence("5.1.2.c", on=days_ago(91))

    page = client_for(portal_users.auditor).get(reverse("leadership:commitment_list")).text

    counts = page[page.index("commitment-counts"):page.index("</div>", page.index("commitment-counts"))]
    assert '<span class="fw-bold">13</span>' in counts
    for label, count in (("Stale", 1), ("Never evidenced", 10), ("Due soon", 1), ("Current", 1)):
        assert re.search(rf'{label}</span>\s*<span class="fw-bold">{count}</span>', counts), label


def test_the_list_filters_by_owner_by_status_and_by_nobody_named(portal_users, client_for):
    own("5.1.1.a", portal_users.top_management)
    own("5.1.1.b", portal_users.top_management)
    evidence("5.1.1.a", on=days_ago(10))
    client = client_for(portal_users.auditor)
    url = reverse("leadership:commitment_list")

    mine = client.get(url, {"owner": portal_users.top_management.pk}).text
    mine_never = client.get(url, {"owner": portal_users.top_management.pk, "status": "never"}).text
    nobody = client.get(url, {"owner": "none"}).text
    none_current = client.get(url, {"owner": "none", "status": "current"}).text

    assert ">5.1.1.a<" in mine and ">5.1.1.b<" in mine and ">5.1.1.c<" not in mine
    assert ">5.1.1.b<" in mine_never and ">5.1.1.a<" not in mine_never
    assert ">5.1.1.c<" in nobody and ">5.1.1.a<" not in nobody
    assert "No commitment matches" in none_current


def test_a_filter_value_that_cannot_be_read_shows_everything(portal_users, client_for):
    page = (
        client_for(portal_users.auditor)
        .get(reverse("leadership:commitment_list"), {"owner": "x", "status": "bogus"})
        .text
    )

    assert page.count('class="req-id">5.1.') == 13 + 2  # the 13 rows and the 2 clause headings


def test_the_list_costs_the_same_number_of_queries_for_5_and_500_evidence_entries(portal_users, client_for):
    client = client_for(portal_users.auditor)
    client.get(reverse("home"))  # the first page of a session loads what later pages find cached
    own("5.1.1.a", portal_users.top_management)
    linked = [commitment("5.1.1.a"), commitment("5.1.2.b")]
    for _ in range(5):
        EvidenceEntryFactory(leader=portal_users.top_management, commitments=linked)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("leadership:commitment_list")).status_code == 200
    for _ in range(495):
        EvidenceEntryFactory(leader=portal_users.top_management, commitments=linked)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("leadership:commitment_list")).text

    assert "Current" in row_of(page, "5.1.1.a")
    assert len(many) == len(few)


# --- A commitment's page -------------------------------------------------------------------------
def test_the_page_says_why_a_current_commitment_is_current_and_when_it_is_due(portal_users, client_for):
    own("5.1.1.f", portal_users.top_management, every=90)
    evidence("5.1.1.f", on=days_ago(10), leader=portal_users.top_management)

    page = client_for(portal_users.auditor).get(reverse("leadership:commitment_detail", args=["5.1.1.f"])).text

    due = days_ago(10) + dt.timedelta(days=90)
    assert f"Last evidenced {day(days_ago(10))}; due again by {day(due)}." in page
    assert "Tessa Mann" in page and "90 days" in page
    assert "Explain why effective quality management and conforming to the QMS matter" in page


def test_the_page_says_how_long_ago_a_stale_commitment_was_due(portal_users, client_for):
    evidence("5.1.2.c", on=days_ago(95))

    page = client_for(portal_users.auditor).get(reverse("leadership:commitment_detail", args=["5.1.2.c"])).text

    assert f"new evidence was due by {day(days_ago(5))}, 5 days ago." in page
    assert "Stale" in page


def test_a_commitment_never_evidenced_says_so_and_offers_the_first_evidence(portal_users, client_for):
    page = client_for(portal_users.top_management).get(reverse("leadership:commitment_detail", args=["5.1.1.j"])).text

    assert "No evidence has been recorded for it yet." in page
    assert "No evidence yet" in page and "Record the first evidence" in page
    assert f'{reverse("leadership:evidence_create")}?commitment=5.1.1.j' in page


def test_only_those_who_may_record_or_change_see_the_buttons(portal_users, client_for):
    url = reverse("leadership:commitment_detail", args=["5.1.1.a"])

    as_qm = client_for(portal_users.quality_manager).get(url).text
    as_auditor = client_for(portal_users.auditor).get(url).text
    as_owner = client_for(portal_users.process_owner).get(url).text

    assert f'{reverse("leadership:evidence_create")}?commitment=5.1.1.a' in as_qm
    assert reverse("leadership:commitment_edit", args=["5.1.1.a"]) in as_qm
    for page in (as_auditor, as_owner):
        assert reverse("leadership:evidence_create") not in page
        assert reverse("leadership:commitment_edit", args=["5.1.1.a"]) not in page


def test_the_evidence_history_lists_the_entries_newest_first_and_is_paginated(portal_users, client_for):
    for number in range(27):
        EvidenceEntryFactory(
            occurred_on=days_ago(number), summary=f"Entry {number:02d}.", commitments=[commitment("5.1.1.i")],
            leader=portal_users.top_management,
        )
    EvidenceEntryFactory(summary="Someone else's.", commitments=[commitment("5.1.1.a")])
    client = client_for(portal_users.auditor)

    first = client.get(reverse("leadership:commitment_detail", args=["5.1.1.i"])).text
    second = client.get(reverse("leadership:commitment_detail", args=["5.1.1.i"]), {"page": 2}).text

    assert "1–25 of 27" in first
    assert first.index("Entry 00.") < first.index("Entry 01.")
    assert "Entry 26." in second and "Entry 00." not in second
    assert "Someone else's." not in first + second


def test_the_page_lists_the_actions_the_commitment_started(portal_users, client_for):
    ActionFactory(title="Write the customer-focus briefing", source_commitment=commitment("5.1.2.c"),
                  due_on=days_ago(3))

    page = client_for(portal_users.auditor).get(reverse("leadership:commitment_detail", args=["5.1.2.c"])).text

    assert "Write the customer-focus briefing" in page and f"overdue since {day(days_ago(3))}" in page
    assert reverse("leadership:action_create") not in page  # the auditor raises none


def test_a_manager_of_actions_may_raise_one_from_the_commitment(portal_users, client_for):
    page = client_for(portal_users.top_management).get(reverse("leadership:commitment_detail", args=["5.1.1.d"])).text

    assert f'{reverse("leadership:action_create")}?commitment=5.1.1.d' in page and "None yet." in page


def test_an_unknown_commitment_is_not_found(portal_users, client_for):
    response = client_for(portal_users.auditor).get(reverse("leadership:commitment_detail", args=["9.9.9"]))

    assert response.status_code == 404


# --- Changing owner and interval -----------------------------------------------------------------
def test_a_top_manager_names_the_owner_and_the_interval(portal_users, client_for):
    other = UserFactory(full_name="Olga Board", roles=[PortalRole.TOP_MANAGEMENT])
    client = client_for(portal_users.top_management)
    url = reverse("leadership:commitment_edit", args=["5.1.1.e"])

    form = client.get(url).text
    response = client.post(url, {"owner": other.pk, "evidence_every_days": 180}, follow=True)

    assert "Olga Board" in form and 'value="90"' in form
    assert response.redirect_chain[-1][0] == reverse("leadership:commitment_detail", args=["5.1.1.e"])
    assert "5.1.1.e is saved: Olga Board is accountable for it, with evidence needed every 180 days." in response.text
    saved = commitment("5.1.1.e")
    assert (saved.owner, saved.evidence_every_days) == (other, 180)
    assert AuditEntry.objects.filter(record_type="leadership.commitment", object_id=str(saved.pk)).exists()


def test_only_top_managers_are_offered_and_accepted_as_owner(portal_users, client_for):
    client = client_for(portal_users.quality_manager)
    url = reverse("leadership:commitment_edit", args=["5.1.1.e"])

    form = client.get(url).text
    refused = client.post(url, {"owner": portal_users.process_owner.pk, "evidence_every_days": 90}).text

    choices = form[form.index('name="owner"'):form.index("</select>", form.index('name="owner"'))]
    assert "Tessa Mann" in choices and "Pia Olsen" not in choices and "Quentin Moss" not in choices
    assert "Select a valid choice" in refused
    assert commitment("5.1.1.e").owner is None


@pytest.mark.parametrize("every", ["0", "-5", "ninety", ""])
def test_an_interval_that_is_not_a_positive_number_of_days_is_refused(portal_users, client_for, every):
    response = client_for(portal_users.quality_manager).post(
        reverse("leadership:commitment_edit", args=["5.1.1.e"]),
        {"owner": portal_users.top_management.pk, "evidence_every_days": every},
    )

    assert response.status_code == 200
    assert 'id="id_evidence_every_days_error"' in response.text
    assert commitment("5.1.1.e").evidence_every_days == 90
    assert commitment("5.1.1.e").owner is None
