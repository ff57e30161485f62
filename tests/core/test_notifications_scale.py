"""The reminder sweep reads with the same number of queries for 40 and for 2,000 people (issue 14), with every kind
the apps register: a policy to acknowledge by all of them, the role each holds to acknowledge, actions due soon and
overdue (escalated to the owner's manager, or to the quality manager).

The people and their records are written in bulk (``models.QuerySet(model=M).bulk_create``, around the audit
trail's refusal of bulk writes): acceptable only in test data, none of it needs an audit entry.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leadership.models import Action
from policy.models import VersionStatus
from qms_portal.access import PortalRole
from qms_portal.models import Notification, OrgUnit, OutboxEmail, User
from qms_portal.notifications import reminders_sweep
from roles.models import RoleAssignment
from tests.core.factories import UserFactory
from tests.policy.factories import CampaignFactory, PolicyVersionFactory
from tests.roles.factories import RoleFactory

# Every fifth person owns an action due in three days, and every fifth (another one) an action three weeks overdue.
ACTION_EVERY = 5


def _bulk(model: type[models.Model]) -> models.QuerySet:
    return models.QuerySet(model=model)  # around the audited managers' refusal of bulk writes (see the docstring)


def people_add(count: int, *, roles: list, quality_manager: User, lead: User) -> None:
    """``count`` more employees, each holding one of ``roles`` for a year without acknowledging it, every fifth
    with an action, every fourth reporting to ``lead``: written in a few queries whatever ``count``."""
    first = User.objects.filter(username__startswith="scale").count()
    unit = OrgUnit.objects.get_or_create(code="SCALE", defaults={"name": "Production"})[0]
    password = make_password(None)
    _bulk(User).bulk_create([
        # Half of them without an e-mail address (told on the portal only), as on many a shop floor.
        User(username=f"scale{n:05}", full_name=f"Operator {n:05}", email=f"scale{n:05}@example.com" if n % 2 else "",
             password=password, org_unit=unit, manager=lead if n % 4 == 1 else None)
        for n in range(first, first + count)
    ])
    people = list(User.objects.filter(username__startswith="scale").order_by("username")[first:])
    employees = Group.objects.get(name=PortalRole.EMPLOYEE)
    membership = User.groups.through
    membership.objects.bulk_create([membership(user_id=person.pk, group_id=employees.pk) for person in people])
    today = timezone.localdate()
    _bulk(RoleAssignment).bulk_create([
        RoleAssignment(role=roles[n % len(roles)], person=person, starts_on=today - dt.timedelta(days=365))
        for n, person in enumerate(people)
    ])
    _bulk(Action).bulk_create([
        Action(title=f"Action of {person.username}", owner=person, created_by=quality_manager,
               due_on=today + (dt.timedelta(days=3) if n % (2 * ACTION_EVERY) == 0 else dt.timedelta(days=-21)))
        for n, person in enumerate(people) if n % ACTION_EVERY == 0
    ])


def _sweep() -> tuple[list[str], int, Counter[str]]:
    """Run the sweep: the statements it ran but its INSERTs, how many INSERTs, and what it claimed, by kind."""
    with CaptureQueriesContext(connection) as queries:
        made = reminders_sweep()
    statements = [query["sql"] for query in queries.captured_queries]
    others = [sql for sql in statements if not sql.startswith("INSERT INTO")]
    return others, len(statements) - len(others), Counter(m.reminder.kind for m in made)


def _shape(sql: list[str]) -> list[str]:
    """The statements with their values left out, to say which one came in addition when the counts differ."""
    return [re.sub(r'"s\d+_x\d+"', "(savepoint)", statement.split(" WHERE ")[0][:120]) for statement in sql]


@pytest.mark.django_db
def test_the_sweep_reads_with_the_same_queries_for_40_and_for_2000_people_and_writes_in_bulk():
    quality_manager = UserFactory(roles=[PortalRole.QUALITY_MANAGER])
    UserFactory(roles=[PortalRole.TOP_MANAGEMENT])
    CampaignFactory(version=PolicyVersionFactory(status=VersionStatus.PUBLISHED, author=quality_manager),
                    opened_at=timezone.now() - dt.timedelta(hours=1))
    roles = [RoleFactory() for _ in range(4)]
    lead = UserFactory(username="lead", roles=[PortalRole.EMPLOYEE])  # escalations of their reports go to them
    _sweep()  # the managers' own reminders (the policy, no review planned): the sweeps below claim the same kinds

    people_add(40, roles=roles, quality_manager=quality_manager, lead=lead)
    reads_40, _, claimed_40 = _sweep()
    quiet_40, _, none_40 = _sweep()  # every 15 minutes after: everything claimed already

    people_add(1960, roles=roles, quality_manager=quality_manager, lead=lead)
    reads_2000, inserts_2000, claimed_2000 = _sweep()
    quiet_2000, _, none_2000 = _sweep()

    # Each new person is reminded of the policy and of their role; one in ten of an action due soon, one in ten of
    # one overdue, escalated to the quality manager (no manager) or to the lead (their manager).
    for claimed, added in ((claimed_40, 40), (claimed_2000, 1960)):
        assert claimed["policy_acknowledgement_due"] == added
        assert claimed["role_acknowledgement_due"] == added
        assert claimed["action_due_soon"] == claimed["action_overdue"] == claimed["action_escalation"] == added // 10
    assert sorted(claimed_2000) == sorted(claimed_40)
    escalated_to = set(Notification.objects.filter(kind="action_escalation").values_list("recipient__username",
                                                                                           flat=True))
    assert escalated_to == {quality_manager.username, lead.username}
    assert Notification.objects.filter(recipient__username__startswith="scale").count() == 2 * 2000 + 2 * 200
    # Every kind's default is e-mail now: one e-mail for each notification of a person with an address.
    assert OutboxEmail.objects.count() == Notification.objects.exclude(recipient__email="").count() > 2000
    assert not none_40 and not none_2000

    assert _shape(reads_2000) == _shape(reads_40)
    assert _shape(quiet_2000) == _shape(quiet_40)
    # Written in bulk: some 4,500 reminders and 2,300 e-mails in a few dozen INSERTs (fewer rows in each on SQLite).
    assert inserts_2000 <= sum(claimed_2000.values()) * 2 / 50
