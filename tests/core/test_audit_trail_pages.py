"""The audit trail page when the trail is long (issue 15): pages by entry number (Newest, Newer, Older) that keep the
filters and never count the trail, the same queries for a short and a long trail, the CSV export streaming with the
filters, and the verification walking the trail in chunks."""
import csv
import datetime as dt
import io
import re
from html import unescape

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qms_portal.audit import GENESIS_HASH, AuditEntry, audit_context, audit_verify
from qms_portal.pagination import PAGE_SIZE
from tests.core.factories import OrgUnitFactory, UserFactory

pytestmark = pytest.mark.django_db

KIND = "roles.duty"  # a kind of record nothing else in these tests writes: the pages list only the entries made here
ONLY = {"record_type": KIND}
MARCH = dt.datetime(2025, 3, 10, 12, tzinfo=dt.UTC)
APRIL = dt.datetime(2025, 4, 10, 12, tzinfo=dt.UTC)


def add_entries(count: int, *, when: dt.datetime = MARCH, record_type: str = KIND, actor=None,
                label: str = "import", name: str = "Unit") -> list[AuditEntry]:
    """``count`` entries appended to the chain as recording hashes them, written in one go: a long trail in a test's
    time (the rows are no business records, only entries to list)."""
    prev = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH
    entries = []
    start = AuditEntry.objects.count()
    for n in range(count):
        entry = AuditEntry(
            created_at=when + dt.timedelta(seconds=n), actor_id=actor.pk if actor else None,
            actor_name=actor.full_name if actor else label, actor_username=actor.username if actor else "",
            record_type=record_type, object_id=str(start + n), object_repr=f"{name} {n + 1:04d}", action="update",
            changes={"name": [f"{name} before", f"{name} {n + 1:04d}"]}, prev_hash=prev,
        )
        entry.hash = prev = entry.compute_hash()
        entries.append(entry)
    models.QuerySet(AuditEntry).bulk_create(entries)  # past the trail's refusal of bulk writes: a test fixture
    return entries


def shown(response) -> list[str]:
    return [entry.object_repr for entry in response.context["page"].object_list]


def link(response, label: str) -> str | None:
    """The query string of the page link named ``label`` (Newest, Newer, Older), None when it is not a link."""
    found = re.search(rf'<a class="page-link"[^>]*href="([^"]*)">{label}</a>', response.text)
    return unescape(found.group(1)).lstrip("?") if found else None


def follow(client, response, label: str):
    query = link(response, label)
    assert query is not None, f"no {label} link"
    return client.get(f"{reverse('audit_trail')}?{query}")


def names(first: int, last: int) -> list[str]:
    """Unit names from ``first`` down to ``last``: the page's newest-first order."""
    return [f"Unit {n:04d}" for n in range(first, last - 1, -1)]


# --- Pages by entry number --------------------------------------------------------------------------


def test_the_pages_go_older_and_newer_fifty_at_a_time_keeping_the_filter(qm_client):
    add_entries(120)
    add_entries(30, record_type="qms_portal.user", name="Person")  # newer, of another kind: filtered out

    first = qm_client.get(reverse("audit_trail"), ONLY)
    second = follow(qm_client, first, "Older")
    third = follow(qm_client, second, "Older")
    back = follow(qm_client, third, "Newer")
    newest = follow(qm_client, third, "Newest")

    assert PAGE_SIZE == 50
    assert shown(first) == names(120, 71)
    assert shown(second) == names(70, 21)
    assert shown(third) == names(20, 1)
    assert shown(back) == names(70, 21)
    assert shown(newest) == names(120, 71)
    # Every link keeps the filter; the newest page has no Newer, the oldest no Older.
    assert all(f"record_type={KIND}" in link(page, "Older") for page in (first, second))
    assert f"record_type={KIND}" in link(third, "Newer")
    assert link(first, "Newer") is None and link(first, "Newest") is None
    assert link(third, "Older") is None
    entries = second.context["page"].object_list
    assert f"Entries #{entries[0].pk}–#{entries[-1].pk}, newest first" in second.text


def test_a_closed_date_range_far_back_pages_through_its_own_entries(qm_client):
    add_entries(60, when=MARCH)
    add_entries(70, when=APRIL, name="Later")

    march = {"date_from": "2025-03-01", "date_to": "2025-03-31"}  # no other entry is this old
    first = qm_client.get(reverse("audit_trail"), march)
    older = follow(qm_client, first, "Older")

    assert shown(first) == names(60, 11)
    assert shown(older) == names(10, 1)
    assert "date_to=2025-03-31" in link(older, "Newer")
    assert link(older, "Older") is None


@pytest.mark.parametrize("cursor", [{"before": "abc"}, {"after": "1.5"}, {"before": "-3"},
                                    {"before": "99999999999999999999999"}])
def test_a_page_link_that_names_no_entry_shows_the_newest_entries_and_says_so(cursor, qm_client):
    add_entries(60)

    response = qm_client.get(reverse("audit_trail"), {**ONLY, **cursor})

    assert response.status_code == 200
    assert shown(response) == names(60, 11)
    assert "does not name an entry: showing the newest entries" in response.text


def test_a_page_link_past_the_oldest_entry_says_there_are_no_older_ones(qm_client):
    entries = add_entries(60)

    response = qm_client.get(reverse("audit_trail"), {**ONLY, "before": entries[0].pk})

    assert response.status_code == 200
    assert shown(response) == []
    assert "No older entries" in response.text
    assert shown(follow(qm_client, response, "Newer")) == names(50, 1)
    assert shown(follow(qm_client, response, "Newest")) == names(60, 11)


def test_a_page_link_past_the_newest_entry_says_there_are_no_newer_ones(qm_client):
    add_entries(60)

    response = qm_client.get(reverse("audit_trail"), {**ONLY, "after": 10**12})

    assert response.status_code == 200
    assert "No newer entries" in response.text
    assert shown(follow(qm_client, response, "Older")) == names(60, 11)


def test_a_filter_that_matches_nothing_keeps_its_empty_state(qm_client):
    add_entries(10)

    response = qm_client.get(reverse("audit_trail"), {"record_type": "policy.acknowledgement", "before": 5})

    assert "No entries match" in response.text
    assert link(response, "Older") is None and link(response, "Newer") is None


# --- Who acted ----------------------------------------------------------------------------------------


def test_a_person_is_found_by_part_of_their_name_or_their_user_name_whatever_name_they_wrote_under(qm_client):
    person = UserFactory(full_name="Rita Old-Name", username="rita")
    with audit_context(actor=person):
        OrgUnitFactory(name="Unit under the old name")
    person.full_name = "Rita Newman"
    person.save()
    with audit_context(actor=person):
        OrgUnitFactory(name="Unit under the new name")
    add_entries(5, label="Somebody else")

    by_name = qm_client.get(reverse("audit_trail"), {"actor": "newman", "record_type": "qms_portal.orgunit"})
    by_user_name = qm_client.get(reverse("audit_trail"), {"actor": "RITA", "record_type": "qms_portal.orgunit"})
    # The name an auditor reads on the old entry finds the person too.
    by_former_name = qm_client.get(reverse("audit_trail"), {"actor": "old-name", "record_type": "qms_portal.orgunit"})

    assert shown(by_name) == ["Unit under the new name", "Unit under the old name"]
    assert shown(by_user_name) == ["Unit under the new name", "Unit under the old name"]
    assert shown(by_former_name) == ["Unit under the new name", "Unit under the old name"]


def test_a_command_or_task_is_found_by_part_of_its_name(qm_client):
    add_entries(3, label="nightly reminders", name="Reminded")
    add_entries(2, label="raci import", name="Imported")

    response = qm_client.get(reverse("audit_trail"), {"actor": "Nightly"})

    assert shown(response) == ["Reminded 0003", "Reminded 0002", "Reminded 0001"]


# --- The same queries for a short and a long trail -----------------------------------------------------


def page_queries(client, params: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("audit_trail"), params)
    assert response.status_code == 200
    return len(queries)


def test_each_page_and_filter_costs_the_same_queries_for_a_short_and_a_long_trail(portal_users, qm_client):
    person = portal_users.quality_manager

    def measure(middle: int) -> list[int]:
        return [page_queries(qm_client, params) for params in (
            {},
            {"before": middle},
            {"after": middle},
            {"date_from": "2025-03-01", "date_to": "2025-03-31"},
            {"actor": person.full_name},
            {"actor": "import"},
            ONLY,
            {"date_from": "2025-03-01", "record_type": KIND, "actor": person.full_name,
             "before": middle},
        )]

    qm_client.get(reverse("audit_trail"))  # the first request of a session does more, whatever the trail
    entries = add_entries(60) + add_entries(60, actor=person)
    short = measure(entries[60].pk)
    entries += add_entries(1500) + add_entries(1500, actor=person)
    long = measure(entries[1500].pk)

    assert short == long


# --- The CSV export -----------------------------------------------------------------------------------


def test_the_csv_streams_every_entry_the_filters_keep_whatever_page_was_shown(portal_users, client_for, monkeypatch):
    monkeypatch.setattr("qms_portal.audit.history.CSV_CHUNK", 8)  # several chunks, read one after the other
    add_entries(70, when=MARCH)
    add_entries(20, when=APRIL, name="Later")
    add_entries(5, when=MARCH, record_type="qms_portal.user", name="Person")

    response = client_for(portal_users.auditor).get(reverse("audit_trail_csv"), {
        "date_from": "2025-03-01", "date_to": "2025-03-31", "record_type": KIND, "before": 10,
    })

    assert isinstance(response, StreamingHttpResponse)
    stream = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as queries:
        head = [next(stream), next(stream), next(stream)]  # the byte-order mark, the header, the first entry
    rest = list(stream)
    # The first entry's row needed one read of 8 entries, not the whole trail.
    [read] = [query["sql"] for query in queries.captured_queries if "qms_portal_auditentry" in query["sql"]]
    assert read.endswith("LIMIT 8")
    rows = list(csv.DictReader(io.StringIO(b"".join(head + rest).decode("utf-8-sig"))))
    assert [row["record"] for row in rows] == names(70, 1)


# --- Verification in chunks -----------------------------------------------------------------------------


def test_verification_in_chunks_finds_a_changed_entry_in_a_later_chunk(allow_audit_tampering):
    entries = add_entries(25)
    target = entries[17]
    assert audit_verify(chunk_size=4).checked == AuditEntry.objects.count()
    allow_audit_tampering()

    with connection.cursor() as cursor:
        cursor.execute("UPDATE qms_portal_auditentry SET reason = 'Forged' WHERE id = %s", [target.pk])

    result = audit_verify(chunk_size=4)
    assert result.bad_entry_id == target.pk
    assert "changed after it was written" in result.problem
    with pytest.raises(CommandError, match=rf"#{target.pk}\b"):
        call_command("verify_audit_trail", stdout=io.StringIO())


def test_verify_audit_trail_prints_its_progress_and_entries_per_second(monkeypatch):
    monkeypatch.setattr("qms_portal.management.commands.verify_audit_trail.PROGRESS_EVERY", 2000)
    add_entries(4500)
    out = io.StringIO()

    call_command("verify_audit_trail", stdout=out)

    total = AuditEntry.objects.count()
    lines = out.getvalue().splitlines()
    assert [line.split(" entries")[0] for line in lines if line.startswith("Verified")] == [
        f"Verified 2,000 of {total:,}", f"Verified 4,000 of {total:,}", f"Verified {total:,} of {total:,}",
    ]
    assert re.search(rf"Audit trail intact: {total} entries verified\. [\d,]+ entries per second \([\d.]+ s\)\.",
                     out.getvalue())
