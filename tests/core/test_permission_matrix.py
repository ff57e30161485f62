"""Who gets what on every URL of the project: one table of URL x person x method with the expected answer.

The table is keyed by URL name. A URL added to the project without a row here fails
``test_every_url_of_the_project_is_in_the_table``, so each new feature states its access rules here:
add a row with ``prepare`` (creates what the URL needs, returns its kwargs) and the answers for GET and POST.

POST bodies are empty: an allowed POST whose form is then invalid answers 200 with the form's errors.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import BytesIO
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, include, path, resolve, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from PIL import Image

from qms_portal.access import check_every_view_declares_access, iter_views
from qms_portal.models import Channel, Notification, Organisation, User
from tests.core.factories import JobFactory, OrgUnitFactory, UserFactory
from tests.core.otp import enrol
from tests.leadership import (
    access_actions,
    access_dashboard,
    access_evidence,
    access_packs,
    access_readiness,
    access_reviews,
)
from tests.permissions import (
    ANONYMOUS,
    AUDITOR,
    EMPLOYEE,
    METHODS,
    PEOPLE,
    PROCESS_OWNER,
    QUALITY_MANAGER,
    ROLES,
    TOP_MANAGEMENT,
    Expected,
    Redirect,
    Row,
    any_signed_in,
    only,
    public,
)
from tests.policy import access_policy
from tests.policy.access_policy import STAFF  # the roles rows ask staff too
from tests.roles.factories import ActivityFactory, AssignmentFactory, MatrixImportFactory, RoleFactory


# --- What each URL needs -------------------------------------------------------------------------
def an_org_unit() -> dict:
    return {"pk": OrgUnitFactory().pk}


def an_active_person() -> dict:
    return {"pk": UserFactory().pk}


def a_person_with_a_second_factor() -> dict:
    return {"pk": enrol(UserFactory(roles=["Top management"])).user_id}


def a_verification_job() -> dict:
    return {"pk": JobFactory().pk}


def a_stuck_verification_job() -> dict:
    """A verification whose worker stopped renewing its lease a while ago: it may be discarded."""
    job = JobFactory(status="running", started_at=timezone.now() - dt.timedelta(hours=1),
                     lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    return {"pk": job.pk}


def a_notification_of_the_employee() -> dict:
    """A notification for the table's employee, opening the home page: nobody else sees it."""
    employee = User.objects.get(username="emp")
    # Made once however often a test walks the table (the unique key is the reminder's claim).
    notification, _ = Notification.objects.get_or_create(
        recipient=employee, kind="test", record_type="test", record_id="1", occasion="once",
        defaults={"title": "Look", "url": "/", "channel": Channel.PORTAL},
    )
    return {"pk": notification.pk}


def a_password_reset_link() -> dict:
    person = UserFactory()
    uidb64 = urlsafe_base64_encode(force_bytes(person.pk))
    return {"uidb64": uidb64, "token": default_token_generator.make_token(person)}


def an_uploaded_logo() -> dict:
    buffer = BytesIO()
    Image.new("RGB", (8, 8), "navy").save(buffer, format="PNG")
    organisation = Organisation.current()
    organisation.logo.save("logo.png", ContentFile(buffer.getvalue()))
    return {}


def a_role() -> dict:
    """A role with one current holder (not one of the people asking)."""
    return {"pk": AssignmentFactory().role.pk}


def a_role_held_by_the_staff() -> dict:
    """A role that the top manager, quality manager, process owner and employee of the table all hold now."""
    role = RoleFactory()
    for person in User.objects.filter(username__in=["tm", "qm", "po", "emp"]):
        AssignmentFactory(role=role, person=person)
    return {"pk": role.pk}


def an_assignment() -> dict:
    return {"pk": AssignmentFactory().pk}


def a_duty() -> dict:
    return {"code": "5.3.a"}  # seeded, unassigned, by roles/migrations/0002


def a_process() -> dict:
    return {"code": ActivityFactory().process.code}


def an_activity() -> dict:
    return {"pk": ActivityFactory().pk}


def a_matrix_cell() -> dict:
    """An activity and a role with no letter for it yet."""
    return {"activity": ActivityFactory().pk, "role": AssignmentFactory().role.pk}


def some_roles() -> dict:
    """A role with a holder, for the pages that list roles (they take no arguments)."""
    a_role()
    return {}


def a_matrix() -> dict:
    """A process with one activity and a held role without a letter for it, for the matrix-wide pages."""
    a_matrix_cell()
    return {}


def a_pending_import() -> dict:
    """An uploaded RACI matrix file, checked and waiting for confirmation; an empty POST confirms it."""
    return {"pk": MatrixImportFactory().pk}


VIEWERS_OF_PEOPLE = (TOP_MANAGEMENT, QUALITY_MANAGER, PROCESS_OWNER, AUDITOR)
# Top management reads the trail: they are accountable for the QMS (issue 10).
READERS_OF_AUDIT_TRAIL = (TOP_MANAGEMENT, QUALITY_MANAGER, AUDITOR)

# roles.view_roles: every portal role sees roles, the org chart and the RACI matrix; roles.manage_roles: the QM.
VIEWERS_OF_ROLES = ROLES

TABLE: dict[str, Row] = {
    "home": Row(get=any_signed_in(200), post=any_signed_in(405)),
    # Accounts
    "login": Row(get=public(200, signed_in=Redirect("home")), post=public(200, signed_in=Redirect("home"))),
    "logout": Row(get=public(405), post=public(Redirect("login"))),
    "password_change": Row(get=any_signed_in(200), post=any_signed_in(200)),
    "password_change_done": Row(get=any_signed_in(200), post=any_signed_in(405)),
    "password_reset": Row(get=public(200), post=public(200)),
    "password_reset_done": Row(get=public(200), post=public(405)),
    "password_reset_confirm": Row(
        get=public(Redirect("password_reset_confirm")),
        post=public(Redirect("password_reset_confirm")),
        prepare=a_password_reset_link,
    ),
    "password_reset_complete": Row(get=public(200), post=public(405)),
    # An empty post saves: the e-mail address, all a person changes about themselves, may be empty.
    "profile": Row(get=any_signed_in(200), post=any_signed_in(Redirect("profile"))),
    # The second factor. These sessions owe none (force_login, and the organisation in tests requires none):
    # the code step sends a person who has no second factor to set one up; an empty code is refused on the form.
    "second_factor": Row(
        get=any_signed_in(Redirect("second_factor_enrol")), post=any_signed_in(Redirect("second_factor_enrol"))
    ),
    "second_factor_enrol": Row(get=any_signed_in(200), post=any_signed_in(200)),
    # Only whoever manages people resets one, and an empty post is refused for want of a reason.
    "second_factor_reset": Row(
        get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER), prepare=a_person_with_a_second_factor
    ),
    # Organisation
    "organisation": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER)),
    "organisation_logo": Row(get=public(200), post=public(405), prepare=an_uploaded_logo),
    # The reminder schedule, with the organisation's settings (an empty form answers 200: it asks for a reason).
    "reminder_schedule": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER)),
    "org_units": Row(get=only(*VIEWERS_OF_PEOPLE), post=only(*VIEWERS_OF_PEOPLE, answer=405)),
    "org_unit_create": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER)),
    "org_unit_edit": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER), prepare=an_org_unit),
    "org_unit_delete": Row(
        get=only(QUALITY_MANAGER, answer=405),
        post=only(QUALITY_MANAGER, answer=Redirect("org_units")),
        prepare=an_org_unit,
    ),
    # People
    "people": Row(get=only(*VIEWERS_OF_PEOPLE), post=only(*VIEWERS_OF_PEOPLE, answer=405)),
    "person_create": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER)),
    "person_detail": Row(
        get=only(*VIEWERS_OF_PEOPLE), post=only(*VIEWERS_OF_PEOPLE, answer=405), prepare=an_active_person
    ),
    "person_edit": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER), prepare=an_active_person),
    "person_invite": Row(
        get=only(QUALITY_MANAGER, answer=405),
        post=only(QUALITY_MANAGER, answer=Redirect("person_detail")),
        prepare=an_active_person,
    ),
    # Audit trail and jobs
    "audit_trail": Row(get=only(*READERS_OF_AUDIT_TRAIL), post=only(*READERS_OF_AUDIT_TRAIL, answer=405)),
    "audit_trail_csv": Row(get=only(*READERS_OF_AUDIT_TRAIL), post=only(*READERS_OF_AUDIT_TRAIL, answer=405)),
    "audit_trail_anchors": Row(get=only(*READERS_OF_AUDIT_TRAIL), post=only(*READERS_OF_AUDIT_TRAIL, answer=405)),
    "audit_trail_verify": Row(
        get=only(*READERS_OF_AUDIT_TRAIL, answer=405),
        post=only(*READERS_OF_AUDIT_TRAIL, answer=Redirect("job_detail")),
    ),
    "job_detail": Row(
        get=only(*READERS_OF_AUDIT_TRAIL), post=only(*READERS_OF_AUDIT_TRAIL, answer=405), prepare=a_verification_job
    ),
    "job_discard": Row(
        get=only(*READERS_OF_AUDIT_TRAIL, answer=405),
        post=only(*READERS_OF_AUDIT_TRAIL, answer=Redirect("job_detail")),
        prepare=a_stuck_verification_job,
    ),
    # Notifications: each person's own; another's is not found (its existence is not told).
    "notifications": Row(get=any_signed_in(200), post=any_signed_in(405)),
    "notification_open": Row(
        get=only(EMPLOYEE, answer=Redirect("home"), others=404),
        post=only(EMPLOYEE, answer=405, others=404),
        prepare=a_notification_of_the_employee,
    ),
    "notification_read": Row(
        get=only(EMPLOYEE, answer=405, others=404),
        post=only(EMPLOYEE, answer=Redirect("notifications"), others=404),
        prepare=a_notification_of_the_employee,
    ),
    "notifications_read_all": Row(get=any_signed_in(405), post=any_signed_in(Redirect("notifications"))),
    # A kind left out of the post keeps its channel: an empty post saves nothing and comes back.
    "notification_preferences": Row(
        get=any_signed_in(200), post=any_signed_in(Redirect("notification_preferences"))
    ),
    # Operations
    "health": Row(get=public(200), post=public(405)),
    # The floor page of `make bench`: the layout alone, for anyone signed in.
    "floor": Row(get=any_signed_in(200), post=any_signed_in(405)),
    # Roles and responsibilities (5.3): roles, holders and acknowledgements
    "roles:role_list": Row(get=only(*VIEWERS_OF_ROLES), post=only(*VIEWERS_OF_ROLES, answer=405), prepare=some_roles),
    "roles:role_create": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER)),
    "roles:my_roles": Row(get=any_signed_in(200), post=any_signed_in(405)),
    "roles:role_detail": Row(get=only(*VIEWERS_OF_ROLES), post=only(*VIEWERS_OF_ROLES, answer=405), prepare=a_role),
    "roles:role_edit": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER), prepare=a_role),
    # Only a role's holders acknowledge it: the auditor of the table holds nothing.
    "roles:role_acknowledge": Row(
        get=any_signed_in(405),
        post=only(*STAFF, answer=Redirect("roles:my_roles"), others=403),
        prepare=a_role_held_by_the_staff,
    ),
    "roles:assignment_create": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER), prepare=a_role),
    "roles:assignment_edit": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER), prepare=an_assignment),
    "roles:org_chart": Row(get=only(*VIEWERS_OF_ROLES), post=only(*VIEWERS_OF_ROLES, answer=405), prepare=some_roles),
    # The 5.3 a-e duties: an empty choice leaves the duty unassigned, which is a valid answer.
    "roles:duty_list": Row(get=only(*VIEWERS_OF_ROLES), post=only(*VIEWERS_OF_ROLES, answer=405)),
    "roles:duty_edit": Row(
        get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER, answer=Redirect("roles:duty_list")), prepare=a_duty
    ),
    # Processes and activities
    "roles:process_list": Row(get=only(*VIEWERS_OF_ROLES), post=only(*VIEWERS_OF_ROLES, answer=405), prepare=a_matrix),
    "roles:process_create": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER)),
    "roles:process_detail": Row(
        get=only(*VIEWERS_OF_ROLES), post=only(*VIEWERS_OF_ROLES, answer=405), prepare=a_process
    ),
    "roles:process_edit": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER), prepare=a_process),
    "roles:activity_create": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER), prepare=a_process),
    "roles:activity_edit": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER), prepare=an_activity),
    "roles:activity_move": Row(
        get=only(QUALITY_MANAGER, answer=405),
        post=only(QUALITY_MANAGER, answer=Redirect("roles:process_detail")),
        prepare=an_activity,
    ),
    "roles:activity_delete": Row(
        get=only(QUALITY_MANAGER),
        post=only(QUALITY_MANAGER, answer=Redirect("roles:process_detail")),
        prepare=an_activity,
    ),
    # The RACI matrix: a letter set, or an editing session started, without a reason is refused with the form (200).
    "roles:raci_matrix": Row(get=only(*VIEWERS_OF_ROLES), post=only(*VIEWERS_OF_ROLES, answer=405), prepare=a_matrix),
    "roles:raci_editing": Row(get=only(QUALITY_MANAGER, answer=405), post=only(QUALITY_MANAGER)),
    "roles:raci_cell": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER), prepare=a_matrix_cell),
    "roles:raci_health": Row(get=only(*VIEWERS_OF_ROLES), post=only(*VIEWERS_OF_ROLES, answer=405), prepare=a_matrix),
    "roles:raci_export_csv": Row(
        get=only(*VIEWERS_OF_ROLES), post=only(*VIEWERS_OF_ROLES, answer=405), prepare=a_matrix
    ),
    "roles:raci_export_xlsx": Row(
        get=only(*VIEWERS_OF_ROLES), post=only(*VIEWERS_OF_ROLES, answer=405), prepare=a_matrix
    ),
    "roles:raci_import": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER)),
    # ROLES-IMPORT-PREVIEW-ROW (added with the import)
    "roles:raci_import_preview": Row(
        get=only(QUALITY_MANAGER),
        post=only(QUALITY_MANAGER, answer=Redirect("job_detail")),
        prepare=a_pending_import,
    ),
}

# Where a URL answers differently as its record's state changes, the states other than the one of its row in
# TABLE, keyed by (URL name, state): wrong-state steps (409), and what stays hidden from whom (404).
OTHER_STATES: dict[tuple[str, str], Row] = {
}


# The policy (5.2) and leadership (5.1) rows are written beside their tests, one module per area of pages.
for _area in (
    access_policy, access_evidence, access_reviews, access_actions, access_dashboard, access_readiness, access_packs,
):
    assert not TABLE.keys() & _area.ROWS.keys(), f"{_area.__name__} repeats rows of the table"
    TABLE.update(_area.ROWS)
    OTHER_STATES.update(_area.OTHER_STATES)

# --- The project's URLs --------------------------------------------------------------------------
def project_urls(patterns: list | None = None, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    """(route, URL name with its namespace) of every URL pattern; the name is "" when the pattern has none."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from project_urls(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}{pattern.name}" if pattern.name else ""


def test_the_url_walk_sees_every_view_the_access_check_sees():
    assert sorted(route for route, _ in project_urls()) == sorted(route for route, _ in iter_views())


def test_every_url_of_the_project_has_a_name():
    unnamed = [route for route, name in project_urls() if not name]
    assert unnamed == [], f"Name these URL patterns so the permission table can list them: {unnamed}"


def test_every_url_of_the_project_is_in_the_table():
    missing = sorted({name for _, name in project_urls() if name} - TABLE.keys())
    assert missing == [], f"Add rows to TABLE in {__name__} for: {missing}"


def test_every_row_of_the_table_is_a_url_of_the_project():
    stale = sorted((TABLE.keys() | {name for name, _ in OTHER_STATES}) - {name for _, name in project_urls()})
    assert stale == [], f"These rows name no URL of the project: {stale}"


def _rows() -> Iterator[tuple[str, str, Row]]:
    """(URL name, state, row) of every row: TABLE's (state ""), then OTHER_STATES'."""
    for url_name in sorted(TABLE):
        yield url_name, "", TABLE[url_name]
    for (url_name, state), row in sorted(OTHER_STATES.items()):
        yield url_name, state, row


def _row_id(url_name: str, state: str) -> str:
    return f"{url_name}@{state}" if state else url_name


@pytest.mark.parametrize(("url_name", "state"), [pytest.param(n, s, id=_row_id(n, s)) for n, s, _ in _rows()])
def test_every_row_answers_for_every_person_and_method(url_name, state):
    row = OTHER_STATES[url_name, state] if state else TABLE[url_name]
    for method in METHODS:
        assert set(getattr(row, method)) == set(PEOPLE), f"{_row_id(url_name, state)} {method.upper()}"


def _cases() -> Iterator:
    for url_name, state, _ in _rows():
        for method in METHODS:
            yield pytest.param(url_name, state, method, id=f"{_row_id(url_name, state)}-{method.upper()}")


def _answer_problem(response: HttpResponse, expected: Expected, url: str) -> str | None:
    """What is wrong with ``response`` when ``expected`` was due, or None when it is right."""
    if isinstance(expected, Redirect):
        if response.status_code != 302:
            return f"{response.status_code} instead of a redirect to {expected.url_name}"
        location = urlparse(response["Location"])
        if resolve(location.path).view_name != expected.url_name:
            return f"redirected to {location.path} instead of {expected.url_name}"
        if expected.keeps_next and parse_qs(location.query).get("next") != [url]:
            return f"redirected to {response['Location']} without ?next={url}"
        return None
    return None if response.status_code == expected else f"{response.status_code} instead of {expected}"


@pytest.mark.parametrize(("url_name", "state", "method"), list(_cases()))
def test_each_person_gets_the_expected_answer(url_name, state, method, portal_users, client_for, settings):
    """The row's records are prepared once; each person's request then runs in a savepoint that is rolled back
    before the next person asks, so a POST that changes or deletes a record affects nobody else's answer."""
    settings.REDIS_URL = ""  # the health check then needs no Redis; CI may set one for other tests
    row = OTHER_STATES[url_name, state] if state else TABLE[url_name]
    url = reverse(url_name, kwargs=row.prepare())
    problems = []
    for who in PEOPLE:
        expected = getattr(row, method)[who]
        savepoint = transaction.savepoint()
        try:
            client = client_for(None if who == ANONYMOUS else portal_users.by_key(who))
            response = getattr(client, method)(url)
            if response.streaming:
                # Read the body as a browser would: a download that fails halfway fails here, and the test
                # client closes the response once it is read.
                b"".join(response.streaming_content)
            problem = _answer_problem(response, expected, url)
        except Exception as error:  # noqa: BLE001 - every person is asked, and every failure reported together
            problem = f"raised {type(error).__name__}: {error}"
        finally:
            transaction.savepoint_rollback(savepoint)
        if problem:
            problems.append(f"{method.upper()} as {who}: {problem}")
    assert problems == [], f"{_row_id(url_name, state)}:\n" + "\n".join(problems)


# --- A view that declares no access --------------------------------------------------------------
def undeclared(request: HttpRequest) -> HttpResponse:
    return HttpResponse("nobody should see this")


# Used by the two tests below through @pytest.mark.urls: the project's URLs plus one forgetful view.
urlpatterns = [path("undeclared/", undeclared, name="undeclared"), path("", include("qms_portal.urls"))]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("who", [ANONYMOUS, QUALITY_MANAGER])
def test_a_view_that_declares_no_access_is_refused_to_everyone(who, portal_users, client_for):
    client = client_for(None if who == ANONYMOUS else portal_users.by_key(who))

    response = client.get("/undeclared/")

    assert response.status_code == 403
    assert "nobody should see this" not in response.text


@pytest.mark.urls(__name__)
def test_the_system_check_names_a_view_that_declares_no_access():
    errors = check_every_view_declares_access(None)

    assert [(error.id, error.msg) for error in errors] == [
        ("qms.E001", "The view for 'undeclared/' declares no access.")
    ]
