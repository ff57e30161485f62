"""The RACI matrix page: the grid, its filters, rule breaks shown live, and the quality manager setting a
letter in place with htmx or through the plain cell form; read-only viewers; a fixed number of queries."""
from __future__ import annotations

import datetime as dt
import re
from html import unescape
from urllib.parse import urljoin

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qms_portal.audit import AuditEntry, audit_context
from qms_portal.models import Organisation, OrgUnit
from roles.definitions import duty_assign
from roles.grid import GRID_ROWS_PER_PAGE, cell_html
from roles.models import Activity, Duty, Process, RaciCell, Role, RoleAssignment
from tests.core.factories import OrgUnitFactory, UserFactory
from tests.roles.factories import AssignmentFactory, RaciCellFactory, RoleFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def build_matrix(
    *, activities: int, roles: int, processes: int, units: int, prefix: str = ""
) -> tuple[list[Activity], list[Role]]:
    """A sound matrix of ``activities`` rows (spread over ``processes``) and ``roles`` columns (over ``units``
    org units), every role held: each activity has an A and an R, so every rule is kept. Written through the
    audited models, one row at a time, as the portal writes them."""
    year_ago = timezone.localdate() - dt.timedelta(days=365)
    people = [UserFactory() for _ in range(5)]
    with audit_context(actor="test"):
        org_units = [
            OrgUnit.objects.create(name=f"{prefix}Unit {n:02}", code=f"{prefix}unit-{n}") for n in range(units)
        ]
        role_list = [Role.objects.create(title=f"Role {n:03}", org_unit=org_units[n % units]) for n in range(roles)]
        for n, role in enumerate(role_list):
            RoleAssignment.objects.create(role=role, person=people[n % len(people)], starts_on=year_ago)
        process_list = [
            Process.objects.create(name=f"Process {n}", code=f"process-{n}", owner_role=role_list[n % roles])
            for n in range(processes)
        ]
        activity_list = [
            Activity.objects.create(process=process_list[n % processes], position=n, name=f"Activity {n:03}")
            for n in range(activities)
        ]
        for n, activity in enumerate(activity_list):
            RaciCell.objects.create(activity=activity, role=role_list[n % roles], letter="A")
            RaciCell.objects.create(activity=activity, role=role_list[(n + 1) % roles], letter="R")
    return activity_list, role_list


EDITING_REASON = "Quarterly review of the matrix"


def start_editing(client, reason: str = EDITING_REASON):
    """Say why the grid changes, as the quality manager does once per session before cells become editable."""
    client.post(reverse("roles:raci_editing"), {"reason": reason})
    return client


@pytest.fixture
def qm_client(portal_users, client_for):
    """The quality manager, having said why they edit the matrix in this session."""
    return start_editing(client_for(portal_users.quality_manager))


def page_of(client, **params) -> str:
    response = client.get(reverse("roles:raci_matrix"), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def small(portal_users):
    """Two processes, each in its own department: a sound "Purchasing" and a "Design" whose review has no A."""
    purchasing_unit = OrgUnitFactory(name="Purchasing dept", code="purch")
    design_unit = OrgUnitFactory(name="Design office", code="design-office")
    buyer = AssignmentFactory(role__title="Buyer", role__org_unit=purchasing_unit).role
    clerk = AssignmentFactory(role__title="Clerk", role__org_unit=purchasing_unit).role
    designer = AssignmentFactory(role__title="Designer", role__org_unit=design_unit).role
    with audit_context(actor="test"):
        purchasing = Process.objects.create(name="Purchasing", code="purchasing", owner_role=buyer)
        design = Process.objects.create(name="Design", code="design", owner_role=designer)
        order = Activity.objects.create(process=purchasing, position=1, name="Place the order")
        review = Activity.objects.create(process=design, position=1, name="Review the drawing")
    RaciCellFactory(activity=order, role=buyer, letter="A")
    RaciCellFactory(activity=order, role=clerk, letter="R")
    RaciCellFactory(activity=review, role=designer, letter="R")
    for duty in Duty.objects.all():
        duty_assign(duty=duty, role=buyer, by=portal_users.quality_manager)
    Organisation.current()  # made on the first request otherwise, with its own audit entry
    return {"buyer": buyer, "clerk": clerk, "designer": designer, "order": order, "review": review}


# --- What the grid shows -------------------------------------------------------------------------
def test_the_grid_shows_processes_as_row_groups_and_roles_as_columns_with_their_letters(qm_client, small):
    page = page_of(qm_client)

    grid = page[page.index('<table class="raci-grid'):]
    assert grid.index('id="process-design"') < grid.index("Review the drawing") < grid.index(
        'id="process-purchasing"'
    ) < grid.index("Place the order")
    for role in ("buyer", "clerk", "designer"):
        assert f'id="role-{small[role].pk}"' in page
    order, buyer = small["order"], small["buyer"]
    lettered = rf'<td id="cell-{order.pk}-{buyer.pk}" class="l-A"><a href="[^"]+" aria-labelledby="[^"]+">A</a></td>'
    assert re.search(lettered, page)
    assert f'<tr id="activity-{order.pk}">' in page
    assert "Responsible: does the work" in page  # the legend


def test_a_broken_rule_is_marked_in_the_grid_and_listed_with_its_fix(qm_client, small):
    page = page_of(qm_client)

    review = small["review"]
    head = re.search(rf'<th id="activity-head-{review.pk}"[^>]*>', page).group(0)
    assert "broken" in head and "has no A" in head
    order_head = re.search(rf'<th id="activity-head-{small["order"].pk}"[^>]*>', page).group(0)
    assert "broken" not in order_head
    breaks = page[page.index('id="raci-breaks"'):page.index("</section>", page.index('id="raci-breaks"'))]
    assert "1 rule break" in breaks and "“Design — Review the drawing” has no A" in breaks
    fix = f'href="{reverse("roles:raci_matrix")}?process=design&amp;activity={review.pk}#activity-{review.pk}"'
    assert fix in breaks


def test_a_role_without_a_holder_is_marked_in_its_column_head(qm_client, small):
    nobody = RoleFactory(title="Vacant inspector", org_unit=small["buyer"].org_unit)
    RaciCellFactory(activity=small["order"], role=nobody, letter="I")

    page = page_of(qm_client)

    head = re.search(rf'<th id="role-{nobody.pk}"[^>]*>', page).group(0)
    assert "broken" in head and "nobody holds it now" in head
    assert reverse("roles:assignment_create", args=[nobody.pk]) in page  # the fix, in the list of breaks


def test_filtering_by_org_unit_keeps_that_units_roles_as_columns(qm_client, small):
    page = page_of(qm_client, unit="purch")

    assert f'id="role-{small["buyer"].pk}"' in page and f'id="role-{small["clerk"].pk}"' in page
    assert f'id="role-{small["designer"].pk}"' not in page
    assert "Showing 2 of 2 activities and 2 of 3 roles" in page
    # The cell links keep the filter, so the cell form leads back to the same view.
    href = re.search(rf'<td id="cell-{small["order"].pk}-{small["buyer"].pk}"[^>]*><a href="([^"]+)"', page).group(1)
    target = reverse("roles:raci_cell", args=[small["order"].pk, small["buyer"].pk])
    assert urljoin(reverse("roles:raci_matrix"), unescape(href)) == f"{target}?unit=purch"


def test_filtering_by_process_keeps_its_rows_only(qm_client, small):
    page = page_of(qm_client, process="purchasing")

    grid = page[page.index('<table class="raci-grid'):]
    assert "Place the order" in grid and "Review the drawing" not in grid
    # The list of rule breaks stays whole: a break elsewhere is still a break.
    assert "“Design — Review the drawing” has no A" in page


def test_an_unknown_filter_value_is_named_and_ignored(qm_client, small):
    page = page_of(qm_client, process="nope")

    assert "No process has the code “nope”" in page
    assert "Place the order" in page and "Review the drawing" in page


def test_an_empty_matrix_says_what_to_add_first(qm_client):
    page = page_of(qm_client)

    assert "The matrix is empty" in page and reverse("roles:process_list") in page


@pytest.mark.parametrize("who", ["employee", "auditor", "top_management", "process_owner"])
def test_read_only_viewers_see_the_grid_without_edit_links(who, portal_users, client_for, small):
    page = page_of(client_for(portal_users.by_key(who)))

    order, buyer = small["order"], small["buyer"]
    assert f'<td id="cell-{order.pk}-{buyer.pk}" class="l-A">A</td>' in page
    assert page.count('<td id="cell-') == 2 * 3
    assert not re.search(r'<td id="cell-[^>]*><a ', page)
    assert "matrix.js" not in page
    assert reverse("roles:raci_import") not in page


@pytest.mark.parametrize("editable", [True, False], ids=["quality manager", "employee"])
def test_the_grid_writes_every_cell_as_the_single_cell_answer_does(editable, portal_users, client_for):
    activities, roles = build_matrix(activities=6, roles=4, processes=2, units=2)
    who = portal_users.quality_manager if editable else portal_users.employee
    client = client_for(who)
    page = page_of(start_editing(client) if editable else client, unit="unit-1")

    letters = {(c.activity_id, c.role_id): c.letter for c in RaciCell.objects.all()}
    shown = [role for role in roles if role.org_unit.code == "unit-1"]
    for activity in activities:
        for role in shown:
            link = f"cell/{activity.pk}/{role.pk}/?unit=unit-1" if editable else None
            assert cell_html(activity.pk, role.pk, letters.get((activity.pk, role.pk)), link=link) in page
    assert page.count('<td id="cell-') == len(activities) * len(shown)


# --- Setting a letter ----------------------------------------------------------------------------
def test_the_cell_link_opens_the_inline_editor_for_htmx_and_the_form_page_without(qm_client, small):
    url = reverse("roles:raci_cell", args=[small["review"].pk, small["designer"].pk])

    inline = qm_client.get(url, **HTMX).content.decode()
    full = qm_client.get(url).content.decode()

    assert inline.startswith(f'<td id="cell-{small["review"].pk}-{small["designer"].pk}"')
    assert 'hx-post="' in inline and "<html" not in inline
    assert "<html" in full and 'type="radio"' in full and "Designer for “Review the drawing”" in full


def test_quality_manager_sets_a_letter_with_htmx_and_the_break_clears_out_of_band(qm_client, small):
    review, buyer = small["review"], small["buyer"]
    url = reverse("roles:raci_cell", args=[review.pk, buyer.pk]) + "?process=design"

    response = qm_client.post(url, {"letter": "A"}, **HTMX)
    body = response.content.decode()

    assert RaciCell.objects.get(activity=review, role=buyer).letter == "A"
    assert body.startswith(f'<td id="cell-{review.pk}-{buyer.pk}" class="l-A"><a href=')
    assert "?process=design" in body.split("</td>")[0]  # the new cell keeps the filters in its link
    assert '<section id="raci-breaks"' in body and 'hx-swap-oob="true"' in body
    assert "All RACI rules are met" in body
    head = re.search(rf'<th id="activity-head-{review.pk}"[^>]*>', body).group(0)
    assert "broken" not in head and 'hx-swap-oob="true"' in head


def test_quality_manager_sets_a_letter_by_plain_post_and_returns_to_the_row(qm_client, small):
    review, clerk = small["review"], small["clerk"]
    url = reverse("roles:raci_cell", args=[review.pk, clerk.pk]) + "?unit=purch&process=design"

    response = qm_client.post(url, {"letter": "C"})

    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('roles:raci_matrix')}?unit=purch&process=design&activity={review.pk}#activity-{review.pk}")
    assert RaciCell.objects.get(activity=review, role=clerk).letter == "C"
    assert AuditEntry.objects.filter(record_type="roles.racicell", actor_name="Quentin Moss").exists()


def test_no_letter_clears_the_cell(qm_client, small):
    order, clerk = small["order"], small["clerk"]

    qm_client.post(reverse("roles:raci_cell", args=[order.pk, clerk.pk]), {"letter": ""})

    assert not RaciCell.objects.filter(activity=order, role=clerk).exists()


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["form page", "htmx"])
def test_a_letter_other_than_r_a_c_i_is_refused_and_nothing_changes(qm_client, small, headers):
    order, buyer = small["order"], small["buyer"]
    entries = AuditEntry.objects.count()

    response = qm_client.post(reverse("roles:raci_cell", args=[order.pk, buyer.pk]), {"letter": "X"}, **headers)

    assert response.status_code == 200
    assert "“X” is not a RACI letter: choose R, A, C, I or none." in response.content.decode()
    assert RaciCell.objects.get(activity=order, role=buyer).letter == "A"
    assert AuditEntry.objects.count() == entries


def test_the_editors_cancel_button_gives_the_cell_back_unchanged(qm_client, small):
    order, buyer = small["order"], small["buyer"]

    body = qm_client.get(
        reverse("roles:raci_cell", args=[order.pk, buyer.pk]), {"view": "cell"}, **HTMX
    ).content.decode()

    lettered = rf'<td id="cell-{order.pk}-{buyer.pk}" class="l-A"><a href="[^"]+" aria-labelledby="[^"]+">A</a></td>'
    assert re.fullmatch(lettered, body)


# --- Cost ----------------------------------------------------------------------------------------
def test_the_page_costs_the_same_queries_for_a_10_x_5_and_a_400_x_120_matrix(portal_users, client_for):
    build_matrix(activities=10, roles=5, processes=2, units=2)
    clients = {who: client_for(portal_users.by_key(who)) for who in ("quality_manager", "employee")}

    def queries(client) -> int:
        page_of(client)  # the first request of a session may do more (the organisation's record, the session)
        with CaptureQueriesContext(connection) as captured:
            page_of(client)
        return len(captured)

    small = {who: queries(client) for who, client in clients.items()}
    with audit_context(actor="test"):
        for model in (RaciCell, Activity, Process, RoleAssignment, Role):
            for record in model.objects.all():
                record.delete()
    build_matrix(activities=400, roles=120, processes=8, units=6, prefix="big-")
    big = {who: queries(client) for who, client in clients.items()}

    assert big == small
    # A page of the grid: the first 50 activities, every role a column; the last page costs the same.
    assert page_of(clients["quality_manager"]).count("<td id=\"cell-") == GRID_ROWS_PER_PAGE * 120
    page_of(clients["quality_manager"], page=8)
    with CaptureQueriesContext(connection) as last_page:
        page_of(clients["quality_manager"], page=8)
    assert len(last_page) == big["quality_manager"]


# --- A large matrix, a page of activities at a time ----------------------------------------------------------------
@pytest.fixture
def long_matrix(portal_users):
    """120 activities of one process (three pages of the grid) and three roles in two org units; the last activity
    has no R, so the rule break lies on the last page."""
    activities, roles = build_matrix(activities=120, roles=3, processes=1, units=2)
    with audit_context(actor="test"):
        RaciCell.objects.filter(activity=activities[-1], letter="R").delete()
    for duty in Duty.objects.all():
        duty_assign(duty=duty, role=roles[0], by=portal_users.quality_manager)
    return activities, roles


def rows_of(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr id="activity-(\d+)">', page)]


def test_a_large_grid_pages_through_activities_with_the_whole_matrixs_breaks_above_each_page(qm_client, long_matrix):
    activities, _ = long_matrix
    first, second, last = (page_of(qm_client, page=n) for n in (1, 2, 3))

    assert rows_of(first) == [a.pk for a in activities[:50]]
    assert rows_of(second) == [a.pk for a in activities[50:100]]
    assert rows_of(last) == [a.pk for a in activities[100:]]
    for page in (first, second, last):
        assert "“Process 0 — Activity 119” has no R" in page[page.index('<section id="raci-breaks"'):]
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", second)))
    assert "120 activities and 3 roles. Page 2 of 3: activities 51–100 ( next page )." in text
    assert "Process 0 (continued)" in text and "(continued)" not in first  # one process over the three pages
    assert 'aria-current="page"><span class="page-link">2</span>' in second


def test_the_grids_pages_keep_the_filters_and_a_small_grid_has_no_pages(qm_client, long_matrix, small):
    page = page_of(qm_client, unit="unit-1", process="process-0", page=2)

    assert 'href="?unit=unit-1&amp;process=process-0&amp;page=3">Next</a>' in page
    assert 'href="?unit=unit-1&amp;process=process-0&amp;page=1">Previous</a>' in page
    # The cells' links and the editing session come back to this page with the filters
    assert re.search(r'<a href="cell/\d+/\d+/\?unit=unit-1&amp;process=process-0&amp;page=2"', page)
    assert f'action="{reverse("roles:raci_editing")}?unit=unit-1&amp;process=process-0&amp;page=2"' in page
    design = page_of(qm_client, process="design")
    assert 'aria-label="Pages"' not in design and "Page 1 of" not in design


def fix_link(page: str, activity: Activity) -> str:
    """The link of the rule break of ``activity`` listed on ``page`` (the matrix's or the health page)."""
    link = re.search(rf'href="([^"]*#activity-{activity.pk})"', page)
    assert link is not None, f"no fix link to activity {activity.pk}"
    return unescape(link.group(1))


def test_a_fix_link_opens_the_page_of_the_grid_holding_its_activity(qm_client, long_matrix):
    activities, _ = long_matrix
    broken = activities[119]  # the last of one process's 120 activities: on the grid's third page
    health = qm_client.get(reverse("roles:raci_health")).content.decode()

    for link in (fix_link(page_of(qm_client), broken), fix_link(health, broken)):
        assert link == f"{reverse('roles:raci_matrix')}?process=process-0&activity={broken.pk}#activity-{broken.pk}"
        landed = qm_client.get(link).content.decode()
        assert rows_of(landed) == [a.pk for a in activities[100:]]
        assert "Page 3 of 3" in re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", landed)))
        # The page's links keep the filter and this page, not the activity: "next" and "previous" move on from here
        assert 'href="?process=process-0&amp;page=2">Previous</a>' in landed
        assert re.search(rf'<a href="cell/{broken.pk}/\d+/\?process=process-0&amp;page=3"', landed)
    # Another filter given with the link is kept too
    landed = page_of(qm_client, unit="unit-1", process="process-0", activity=activities[60].pk)
    assert rows_of(landed) == [a.pk for a in activities[50:100]]
    assert f'action="{reverse("roles:raci_editing")}?unit=unit-1&amp;process=process-0&amp;page=2"' in landed


@pytest.mark.parametrize("activity", ["999999", "other", "abc", "", "²", "9" * 5000])
def test_a_link_to_an_activity_the_grid_does_not_show_opens_its_first_page(qm_client, long_matrix, small, activity):
    activities, _ = long_matrix
    # "other": an activity of a process the filter leaves out
    named = {"other": str(small["order"].pk)}.get(activity, activity)

    landed = page_of(qm_client, process="process-0", activity=named)
    assert rows_of(landed) == [a.pk for a in activities[:50]]
    # and a page named beside it is still followed
    second = page_of(qm_client, process="process-0", activity=named, page=2)
    assert rows_of(second) == [a.pk for a in activities[50:100]]


def test_a_cell_on_the_second_page_is_set_with_htmx_and_by_plain_post_and_the_grid_comes_back_to_that_page(
    qm_client, long_matrix
):
    activities, roles = long_matrix
    activity, role = activities[60], roles[2]
    page = page_of(qm_client, page=2)
    link = re.search(rf'<td id="cell-{activity.pk}-{role.pk}"><a href="([^"]+)"', page).group(1)
    url = urljoin(reverse("roles:raci_matrix"), unescape(link))
    assert url == reverse("roles:raci_cell", args=[activity.pk, role.pk]) + "?page=2"

    editor = qm_client.get(url, **HTMX).content.decode()
    assert editor.startswith(f'<td id="cell-{activity.pk}-{role.pk}"') and 'hx-post="' in editor
    answer = qm_client.post(url, {"letter": "C"}, **HTMX).content.decode()

    assert RaciCell.objects.get(activity=activity, role=role).letter == "C"
    assert answer.startswith(f'<td id="cell-{activity.pk}-{role.pk}" class="l-C"><a href=')
    assert "?page=2" in answer.split("</td>")[0]  # the new cell's link still comes back to page 2
    response = qm_client.post(url, {"letter": "I"})
    # Back to the activity's row, on the page holding it
    assert response["Location"] == f"{reverse('roles:raci_matrix')}?activity={activity.pk}#activity-{activity.pk}"
    assert activity.pk in rows_of(qm_client.get(response["Location"]).content.decode())
    assert RaciCell.objects.get(activity=activity, role=role).letter == "I"
    assert f'<td id="cell-{activity.pk}-{role.pk}" class="l-I">' in page_of(qm_client, page=2)
    stopped = qm_client.post(reverse("roles:raci_editing") + "?page=2", {"stop": "1"})
    assert stopped["Location"] == f"{reverse('roles:raci_matrix')}?page=2"


def test_clearing_the_only_r_with_htmx_marks_the_row_and_column_and_lists_the_new_breaks(qm_client, small):
    order, clerk = small["order"], small["clerk"]

    body = qm_client.post(
        reverse("roles:raci_cell", args=[order.pk, clerk.pk]), {"letter": ""}, **HTMX
    ).content.decode()

    assert body.startswith(f'<td id="cell-{order.pk}-{clerk.pk}"><a href=')
    head = re.search(rf'<th id="activity-head-{order.pk}"[^>]*>', body).group(0)
    assert "broken" in head and "has no R" in head
    breaks = body[body.index('<section id="raci-breaks"'):]
    assert "“Purchasing — Place the order” has no R" in breaks and "3 rule breaks" in breaks
    # The clerk has no letter left: its column head is marked too.
    role_head = re.search(rf'<th id="role-{clerk.pk}"[^>]*>', body).group(0)
    assert "broken" in role_head and 'hx-swap-oob="true"' in role_head


# --- Names for screen readers, and the matrix one activity or one role at a time -----------------------------------
def test_every_cell_link_is_named_by_its_role_and_activity(qm_client, small):
    page = page_of(qm_client)
    order, clerk, review, buyer = small["order"], small["clerk"], small["review"], small["buyer"]

    # The words and the heads the names are made of, each once on the page
    for word, text in (("raci-set", "Set letter for"), ("raci-change", "Change letter for"), ("raci-on", "on")):
        assert page.count(f'<span id="{word}" hidden>{text}</span>') == 1
    assert f'<span id="role-name-{buyer.pk}">Buyer</span>' in page
    assert f'<span id="activity-name-{review.pk}">Review the drawing</span>' in page
    # An empty cell: "Set letter for Buyer on Review the drawing"; a lettered one adds ", now R"
    assert (f'aria-labelledby="raci-set role-name-{buyer.pk} raci-on activity-name-{review.pk}">'
            in page)
    assert (f'aria-labelledby="raci-change role-name-{clerk.pk} raci-on activity-name-{order.pk} raci-now '
            f'cell-{order.pk}-{clerk.pk}">R</a>' in page)
    # Every id a name points at is on the page
    referenced = {ref for names in re.findall(r'aria-labelledby="([^"]+)"', page) for ref in names.split()}
    assert referenced and all(f'id="{ref}"' in page for ref in referenced)


def test_the_matrix_by_activity_lists_each_activity_with_its_roles_letters(client_for, portal_users, small):
    page = page_of(client_for(portal_users.employee), by="activity")

    assert 'aria-current="page" href="/roles/matrix/?by=activity">By activity</a>' in page.replace("\n", "")
    assert '<table class="raci-grid' not in page
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page)))
    assert "Place the order (Purchasing)" in text
    assert "Accountable (A): Buyer Purchasing dept" in text
    assert "Responsible (R): Clerk Purchasing dept" in text
    assert "Review the drawing (Design)" in text and "Responsible (R): Designer Design office" in text
    assert text.index("Review the drawing") < text.index("Place the order")  # processes by name: Design first


def test_the_matrix_by_role_lists_each_role_with_its_letters_and_keeps_the_filters(qm_client, small):
    page = page_of(qm_client, by="role", unit="purch")

    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page)))
    assert "Buyer (Purchasing dept)" in text and "Accountable (A): Place the order Purchasing" in text
    assert "Clerk (Purchasing dept)" in text
    assert "Designer" not in text.split("By role", 1)[1].split("Pages")[0]  # another department's role
    assert '<input type="hidden" name="by" value="role">' in page  # the filter form keeps the view
    assert 'href="/roles/matrix/?unit=purch">Grid</a>' in page  # and the switch keeps the filters


def test_the_matrix_by_role_narrowed_to_a_process_lists_only_the_roles_taking_part(qm_client, small):
    page = page_of(qm_client, by="role", process="design")

    names = re.findall(r'<h2 class="listed-name"><a href="[^"]+">([^<]+)</a>', page)
    assert names == ["Designer"]
