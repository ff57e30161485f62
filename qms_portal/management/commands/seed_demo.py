"""Build the demo organisation: a valve and pump manufacturer with 8 departments and 40 people.

Into an empty audit trail the demo is replayed as a history, oldest first, on a simulated clock
(``qms_portal.demo.History``): the organisation and its staff were entered about two years ago, the auditor's
account a fortnight ago, and each app plans its own events on the same history.

``--scale large`` grows the same history into a large organisation (``qms_portal.demo.Scale``): 5,000 people in 40
departments on 4 sites, written through the bulk business functions (every record with its trail entry), on a
three-year history; each app's step grows its own records on the same clock. ``--people N`` builds a smaller one
with every count in proportion. Run on a database holding the demo already, the large records are added at the
present time (the trail is not replayed into).

Idempotent: records are found by their natural keys and changed only where they differ, so a
second run writes nothing (and adds nothing to the audit trail). Apps add their own records through
steps they register with ``qms_portal.demo.demo_register`` (the core imports no app); the steps plan
their events after the core's, all play in the same transaction, and must be idempotent too.
"""
import datetime as dt
import itertools
import time
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser
from django.db import models, transaction

from qms_portal.access import PortalRole
from qms_portal.accounts import people_create_bulk, people_deactivate_bulk
from qms_portal.audit import AuditEntry, audit_context, audit_verify
from qms_portal.demo import DEMO, History, Scale, StaffChange, demo_steps, staff_changes
from qms_portal.models import (
    Channel,
    NotificationPreference,
    Organisation,
    OrgUnit,
    OrgUnitKind,
    OutboxEmail,
    OutboxStatus,
    User,
)
from qms_portal.notifications import notification_preferences_save, reminder_kinds_reaching

DEMO_PASSWORD = "Demo-Portal-2026"  # noqa: S105 - documented in the README, for the demo only

ORGANISATION: dict[str, object] = {
    "name": "Calder Valve & Pump Ltd",
    "scope_statement": (
        "Design, machining, assembly and testing of industrial valves and centrifugal pumps for the water, "
        "chemical and energy sectors, at the Halifax works and the Brighouse assembly plant, including "
        "after-sales repair and spares."
    ),
    "time_zone": "Europe/London",
    # So that anyone trying the demo signs in with the password alone; the settings page warns that it is off.
    "second_factor_required": False,
}

# code, name, kind, parent code
UNITS = [
    ("HFX", "Halifax works", OrgUnitKind.SITE, None),
    ("BRG", "Brighouse assembly plant", OrgUnitKind.SITE, None),
    ("EXEC", "Executive board", OrgUnitKind.DEPARTMENT, "HFX"),
    ("QA", "Quality assurance", OrgUnitKind.DEPARTMENT, "HFX"),
    ("ENG", "Engineering", OrgUnitKind.DEPARTMENT, "HFX"),
    ("MACH", "Machining", OrgUnitKind.DEPARTMENT, "HFX"),
    ("ASSY", "Assembly and test", OrgUnitKind.DEPARTMENT, "BRG"),
    ("SCM", "Supply chain", OrgUnitKind.DEPARTMENT, "BRG"),
    ("SALES", "Sales and customer service", OrgUnitKind.DEPARTMENT, "HFX"),
    ("HRF", "People and finance", OrgUnitKind.DEPARTMENT, "HFX"),
]

TM, QM, PO, EMP, AUD = (
    PortalRole.TOP_MANAGEMENT,
    PortalRole.QUALITY_MANAGER,
    PortalRole.PROCESS_OWNER,
    PortalRole.EMPLOYEE,
    PortalRole.AUDITOR,
)

# username, full name, job title, unit code, roles. The first five are the demo log-ins.
PEOPLE = [
    ("director", "Helen Marsh", "Managing Director", "EXEC", [TM, EMP]),
    ("quality", "Priya Nair", "Quality Manager", "QA", [QM, EMP]),
    ("owner", "Tom Ashworth", "Production Manager", "MACH", [PO, EMP]),
    ("employee", "Jamie Clarke", "CNC Machinist", "MACH", [EMP]),
    ("auditor", "Rachel Okafor", "Lead Auditor, Northern Certification Services", None, [AUD]),
    ("d.whitaker", "David Whitaker", "Operations Director", "EXEC", [TM, EMP]),
    ("s.hussain", "Sana Hussain", "Finance Director", "EXEC", [TM, EMP]),
    ("m.booth", "Martin Booth", "Quality Engineer", "QA", [EMP]),
    ("l.fenwick", "Laura Fenwick", "Quality Inspector", "QA", [EMP]),
    ("a.kowalski", "Adam Kowalski", "Metrology Technician", "QA", [EMP]),
    ("c.lister", "Claire Lister", "Engineering Manager", "ENG", [PO, EMP]),
    ("r.patel", "Ravi Patel", "Design Engineer", "ENG", [EMP]),
    ("e.sutcliffe", "Emma Sutcliffe", "Design Engineer", "ENG", [EMP]),
    ("j.greenwood", "James Greenwood", "CAD Technician", "ENG", [EMP]),
    ("n.ahmed", "Nadia Ahmed", "Process Engineer", "ENG", [EMP]),
    ("p.holroyd", "Paul Holroyd", "Machining Supervisor", "MACH", [EMP]),
    ("k.brennan", "Kieran Brennan", "CNC Machinist", "MACH", [EMP]),
    ("s.barker", "Steven Barker", "CNC Programmer", "MACH", [EMP]),
    ("l.moss", "Lucy Moss", "Machine Operator", "MACH", [EMP]),
    ("g.thornton", "Gary Thornton", "Machine Operator", "MACH", [EMP]),
    ("v.novak", "Viktor Novak", "Maintenance Technician", "MACH", [EMP]),
    ("h.wood", "Hannah Wood", "Assembly Manager", "ASSY", [PO, EMP]),
    ("b.riley", "Ben Riley", "Assembly Fitter", "ASSY", [EMP]),
    ("o.adeyemi", "Olu Adeyemi", "Assembly Fitter", "ASSY", [EMP]),
    ("f.crowther", "Fiona Crowther", "Test Technician", "ASSY", [EMP]),
    ("i.mahmood", "Imran Mahmood", "Test Technician", "ASSY", [EMP]),
    ("t.walsh", "Tracy Walsh", "Packing and Dispatch Lead", "ASSY", [EMP]),
    ("r.dawson", "Rebecca Dawson", "Supply Chain Manager", "SCM", [PO, EMP]),
    ("c.morgan", "Chris Morgan", "Buyer", "SCM", [EMP]),
    ("y.chen", "Yan Chen", "Supplier Quality Engineer", "SCM", [EMP]),
    ("w.jagger", "Wayne Jagger", "Stores Controller", "SCM", [EMP]),
    ("k.oconnor", "Katie O'Connor", "Sales Manager", "SALES", [PO, EMP]),
    ("m.firth", "Mark Firth", "Account Manager", "SALES", [EMP]),
    ("z.begum", "Zara Begum", "Customer Service Coordinator", "SALES", [EMP]),
    ("a.haigh", "Andrew Haigh", "Applications Engineer", "SALES", [EMP]),
    ("j.pearson", "Julie Pearson", "HR Manager", "HRF", [PO, EMP]),
    ("d.kaur", "Deepa Kaur", "Training Coordinator", "HRF", [EMP]),
    ("s.ellis", "Simon Ellis", "Management Accountant", "HRF", [EMP]),
    ("l.garside", "Lee Garside", "Health and Safety Advisor", "HRF", [EMP]),
    ("former.employee", "Gordon Hartley", "Retired Toolmaker", "MACH", [EMP]),
]
INACTIVE = {"former.employee"}
# Who reports to whom (username: manager's username): escalated actions and overdue acknowledgements reach the
# manager. The employee reports to the production manager, a demo log-in, so that the owner sees a manager's summary.
MANAGERS = {
    "quality": "director", "d.whitaker": "director", "s.hussain": "director", "k.oconnor": "director",
    "owner": "d.whitaker", "c.lister": "d.whitaker", "h.wood": "d.whitaker", "r.dawson": "d.whitaker",
    "m.booth": "quality", "l.fenwick": "quality", "a.kowalski": "quality",
    "r.patel": "c.lister", "e.sutcliffe": "c.lister", "j.greenwood": "c.lister", "n.ahmed": "c.lister",
    "employee": "owner", "p.holroyd": "owner",
    "k.brennan": "p.holroyd", "s.barker": "p.holroyd", "l.moss": "p.holroyd", "g.thornton": "p.holroyd",
    "v.novak": "p.holroyd", "former.employee": "p.holroyd",
    "b.riley": "h.wood", "o.adeyemi": "h.wood", "f.crowther": "h.wood", "i.mahmood": "h.wood", "t.walsh": "h.wood",
    "c.morgan": "r.dawson", "y.chen": "r.dawson", "w.jagger": "r.dawson",
    "m.firth": "k.oconnor", "z.begum": "k.oconnor", "a.haigh": "k.oconnor",
    "j.pearson": "s.hussain", "s.ellis": "s.hussain", "d.kaur": "j.pearson", "l.garside": "j.pearson",
}
# The large organisation's two more sites and its departments beyond the demo's eight (named by function, numbered).
LARGE_SITES = [("LDS", "Leeds service centre"), ("SHF", "Sheffield foundry")]
LARGE_FUNCTIONS = ["Machining cell", "Assembly line", "Foundry shop", "Test bay", "Service team", "Warehouse",
                   "Maintenance crew", "Logistics team"]
LARGE_FIRST = ["Aisha", "Ben", "Chloe", "Daniel", "Ella", "Farid", "Grace", "Harry", "Isla", "Jack", "Kavya", "Liam",
               "Maya", "Noah", "Olivia", "Piotr", "Quinn", "Ruby", "Sam", "Tara", "Umar", "Violet", "Will", "Xin",
               "Yusuf", "Zoe", "Amir", "Beth", "Conor", "Dina", "Ewan", "Freya", "Gareth", "Hana", "Ivan", "Jess"]
LARGE_LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
              "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
              "Khan", "Lewis", "Harris", "Martin", "Cooper", "Hill", "Ward", "Hughes", "Moore", "Kaur", "Novak"]
# The demo's people who head its departments in the large organisation: its new staff report to them.
DEPARTMENT_HEADS = {"EXEC": "director", "QA": "quality", "ENG": "c.lister", "MACH": "owner", "ASSY": "h.wood",
                    "SCM": "r.dawson", "SALES": "k.oconnor", "HRF": "j.pearson"}
LARGE_REASON = "Demo data: the large organisation's staff"
LEAVERS_REASON = "Demo data: the large organisation's leavers"
STARTERS_REASON = "Demo data: the large organisation's starters"

AUDITOR_ACCESS_DAYS = 90
DIGEST_PERSON = "director"  # chose the daily digest for every reminder
AUDITOR_ACCOUNT_DAYS_AGO = 14  # the certification body's auditor was given access ahead of the audit


def _update(instance: models.Model, **values: object) -> bool:
    """Set ``values`` on ``instance`` and save only if something differs; True when saved."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    if instance.pk is None or changed:
        instance.save()
        return True
    return False


class Command(BaseCommand):
    help = "Create (or complete) the demo organisation, its people and the five demo log-ins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when anyone already has an account.")
        parser.add_argument("--scale", choices=["demo", "large"], default="demo",
                            help="demo: 40 people (the default); large: 5,000 people and three years of history.")
        parser.add_argument("--people", type=int, default=None,
                            help="With --scale large: this many people, every other count in proportion.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and User.objects.exists():
            if options["verbosity"]:
                self.stdout.write("People already exist; demo data not loaded.")
            return
        scale = DEMO
        if options["scale"] == "large":
            scale = Scale.large(max(len(PEOPLE), options["people"] or 5000))
        elif options["people"] is not None:
            raise ValueError("--people goes with --scale large.")
        verbose = bool(options["verbosity"])
        started = time.monotonic()

        def progress(line: str) -> None:
            if verbose:
                self.stdout.write(line)
                self.stdout.flush()

        with transaction.atomic(), audit_context(actor="seed_demo", reason="Demo data"):
            history = History(replay=not AuditEntry.objects.exists(), zone=ZoneInfo(str(ORGANISATION["time_zone"])),
                              scale=scale, progress=progress)
            history.on(history.start, self._organisation, hour=9, stage="organisation")
            units: dict[str, OrgUnit] = {}
            history.on(history.start, lambda: units.update(self._units()), hour=9, stage="organisation")
            staff = [row for row in PEOPLE if AUD not in row[4]]
            history.on(history.start, lambda: self._people(units, staff, today=history.today), hour=9, minute=30,
                       stage="people")
            history.on(history.start, self._digest_chosen, hour=9, minute=45, stage="people")
            if scale.is_large:
                history.on(history.start, lambda: units.update(self._large_units(units, scale)), hour=9,
                           stage="people")
                history.on(history.start, lambda: self._large_people(units, scale), hour=9, minute=45,
                           stage="people")
                left: dict[int, list[User]] = {}
                for change in staff_changes(history):
                    history.on(change.leave_on, partial(self._leavers, change, scale, left), hour=17,
                               stage="staff turnover")
                    history.on(change.start_on, partial(self._starters, change, left), hour=8, minute=30,
                               stage="staff turnover")
            history.on(history.today - dt.timedelta(days=AUDITOR_ACCOUNT_DAYS_AGO),
                       lambda: self._people(units, [row for row in PEOPLE if AUD in row[4]], today=history.today),
                       stage="people")
            for step in demo_steps():
                history.stage = step.name
                step.run(password=DEMO_PASSWORD, history=history)
            progress(f"Planned the {scale.name} organisation's history from {history.start} "
                     f"({time.monotonic() - started:.1f} s); playing it.")
            mail_before = OutboxEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            summaries = history.play()
            if scale.is_large and history.replay:
                self._past_mail_settled(after=mail_before)
            played = time.monotonic()
        committed = time.monotonic()
        if verbose and scale.is_large:
            for stage, events, seconds in history.stage_times():
                self.stdout.write(f"  {stage:<28} {events:>6} events {seconds:8.1f} s")
            checked = audit_verify()
            self.stdout.write(
                f"Played in {played - started:.1f} s, committed in {committed - played:.1f} s; the audit trail holds "
                f"{AuditEntry.objects.count()} entries and "
                + ("verifies" if checked.ok else f"DOES NOT VERIFY: {checked}")
                + f" ({time.monotonic() - committed:.1f} s); {time.monotonic() - started:.1f} s in all."
            )
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(
                f"Demo organisation ready: {len(units)} org units, {User.objects.count()} people. "
                f"Demo log-ins: director, quality, owner, employee, auditor (password {DEMO_PASSWORD})."
            ))
            for summary in filter(None, summaries):
                self.stdout.write(summary)

    def _past_mail_settled(self, *, after: int) -> None:
        """The large organisation's e-mails of its replayed past (the reviews' invitations, hundreds of them) are
        dropped unsent: whoever builds it wants no console or mailbox full of years-old invitations, and an outbox
        row saying "sent" would be untrue. The notifications themselves stay (the bell shows them as of old); the
        demo's own scale sends its few, which ``make run`` shows on the console. Only the e-mails the replay wrote
        (ids above ``after``) go: mail queued on the database before is left to be sent."""
        OutboxEmail.objects.filter(pk__gt=after, status=OutboxStatus.QUEUED).delete()

    def _organisation(self) -> None:
        _update(Organisation.current(), **ORGANISATION)

    def _digest_chosen(self) -> None:
        """The demo's managing director takes her reminders in one daily digest (the others keep the defaults), so
        that the console shows a digest after ``make run``."""
        director = User.objects.get(username=DIGEST_PERSON)
        reaching = reminder_kinds_reaching(director)
        chosen = dict(NotificationPreference.objects.filter(person=director).values_list("kind", "channel"))
        if any(chosen.get(kind.name) != Channel.DIGEST for kind in reaching):
            notification_preferences_save(person=director, channels={kind.name: Channel.DIGEST for kind in reaching})

    def _units(self) -> dict[str, OrgUnit]:
        units: dict[str, OrgUnit] = {}
        for code, name, kind, parent in UNITS:
            unit = OrgUnit.objects.filter(code=code).first() or OrgUnit(code=code)
            _update(unit, name=name, kind=kind, parent=units.get(parent) if parent else None)
            units[code] = unit
        return units

    def _large_units(self, units: dict[str, OrgUnit], scale: Scale) -> dict[str, OrgUnit]:
        """The large organisation's further sites and its departments beyond the demo's, spread over the sites."""
        added: dict[str, OrgUnit] = {}
        sites = [code for code, _, kind, _ in UNITS if kind == OrgUnitKind.SITE]
        for code, name in LARGE_SITES[: max(0, scale.sites - len(sites))]:
            unit = OrgUnit.objects.filter(code=code).first() or OrgUnit(code=code)
            _update(unit, name=name, kind=OrgUnitKind.SITE, parent=None)
            added[code] = unit
        sites += list(added)
        demo_departments = sum(1 for *_, kind, _ in UNITS if kind == OrgUnitKind.DEPARTMENT)
        for n in range(max(0, scale.departments - demo_departments)):
            code = f"D{n + 1:02}"
            unit = OrgUnit.objects.filter(code=code).first() or OrgUnit(code=code)
            site = {**units, **added}[sites[n % len(sites)]]
            _update(unit, name=f"{LARGE_FUNCTIONS[n % len(LARGE_FUNCTIONS)]} {n // len(LARGE_FUNCTIONS) + 1}",
                    kind=OrgUnitKind.DEPARTMENT, parent=site)
            added[code] = unit
        return added

    def _large_people(self, units: dict[str, OrgUnit], scale: Scale) -> None:
        """Staff up to ``scale.people`` (the demo's included), in every department: each new department headed by
        its first person, who reports to the operations director; everyone else reports to their department's
        head. Written in bulk (``people_create_bulk``), once: people already there are not added again."""
        have = User.objects.filter(username__startswith="large").count()
        wanted = max(0, scale.people - len(PEOPLE))
        if have >= wanted:
            return
        departments = [unit for unit in units.values() if unit.kind == OrgUnitKind.DEPARTMENT]
        units_by_pk = {unit.pk: unit for unit in departments}
        employee = Group.objects.get(name=EMP)
        by_name = {person.username: person for person in User.objects.filter(
            username__in=[*DEPARTMENT_HEADS.values(), "d.whitaker"])}
        heads = {unit.code: by_name[DEPARTMENT_HEADS[unit.code]] for unit in departments
                 if unit.code in DEPARTMENT_HEADS}
        def person(n: int, unit: OrgUnit, manager: User, title: str) -> User:
            first, last = LARGE_FIRST[n % len(LARGE_FIRST)], LARGE_LAST[n // len(LARGE_FIRST) % len(LARGE_LAST)]
            return User(username=f"large{n:04}", full_name=f"{first} {last}", job_title=title,
                        email=f"large{n:04}@calder-valve.example", org_unit=unit, manager=manager)

        numbers = iter(range(have, wanted))
        new_heads = []
        for unit in departments:
            if unit.code not in heads:
                n = next(numbers, None)
                if n is None:
                    break
                new_heads.append(person(n, unit, by_name["d.whitaker"], f"Head of {unit.name}"))
        for head in people_create_bulk(people=new_heads, roles=[employee], reason=LARGE_REASON):
            heads[units_by_pk[int(head.org_unit_id or 0)].code] = head
        staffed = [unit for unit in departments if unit.code in heads]
        staff = [person(n, unit, heads[unit.code], "Operator")
                 for n, unit in zip(numbers, (staffed[i % len(staffed)] for i in itertools.count()), strict=False)]
        people_create_bulk(people=staff, roles=[employee], reason=LARGE_REASON)

    @staticmethod
    def _starters_of(change: StaffChange) -> str:
        return f"large-m{change.month:02}-"

    def _leavers(self, change: StaffChange, scale: Scale, left: dict[int, list[User]]) -> None:
        """A month's leavers: ``scale.turnover`` of the large organisation's staff in a year, spread over the
        departments (operators only: the heads stay), deactivated together at the end of a Friday. Once: a month
        whose starters are there is done."""
        if User.objects.filter(username__startswith=self._starters_of(change)).exists():
            return
        staff = list(User.objects.filter(username__startswith="large", is_active=True, job_title="Operator")
                     .order_by("pk"))
        count = min(len(staff), round((scale.people - len(PEOPLE)) * scale.turnover / 12))
        if count <= 0:
            return
        step = len(staff) // count
        leavers = staff[change.month * 7 % step::step][:count]
        people_deactivate_bulk(people=leavers, reason=LEAVERS_REASON)
        left[change.month] = leavers

    def _starters(self, change: StaffChange, left: dict[int, list[User]]) -> None:
        """The month's starters, one for each leaver, in the leaver's department and reporting to their manager."""
        leavers = left.get(change.month, [])
        if not leavers or User.objects.filter(username__startswith=self._starters_of(change)).exists():
            return
        starters = []
        for k, leaver in enumerate(leavers):
            n = change.month * 11 + k * 5
            first, last = LARGE_FIRST[n % len(LARGE_FIRST)], LARGE_LAST[(n // 3 + k) % len(LARGE_LAST)]
            username = f"{self._starters_of(change)}{k + 1:03}"
            starters.append(User(username=username, full_name=f"{first} {last}", job_title="Operator",
                                 email=f"{username}@calder-valve.example", org_unit_id=leaver.org_unit_id,
                                 manager_id=leaver.manager_id))
        people_create_bulk(people=starters, roles=[Group.objects.get(name=EMP)], reason=STARTERS_REASON)

    def _people(self, units: dict[str, OrgUnit], rows: list[Any], *, today: dt.date) -> list[User]:
        """Create or complete ``rows`` of ``PEOPLE``; ``today`` is the real day of seeding, which the auditor's
        access runs from (the clock may stand in the demo's past)."""
        groups = {group.name: group for group in Group.objects.filter(name__in=PortalRole.values)}
        password_hash = None
        people = []
        for username, full_name, job_title, unit, roles in rows:
            person = User.objects.filter(username=username).first()
            if person is None:
                password_hash = password_hash or make_password(DEMO_PASSWORD)
                person = User(username=username, password=password_hash)
            expires = None
            if AUD in roles:
                # Kept while it lies ahead, so that running the seed again changes nothing; renewed once passed.
                expires = person.access_expires_on
                if expires is None or expires < today:
                    expires = today + dt.timedelta(days=AUDITOR_ACCESS_DAYS)
            _update(
                person,
                full_name=full_name,
                job_title=job_title,
                email=f"{username}@calder-valve.example",
                org_unit=units.get(unit) if unit else None,
                is_active=username not in INACTIVE,
                access_expires_on=expires,
            )
            wanted = {groups[role] for role in roles}
            if set(person.groups.all()) != wanted:
                person.groups.set(wanted)
            people.append(person)
        # Managers once everyone in ``rows`` exists (a manager may come later in the list than their reports).
        usernames = {person.username: person for person in people}
        for person in people:
            manager_name = MANAGERS.get(person.username)
            manager = usernames.get(manager_name) if manager_name else None
            if manager_name and manager is None:
                manager = User.objects.filter(username=manager_name).first()
            _update(person, manager=manager)
        return people
