"""The demo is a history, not a snapshot (issue 10, item 8): policy versions in force one after another about a
year apart, each signed on its own day; reviews whose minutes were signed a few days after they were held; a
trail that starts about two years ago, runs in time order, verifies and says it is demo data. "Today" still
looks as it did: the current version's campaign is under way, a review lies ahead, the auditor's access ends
in 90 days."""
import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from leadership.demo.data import REVIEW_TITLE
from leadership.models import ManagementReview, ReviewStatus
from policy.models import PolicyDocument, VersionStatus
from qms_portal.audit import AuditEntry
from qms_portal.models import User
from qms_portal.presentation import day

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(demo_seeded_once, db) -> None:
    """The demo, seeded once for the module (tests/conftest.py)."""


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


def test_the_quality_policy_versions_were_in_force_one_after_another_about_a_year_apart(seeded):
    versions = list(PolicyDocument.objects.get(reference="QP-01").versions.order_by("number"))
    today = timezone.localdate()

    assert [version.status for version in versions] == [
        VersionStatus.SUPERSEDED, VersionStatus.SUPERSEDED, VersionStatus.PUBLISHED
    ]
    v1, v2, v3 = versions
    assert 700 <= (today - local_day(v1.published_at)).days <= 760  # about two years ago
    assert 340 <= (today - local_day(v2.published_at)).days <= 390  # a year ago
    assert 30 <= (today - local_day(v3.published_at)).days <= 120  # a few months ago
    # Each version's period ends the day the next begins: one version in force at a time.
    assert v1.superseded_at == v2.published_at and v2.superseded_at == v3.published_at
    for version in versions:
        signed_on = local_day(version.electronic_signature.signed_at)
        assert local_day(version.submitted_at) < signed_on < local_day(version.published_at), version
    # The policy page lists the periods as a reader sees them.
    page = signed_in("quality").get(reverse("policy:policy_detail", args=["QP-01"])).content.decode()
    assert f"{day(v1.published_at)} – {day(v2.published_at)}" in page
    assert f"{day(v2.published_at)} – {day(v3.published_at)}" in page
    assert f"{day(v3.published_at)} – now" in page


def test_the_current_versions_campaign_is_under_way_with_acknowledgements_over_the_weeks_since(seeded):
    current = PolicyDocument.objects.get(reference="QP-01").versions.get(status=VersionStatus.PUBLISHED)
    published_on = local_day(current.published_at)
    days = {local_day(ack.acknowledged_at) for ack in current.acknowledgements.all()}

    assert current.campaign.due_on > timezone.localdate()
    assert min(days) > published_on and max(days) < timezone.localdate()
    assert len(days) > 10  # spread over the weeks, not all on one day


def test_each_held_review_had_its_minutes_signed_on_their_own_day_a_few_days_after(seeded):
    # The quarterly chain (an extraordinary review held lately waits for its minutes to be signed).
    reviews = list(ManagementReview.objects.filter(title=REVIEW_TITLE).order_by("planned_on"))
    held = [review for review in reviews if review.held_on]

    assert len(held) == 3
    signed_days = []
    for review in held:
        signed_on = local_day(review.electronic_signature.signed_at)
        assert 2 <= (signed_on - review.held_on).days <= 7, review
        assert review.held_on <= local_day(review.closed_at) < signed_on, review
        signed_days.append(signed_on)
        page = signed_in("director").get(reverse("leadership:review_detail", args=[review.pk])).content.decode()
        assert f"by Helen Marsh on {day(signed_on)}" in page
    assert len(set(signed_days)) == 3
    # Held about a quarter apart, and the next one still lies ahead.
    assert all(80 <= (b.held_on - a.held_on).days <= 100 for a, b in zip(held, held[1:], strict=False))
    assert reviews[-1].status == ReviewStatus.PLANNED and reviews[-1].planned_on > timezone.localdate()


def test_the_trail_starts_about_two_years_ago_and_runs_in_time_order_of_its_entries(seeded):
    entries = list(AuditEntry.objects.order_by("id").values_list("created_at", flat=True))
    today = timezone.localdate()

    assert 700 <= (today - local_day(entries[0])).days <= 800
    assert all(earlier <= later for earlier, later in zip(entries, entries[1:], strict=False))
    assert entries[-1] <= timezone.now()
    assert len({local_day(moment) for moment in entries}) > 100  # entered over many days, not at one sitting
    # Still demo data: the seed's own entries and the demo people's say so.
    assert AuditEntry.objects.order_by("id").first().reason == "Demo data"
    assert AuditEntry.objects.filter(reason="Demo data").count() > 0.9 * len(entries)


def test_the_trail_verifies_and_stays_in_time_order_when_a_second_run_completes_the_demo(seeded):
    User.objects.get(username="former.employee").delete()

    call_command("seed_demo", verbosity=0)
    out = io.StringIO()
    call_command("verify_audit_trail", stdout=out)

    assert f"Audit trail intact: {AuditEntry.objects.count()} entries verified." in out.getvalue()
    entries = list(AuditEntry.objects.order_by("id").values_list("created_at", flat=True))
    assert all(earlier <= later for earlier, later in zip(entries, entries[1:], strict=False))
    # What the second run put back, it wrote today.
    assert local_day(AuditEntry.objects.latest("id").created_at) == timezone.localdate()


def test_seeding_again_weeks_later_writes_nothing(seeded):
    last = AuditEntry.objects.latest("id")

    with time_machine.travel(timezone.now() + dt.timedelta(days=40), tick=False):
        call_command("seed_demo", verbosity=0)

    assert AuditEntry.objects.latest("id") == last


def test_the_audit_trail_pages_show_the_oldest_and_newest_days(seeded):
    client = signed_in("quality")
    first, last = AuditEntry.objects.earliest("id"), AuditEntry.objects.latest("id")

    newest_first = client.get(reverse("audit_trail")).content.decode()

    assert day(last.created_at) in newest_first
    assert day(first.created_at) not in newest_first


def test_people_joined_two_years_ago_and_the_auditor_lately_with_access_for_90_days(seeded):
    today = timezone.localdate()
    director, auditor = User.objects.get(username="director"), User.objects.get(username="auditor")

    assert (today - local_day(director.date_joined)).days > 700
    assert (today - local_day(auditor.date_joined)).days < 30
    assert auditor.access_expires_on == today + dt.timedelta(days=90)


def test_the_policy_page_lists_the_periodic_reviews_that_led_to_each_new_version(seeded):
    page = signed_in("auditor").get(reverse("policy:policy_detail", args=["QP-01"])).content.decode()

    assert page.count("A new version is needed") >= 2  # v1's review led to v2, v2's to v3
    assert "Reviewed, still suitable" in page  # v1's half-year review, signed
    assert "the policy must follow it" in page


def test_some_staff_answered_the_question_wrongly_first_and_the_report_shows_it(seeded):
    version = PolicyDocument.objects.get(reference="QP-01").versions.get(status=VersionStatus.PUBLISHED)
    wrong = version.comprehension_attempts.filter(correct=False)

    assert wrong.exists()
    for attempt in wrong:  # each of them then read again and answered right
        assert attempt.answered_at <= version.acknowledgements.get(person=attempt.person).acknowledged_at
    report = signed_in("quality").get(reverse("policy:campaign_report", args=["QP-01", version.number]))
    assert "Right first time" in report.content.decode()


def test_the_reviews_meet_at_a_time_and_place(seeded):
    upcoming = ManagementReview.objects.get(status=ReviewStatus.PLANNED)

    page = signed_in("director").get(reverse("leadership:review_detail", args=[upcoming.pk])).content.decode()

    assert "09:30" in page and "Board room, Halifax works" in page
