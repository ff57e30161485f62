"""The org chart (5.3): reporting lines of roles with their holders, as SVG on the page and in a PDF."""
import datetime as dt
import io
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from qms_portal import pdf
from qms_portal.pdf import render_pdf
from roles.orgchart import orgchart_load, orgchart_svg
from tests.core.factories import OrgUnitFactory, UserFactory
from tests.roles.factories import AssignmentFactory, RoleFactory

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
URL = reverse("roles:org_chart")


def today() -> dt.date:
    return timezone.localdate()


def parse(markup: str) -> ET.Element:
    """Our own drawing parsed as XML, which fails unless it is well-formed."""
    return ET.fromstring(markup)  # noqa: S314 - markup the portal drew itself, in a test


def chart_svg(response) -> ET.Element:
    """The chart drawn on the page, parsed: the page must hold exactly one well-formed SVG drawing."""
    html = response.content.decode()
    start = html.index('<svg xmlns="http://www.w3.org/2000/svg" viewBox')  # the legend's samples have no viewBox
    return parse(html[start : html.index("</svg>", start) + len("</svg>")])


def page_text(response) -> str:
    return " ".join(response.content.decode().split())


def texts(svg: ET.Element) -> list[str]:
    return [text.text or "" for text in svg.iter(f"{SVG}text")]


def links(svg: ET.Element) -> dict[str, str]:
    """Each link of the drawing: its address and its tooltip."""
    return {a.get("href"): a.find(f"{SVG}title").text for a in svg.iter(f"{SVG}a")}


def a_team(size: int, *, unit=None):
    """A manager with ``size - 1`` reports, some managing a team of their own, each role held by one person."""
    unit = unit or OrgUnitFactory()
    manager = RoleFactory(title="Team manager", org_unit=unit)
    AssignmentFactory(role=manager)
    leads = []
    for number in range(1, size):
        lead = leads[number % len(leads)] if len(leads) >= 3 else manager
        role = RoleFactory(org_unit=unit, reports_to=lead, title=f"Team role {number}")
        AssignmentFactory(role=role)
        if len(leads) < 3:
            leads.append(role)
    return manager


# --- What the page shows ------------------------------------------------------------------------------

def test_every_box_links_to_its_role_page(client_for, portal_users):
    director = RoleFactory(title="Managing Director")
    quality = RoleFactory(title="Quality Manager", reports_to=director)
    AssignmentFactory(role=director, person=UserFactory(full_name="Helen Marsh"))

    response = client_for(portal_users.employee).get(URL)

    assert response.status_code == 200
    drawn = links(chart_svg(response))
    assert set(drawn) == {
        reverse("roles:role_detail", args=[director.pk]),
        reverse("roles:role_detail", args=[quality.pk]),
    }
    assert drawn[reverse("roles:role_detail", args=[director.pk])].startswith("Managing Director")


def test_holders_are_named_and_a_role_nobody_holds_says_vacant(client_for, portal_users):
    held = RoleFactory(title="Buyer")
    AssignmentFactory(role=held, person=UserFactory(full_name="Chris Morgan"))
    empty = RoleFactory(title="Toolmaker", reports_to=held)
    # A holder whose assignment ended is not a holder any more.
    AssignmentFactory(role=empty, starts_on=today() - dt.timedelta(days=90), ends_on=today() - dt.timedelta(days=1))

    response = client_for(portal_users.auditor).get(URL)
    svg = chart_svg(response)

    assert "Chris Morgan" in texts(svg)
    assert "Vacant" in texts(svg)
    tooltip = links(svg)[reverse("roles:role_detail", args=[empty.pk])]
    assert tooltip.startswith("Toolmaker") and "Vacant: nobody holds this role" in tooltip
    assert "2 roles</strong> · <span class=\"text-danger fw-semibold\">1 vacant" in page_text(response)


def test_a_deputy_is_marked_as_deputy(client_for, portal_users):
    role = RoleFactory(title="Sales Manager")
    AssignmentFactory(role=role, person=UserFactory(full_name="Katie O'Connor"))
    AssignmentFactory(role=role, person=UserFactory(full_name="Mark Firth"), is_deputy=True)

    svg = chart_svg(client_for(portal_users.employee).get(URL))

    drawn = texts(svg)
    # The holder comes first, then the deputy with the deputy mark right after the name.
    assert drawn.index("Katie O'Connor") < drawn.index("Mark Firth")
    assert drawn[drawn.index("Mark Firth") + 1] == "deputy"
    assert "deputy" not in drawn[drawn.index("Katie O'Connor") + 1]
    assert "Katie O'Connor, Mark Firth (deputy)" in links(svg)[reverse("roles:role_detail", args=[role.pk])]


def test_someone_holding_a_role_both_as_holder_and_deputy_is_listed_once_as_holder(client_for, portal_users):
    role = RoleFactory()
    person = UserFactory(full_name="Olu Adeyemi")
    AssignmentFactory(role=role, person=person)
    AssignmentFactory(role=role, person=person, is_deputy=True)

    drawn = texts(chart_svg(client_for(portal_users.employee).get(URL)))

    assert drawn.count("Olu Adeyemi") == 1
    assert "deputy" not in drawn


def test_text_from_the_records_is_escaped_in_the_drawing(client_for, portal_users):
    role = RoleFactory(title='<script>alert("x")</script> & co', org_unit=OrgUnitFactory(name="R&D <lab>"))
    AssignmentFactory(role=role, person=UserFactory(full_name="<img src=x onerror=alert(1)>"))

    response = client_for(portal_users.employee).get(URL)
    html = response.content.decode()

    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in html
    svg = chart_svg(response)  # still well-formed XML
    assert '<script>alert("x")</script> & co' in " ".join(texts(svg))  # on two lines
    assert "R&D <lab>" in texts(svg)


def test_the_roles_you_hold_stand_out_and_are_listed_with_a_link_to_their_box(client_for, portal_users):
    mine = RoleFactory(title="CNC Machinist")
    AssignmentFactory(role=mine, person=portal_users.employee)
    AssignmentFactory(role=RoleFactory(title="Buyer"))

    response = client_for(portal_users.employee).get(URL)

    assert f'You hold: <a href="#orgchart-role-{mine.pk}">CNC Machinist</a>' in page_text(response)
    svg = chart_svg(response)
    box = next(group for group in svg.iter(f"{SVG}g") if group.get("id") == f"orgchart-role-{mine.pk}")
    name = next(text for text in box.iter(f"{SVG}text") if text.text == "Emil Park")
    assert name.get("font-weight") == "bold"
    assert "You hold" not in page_text(client_for(portal_users.auditor).get(URL))


def test_a_past_date_shows_who_held_the_role_then(client_for, portal_users):
    role = RoleFactory(title="Assembly and Test Supervisor")
    AssignmentFactory(role=role, person=UserFactory(full_name="Ben Riley"),
                      starts_on=dt.date(2024, 3, 4), ends_on=dt.date(2025, 6, 30))
    AssignmentFactory(role=role, person=UserFactory(full_name="Olu Adeyemi"), starts_on=dt.date(2025, 7, 1))
    client = client_for(portal_users.auditor)

    then = client.get(URL, {"on": "2025-01-15"})
    now = client.get(URL)

    assert "Ben Riley" in texts(chart_svg(then)) and "Olu Adeyemi" not in texts(chart_svg(then))
    assert "Olu Adeyemi" in texts(chart_svg(now)) and "Ben Riley" not in texts(chart_svg(now))
    assert "15 January 2025" in then.content.decode()
    # The boxes open the role page on the same day.
    assert f"{reverse('roles:role_detail', args=[role.pk])}?on=2025-01-15" in links(chart_svg(then))


def test_a_date_that_cannot_be_read_is_refused_next_to_the_field_and_today_is_shown(client_for, portal_users):
    role = RoleFactory()
    AssignmentFactory(role=role, person=UserFactory(full_name="Yan Chen"))

    response = client_for(portal_users.employee).get(URL, {"on": "2025-02-30"})

    assert response.status_code == 200
    assert "Write a date as YYYY-MM-DD" in response.content.decode()
    assert "Yan Chen" in texts(chart_svg(response))


def test_the_unit_filter_draws_the_unit_with_the_roles_it_reports_to(client_for, portal_users):
    board = OrgUnitFactory(name="Executive board")
    quality = OrgUnitFactory(name="Quality assurance")
    lab = OrgUnitFactory(name="Metrology lab", parent=quality)
    director = RoleFactory(title="Managing Director", org_unit=board)
    finance = RoleFactory(title="Finance Director", org_unit=board, reports_to=director)
    manager = RoleFactory(title="Quality Manager", org_unit=quality, reports_to=director)
    metrologist = RoleFactory(title="Metrologist", org_unit=lab, reports_to=manager)
    elsewhere = RoleFactory(title="Buyer")

    response = client_for(portal_users.process_owner).get(URL, {"unit": quality.pk})

    drawn = links(chart_svg(response))
    shown = {reverse("roles:role_detail", args=[role.pk]) for role in (director, manager, metrologist)}
    assert set(drawn) == shown
    assert reverse("roles:role_detail", args=[finance.pk]) not in drawn
    assert reverse("roles:role_detail", args=[elsewhere.pk]) not in drawn
    assert "role of another unit" in drawn[reverse("roles:role_detail", args=[director.pk])]
    assert "another unit" not in drawn[reverse("roles:role_detail", args=[metrologist.pk])]
    assert "2 roles</strong> in Quality assurance" in page_text(response)


def test_a_unit_without_roles_says_so_and_an_unknown_unit_shows_every_unit(client_for, portal_users):
    RoleFactory(title="Buyer")
    empty = OrgUnitFactory(name="Night shift")
    client = client_for(portal_users.employee)

    nothing = client.get(URL, {"unit": empty.pk})
    unknown = client.get(URL, {"unit": "999999"})

    assert "No roles in Night shift" in nothing.content.decode()
    assert "No such org unit any more" in unknown.content.decode()
    assert "Buyer" in texts(chart_svg(unknown))


def test_without_roles_the_quality_manager_is_offered_to_add_the_first(client_for, portal_users):
    as_quality_manager = client_for(portal_users.quality_manager).get(URL).content.decode()
    as_employee = client_for(portal_users.employee).get(URL).content.decode()

    assert "No roles yet" in as_quality_manager and reverse("roles:role_create") in as_quality_manager
    assert "No roles yet" in as_employee and reverse("roles:role_create") not in as_employee


def test_a_reporting_loop_in_the_database_still_draws_every_role_once():
    first, second = RoleFactory(title="Loop one"), RoleFactory(title="Loop two")
    first.reports_to = second
    first.save()
    second.reports_to = first
    second.save()
    RoleFactory(title="Own manager")

    chart = orgchart_load(on=today())
    titles = [role.title for role in chart.roles()]

    assert sorted(titles) == ["Loop one", "Loop two", "Own manager"]
    assert len(links(parse(orgchart_svg(chart)))) == 3


def test_several_top_roles_each_draw_their_line_and_roles_outside_any_line_are_set_apart():
    board, works = RoleFactory(title="Chair of the board"), RoleFactory(title="Works manager")
    RoleFactory(title="Company secretary", reports_to=board)
    RoleFactory(title="Shift lead", reports_to=works)
    RoleFactory(title="Fire warden")

    svg = parse(orgchart_svg(orgchart_load(on=today())))

    top = {text.text: float(text.get("y")) for text in svg.iter(f"{SVG}text")}
    assert top["Chair of the board"] < top["Company secretary"] < top["Works manager"] < top["Shift lead"]
    assert top["Shift lead"] < top["ROLES OUTSIDE ANY REPORTING LINE"] < top["Fire warden"]


def test_a_long_title_is_cut_to_fit_and_given_whole_in_the_tooltip(client_for, portal_users):
    title = "Coordinator of supplier corrective action requests and incoming inspection escalations"
    role = RoleFactory(title=title)

    svg = chart_svg(client_for(portal_users.employee).get(URL))

    assert title not in texts(svg)
    assert texts(svg)[1].endswith("…")
    assert links(svg)[reverse("roles:role_detail", args=[role.pk])].startswith(title)


def test_characters_xml_does_not_allow_do_not_break_the_drawing():
    RoleFactory(title="Vertical\x0btab and form\x0cfeed")

    svg = parse(orgchart_svg(orgchart_load(on=today())))

    assert "Vertical tab and form feed" in texts(svg)


def holders_of(role, names: list[str], *, deputy: bool = False) -> None:
    for name in names:
        AssignmentFactory(role=role, person=UserFactory(full_name=name), is_deputy=deputy)


def box_texts(svg: ET.Element, role) -> list[str]:
    box = next(group for group in svg.iter(f"{SVG}g") if group.get("id") == f"orgchart-role-{role.pk}")
    return [text.text or "" for text in box.iter(f"{SVG}text")]


def test_a_role_with_many_holders_names_the_first_and_says_how_many_more(client_for, portal_users):
    role = RoleFactory(title="Machine operator")
    # Entered out of order: the box names the first by name, holders before deputies.
    holders_of(role, [f"Operator {number:02}" for number in range(40, 0, -1)])
    holders_of(role, ["Aaron Deputy", "Abel Deputy", "Ada Deputy"], deputy=True)

    svg = chart_svg(client_for(portal_users.employee).get(URL))

    drawn = box_texts(svg, role)
    assert drawn[-3:] == ["Operator 01", "Operator 02", "and 41 more (3 deputies)"]
    assert "Operator 03" not in drawn and "Aaron Deputy" not in drawn
    tooltip = links(svg)[reverse("roles:role_detail", args=[role.pk])]
    assert "Held by Operator 01, Operator 02, Operator 03 and 40 more: 43 people, 3 deputies among them" in tooltip


def test_a_role_with_three_holders_names_them_all_and_four_names_two_and_2_more(client_for, portal_users):
    three, four = RoleFactory(title="Three"), RoleFactory(title="Four")
    holders_of(three, ["Cy Ode", "Al Bee"])
    holders_of(three, ["Bo Day"], deputy=True)
    holders_of(four, ["Dee Fox", "Al Gray", "Cat Hill", "Bea Ives"])

    svg = chart_svg(client_for(portal_users.employee).get(URL))

    assert box_texts(svg, three)[-4:] == ["Al Bee", "Cy Ode", "Bo Day", "deputy"]
    assert box_texts(svg, four)[-3:] == ["Al Gray", "Bea Ives", "and 2 more"]
    assert "Held by Al Bee, Cy Ode, Bo Day (deputy)" in links(svg)[reverse("roles:role_detail", args=[three.pk])]


def test_your_role_is_marked_yours_even_when_your_name_is_not_among_those_shown(client_for, portal_users):
    role = RoleFactory(title="Assembler")
    holders_of(role, [f"Aaron {number:02}" for number in range(12)])
    AssignmentFactory(role=role, person=portal_users.employee)
    AssignmentFactory(role=RoleFactory(title="Buyer"), person=UserFactory(full_name="Zed Ray"))

    response = client_for(portal_users.employee).get(URL)

    assert f'You hold: <a href="#orgchart-role-{role.pk}">Assembler</a>' in page_text(response)
    svg = chart_svg(response)
    assert "Emil Park" not in box_texts(svg, role) and "and 11 more" in box_texts(svg, role)
    box = next(group for group in svg.iter(f"{SVG}g") if group.get("id") == f"orgchart-role-{role.pk}")
    assert box.find(f"{SVG}rect").get("stroke") == "#1f6feb"  # the "yours" outline of the legend
    other = next(group for group in svg.iter(f"{SVG}g") if group.get("id") != f"orgchart-role-{role.pk}"
                 and (group.get("id") or "").startswith("orgchart-role-"))
    assert other.find(f"{SVG}rect").get("stroke") != "#1f6feb"


# --- Size ------------------------------------------------------------------------------------------------

def queries_for_page(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


def test_the_page_reads_the_same_number_of_queries_for_5_and_150_roles(client_for, portal_users):
    client = client_for(portal_users.top_management)
    a_team(5)
    client.get(URL)  # the first request of a session warms caches (content types, the organisation)
    few = queries_for_page(client)

    a_team(145)
    many = queries_for_page(client)

    assert len(orgchart_load(on=today()).roles()) == 150
    assert few == many


def test_the_page_reads_the_same_number_of_queries_for_3_and_300_holders(client_for, portal_users):
    client = client_for(portal_users.top_management)
    role = RoleFactory(title="Operator")
    AssignmentFactory.create_batch(3, role=role)
    AssignmentFactory(role=role, person=portal_users.top_management)
    client.get(URL)  # the first request of a session warms caches (content types, the organisation)
    few = queries_for_page(client)

    AssignmentFactory.create_batch(297, role=role)
    AssignmentFactory.create_batch(20, role=role, is_deputy=True)
    many = queries_for_page(client)

    assert few == many
    [drawn] = orgchart_load(on=today()).roles()
    assert (drawn.people, drawn.deputies) == (321, 20)


def test_150_roles_need_no_horizontal_scrolling_and_every_box_is_drawn(client_for, portal_users):
    a_team(150)

    svg = chart_svg(client_for(portal_users.employee).get(URL))

    assert len(links(svg)) == 150
    assert float(svg.get("width")) <= 1080


# --- The PDF ---------------------------------------------------------------------------------------------

def test_150_roles_draw_into_a_pdf_without_fetching_anything(monkeypatch):
    manager = a_team(150)
    AssignmentFactory(role=manager.direct_reports.first(), is_deputy=True)
    fetched = []
    real_fetch = pdf.PortalURLFetcher.fetch
    monkeypatch.setattr(pdf.PortalURLFetcher, "fetch", lambda self, url, *args: fetched.append(url) or real_fetch(
        self, url, *args))

    bands = orgchart_svg(orgchart_load(on=today()), for_pdf=True)
    document = render_pdf(f"<html><body><h1>Roles and holders</h1>{bands}</body></html>")

    assert fetched == []
    reader = PdfReader(io.BytesIO(document))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) > 1  # cut into page-high bands, not one drawing squeezed onto a page
    assert "Team manager" in text and "Team role 149" in text
    assert "Continued: Team manager" in text  # a band says whose team carries on from the page before
    # Each band is a drawing of its own, well-formed, and without links (a PDF has no portal to link to).
    for band in parse(f"<bands>{bands}</bands>"):
        assert band.find(f"{SVG}svg") is not None
    assert "<a " not in bands
