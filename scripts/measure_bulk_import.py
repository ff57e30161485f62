"""Measure a large RACI import applied through the audited bulk path against an unaudited ``bulk_create`` of the same
rows, in one run on the current database, then verify the audit trail (issue 15; ``make bench`` calls it).

usage: [DATABASE_URL=... | DATA_DIR=...] .venv/bin/python scripts/measure_bulk_import.py
       [--activities 400] [--roles 120]
       [--profile]

On the database the settings name (migrated; seeded or not), it builds a matrix of its own beside whatever is there:
one org unit, ``--roles`` roles each with a holder, 10 processes of ``--activities`` activities in all (written
through the audited bulk path, so they are in the trail like any record). It then checks and keeps an import file
giving every cell a letter (400 x 120 = 48,000 letters) and measures, one after the other (``--rounds N``: N
times, each on a new matrix, reporting the medians; on a shared machine one round can be far off):

- unaudited: ``bulk_create`` of the same 48,000 letters around the audit trail, in batches of 1,000, in a
  transaction, and its commit: the audited import counts its commit, so the floor counts its own (a transaction
  rolled back instead would skip the flush that any commit pays). The rows are then deleted, with a plain DELETE
  that writes no entry, and the table vacuumed, neither counted: the import then writes the same cells to a table
  and indexes as they were, and no row is left without its entry;
- audited: ``matrix_import_apply``, what the import's job runs: the staleness check, every letter written through
  ``audited_bulk_create`` with its entry, the chain extended in one pass, and the commit;
- the verification of the whole trail (``audit_verify``), in entries per second.

Prints a table, then one JSON line per figure: ``name``, ``value``, ``unit``, ``floor`` (the value it is compared
with, or null) and ``ratio`` (value / floor, or null). Target: the audited import within 3x the unaudited one.
The matrix and its trail entries stay in the database (entries cannot be removed): run it on a database you can
throw away, never on the portal's own.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qms_portal.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

PROCESSES = 10
TARGET_RATIO = 3.0


def _letter(activity: int, role: int, roles: int) -> str:
    """One A and two Rs per activity, the rest consulted or informed: a matrix that keeps the rules."""
    if role == activity % roles:
        return "A"
    if role in ((activity + 1) % roles, (activity + 2) % roles):
        return "R"
    return "C" if (activity + role) % 3 == 0 else "I"


def build_matrix(activities: int, roles: int) -> dict[str, Any]:
    """The bench matrix's org unit, roles (each held), processes and activities, and a quality manager to import as;
    written through the audited path."""
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from qms_portal.access import PortalRole
    from qms_portal.audit import audit_context, audited_bulk_create
    from qms_portal.models import OrgUnit, User
    from roles.models import Activity, Process, Role, RoleAssignment

    stamp = f"{time.time_ns() // 1000 % 10**10:010d}"
    reason = f"Measuring a bulk RACI import (bench {stamp})"
    with audit_context(actor="measure_bulk_import", reason=reason):
        unit = OrgUnit.objects.create(name=f"Bench {stamp}", code=f"BENCH-{stamp}")
        manager = User.objects.create_user(username=f"bench-qm-{stamp}", full_name=f"Bench quality manager {stamp}")
        manager.groups.add(Group.objects.get(name=PortalRole.QUALITY_MANAGER))
        role_rows = audited_bulk_create(Role, [
            Role(title=f"Bench role {n:03}", org_unit=unit) for n in range(roles)
        ], reason=reason)
        audited_bulk_create(RoleAssignment, [
            RoleAssignment(role=role, person=manager, starts_on=timezone.localdate() - dt.timedelta(days=30))
            for role in role_rows
        ], reason=reason)
        processes = audited_bulk_create(Process, [
            Process(name=f"Bench {stamp} process {n:02}", code=f"bench-{stamp}-{n:02}", owner_role=role_rows[0])
            for n in range(PROCESSES)
        ], reason=reason)
        activity_rows = audited_bulk_create(Activity, [
            Activity(process=processes[n % PROCESSES], position=n, name=f"Bench activity {n:03}")
            for n in range(activities)
        ], reason=reason)
    return {"unit": unit, "manager": manager, "roles": role_rows, "activities": activity_rows}


def import_file(bench: dict[str, Any]) -> bytes:
    """The import file (CSV) giving every cell of the bench matrix a letter."""
    import csv
    import io

    from roles.transfer import FIXED_HEADER, role_heading

    out = io.StringIO()
    writer = csv.writer(out)
    roles = bench["roles"]
    writer.writerow([*FIXED_HEADER, *(role_heading(role.title, bench["unit"].code) for role in roles)])
    for i, activity in enumerate(bench["activities"]):
        writer.writerow([activity.process.code, activity.process.name, activity.name,
                         *(_letter(i, j, len(roles)) for j in range(len(roles)))])
    return out.getvalue().encode("utf-8")


def remove_unaudited(activity_ids: list[int]) -> None:
    """Delete the letters the unaudited insert committed, with no entry (they never had one), and vacuum the table so
    that the audited import meets no dead rows under the same keys."""
    from django.db import connection

    from roles.models import RaciCell

    table = connection.ops.quote_name(RaciCell._meta.db_table)
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(activity_ids))
        cursor.execute(f"DELETE FROM {table} WHERE activity_id IN ({marks})", activity_ids)  # noqa: S608 (no data)
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM {table}")


def figure(name: str, value: float, unit: str, floor: float | None = None) -> dict[str, Any]:
    ratio = round(value / floor, 2) if floor else None
    return {"name": name, "value": round(value, 3), "unit": unit, "floor": floor and round(floor, 3), "ratio": ratio}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=400)
    parser.add_argument("--roles", type=int, default=120)
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure this many times, each on a matrix of its own, and give the medians")
    parser.add_argument("--profile", action="store_true",
                        help="profile the audited import too and print where its time goes (slows it down)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, models, transaction

    from qms_portal.audit import AuditEntry, audit_context, audit_verify
    from qms_portal.jobs import job_start
    from roles.models import RaciCell
    from roles.transfer import RACI_IMPORT_JOB, matrix_import_apply, matrix_import_create

    letters = args.activities * args.roles
    print(f"Database: {connection.vendor} ({connection.settings_dict['NAME']}); "
          f"trail before: {AuditEntry.objects.count():,} entries; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores", flush=True)
    taken: dict[str, list[float]] = {"built": [], "checked": [], "unaudited": [], "audited": []}
    written = 0
    for _ in range(args.rounds):
        started = time.perf_counter()
        bench = build_matrix(args.activities, args.roles)
        content = import_file(bench)
        taken["built"].append(time.perf_counter() - started)

        started = time.perf_counter()
        matrix_import = matrix_import_create(file_name="bench-matrix.csv", content=content, by=bench["manager"],
                                             reason="Measuring the bulk import")
        taken["checked"].append(time.perf_counter() - started)
        cells = matrix_import.change_set["cells"]
        assert len(cells) == letters, f"{len(cells)} changes in the import, {letters} expected"  # noqa: S101

        # Unaudited: the same rows, around the trail, committed; then removed again, untimed.
        started = time.perf_counter()
        with transaction.atomic():
            plain: models.QuerySet[RaciCell] = models.QuerySet(model=RaciCell)
            plain.bulk_create([RaciCell(activity_id=a, role_id=r, letter=after) for a, r, _, after in cells],
                              batch_size=1000)
        taken["unaudited"].append(time.perf_counter() - started)
        remove_unaudited([activity.pk for activity in bench["activities"]])

        # Audited: what the import's job runs, commit included.
        with audit_context(actor=bench["manager"]), transaction.atomic():
            matrix_import.job = job_start(kind=RACI_IMPORT_JOB, by=bench["manager"], send=False)
            matrix_import.save()
        last_entry = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        profiler = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        result = matrix_import_apply(job_id=matrix_import.job.pk)
        taken["audited"].append(time.perf_counter() - started)
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        written = AuditEntry.objects.filter(id__gt=last_entry, record_type="roles.racicell").count()
        assert result["added"] == letters and written == letters, (result, written)  # noqa: S101
    built, checked, unaudited, audited = (statistics.median(taken[key]) for key in taken)

    started = time.perf_counter()
    verified = audit_verify()
    verify_seconds = time.perf_counter() - started

    ratio = audited / unaudited
    rows = [
        ("Bench matrix built (audited bulk path)", f"{args.activities} x {args.roles}", f"{built:.2f} s"),
        ("Import file checked and kept", f"{letters:,} letters", f"{checked:.2f} s"),
        ("Unaudited bulk_create (floor)", f"{letters:,} rows", f"{unaudited:.2f} s"),
        ("Audited import applied", f"{letters:,} rows, {written:,} entries", f"{audited:.2f} s"),
        *([("  each round: floor / audited", "", "")] if args.rounds > 1 else []),
        *((f"    round {n + 1}", f"{floor:.2f} s / {full:.2f} s", f"{full / floor:.2f}x")
          for n, (floor, full) in enumerate(zip(taken["unaudited"], taken["audited"], strict=True))
          if args.rounds > 1),
        ("  ratio to the floor", f"target <= {TARGET_RATIO:g}x",
         f"{ratio:.2f}x {'met' if ratio <= TARGET_RATIO else 'MISSED'}"),
        ("Trail verified" + ("" if verified.ok else f" BROKEN: {verified.problem}"),
         f"{verified.checked:,} entries", f"{verified.checked / verify_seconds:,.0f} entries/s"),
    ]
    width = max(len(row[0]) for row in rows)
    middle = max(len(row[1]) for row in rows)
    for what, size, value in rows:
        print(f"{what:<{width}}  {size:<{middle}}  {value:>18}")
    for line in (
        figure(f"raci_import_{letters}_unaudited_bulk_create", unaudited, "s"),
        figure(f"raci_import_{letters}_audited", audited, "s", floor=unaudited),
        figure("raci_import_check", checked, "s"),
        figure("verify_audit_trail", verified.checked / verify_seconds, "entries/s"),
    ):
        print(json.dumps(line))
    return 0 if verified.ok else 1


if __name__ == "__main__":
    sys.exit(main())
