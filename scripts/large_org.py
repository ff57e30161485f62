"""A large organisation for measurements only: 2,000 more people (each with an e-mail address) in 12 more
departments, the roles grown to 120 and the activities to 400 with every cell of the RACI matrix filled (48,000
letters), each new person holding a role and two in three of them having acknowledged it.

usage: seed the demo into the database first (``manage.py migrate && manage.py seed_demo``), then
``DATABASE_URL=... .venv/bin/python scripts/large_org.py`` (or ``scripts/measure_evidence_pack.py --build-large``).
Takes well under a minute.

The rows are written with ``models.QuerySet(model=M).bulk_create``, which goes around the audit trail's refusal of
bulk writes: acceptable ONLY in this throw-away measurement data (none of these rows has an audit entry); the portal
itself never writes this way (issue 15 adds an audited bulk path).
"""
from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qms_portal.settings")

PEOPLE = 2000
DEPARTMENTS = 12
ROLES = 120
ACTIVITIES = 400
PROCESSES = 10


@dataclass(frozen=True)
class Size:
    """How large to grow the demo: people and departments added; roles and activities as totals, the demo's
    included. ``make bench QUICK=1`` passes a smaller one."""

    people: int = PEOPLE
    departments: int = DEPARTMENTS
    roles: int = ROLES
    activities: int = ACTIVITIES
    processes: int = PROCESSES


def large_org_build(size: Size = Size()) -> str:
    """Grow the seeded demo into the large organisation (once: a database already grown is left alone)."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import models, transaction
    from django.utils import timezone

    from qms_portal.access import PortalRole
    from qms_portal.models import OrgUnit, User
    from roles.models import Activity, Process, RaciCell, Role, RoleAcknowledgement, RoleAssignment

    def bulk(model: type[models.Model]) -> models.QuerySet:
        return models.QuerySet(model=model)  # around the audited manager's bulk refusal (see the docstring)

    if User.objects.filter(username="large0000").exists():
        return "The large organisation is there already."
    with transaction.atomic():
        units = bulk(OrgUnit).bulk_create([
            OrgUnit(name=f"Production cell {n + 1:02}", code=f"CELL-{n + 1:02}") for n in range(size.departments)
        ])
        password = make_password(None)
        bulk(User).bulk_create([
            User(username=f"large{n:04}", full_name=f"Operator {n:04}", job_title="Operator", password=password,
                 email=f"large{n:04}@example.com", org_unit=units[n % size.departments])
            for n in range(size.people)
        ], batch_size=1000)
        people = list(User.objects.filter(username__startswith="large").order_by("username"))
        employees = Group.objects.get(name=PortalRole.EMPLOYEE)
        Membership = User.groups.through  # noqa: N806
        Membership.objects.bulk_create([Membership(user_id=p.pk, group_id=employees.pk) for p in people],
                                       batch_size=1000)

        existing = Role.objects.count()
        bulk(Role).bulk_create([
            Role(title=f"Cell operator {n:03}", org_unit=units[n % size.departments],
                 purpose="Runs a production cell to the work instructions.",
                 responsibilities="Run the cell to the work instruction\nRecord output and scrap\nReport defects",
                 authorities="Stop the line on a quality concern\nQuarantine suspect product")
            for n in range(existing, size.roles)
        ])
        roles = list(Role.objects.order_by("pk"))
        for n, role in enumerate(roles[existing:], existing):
            role.reports_to_id = roles[(n - existing) // 6].pk  # a tree under the demo's own roles
        bulk(Role).bulk_update(roles[existing:], ["reports_to"])

        start = timezone.localdate() - dt.timedelta(days=500)
        bulk(RoleAssignment).bulk_create([
            RoleAssignment(role=roles[existing + n % (size.roles - existing)], person=person, starts_on=start)
            for n, person in enumerate(people)
        ], batch_size=1000)
        bulk(RoleAcknowledgement).bulk_create([
            RoleAcknowledgement(role=roles[existing + n % (size.roles - existing)], person=person,
                                revision=roles[existing + n % (size.roles - existing)].revision)
            for n, person in enumerate(people) if n % 3
        ], batch_size=1000)

        processes = bulk(Process).bulk_create([
            Process(name=f"Cell process {n + 1:02}", code=f"cell-{n + 1:02}", owner_role=roles[existing + n])
            for n in range(size.processes)
        ])
        have = Activity.objects.count()
        bulk(Activity).bulk_create([
            Activity(process=processes[n % size.processes], position=n, name=f"Cell activity {n:03} of the process")
            for n in range(have, size.activities)
        ])
        # Every cell filled: one A and two Rs per activity (so the rules hold for the new rows), C and I elsewhere.
        activities = list(Activity.objects.order_by("pk"))
        filled = set(RaciCell.objects.values_list("activity_id", "role_id"))
        owners = {activity_id for activity_id, _ in filled}
        cells = []
        for i, activity in enumerate(activities):
            for j, role in enumerate(roles):
                if (activity.pk, role.pk) in filled:
                    continue
                if activity.pk in owners:  # a demo activity keeps its own A and R; the rest consulted or informed
                    letter = "C" if (i + j) % 3 == 0 else "I"
                elif j == i % size.roles:
                    letter = "A"
                elif j in ((i + 1) % size.roles, (i + 2) % size.roles):
                    letter = "R"
                else:
                    letter = "C" if (i + j) % 3 == 0 else "I"
                cells.append(RaciCell(activity=activity, role=role, letter=letter))
        bulk(RaciCell).bulk_create(cells, batch_size=2000)
    return (f"Large organisation: {User.objects.count()} people, {OrgUnit.objects.count()} org units, "
            f"{Role.objects.count()} roles x {Activity.objects.count()} activities, "
            f"{RaciCell.objects.count()} RACI letters, {RoleAssignment.objects.count()} role assignments, "
            f"{RoleAcknowledgement.objects.count()} role acknowledgements.")


if __name__ == "__main__":
    import django

    django.setup()
    print(large_org_build())
