"""The dashboard's and readiness's figures are kept until a record changes (``qms_portal.records_cache``): the second
load reads them back in fewer queries and shows the same page, and the load after an acknowledgement, an evidence
entry, a completed action or a new day shows the new figures."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leadership.actions import action_update_status
from leadership.commitments import evidence_record
from leadership.models import ActionStatus, Commitment, EvidenceKind
from policy.acknowledgements import acknowledgement_record
from policy.models import VersionStatus
from qms_portal.records_cache import RECORDS_CACHE
from tests.leadership.factories import ActionFactory, CommitmentFactory, QualityObjectiveFactory
from tests.leadership.review_pages import day
from tests.leadership.test_dashboard import DASHBOARD, cells, page_of, scorecard_row, section
from tests.policy.factories import AcknowledgementFactory, CampaignFactory, PolicyVersionFactory

READINESS = "/leadership/readiness/"


def loaded(client, url: str) -> tuple[str, int]:
    """The page's text, without the per-request CSRF token, and the queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return re.sub(r'(X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", response.content.decode()), len(
        queries
    )


@pytest.fixture
def tm_client(portal_users, client_for):
    return client_for(portal_users.top_management)


@pytest.fixture
def organisation(portal_users):
    """A policy with a campaign, an objective, a commitment and an action of the top manager: every panel has rows."""
    version = PolicyVersionFactory(status=VersionStatus.PUBLISHED, document__title="Quality Policy")
    CampaignFactory(version=version)
    AcknowledgementFactory(version=version, person=portal_users.process_owner)
    QualityObjectiveFactory(title="On-time delivery")
    CommitmentFactory(owner=portal_users.top_management, summary="Promote customer focus")
    return version


@pytest.mark.parametrize("url", [DASHBOARD, READINESS])
def test_the_second_load_takes_fewer_queries_and_shows_the_same_page(organisation, portal_users, client_for, url):
    client = client_for(portal_users.top_management)
    first, computed = loaded(client, url)
    second, kept = loaded(client, url)
    assert second == first
    assert kept < computed - 5


@pytest.mark.parametrize(("first", "then"), [(DASHBOARD, READINESS), (READINESS, DASHBOARD)])
def test_the_dashboard_and_the_readiness_page_share_one_computation_of_readiness(organisation, portal_users,
                                                                                   client_for, first, then):
    client = client_for(portal_users.top_management)
    computed = loaded(client, then)[1]
    loaded(client, then)
    ActionFactory(owner=portal_users.quality_manager, due_on=day(-1))  # a change: every kept value is stale
    loaded(client, first)  # computes readiness and keeps it
    page, shared = loaded(client, then)
    assert shared < computed - 5  # readiness read back, not computed again
    assert "5.2.2.b" in page


def test_the_quality_manager_sees_the_same_figures_read_back_and_her_own_needs(organisation, portal_users,
                                                                                client_for):
    page_of(client_for(portal_users.top_management))  # computed for the top manager, kept
    ActionFactory(owner=portal_users.quality_manager, title="Her late action", due_on=day(-1))
    page = page_of(client_for(portal_users.quality_manager))
    assert "Her late action" in section(page, "needs-title")


def test_an_acknowledgement_shows_on_the_next_load(organisation, portal_users, tm_client):
    before = section(page_of(tm_client), "figures-title")
    assert "1 of " in before
    acknowledgement_record(version=organisation, person=portal_users.employee)
    assert "2 of " in section(page_of(tm_client), "figures-title")


def test_an_evidence_entry_shows_on_the_next_load(organisation, portal_users, tm_client):
    tm = portal_users.top_management
    assert cells(scorecard_row(page_of(tm_client), tm.full_name))[2] == "0 of 1"
    evidence_record(
        occurred_on=day(), kind=EvidenceKind.MEETING, summary="Spoke at the customer day.", leader=tm,
        commitments=list(Commitment.objects.filter(owner=tm)), by=portal_users.quality_manager,
    )
    assert cells(scorecard_row(page_of(tm_client), tm.full_name))[2] == "1 of 1"


def test_an_action_completed_shows_on_the_next_load(organisation, portal_users, tm_client):
    tm = portal_users.top_management
    action = ActionFactory(owner=tm, due_on=day(-1))
    assert cells(scorecard_row(page_of(tm_client), tm.full_name))[3] == "1"
    action_update_status(action=action, status=ActionStatus.DONE, by=tm)
    assert cells(scorecard_row(page_of(tm_client), tm.full_name))[3] == "0"


def test_a_new_day_computes_again_though_no_record_changed(organisation, portal_users, tm_client, client_for):
    tm = portal_users.top_management
    ActionFactory(owner=tm, due_on=day())  # due today: overdue from tomorrow
    assert cells(scorecard_row(page_of(tm_client), tm.full_name))[3] == "0"
    with time_machine.travel(timezone.now() + dt.timedelta(days=1), tick=False):
        assert cells(scorecard_row(page_of(client_for(tm)), tm.full_name))[3] == "1"


def test_readiness_shows_a_new_objective_on_the_next_load_and_a_past_day_its_own(portal_users, qm_client):
    not_set = "6.2 not met: no quality objective is set."
    assert not_set in qm_client.get(READINESS).content.decode()
    yesterday = {"as_of": day(-1).isoformat()}
    assert not_set in qm_client.get(READINESS, yesterday).content.decode()
    QualityObjectiveFactory(title="Scrap rate")
    assert not_set not in qm_client.get(READINESS).content.decode()
    assert "Scrap rate" in qm_client.get(READINESS).content.decode()


def test_with_the_cache_unreachable_the_pages_are_computed_and_answer(organisation, portal_users, client_for,
                                                                      settings):
    client = client_for(portal_users.top_management)
    expected = {url: loaded(client, url)[0] for url in (DASHBOARD, READINESS)}
    settings.CACHES = {**settings.CACHES, RECORDS_CACHE: {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }}
    for url, page in expected.items():
        assert loaded(client, url)[0] == page
