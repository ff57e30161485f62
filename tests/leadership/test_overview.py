"""The leadership page: a top manager's own commitments, evidence, actions and next review; the whole of top
management (or one member) for the other viewers; the quick buttons and the sub-navigation."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from leadership.models import ActionStatus, Commitment
from leadership.reviews import review_plan
from qms_portal.access import PortalRole
from tests.core.factories import UserFactory
from tests.leadership.factories import ActionFactory, EvidenceEntryFactory

pytestmark = pytest.mark.django_db


def days_from_now(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def own(code: str, person) -> Commitment:
    commitment = Commitment.objects.get(code=code)
    commitment.owner = person
    commitment.save()
    return commitment


@pytest.fixture
def board(portal_users):
    """Two top managers, each accountable for commitments, with evidence and actions of their own."""
    tessa = portal_users.top_management
    olga = UserFactory(full_name="Olga Board", roles=[PortalRole.TOP_MANAGEMENT])
    own("5.1.1.a", tessa)
    stale = own("5.1.2.c", tessa)
    own("5.1.1.e", olga)
    EvidenceEntryFactory(leader=tessa, summary="Tessa's town hall.",
                         commitments=[Commitment.objects.get(code="5.1.1.a")])
    EvidenceEntryFactory(leader=tessa, occurred_on=days_from_now(-120), summary="Tessa's customer visit.",
                         commitments=[stale])
    EvidenceEntryFactory(leader=olga, summary="Olga's budget decision.",
                         commitments=[Commitment.objects.get(code="5.1.1.e")])
    ActionFactory(owner=tessa, title="Visit two customers", due_on=days_from_now(-2))
    ActionFactory(owner=tessa, title="Brief the night shift", due_on=days_from_now(10))
    ActionFactory(owner=tessa, title="Finished long ago", status=ActionStatus.DONE, due_on=days_from_now(-30))
    ActionFactory(owner=olga, title="Approve the test-bay budget", due_on=days_from_now(5))
    ActionFactory(owner=portal_users.employee, title="Tidy the gauge store", due_on=days_from_now(-1))
    return tessa, olga


def test_a_top_manager_sees_their_own_commitments_evidence_and_actions(board, portal_users, client_for):
    page = client_for(portal_users.top_management).get(reverse("leadership:leadership_home")).text

    assert "Your leadership" in page and "This is your own page" in page
    assert "5.1.1.a" in page and "5.1.2.c" in page and "5.1.1.e" not in page
    assert "Tessa&#x27;s town hall." in page and "Olga&#x27;s budget decision." not in page
    assert "Visit two customers" in page and "Brief the night shift" in page
    assert "Approve the test-bay budget" not in page and "Finished long ago" not in page
    assert "Tidy the gauge store" not in page
    # The stale commitment comes first, with a way to record evidence for it.
    assert page.index("5.1.2.c") < page.index("5.1.1.a")
    assert f'{reverse("leadership:evidence_create")}?commitment=5.1.2.c' in page


def test_an_overdue_action_is_highlighted(board, portal_users, client_for):
    page = client_for(portal_users.top_management).get(reverse("leadership:leadership_home")).text

    item = page[page.rindex("<li", 0, page.index("Visit two customers")):page.index("Visit two customers")]
    assert "action-overdue" in item
    assert "1 overdue" in page
    calm = page[page.rindex("<li", 0, page.index("Brief the night shift")):page.index("Brief the night shift")]
    assert "action-overdue" not in calm


def test_the_quality_manager_sees_top_management_as_a_whole_and_why(board, portal_users, client_for):
    page = client_for(portal_users.quality_manager).get(reverse("leadership:leadership_home")).text

    assert "<h1>Top management</h1>" in page
    assert "Top managers open this page on their own commitments" in page
    assert "5.1.1.a" in page and "5.1.1.e" in page and "5.1.1.j" in page
    assert "Olga&#x27;s budget decision." in page and "Tessa&#x27;s town hall." in page
    assert "Visit two customers" in page and "Approve the test-bay budget" in page
    assert "Tidy the gauge store" not in page  # an employee's action is not top management's
    assert "commitments name no accountable top manager yet" in page


def test_an_auditor_chooses_one_top_manager(board, portal_users, client_for):
    tessa, olga = board

    page = client_for(portal_users.auditor).get(reverse("leadership:leadership_home"), {"leader": olga.pk}).text

    assert "<h1>Olga Board</h1>" in page
    assert "5.1.1.e" in page and "5.1.1.a" not in page
    assert "Olga&#x27;s budget decision." in page and "Tessa&#x27;s town hall." not in page
    assert "Approve the test-bay budget" in page and "Visit two customers" not in page
    assert f'{reverse("leadership:action_list")}?owner={olga.pk}' in page


def test_a_top_manager_may_look_at_all_of_top_management(board, portal_users, client_for):
    page = client_for(portal_users.top_management).get(reverse("leadership:leadership_home"), {"leader": "all"}).text

    assert "<h1>Top management</h1>" in page and "Back to your own page" in page
    assert "5.1.1.e" in page


def test_someone_outside_top_management_cannot_be_chosen(board, portal_users, client_for):
    page = client_for(portal_users.auditor).get(
        reverse("leadership:leadership_home"), {"leader": portal_users.employee.pk}
    ).text

    assert "That person is not a member of top management now" in page
    assert "<h1>Top management</h1>" in page


def test_the_next_review_shows_its_date_chair_link_and_whether_the_person_is_invited(board, portal_users, client_for):
    tessa, olga = board
    later = review_plan(
        title="Year-end review", planned_on=days_from_now(60), chair=tessa, by=portal_users.quality_manager
    )
    review = review_plan(title="Quarterly management review", planned_on=days_from_now(20), chair=olga,
                         attendees=[tessa], by=portal_users.quality_manager)

    as_tessa = client_for(portal_users.top_management).get(reverse("leadership:leadership_home")).text
    as_olga_seen = client_for(portal_users.auditor).get(reverse("leadership:leadership_home"), {"leader": olga.pk}).text
    not_invited = UserFactory(full_name="Nina Away", roles=[PortalRole.TOP_MANAGEMENT])
    as_nina = client_for(not_invited).get(reverse("leadership:leadership_home")).text

    assert "Quarterly management review" in as_tessa and "Year-end review" not in as_tessa
    assert reverse("leadership:review_detail", args=[review.pk]) in as_tessa
    assert date_format(days_from_now(20), "l j M Y") in as_tessa
    assert "Olga Board" in as_tessa and "in 20 days" in as_tessa
    assert "You are invited" in as_tessa
    assert "Olga is invited" in as_olga_seen  # the chair is always invited
    assert "You are not on the invitation list" in as_nina
    assert later.pk  # planned too, but later


def test_without_a_planned_review_the_quality_manager_is_asked_to_plan_one(portal_users, client_for):
    as_qm = client_for(portal_users.quality_manager).get(reverse("leadership:leadership_home")).text
    as_tm = client_for(portal_users.top_management).get(reverse("leadership:leadership_home")).text

    assert "No management review is planned." in as_qm and reverse("leadership:review_create") in as_qm
    assert "No management review is planned." in as_tm and reverse("leadership:review_create") not in as_tm


def test_a_top_manager_without_commitments_is_told_who_names_them(portal_users, client_for):
    page = client_for(portal_users.top_management).get(reverse("leadership:leadership_home")).text

    assert "No commitment is yours yet" in page
    assert "Nothing recorded yet" in page and "No open actions of yours." in page


def test_quick_buttons_offer_what_the_person_may_do(portal_users, client_for):
    as_tm = client_for(portal_users.top_management).get(reverse("leadership:leadership_home")).text
    as_auditor = client_for(portal_users.auditor).get(reverse("leadership:leadership_home")).text

    for page in (as_tm, as_auditor):
        assert reverse("leadership:review_list") in page and reverse("leadership:objective_list") in page
    assert reverse("leadership:evidence_create") in as_tm
    assert reverse("leadership:evidence_create") not in as_auditor


def test_the_sub_navigation_shows_every_leadership_page_to_viewers_and_marks_the_current_one(portal_users, client_for):
    page = client_for(portal_users.process_owner).get(reverse("leadership:commitment_list")).text

    nav = page[page.index('class="nav nav-underline leadership-nav'):page.index("</nav>", page.index("leadership-nav"))]
    for name in (
        "leadership:leadership_home",
        "leadership:commitment_list",
        "leadership:evidence_list",
        "leadership:review_list",
        "leadership:action_list",
        "leadership:objective_list",
    ):
        assert f'href="{reverse(name)}"' in nav
    assert 'active" aria-current="page" href="/leadership/commitments/"' in nav


def test_the_overview_costs_the_same_number_of_queries_for_few_and_many_records(board, portal_users, client_for):
    tessa, _ = board
    client = client_for(portal_users.quality_manager)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("leadership:leadership_home")).status_code == 200
    for _ in range(60):
        EvidenceEntryFactory(leader=tessa, commitments=[Commitment.objects.get(code="5.1.1.a")])
        ActionFactory(owner=tessa, due_on=days_from_now(-3))
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("leadership:leadership_home")).text

    assert "8 of 63 shown" in page
    assert len(many) == len(few)
