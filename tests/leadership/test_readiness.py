"""Clause 5 readiness (issue 12): each rule at its edges, readiness as of a past day, the page, its thresholds,
the command, the nightly snapshot, and the same number of queries whatever the organisation's size."""
from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import replace

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leadership.models import ReadinessSettings, ReadinessSnapshot
from leadership.readiness import (
    ReadinessInputs,
    Thresholds,
    Verdict,
    commitment_rule,
    duty_rule,
    objectives_rule,
    policy_acknowledged_rule,
    policy_content_rule,
    policy_controlled_rule,
    policy_public_rule,
    readiness,
    readiness_of,
    review_rule,
    roles_rule,
    snapshot_load,
)
from leadership.selectors import CommitmentOnDay, LeadershipOnDay, ObjectiveOnDay, ReviewOnDay
from leadership.tasks import readiness_snapshot_nightly
from policy.models import AudienceKind, PolicyVersion, VersionStatus
from policy.selectors import DepartmentAcknowledgements, PolicyInForce
from qms_portal.access import PortalRole
from qms_portal.audit import AuditEntry
from qms_portal.celery import app
from qms_portal.models import User
from roles.raci import Matrix
from roles.selectors import AcknowledgementRate, RolesOnDay, roles_day_of
from tests.core.factories import OrgUnitFactory, UserFactory
from tests.leadership.factories import EvidenceEntryFactory, MeasurementFactory, QualityObjectiveFactory
from tests.policy.factories import (
    POLICY_BODY,
    AcknowledgementFactory,
    CampaignFactory,
    PolicyVersionFactory,
    complete_checklist,
)

DAY = dt.date(2026, 6, 30)


# --- Hand-built inputs: the rules are pure functions ----------------------------------------------------------
def _policy(**changes) -> PolicyInForce:
    policy = PolicyInForce(
        reference="qp-01", title="Quality Policy", number=3, signed=True, is_public=True,
        next_review_on=DAY + dt.timedelta(days=200), checklist=complete_checklist(), body=POLICY_BODY,
        has_campaign=True, departments=[DepartmentAcknowledgements("Machining", 9, 9)],
    )
    return replace(policy, **changes)


def _healthy_matrix() -> Matrix:
    # One activity with an A and an R (two roles), both held; duty a assigned to a held role, b to an unheld one.
    return Matrix(
        activities={1: "Make — Cut"}, roles={7: "Quality Manager", 8: "Operator", 9: "Toolmaker"},
        letters={(1, 7): "A", (1, 8): "R", (1, 9): "I"}, held_role_ids={7, 8, 9},
        duties={"5.3.a": 7, "5.3.b": 9, "5.3.c": None},
    )


def inputs(
    *, day: dt.date = DAY, thresholds: Thresholds | None = None, commitments=(), reviews=(), objectives=(),
    overdue: int = 0, policy: PolicyInForce | None = None, roles: RolesOnDay | None = None, no_policy: bool = False,
) -> ReadinessInputs:
    return ReadinessInputs(
        day, thresholds or Thresholds(),
        LeadershipOnDay(list(commitments), list(reviews), list(objectives), overdue),
        None if no_policy else (policy or _policy()),
        roles or roles_day_of(_healthy_matrix(), AcknowledgementRate(10, 10)),
    )


def _commitment(latest: dt.date | None, every: int = 90) -> CommitmentOnDay:
    return CommitmentOnDay("5.1.1.a", "Take accountability", "Helen Marsh", every, latest)


@pytest.mark.parametrize(("days_since", "verdict"), [
    (76, Verdict.MET),  # current up to D+76
    (77, Verdict.AT_RISK),  # due soon from D+77
    (90, Verdict.AT_RISK),  # the due date itself, the last day to act
    (91, Verdict.NOT_MET),  # stale from the day after
])
def test_a_commitment_is_met_while_current_at_risk_when_due_soon_and_not_met_once_stale(days_since, verdict):
    result = commitment_rule(inputs(commitments=[_commitment(DAY - dt.timedelta(days=days_since))]), "5.1.1.a")
    assert result.verdict == verdict
    assert result.reason.startswith(f"5.1.1.a {verdict.label.lower()}:")
    assert result.thresholds == ["Evidence every 90 days; due soon in the last 14"]
    assert (result.fix is None) == (verdict == Verdict.MET)
    if result.fix:
        assert result.fix.url == reverse("leadership:evidence_create") + "?commitment=5.1.1.a"
    assert result.records[0].url == reverse("leadership:commitment_detail", kwargs={"code": "5.1.1.a"})


def test_a_commitment_never_evidenced_is_not_met():
    result = commitment_rule(inputs(commitments=[_commitment(None)]), "5.1.1.a")
    assert result.verdict == Verdict.NOT_MET
    assert "no evidence recorded" in result.reason


def test_policy_content_is_met_with_a_passage_at_risk_without_and_not_met_unconfirmed():
    checklist = complete_checklist()
    assert policy_content_rule(inputs(), "5.2.1.c").verdict == Verdict.MET
    checklist["5.2.1.c"] = {"confirmed": True, "passage": ""}
    assert policy_content_rule(inputs(policy=_policy(checklist=checklist)), "5.2.1.c").verdict == Verdict.AT_RISK
    checklist["5.2.1.c"] = {"confirmed": False, "passage": ""}
    result = policy_content_rule(inputs(policy=_policy(checklist=checklist)), "5.2.1.c")
    assert result.verdict == Verdict.NOT_MET
    assert result.fix is not None and result.fix.url == reverse("policy:version_create", args=["qp-01"])
    assert policy_content_rule(inputs(no_policy=True), "5.2.1.c").verdict == Verdict.NOT_MET


def test_a_passage_no_longer_in_the_text_does_not_count():
    checklist = complete_checklist()
    checklist["5.2.1.d"] = {"confirmed": True, "passage": "A sentence the policy does not contain."}
    assert policy_content_rule(inputs(policy=_policy(checklist=checklist)), "5.2.1.d").verdict == Verdict.AT_RISK


def test_the_policy_is_controlled_while_signed_and_its_review_date_has_not_passed():
    assert policy_controlled_rule(inputs(policy=_policy(next_review_on=DAY))).verdict == Verdict.MET
    late = policy_controlled_rule(inputs(policy=_policy(next_review_on=DAY - dt.timedelta(days=1))))
    assert late.verdict == Verdict.AT_RISK
    assert late.fix is not None and late.fix.url == reverse("policy:review_create", args=["qp-01", 3])
    assert policy_controlled_rule(inputs(policy=_policy(signed=False))).verdict == Verdict.NOT_MET
    assert policy_controlled_rule(inputs(no_policy=True)).verdict == Verdict.NOT_MET


@pytest.mark.parametrize(("departments", "verdict"), [
    ([("Assembly", 9, 10)], Verdict.MET),  # 90%: the target, just met
    ([("Assembly", 89, 100)], Verdict.AT_RISK),  # just below the target
    ([("Assembly", 95, 95), ("Machining", 3, 5)], Verdict.AT_RISK),  # 98% overall, one department below 75%
    ([("Assembly", 75, 100)], Verdict.AT_RISK),  # the floor itself
    ([("Assembly", 74, 100)], Verdict.NOT_MET),  # below the floor
    ([], Verdict.NOT_MET),  # nobody asked
])
def test_policy_acknowledgement_against_the_target_and_the_department_floor(departments, verdict):
    rows = [DepartmentAcknowledgements(unit, asked, done) for unit, done, asked in departments]
    result = policy_acknowledged_rule(inputs(policy=_policy(departments=rows)))
    assert result.verdict == verdict
    assert result.thresholds == ["Target 90% of staff", "Department floor 75%"]


def test_the_acknowledgement_reason_names_the_departments_below_the_floor():
    rows = [DepartmentAcknowledgements("Assembly", 20, 20), DepartmentAcknowledgements("Machining", 5, 3),
            DepartmentAcknowledgements("Stores", 2, 1)]
    result = policy_acknowledged_rule(inputs(policy=_policy(departments=rows)))
    assert result.reason == ("5.2.2.b at risk: 89% of staff acknowledged qp-01 v3 (24 of 27), 2 departments "
                             "below 75%: Stores 50%, Machining 60%.")
    assert result.fix is not None and result.fix.url == reverse("policy:campaign_report", args=["qp-01", 3])


def test_thresholds_come_from_the_organisation_settings():
    rows = [DepartmentAcknowledgements("Assembly", 10, 8)]
    strict = inputs(policy=_policy(departments=rows), thresholds=Thresholds(policy_ack_target=80))
    assert policy_acknowledged_rule(strict).verdict == Verdict.MET


def test_the_policy_is_available_when_public():
    assert policy_public_rule(inputs()).verdict == Verdict.MET
    hidden = policy_public_rule(inputs(policy=_policy(is_public=False)))
    assert hidden.verdict == Verdict.NOT_MET
    assert hidden.fix is not None and hidden.fix.url == reverse("policy:policy_settings", args=["qp-01"])


def test_roles_are_met_with_a_sound_matrix_and_acknowledged_roles():
    met = roles_rule(inputs(roles=roles_day_of(_healthy_matrix(), AcknowledgementRate(9, 10))))
    assert met.verdict == Verdict.MET
    below = roles_rule(inputs(roles=roles_day_of(_healthy_matrix(), AcknowledgementRate(8, 9))))
    assert below.verdict == Verdict.AT_RISK
    assert "89% of role holders acknowledged their role (8 of 9), below 90%" in below.reason
    nobody = roles_rule(inputs(roles=roles_day_of(_healthy_matrix(), AcknowledgementRate(0, 0))))
    assert nobody.verdict == Verdict.NOT_MET


def test_a_raci_rule_break_puts_roles_at_risk_and_links_to_the_health_page():
    matrix = _healthy_matrix()
    matrix.letters[(1, 9)] = "A"  # two A's
    result = roles_rule(inputs(roles=roles_day_of(matrix, AcknowledgementRate(10, 10))))
    assert result.verdict == Verdict.AT_RISK
    assert "1 RACI rule break: “Make — Cut” has 2 A's: keep exactly one" in result.reason
    assert result.fix is not None and result.fix.url == reverse("roles:raci_health")


def test_a_duty_is_met_when_assigned_to_a_held_role():
    held = inputs()
    assert duty_rule(held, "5.3.a").verdict == Verdict.MET
    assert duty_rule(held, "5.3.c").verdict == Verdict.NOT_MET  # not assigned
    matrix = _healthy_matrix()
    matrix.held_role_ids = {7, 8}
    unheld = duty_rule(inputs(roles=roles_day_of(matrix, AcknowledgementRate(1, 1))), "5.3.b")
    assert unheld.verdict == Verdict.NOT_MET
    assert unheld.fix is not None and unheld.fix.url == reverse("roles:assignment_create", kwargs={"pk": 9})


def _objective(measured_days_ago: int | None, state: str = "on_track") -> ObjectiveOnDay:
    measured = None if measured_days_ago is None else DAY - dt.timedelta(days=measured_days_ago)
    return ObjectiveOnDay(1, "On-time delivery", state, state, measured)


def test_objectives_are_met_when_measured_within_the_freshness_and_on_track():
    assert objectives_rule(inputs(objectives=[_objective(100)])).verdict == Verdict.MET
    stale = objectives_rule(inputs(objectives=[_objective(101)]))
    assert stale.verdict == Verdict.AT_RISK
    assert "not measured within 100 days: On-time delivery" in stale.reason
    assert objectives_rule(inputs(objectives=[_objective(None, "no_data")])).verdict == Verdict.AT_RISK
    assert objectives_rule(inputs(objectives=[_objective(5, "off_track")])).verdict == Verdict.AT_RISK
    assert objectives_rule(inputs()).verdict == Verdict.NOT_MET


def _held(held_on: dt.date, pk: int = 1) -> ReviewOnDay:
    return ReviewOnDay(pk, "Management review", held_on, held_on)


def test_a_review_held_within_the_interval_is_met_with_the_next_planned():
    planned = ReviewOnDay(2, "Next review", DAY + dt.timedelta(days=20), None)
    # Due by 30 Jul 2026, 30 days away, but the next review is planned before then.
    assert review_rule(inputs(reviews=[_held(dt.date(2025, 7, 30)), planned])).verdict == Verdict.MET
    assert review_rule(inputs(reviews=[_held(dt.date(2026, 1, 5))])).verdict == Verdict.MET


def test_a_review_is_at_risk_near_the_end_of_the_interval_with_none_planned():
    result = review_rule(inputs(reviews=[_held(dt.date(2025, 7, 30))]))  # due by 30 Jul 2026, 30 days away
    assert result.verdict == Verdict.AT_RISK
    assert result.fix is not None and result.fix.url == reverse("leadership:review_create")
    assert review_rule(inputs(reviews=[_held(dt.date(2025, 7, 31))])).verdict == Verdict.MET  # 31 days away


def test_a_review_is_not_met_once_the_interval_has_run_out():
    assert review_rule(inputs(reviews=[_held(dt.date(2025, 6, 29))])).verdict == Verdict.NOT_MET
    assert review_rule(inputs()).verdict == Verdict.NOT_MET


def test_a_planned_review_whose_day_passed_unheld_puts_the_review_at_risk():
    missed = ReviewOnDay(2, "Next review", DAY - dt.timedelta(days=1), None)
    result = review_rule(inputs(reviews=[_held(dt.date(2026, 3, 1)), missed]))
    assert result.verdict == Verdict.AT_RISK
    assert result.reason == "9.3 at risk: the review planned for 29 Jun 2026 has not been held."
    assert result.fix is not None and result.fix.url == reverse("leadership:review_detail", kwargs={"pk": 2})
    on_the_day = ReviewOnDay(2, "Next review", DAY, None)
    assert review_rule(inputs(reviews=[_held(dt.date(2026, 3, 1)), on_the_day])).verdict == Verdict.MET


def test_overdue_review_actions_put_the_review_at_risk():
    result = review_rule(inputs(reviews=[_held(dt.date(2026, 3, 1))], overdue=2))
    assert result.verdict == Verdict.AT_RISK
    assert "2 actions from reviews are overdue" in result.reason


def test_every_requirement_id_has_one_result_in_catalogue_order():
    found = readiness_of(inputs())
    ids = [r.requirement for r in found.results]
    assert ids == [*(f"5.1.1.{c}" for c in "abcdefghij"), "5.1.2.a", "5.1.2.b", "5.1.2.c",
                   "5.2.1.a", "5.2.1.b", "5.2.1.c", "5.2.1.d", "5.2.2.a", "5.2.2.b", "5.2.2.c",
                   "5.3", "5.3.a", "5.3.b", "5.3.c", "5.3.d", "5.3.e", "6.2", "9.3"]
    assert sum(found.counts().values()) == 28
    assert [g.clause for g in found.by_clause()] == ["5.1.1", "5.1.2", "5.2.1", "5.2.2", "5.3", "6.2", "9.3"]
    assert all(r.verdict == Verdict.MET for g in found.by_clause("met") for r in g.results)


# --- On factory data: the snapshot as of a day ---------------------------------------------------------------
def _published(*, days_ago: int, **changes) -> PolicyVersion:
    moment = timezone.now() - dt.timedelta(days=days_ago)
    return PolicyVersionFactory(status=VersionStatus.PUBLISHED, published_at=moment, approved_at=moment, **changes)


@pytest.mark.django_db
def test_as_of_a_past_day_reads_the_version_then_in_force_and_acknowledgements_dated_by_then():
    today = timezone.localdate()
    old = _published(days_ago=100, number=1)
    old.status, old.superseded_at = VersionStatus.SUPERSEDED, timezone.now() - dt.timedelta(days=10)
    old.save()
    new = _published(days_ago=10, document=old.document, number=2)
    CampaignFactory(version=old)
    person = UserFactory(roles=[PortalRole.EMPLOYEE], date_joined=timezone.now() - dt.timedelta(days=200))
    with time_machine.travel(timezone.now() - dt.timedelta(days=30), tick=False):
        AcknowledgementFactory(version=old, person=person)

    then = snapshot_load(today - dt.timedelta(days=20))
    assert then.policy is not None and then.policy.number == 1
    assert (then.policy.acknowledged, then.policy.asked) >= (1, 1)
    before_ack = snapshot_load(today - dt.timedelta(days=40))
    assert before_ack.policy is not None and before_ack.policy.acknowledged == 0
    now = snapshot_load(today)
    assert now.policy is not None and now.policy.number == new.number
    assert snapshot_load(today - dt.timedelta(days=150)).policy is None


@pytest.mark.django_db
def test_as_of_a_past_day_reads_evidence_and_measurements_dated_by_then():
    today = timezone.localdate()
    EvidenceEntryFactory(occurred_on=today - dt.timedelta(days=5)).commitments.add(
        *EvidenceEntryFactory._meta.model.commitments.rel.model.objects.filter(code="5.1.1.a")
    )
    with time_machine.travel(timezone.now() - dt.timedelta(days=300), tick=False):
        objective = QualityObjectiveFactory()
    MeasurementFactory(objective=objective, measured_on=today - dt.timedelta(days=3), value=99)

    assert readiness().result("5.1.1.a").verdict == Verdict.MET
    assert readiness(today - dt.timedelta(days=6)).result("5.1.1.a").verdict == Verdict.NOT_MET
    assert readiness().result("6.2").verdict == Verdict.MET
    assert "not measured within" in readiness(today - dt.timedelta(days=4)).result("6.2").reason


# --- The page, its thresholds, the command and the nightly snapshot ----------------------------------------
@pytest.mark.django_db
def test_the_auditor_reads_every_requirement_and_opens_a_row(portal_users, client_for):
    response = client_for(portal_users.auditor).get(reverse("leadership:readiness"))
    page = response.content.decode()
    assert response.status_code == 200
    for requirement in ("5.1.1.a", "5.2.2.b", "5.3.e", "6.2", "9.3"):
        assert f'id="req-{requirement}"' in page
    assert "5.2.1.a not met: no quality policy was in force." in page
    assert "Readiness thresholds" not in page and "(change)" not in page


@pytest.mark.django_db
def test_the_employee_is_refused(portal_users, client_for):
    assert client_for(portal_users.employee).get(reverse("leadership:readiness")).status_code == 403


@pytest.mark.django_db
def test_the_page_filters_by_verdict_and_shows_a_past_day(portal_users, qm_client):
    day = timezone.localdate() - dt.timedelta(days=30)
    page = qm_client.get(reverse("leadership:readiness"), {"verdict": "met", "as_of": day.isoformat()})
    text = page.content.decode()
    assert 'id="req-5.3.a"' not in text  # nothing is met on an empty portal
    assert "No requirement is met as of" in text
    assert f'value="{day.isoformat()}"' in text
    future = qm_client.get(reverse("leadership:readiness"), {"as_of": "2999-01-01"}).content.decode()
    assert "cannot be computed for a day still to come" in future


@pytest.mark.django_db
def test_the_reminder_settings_are_no_longer_on_the_thresholds_page(portal_users, qm_client):
    page = qm_client.get(reverse("leadership:readiness_settings")).content.decode()
    assert 'name="review_interval_months"' in page
    for moved in ("review_reminder_days", "action_reminder_repeat_days", "action_escalation_days"):
        assert f'name="{moved}"' not in page  # on the organisation's reminder schedule now


@pytest.mark.django_db
def test_changing_a_threshold_needs_a_reason_and_is_kept_with_it(portal_users, qm_client):
    url = reverse("leadership:readiness_settings")
    values = {"policy_ack_target_percent": 80, "department_floor_percent": 70, "role_ack_target_percent": 90,
              "review_interval_months": 12, "review_warning_days": 30, "measurement_freshness_days": 100}
    refused = qm_client.post(url, values)
    assert refused.status_code == 200 and "Say why this changes" in refused.content.decode()
    assert not ReadinessSettings.objects.exists()
    bad = qm_client.post(url, {**values, "policy_ack_target_percent": 120, "reason": "Board decision"})
    assert bad.status_code == 200 and not ReadinessSettings.objects.exists()

    saved = qm_client.post(url, {**values, "reason": "Board decision of May"})
    assert saved.status_code == 302
    assert snapshot_load(DAY).thresholds.policy_ack_target == 80
    entry = AuditEntry.objects.filter(record_type__icontains="readinesssettings").latest("pk")
    assert entry.reason == "Board decision of May"


@pytest.mark.django_db
def test_the_command_prints_json_with_each_requirement(portal_users):
    out = io.StringIO()
    call_command("readiness", "--json", "--as-of", "2026-01-31", stdout=out)
    found = json.loads(out.getvalue())
    assert found["as_of"] == "2026-01-31"
    assert len(found["requirements"]) == 28
    first = found["requirements"][0]
    assert first["id"] == "5.1.1.a" and first["verdict"] == "not_met"
    assert first["reason"].startswith("5.1.1.a not met:")
    assert first["records"][0]["url"] == "/leadership/commitments/5.1.1.a/"
    assert first["fix"]["label"] == "Record evidence"

    table = io.StringIO()
    call_command("readiness", stdout=table)
    assert "Clause 5 readiness as of" in table.getvalue() and "  5.3.a    Not met" in table.getvalue()


@pytest.mark.django_db
def test_the_nightly_snapshot_keeps_one_row_a_day_even_when_run_twice():
    readiness_snapshot_nightly()
    readiness_snapshot_nightly()
    snapshot = ReadinessSnapshot.objects.get()
    assert snapshot.day == timezone.localdate()
    assert snapshot.met + snapshot.at_risk + snapshot.not_met == 28
    assert snapshot.verdicts["5.3.a"] == "not_met"


# --- Query counts ------------------------------------------------------------------------------------------------
def _staff_in_bulk(count: int) -> None:
    units = [OrgUnitFactory(name=f"Unit {n}") for n in range(10)]
    people = [
        User.objects.create(username=f"bulk{n}", full_name=f"Bulk Person {n:04d}", org_unit=units[n % 10])
        for n in range(count)
    ]
    Group.objects.get(name=PortalRole.EMPLOYEE).user_set.add(*people)


@pytest.mark.django_db
@pytest.mark.parametrize("audience", [AudienceKind.ALL_STAFF, AudienceKind.DEPARTMENTS])
def test_the_page_issues_the_same_queries_for_20_and_for_2000_people(portal_users, qm_client, audience):
    def queries_for(count: int) -> int:
        with transaction.atomic():
            _staff_in_bulk(count)
            version = _published(days_ago=5)
            campaign = CampaignFactory(version=version, audience=audience)
            if audience == AudienceKind.DEPARTMENTS:
                campaign.org_units.set(OrgUnitFactory._meta.model.objects.all())
            AcknowledgementFactory(version=version, person=User.objects.get(username="bulk1"))
            with CaptureQueriesContext(connection) as queries:
                response = qm_client.get(reverse("leadership:readiness"))
            assert response.status_code == 200
            assert "of staff acknowledged" in response.content.decode()
            transaction.set_rollback(True)
        return len(queries)

    assert queries_for(20) == queries_for(2000)


def test_the_nightly_snapshot_is_scheduled_and_expires_instead_of_piling_up():
    entry = app.conf.beat_schedule["readiness-snapshot-nightly"]
    assert entry["task"] == "leadership.tasks.readiness_snapshot_nightly"
    assert entry["task"] in app.tasks
    assert 0 < entry["options"]["expires"] <= 24 * 3600
