"""The demo's readiness is what its data implies (issue 12): two RACI rule breaks, three stale commitments (and one
never evidenced), 31 of 38 acknowledgements of the quality policy; and a year of weekly snapshots.

The demo is seeded once for the module, inside a transaction rolled back at the end (as in test_demo.py).
"""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from leadership.commitments import CommitmentState
from leadership.models import ReadinessSnapshot
from leadership.readiness import COMMITMENT_IDS, Verdict, readiness, snapshots_since
from leadership.selectors import commitments_with_status
from qms_portal.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(demo_seeded_once, db) -> None:
    """The demo, seeded once for the module (tests/conftest.py); each test in a savepoint of its own."""


def test_stale_and_never_evidenced_commitments_are_not_met_and_due_soon_ones_at_risk(seeded):
    found = readiness()
    statuses = {c.code: c.status.state for c in commitments_with_status(today=timezone.localdate())}
    expected = {
        CommitmentState.CURRENT: Verdict.MET, CommitmentState.DUE_SOON: Verdict.AT_RISK,
        CommitmentState.STALE: Verdict.NOT_MET, CommitmentState.NEVER_EVIDENCED: Verdict.NOT_MET,
    }
    assert sorted(statuses) == sorted(COMMITMENT_IDS)
    assert {code: found.result(code).verdict for code in COMMITMENT_IDS} == {
        code: expected[state] for code, state in statuses.items()
    }
    stale = [code for code, state in statuses.items() if state == CommitmentState.STALE]
    assert len(stale) == 3
    assert all("evidence is stale" in found.result(code).reason for code in stale)


def test_the_two_raci_rule_breaks_put_5_3_at_risk(seeded):
    result = readiness().result("5.3")
    assert result.verdict == Verdict.AT_RISK
    assert "2 RACI rule breaks" in result.reason
    assert result.fix is not None and result.fix.url == reverse("roles:raci_health")


def test_31_of_38_acknowledgements_put_5_2_2_b_at_risk(seeded):
    result = readiness().result("5.2.2.b")
    assert result.verdict == Verdict.AT_RISK
    assert "82% of staff acknowledged QP-01 v3 (31 of 38)" in result.reason


def test_the_demo_policy_duties_and_counts(seeded):
    found = readiness()
    assert all(found.result(code).verdict == Verdict.MET for code in ("5.2.1.a", "5.2.1.b", "5.2.1.c", "5.2.1.d"))
    assert all(found.result(f"5.3.{c}").verdict == Verdict.MET for c in "abcde")
    assert found.counts() == {"met": 18, "at_risk": 6, "not_met": 4}


def test_the_demo_keeps_a_year_of_weekly_snapshots_ending_today(seeded):
    snapshots = list(ReadinessSnapshot.objects.order_by("day"))
    assert len(snapshots) == 53
    assert snapshots[-1].day == timezone.localdate()
    assert (snapshots[-1].day - snapshots[0].day).days == 364
    assert snapshots[-1].verdicts["5.2.2.b"] == "at_risk"


def test_the_director_reads_the_at_risk_reason_and_its_fix_on_the_page(seeded, client_for):
    page = client_for(User.objects.get(username="director")).get(
        reverse("leadership:readiness"), {"verdict": "at_risk"}
    ).content.decode()
    assert "5.2.2.b at risk: 82% of staff acknowledged QP-01 v3 (31 of 38)" in page
    assert "Follow up who has not acknowledged" in page
    assert 'id="req-5.1.1.a"' not in page  # met, so filtered out


def test_the_trend_reads_the_snapshots_since_a_day(seeded):
    since = timezone.localdate() - dt.timedelta(days=90)
    trend = snapshots_since(since)
    assert [s.day for s in trend] == sorted(s.day for s in trend)
    assert len(trend) in (13, 14) and all(s.day >= since for s in trend)
