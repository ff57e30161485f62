"""Measure SQL queries and server time of the main pages, with few and with many records.

usage: .venv/bin/python scripts/measure.py [--repeat 7]

Builds a throw-away SQLite database in a temporary folder (the demo organisation), measures each
page, grows the data (people to 500, then the acknowledgement audience to 2,000), measures again,
and prints a table: page, records, SQL queries, median milliseconds. Nothing is asserted here: the
tests guard the query counts; this prints the figures.

A second table times the RACI matrix page (issue 4): the demo matrix, then the matrix grown to 400
activities x 120 roles, for the quality manager (every cell a link to its editor) and for an employee.
"""
import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="qms-measure-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qms_portal.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

# How a page is timed, shared with `make bench` (scripts/bench.py).
from page_timing import page_measure as measure  # noqa: E402
from page_timing import signed_in_client  # noqa: E402

from policy.acknowledgements import campaign_audience  # noqa: E402
from policy.models import PolicyVersion, VersionStatus  # noqa: E402
from qms_portal.access import PortalRole  # noqa: E402
from qms_portal.audit import audit_context  # noqa: E402
from qms_portal.models import OrgUnit, User  # noqa: E402
from roles.models import Activity, Process, RaciCell, Role, RoleAssignment  # noqa: E402


def add_staff(count: int) -> None:
    """``count`` more employees, spread over the departments (audited one by one, as the portal does)."""
    units = list(OrgUnit.objects.filter(kind="department"))
    password = make_password(None)
    start = User.objects.count()
    with audit_context(actor="measure"):
        people = [
            User.objects.create(
                username=f"staff{start + n}", full_name=f"Staff Member {start + n}", password=password,
                org_unit=units[n % len(units)],
            )
            for n in range(count)
        ]
        Group.objects.get(name=PortalRole.EMPLOYEE).user_set.add(*people)


def grow_raci_matrix(activities: int, roles: int) -> None:
    """Grow the RACI matrix to ``activities`` rows and ``roles`` columns, every new role held and every new
    activity with an A and an R (audited one by one, as the portal does; one transaction, for speed)."""
    units = list(OrgUnit.objects.filter(kind="department")) or [OrgUnit.objects.create(name="Operations", code="ops")]
    people = list(User.objects.filter(is_active=True)[:50])
    start = timezone.localdate().replace(day=1)
    with transaction.atomic(), audit_context(actor="measure"):
        for n in range(Role.objects.count(), roles):
            role = Role.objects.create(title=f"Measured role {n:03}", org_unit=units[n % len(units)])
            RoleAssignment.objects.create(role=role, person=people[n % len(people)], starts_on=start)
        role_ids = list(Role.objects.values_list("pk", flat=True))
        processes = [
            Process.objects.create(name=f"Measured process {n}", code=f"measured-{n}", owner_role_id=role_ids[n])
            for n in range(8)
        ]
        for n in range(Activity.objects.count(), activities):
            activity = Activity.objects.create(process=processes[n % 8], position=n, name=f"Measured activity {n:03}")
            RaciCell.objects.create(activity=activity, role_id=role_ids[n % len(role_ids)], letter="A")
            RaciCell.objects.create(activity=activity, role_id=role_ids[(n + 7) % len(role_ids)], letter="R")


def measure_matrix(repeat: int) -> None:
    """The RACI matrix page for the quality manager and an employee, with the demo matrix and with 400 x 120."""
    clients = {}
    for username in ("quality", "employee"):
        clients[username] = signed_in_client(username)
    rows = []

    def snapshot(label: str) -> None:
        size = f"{Activity.objects.count()} x {Role.objects.count()}"
        for username, client in clients.items():
            client.get("/roles/matrix/")  # warm up: templates compiled, the session read once
            queries, ms = measure(client, "/roles/matrix/", repeat)
            rows.append((label, size, username, queries, ms))

    snapshot("demo")
    grow_raci_matrix(400, 120)
    snapshot("400 x 120")
    print()
    print(f"{'RACI matrix':<12} {'activities x roles':<19} {'signed in as':<13} {'queries':>8} {'median ms':>10}")
    for label, size, username, queries, ms in rows:
        print(f"{label:<12} {size:<19} {username:<13} {queries:>8} {ms:>10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    repeat = parser.parse_args().repeat

    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    client = signed_in_client("quality")
    version = PolicyVersion.objects.get(document__reference="QP-01", status=VersionStatus.PUBLISHED)
    report = f"/policies/QP-01/v{version.number}/acknowledgements/"
    pages = {
        "home (quality manager)": "/",
        "people list": "/people/",
        "audit trail": "/audit/",
        "policy list": "/policies/",
        "policy page QP-01": "/policies/QP-01/",
        "acknowledgement report": report,
    }

    rows = []

    def snapshot(label: str) -> None:
        people = User.objects.count()
        asked = campaign_audience(version.campaign).count()
        for name, url in pages.items():
            queries, ms = measure(client, url, repeat)
            rows.append((label, name, people, asked, queries, ms))

    snapshot("demo")
    add_staff(500 - User.objects.count())
    snapshot("500 people")
    add_staff(2000 - campaign_audience(version.campaign).count())
    snapshot("2,000 asked")

    print(f"{'data':<12} {'page':<26} {'people':>7} {'asked':>6} {'queries':>8} {'median ms':>10}")
    for label, name, people, asked, queries, ms in rows:
        print(f"{label:<12} {name:<26} {people:>7} {asked:>6} {queries:>8} {ms:>10.1f}")

    measure_matrix(repeat)


if __name__ == "__main__":
    main()
