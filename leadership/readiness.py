"""Clause 5 readiness: one rule per requirement id of the catalogue (ISO9001-CLAUSE5.md), computed from live records.

Written like ``roles/raci.py``: ``snapshot_load(day)`` reads a plain ``ReadinessInputs`` through the apps' selectors
in a fixed number of queries (whatever the organisation's size), and each rule is a pure function of it returning
a ``Verdict``. A day in the past reads the records as they stood then (versions in force, roles held, evidence,
acknowledgements, measurements and reviews dated by then), so the evidence pack can show readiness at a period's end.

Public API: ``readiness(as_of=None) -> Readiness`` (``.results``, ``.counts()``, ``.by_clause()``),
``snapshot_store(day)`` for the nightly task, and ``ReadinessSnapshot`` for trends.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, TextChoices
from django.urls import reverse
from django.utils import timezone

from leadership.commitments import CommitmentState, due_soon_window, status_from
from leadership.models import ReadinessSettings, ReadinessSnapshot
from leadership.objectives import ObjectiveState
from leadership.selectors import LeadershipOnDay, leadership_on
from policy.selectors import POLICY_CHECKLIST, PolicyInForce, quality_policy_on
from qms_portal.access import Capability, require_capability
from qms_portal.audit import audit_context
from qms_portal.presentation import day as _day
from qms_portal.records_cache import cached_on_records
from roles.selectors import RolesOnDay, roles_on


class Verdict(TextChoices):
    MET = "met", "Met"
    AT_RISK = "at_risk", "At risk"
    NOT_MET = "not_met", "Not met"


# The clauses results are grouped by, in catalogue order, with their titles in our own words.
CLAUSES = {
    "5.1.1": "Leadership and commitment",
    "5.1.2": "Customer focus",
    "5.2.1": "Establishing the quality policy",
    "5.2.2": "Communicating the quality policy",
    "5.3": "Roles, responsibilities and authorities",
    "6.2": "Quality objectives",
    "9.3": "Management review",
}


@dataclass(frozen=True)
class Link:
    """A record a verdict rests on, or the action that fixes it."""

    label: str
    url: str


@dataclass(frozen=True)
class Result:
    """One requirement id's verdict, why, the records behind it, the action that fixes it and the thresholds."""

    requirement: str
    title: str
    verdict: Verdict
    reason: str
    records: list[Link] = field(default_factory=list)
    fix: Link | None = None
    thresholds: list[str] = field(default_factory=list)

    @property
    def clause(self) -> str:
        return clause_of(self.requirement)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.requirement, "title": self.title, "verdict": str(self.verdict), "reason": self.reason,
            "records": [{"label": r.label, "url": r.url} for r in self.records],
            "fix": {"label": self.fix.label, "url": self.fix.url} if self.fix else None,
            "thresholds": self.thresholds,
        }


def clause_of(requirement: str) -> str:
    """``5.1.1`` for ``5.1.1.a``; ``5.3`` for ``5.3`` and ``5.3.a``; ``9.3`` for ``9.3``."""
    parts = requirement.split(".")
    return ".".join(parts[:-1]) if parts[-1].isalpha() else requirement


@dataclass(frozen=True)
class ClauseGroup:
    clause: str
    title: str
    results: list[Result]


@dataclass(frozen=True)
class Readiness:
    """Every requirement id's result as of a day."""

    as_of: dt.date
    results: list[Result]

    def counts(self) -> dict[str, int]:
        """How many results are met, at risk and not met (every verdict present)."""
        return {verdict.value: sum(r.verdict == verdict for r in self.results) for verdict in Verdict}

    def by_clause(self, verdict: str = "") -> list[ClauseGroup]:
        """The results grouped by clause in catalogue order, only those with ``verdict`` when given."""
        groups = []
        for clause, title in CLAUSES.items():
            found = [r for r in self.results if r.clause == clause and (not verdict or r.verdict == verdict)]
            if found:
                groups.append(ClauseGroup(clause, title, found))
        return groups

    def result(self, requirement: str) -> Result:
        return next(r for r in self.results if r.requirement == requirement)


@dataclass(frozen=True)
class Thresholds:
    """The organisation's thresholds (``ReadinessSettings``), as plain numbers."""

    policy_ack_target: int = 90
    department_floor: int = 75
    role_ack_target: int = 90
    review_interval_months: int = 12
    review_warning_days: int = 30
    measurement_freshness_days: int = 100

    @classmethod
    def from_settings(cls, row: ReadinessSettings | None) -> Thresholds:
        if row is None:
            return cls()
        return cls(
            row.policy_ack_target_percent, row.department_floor_percent, row.role_ack_target_percent,
            row.review_interval_months, row.review_warning_days, row.measurement_freshness_days,
        )


@dataclass(frozen=True)
class ReadinessInputs:
    """What the rules look at: the records of every app as they stood on ``day``, and the thresholds."""

    day: dt.date
    thresholds: Thresholds
    leadership: LeadershipOnDay
    policy: PolicyInForce | None
    roles: RolesOnDay


def thresholds_load() -> Thresholds:
    """The organisation's thresholds, the defaults when never edited: one query."""
    return Thresholds.from_settings(ReadinessSettings.objects.first())


def snapshot_load(day: dt.date, *, roles: RolesOnDay | None = None) -> ReadinessInputs:
    """Every record the rules read, as of ``day``: at most fifteen queries, whatever the organisation's size.
    ``roles``, when the caller already read ``roles_on(day)``, is taken as it is."""
    if roles is None:
        roles = roles_on(day)
    return ReadinessInputs(day, thresholds_load(), leadership_on(day), quality_policy_on(day), roles)


# --- The rules ---------------------------------------------------------------------------------------------
COMMITMENT_IDS = [f"5.1.1.{c}" for c in "abcdefghij"] + [f"5.1.2.{c}" for c in "abc"]
POLICY_IDS = [f"5.2.1.{c}" for c in "abcd"]
DUTY_IDS = [f"5.3.{c}" for c in "abcde"]
REQUIREMENTS = [*COMMITMENT_IDS, *POLICY_IDS, "5.2.2.a", "5.2.2.b", "5.2.2.c", "5.3", *DUTY_IDS, "6.2", "9.3"]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def commitment_rule(inputs: ReadinessInputs, code: str) -> Result:
    """5.1.x: the commitment's evidence is current (met), due soon (at risk), stale or missing (not met)."""
    commitment = next((c for c in inputs.leadership.commitments if c.code == code), None)
    if commitment is None:
        return Result(code, code, Verdict.NOT_MET, f"{code} not met: no commitment is recorded for it.",
                      fix=Link("See the commitments", reverse("leadership:commitment_list")))
    every = commitment.evidence_every_days
    status = status_from(commitment.latest_evidence_on, every, today=inputs.day)
    detail = reverse("leadership:commitment_detail", kwargs={"code": code})
    records = [Link(f"Commitment {code}", detail)]
    fix = Link("Record evidence", reverse("leadership:evidence_create") + f"?commitment={code}")
    thresholds = [f"Evidence every {every} days; due soon in the last {due_soon_window(every)}"]
    owner = f" ({commitment.owner})" if commitment.owner else ""
    latest = commitment.latest_evidence_on
    if status.state == CommitmentState.NEVER_EVIDENCED:
        verdict, why = Verdict.NOT_MET, f"no evidence recorded for “{commitment.summary}”{owner}"
    elif status.state == CommitmentState.STALE:
        verdict = Verdict.NOT_MET
        why = f"evidence is stale: last {_day(latest)}, new evidence was due by {_day(status.due_on)}{owner}"
    elif status.state == CommitmentState.DUE_SOON:
        verdict, why = Verdict.AT_RISK, f"evidence from {_day(latest)} is due again by {_day(status.due_on)}{owner}"
    else:
        verdict, why = Verdict.MET, f"evidenced {_day(latest)}, current until {_day(status.due_on)}{owner}"
    verb = {Verdict.MET: "met", Verdict.AT_RISK: "at risk", Verdict.NOT_MET: "not met"}[verdict]
    return Result(code, commitment.summary, verdict, f"{code} {verb}: {why}.", records,
                  None if verdict == Verdict.MET else fix, thresholds)


def _policy_records(policy: PolicyInForce) -> list[Link]:
    return [Link(f"{policy.label} ({policy.title})", reverse(
        "policy:version_detail", kwargs={"reference": policy.reference, "number": policy.number}))]


def _no_policy(requirement: str, title: str) -> Result:
    return Result(requirement, title, Verdict.NOT_MET, f"{requirement} not met: no quality policy was in force.",
                  fix=Link("Write the quality policy", reverse("policy:policy_list")))


def policy_content_rule(inputs: ReadinessInputs, requirement: str) -> Result:
    """5.2.1.a-d: the policy in force confirms the item with a passage of its text (met); confirmed without a
    passage (at risk); not confirmed (not met)."""
    title = POLICY_CHECKLIST[requirement]
    policy = inputs.policy
    if policy is None:
        return _no_policy(requirement, title)
    entry = policy.checklist.get(requirement) or {}
    passage = str(entry.get("passage", "")).strip()
    new_version = Link("Draft a new version", reverse("policy:version_create", kwargs={"reference": policy.reference}))
    if entry.get("confirmed") and passage and passage in policy.body:
        return Result(requirement, title, Verdict.MET,
                      f"{requirement} met: {policy.label} says so in “{passage[:120]}”.", _policy_records(policy))
    if entry.get("confirmed"):
        return Result(requirement, title, Verdict.AT_RISK,
                      f"{requirement} at risk: {policy.label} was confirmed to cover it but no passage of its "
                      "text shows where.", _policy_records(policy), new_version)
    return Result(requirement, title, Verdict.NOT_MET,
                  f"{requirement} not met: {policy.label}'s approval checklist does not confirm it.",
                  _policy_records(policy), new_version)


def policy_controlled_rule(inputs: ReadinessInputs) -> Result:
    """5.2.2.a: a signed version is in force (met) and its periodic review date has not passed (else at risk)."""
    title = "The policy is kept as controlled documented information"
    policy = inputs.policy
    if policy is None:
        return _no_policy("5.2.2.a", title)
    records = _policy_records(policy)
    review = Link("Record the periodic review", reverse(
        "policy:review_create", kwargs={"reference": policy.reference, "number": policy.number}))
    if not policy.signed:
        return Result("5.2.2.a", title, Verdict.NOT_MET, f"5.2.2.a not met: {policy.label} is in force unsigned.",
                      records, Link("See the policy", records[0].url))
    if policy.next_review_on is not None and policy.next_review_on < inputs.day:
        return Result("5.2.2.a", title, Verdict.AT_RISK,
                      f"5.2.2.a at risk: {policy.label} is signed, but its periodic review was due "
                      f"{_day(policy.next_review_on)}.", records, review, ["The policy's own next-review date"])
    return Result("5.2.2.a", title, Verdict.MET, f"5.2.2.a met: {policy.label} is signed and in force"
                  + (f", next review {_day(policy.next_review_on)}." if policy.next_review_on else "."),
                  records, thresholds=["The policy's own next-review date"])


def policy_acknowledged_rule(inputs: ReadinessInputs) -> Result:
    """5.2.2.b: at least the target share of staff acknowledged the policy in force and no department is below
    the floor (met); at least the floor overall (at risk); below it (not met)."""
    title = "The policy is communicated and understood"
    policy, t = inputs.policy, inputs.thresholds
    if policy is None:
        return _no_policy("5.2.2.b", title)
    thresholds = [f"Target {t.policy_ack_target}% of staff", f"Department floor {t.department_floor}%"]
    records = _policy_records(policy)
    report = Link("Acknowledgement report", reverse(
        "policy:campaign_report", kwargs={"reference": policy.reference, "number": policy.number}))
    if not policy.has_campaign or policy.asked == 0:
        return Result("5.2.2.b", title, Verdict.NOT_MET,
                      f"5.2.2.b not met: nobody has been asked to acknowledge {policy.label}.",
                      records, Link("See the policy", records[0].url), thresholds)
    low = [d for d in policy.departments if d.rate < t.department_floor]
    figures = f"{policy.rate}% of staff acknowledged {policy.label} ({policy.acknowledged} of {policy.asked})"
    if low:
        listed = ", ".join(f"{d.unit} {d.rate}%" for d in sorted(low, key=lambda d: d.rate))
        figures += f", {_plural(len(low), 'department')} below {t.department_floor}%: {listed}"
    records = [*records, report]
    if policy.rate >= t.policy_ack_target and not low:
        return Result("5.2.2.b", title, Verdict.MET, f"5.2.2.b met: {figures}.", records, thresholds=thresholds)
    verdict = Verdict.AT_RISK if policy.rate >= t.department_floor else Verdict.NOT_MET
    verb = "at risk" if verdict == Verdict.AT_RISK else "not met"
    return Result("5.2.2.b", title, verdict, f"5.2.2.b {verb}: {figures}.", records,
                  Link("Follow up who has not acknowledged", report.url), thresholds)


def policy_public_rule(inputs: ReadinessInputs) -> Result:
    """5.2.2.c: the policy in force is published for interested parties (met), or not (not met)."""
    title = "The policy is available to interested parties"
    policy = inputs.policy
    if policy is None:
        return _no_policy("5.2.2.c", title)
    if policy.is_public:
        public = reverse("policy:public_policy", kwargs={"reference": policy.reference})
        return Result("5.2.2.c", title, Verdict.MET, f"5.2.2.c met: {policy.label} is on the public page.",
                      [*_policy_records(policy), Link("Public page", public)])
    return Result("5.2.2.c", title, Verdict.NOT_MET,
                  f"5.2.2.c not met: {policy.label} is not published for interested parties.",
                  _policy_records(policy),
                  Link("Publish it publicly", reverse("policy:policy_settings", args=[policy.reference])))


def roles_rule(inputs: ReadinessInputs) -> Result:
    """5.3: the RACI matrix keeps its rules and role holders acknowledged their roles (met); rule breaks or
    acknowledgements below target (at risk); no role held at all (not met)."""
    title = "Responsibilities and authorities are assigned, communicated and understood"
    t, roles = inputs.thresholds, inputs.roles
    breaks = roles.rule_breaks
    rate = roles.role_acknowledgements
    matrix = Link("RACI matrix", reverse("roles:raci_matrix"))
    health = Link("RACI health", reverse("roles:raci_health"))
    thresholds = [f"No RACI rule broken; {t.role_ack_target}% of role holders acknowledged"]
    if rate.expected == 0:
        return Result("5.3", title, Verdict.NOT_MET, "5.3 not met: nobody holds a role.", [matrix],
                      Link("See the roles", reverse("roles:role_list")), thresholds)
    problems = []
    if breaks:
        listed = "; ".join(b.message.rstrip(".") for b in breaks[:3]) + (" …" if len(breaks) > 3 else "")
        problems.append(f"{_plural(len(breaks), 'RACI rule break')}: {listed}")
    if (rate.percent or 0) < t.role_ack_target:
        problems.append(f"{rate.percent}% of role holders acknowledged their role ({rate.acknowledged} of "
                        f"{rate.expected}), below {t.role_ack_target}%")
    if not problems:
        return Result("5.3", title, Verdict.MET, f"5.3 met: the RACI matrix keeps its rules and {rate.percent}% of "
                      f"role holders acknowledged their role.", [matrix, health], thresholds=thresholds)
    fix = Link("Fix the RACI matrix", health.url) if breaks else Link("See the roles", reverse("roles:role_list"))
    return Result("5.3", title, Verdict.AT_RISK, "5.3 at risk: " + "; ".join(problems) + ".",
                  [matrix, health], fix, thresholds)


DUTY_TITLES = {
    "5.3.a": "Someone makes sure the QMS conforms to ISO 9001",
    "5.3.b": "Someone makes sure processes deliver their intended outputs",
    "5.3.c": "Someone reports on QMS performance to top management",
    "5.3.d": "Someone promotes customer focus",
    "5.3.e": "Someone keeps the QMS intact through changes",
}


def duty_rule(inputs: ReadinessInputs, code: str) -> Result:
    """5.3.a-e: the duty is assigned to a role someone holds (met), or not (not met)."""
    roles = inputs.roles
    title = DUTY_TITLES[code]
    role_id = roles.duties.get(code)
    duties = reverse("roles:duty_list")
    fix = Link("Assign the duty", reverse("roles:duty_edit", kwargs={"code": code}))
    if role_id is None:
        return Result(code, title, Verdict.NOT_MET, f"{code} not met: the duty is not assigned to any role.",
                      [Link("Duties", duties)], fix)
    role_title = roles.role_titles.get(role_id, f"role #{role_id}")
    role = Link(f"Role “{role_title}”", reverse("roles:role_detail", kwargs={"pk": role_id}))
    if role_id not in roles.held_role_ids:
        return Result(code, title, Verdict.NOT_MET, f"{code} not met: it is assigned to “{role_title}”, "
                      "which nobody holds.", [role], Link("Assign a holder", reverse(
                          "roles:assignment_create", kwargs={"pk": role_id})))
    return Result(code, title, Verdict.MET, f"{code} met: assigned to “{role_title}”, which is held.", [role])


def objectives_rule(inputs: ReadinessInputs) -> Result:
    """6.2: objectives exist, each measured recently and none off track (met); some stale or off track or not
    measured (at risk); none at all (not met)."""
    title = "Quality objectives are set, measured and on track"
    t, objectives = inputs.thresholds, inputs.leadership.objectives
    thresholds = [f"Each measured within {t.measurement_freshness_days} days"]
    listing = Link("Quality objectives", reverse("leadership:objective_list"))
    if not objectives:
        return Result("6.2", title, Verdict.NOT_MET, "6.2 not met: no quality objective is set.", [listing],
                      Link("Set an objective", reverse("leadership:objective_create")), thresholds)
    oldest = inputs.day - dt.timedelta(days=t.measurement_freshness_days)
    stale = [o for o in objectives if o.latest_measured_on is None or o.latest_measured_on < oldest]
    off = [o for o in objectives if o.state == ObjectiveState.OFF_TRACK]
    problems = []
    if off:
        problems.append(f"{_plural(len(off), 'objective')} off track: " + ", ".join(o.title for o in off))
    if stale:
        problems.append(f"{_plural(len(stale), 'objective')} not measured within {t.measurement_freshness_days} "
                        "days: " + ", ".join(o.title for o in stale))
    records = [Link(o.title, reverse("leadership:objective_detail", kwargs={"pk": o.pk}))
               for o in (off + stale or objectives)[:5]]
    if not problems:
        return Result("6.2", title, Verdict.MET, f"6.2 met: {_plural(len(objectives), 'objective')}, all measured "
                      "recently and none off track.", [listing, *records], thresholds=thresholds)
    worst = (off + stale)[0]
    fix = Link(f"Open “{worst.title}”", reverse("leadership:objective_detail", kwargs={"pk": worst.pk}))
    return Result("6.2", title, Verdict.AT_RISK, "6.2 at risk: " + "; ".join(problems) + ".", [listing, *records],
                  fix, thresholds)


def _months_after(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def review_rule(inputs: ReadinessInputs) -> Result:
    """9.3: a management review was held within the interval (met); the interval runs out within the warning
    days with none planned before, a planned review's date passed without it being held, or review actions are
    overdue (at risk); none held within it (not met)."""
    title = "Management reviews are held at planned intervals"
    t, day = inputs.thresholds, inputs.day
    thresholds = [f"Interval {t.review_interval_months} months; warning {t.review_warning_days} days before",
                  "No review action overdue"]
    reviews = inputs.leadership.reviews
    held = [r for r in reviews if r.held_on is not None]
    planned = [r for r in reviews if r.held_on is None and r.planned_on >= day]
    listing = Link("Management reviews", reverse("leadership:review_list"))
    plan = Link("Plan a management review", reverse("leadership:review_create"))
    if not held:
        return Result("9.3", title, Verdict.NOT_MET, "9.3 not met: no management review has been held.",
                      [listing], planned and Link("Open the planned review", _review_url(planned[0].pk)) or plan,
                      thresholds)
    last = max(held, key=lambda r: (r.held_on, r.pk))
    assert last.held_on is not None  # noqa: S101 - held reviews have a date: says so to the type checker
    due = _months_after(last.held_on, t.review_interval_months)
    records = [Link(f"{last.title}, held {_day(last.held_on)}", _review_url(last.pk)), listing]
    if day > due:
        return Result("9.3", title, Verdict.NOT_MET, f"9.3 not met: the last management review was held "
                      f"{_day(last.held_on)}; the next was due by {_day(due)}.", records,
                      planned and Link("Open the planned review", _review_url(planned[0].pk)) or plan, thresholds)
    next_in_time = [r for r in planned if r.planned_on <= due]
    if (due - day).days <= t.review_warning_days and not next_in_time:
        return Result("9.3", title, Verdict.AT_RISK, f"9.3 at risk: the next management review is due by "
                      f"{_day(due)} and none is planned before then.", records, plan, thresholds)
    missed = [r for r in reviews if r.held_on is None and last.held_on < r.planned_on < day]
    if missed:
        return Result("9.3", title, Verdict.AT_RISK, f"9.3 at risk: the review planned for "
                      f"{_day(missed[0].planned_on)} has not been held.", records,
                      Link("Open the planned review", _review_url(missed[0].pk)), thresholds)
    overdue = inputs.leadership.overdue_review_actions
    if overdue:
        actions = Link("Overdue actions", reverse("leadership:action_list") + "?overdue=yes&source=review")
        return Result("9.3", title, Verdict.AT_RISK, f"9.3 at risk: last held {_day(last.held_on)}, but "
                      f"{_plural(overdue, 'action')} from reviews {'is' if overdue == 1 else 'are'} overdue.",
                      [*records, actions], actions, thresholds)
    upcoming = f"; next planned {_day(next_in_time[0].planned_on)}" if next_in_time else ""
    return Result("9.3", title, Verdict.MET, f"9.3 met: last held {_day(last.held_on)}, next due by "
                  f"{_day(due)}{upcoming}.", records, thresholds=thresholds)


def _review_url(pk: int) -> str:
    return reverse("leadership:review_detail", kwargs={"pk": pk})


def _rules() -> list[tuple[str, Callable[[ReadinessInputs], Result]]]:
    rules: list[tuple[str, Callable[[ReadinessInputs], Result]]] = []
    rules += [(code, partial(commitment_rule, code=code)) for code in COMMITMENT_IDS]
    rules += [(code, partial(policy_content_rule, requirement=code)) for code in POLICY_IDS]
    rules += [("5.2.2.a", policy_controlled_rule), ("5.2.2.b", policy_acknowledged_rule),
              ("5.2.2.c", policy_public_rule), ("5.3", roles_rule)]
    rules += [(code, partial(duty_rule, code=code)) for code in DUTY_IDS]
    rules += [("6.2", objectives_rule), ("9.3", review_rule)]
    return rules


def readiness_of(inputs: ReadinessInputs) -> Readiness:
    """Every rule run on ``inputs``, in catalogue order: no query."""
    return Readiness(inputs.day, [rule(inputs) for _, rule in _rules()])


def readiness(as_of: dt.date | None = None, *, roles: RolesOnDay | None = None) -> Readiness:
    """Clause 5 readiness as of ``as_of`` (today by default), from the records dated by then (``roles``, the roles
    on that day, when the caller read them already)."""
    return readiness_of(snapshot_load(as_of or timezone.localdate(), roles=roles))


def readiness_kept(as_of: dt.date | None = None, *, roles: RolesOnDay | None = None) -> Readiness:
    """``readiness(as_of)``, computed once for each state of the records and day (``qms_portal.records_cache``): one
    query when nothing changed since. The readiness page and the dashboard share it: whichever is seen first after a
    change computes it (with ``roles``, the roles on ``as_of`` when the caller read them already). Only today's is
    kept: a day in the past is asked for now and then, and keeping one for every day anyone picks would fill the
    cache for nothing."""
    today = timezone.localdate()
    day = as_of or today
    if day != today:
        return readiness(day, roles=roles)
    return cached_on_records("leadership.readiness", partial(readiness, day, roles=roles), day=today)


def snapshot_store(day: dt.date | None = None) -> ReadinessSnapshot:
    """Compute readiness for ``day`` (today by default) and keep it, replacing that day's earlier snapshot: safe to
    run twice."""
    found = readiness(day)
    counts = found.counts()
    snapshot, _ = ReadinessSnapshot.objects.update_or_create(day=found.as_of, defaults={
        "met": counts[Verdict.MET], "at_risk": counts[Verdict.AT_RISK], "not_met": counts[Verdict.NOT_MET],
        "verdicts": {r.requirement: str(r.verdict) for r in found.results},
    })
    return snapshot


def thresholds_save(*, form: Any, by: Any, reason: str) -> ReadinessSettings:
    """Save the organisation's thresholds from a valid ``ReadinessSettingsForm``, with ``reason`` on the trail."""
    require_capability(by, Capability.MANAGE_ORGANISATION, doing="change the readiness thresholds")
    with transaction.atomic(), audit_context(actor=by, reason=reason):
        saved: ReadinessSettings = form.save()
    return saved


def thresholds_row() -> ReadinessSettings:
    """The thresholds' row to edit, unsaved with the defaults when never edited."""
    return ReadinessSettings.objects.first() or ReadinessSettings()


def snapshots_backfill(*, until: dt.date, weeks: int = 52) -> int:
    """Keep a snapshot for ``until`` and each of the ``weeks`` weeks before it, computed from the dated records (the
    demo's replayed history): about fifteen queries a snapshot. Returns how many were stored."""
    days = [until - dt.timedelta(weeks=n) for n in range(weeks, -1, -1)]
    for day in days:
        snapshot_store(day)
    return len(days)


def snapshots_since(day: dt.date) -> list[ReadinessSnapshot]:
    """The kept snapshots from ``day`` on, oldest first, for trends (the dashboard's chart and its 30/90-day moves):
    one query."""
    return list(ReadinessSnapshot.objects.filter(day__gte=day).order_by("day"))


def snapshots_state() -> tuple[int, dt.datetime | None]:
    """How many snapshots are kept and when the latest was computed: what names their state for a value computed
    from them and kept (snapshots are not on the audit trail). One query."""
    state = ReadinessSnapshot.objects.aggregate(count=Count("pk"), latest=Max("computed_at"))
    return state["count"], state["latest"]
