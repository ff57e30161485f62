"""The quality objective pages: the list with each objective's status, an objective's page with its trend chart,
saving objectives, and recording measurements (the owner's own objectives only; one value per date)."""
import datetime as dt
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leadership.models import Measurement, QualityObjective
from policy.models import PolicyKind
from qms_portal.access import PortalRole
from qms_portal.audit import AuditAction, AuditEntry
from tests.core.factories import OrgUnitFactory, UserFactory
from tests.leadership.factories import ActionFactory, MeasurementFactory, QualityObjectiveFactory
from tests.policy.factories import PolicyDocumentFactory

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def measured(objective: QualityObjective, *values: str, every: int = 30) -> None:
    """Measurements of ``values``, the last one today, ``every`` days apart."""
    for number, value in enumerate(values):
        on = days_ago(every * (len(values) - 1 - number))
        MeasurementFactory(objective=objective, value=Decimal(value), measured_on=on)


def row_of(page: str, title: str) -> str:
    """The table row of the objective titled ``title``."""
    return re.search(rf"<tr>\s*<td><a [^>]*>{re.escape(title)}</a>.*?</tr>", page, re.S).group(0)


# --- The list ------------------------------------------------------------------------------------
def test_the_list_shows_each_objective_with_its_target_latest_value_and_status(portal_users, client_for):
    owner = portal_users.process_owner
    on_track = QualityObjectiveFactory(title="On-time delivery", owner=owner, org_unit=OrgUnitFactory(name="Logistics"))
    measured(on_track, "93", "96.5")
    at_risk = QualityObjectiveFactory(title="First-pass yield", due_on=timezone.localdate() + dt.timedelta(days=90))
    measured(at_risk, "80", "88")
    off_track = QualityObjectiveFactory(title="Complaints", target=Decimal("5"), direction="at_most", unit="")
    measured(off_track, "8", "9")
    QualityObjectiveFactory(title="Supplier score")

    page = client_for(portal_users.auditor).get(reverse("leadership:objective_list")).text

    row = row_of(page, "On-time delivery")
    assert "≥ 95 %" in row and "96.5 %" in row and "Pia Olsen" in row and "Logistics" in row
    assert "tone-good" in row and "On track" in row and "<svg" in row and "framed by Quality Policy" in row
    assert "tone-warning" in row_of(page, "First-pass yield") and "At risk" in row_of(page, "First-pass yield")
    assert "≤ 5" in row_of(page, "Complaints") and "tone-bad" in row_of(page, "Complaints")
    no_data = row_of(page, "Supplier score")
    assert "No data" in no_data and "<svg" not in no_data and "Whole organisation" in no_data


def test_the_list_says_so_when_there_is_no_objective(portal_users, client_for):
    assert (
        "No quality objectives yet"
        in client_for(portal_users.process_owner).get(reverse("leadership:objective_list")).text
    )
    page = client_for(portal_users.quality_manager).get(reverse("leadership:objective_list")).text
    assert "Set the first objective" in page


def _objectives(count: int, owners: list, policy) -> None:
    for number in range(count):
        objective = QualityObjectiveFactory(owner=owners[number % len(owners)], policy=policy,
                                            org_unit=None if number % 2 else OrgUnitFactory())
        if number % 3:
            measured(objective, "90", "94", str(90 + number % 10))


def test_the_list_costs_the_same_number_of_queries_for_5_and_500_objectives(portal_users, client_for):
    client = client_for(portal_users.quality_manager)
    client.get(reverse("home"))  # the first page of a session loads what later pages find cached
    policy = PolicyDocumentFactory()
    owners = [UserFactory(roles=[PortalRole.PROCESS_OWNER]) for _ in range(3)]
    _objectives(5, owners, policy)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("leadership:objective_list")).status_code == 200
    _objectives(495, owners + [portal_users.process_owner], PolicyDocumentFactory())
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("leadership:objective_list")).text

    assert "1–50 of 500" in page and page.count("<svg") > 30
    assert len(many) == len(few), f"{len(few)} queries for 5 objectives, {len(many)} for 500"


# --- An objective's page -------------------------------------------------------------------------
def test_the_page_shows_every_6_2_field_the_status_with_its_reason_and_the_measurements(portal_users, client_for):
    objective = QualityObjectiveFactory(
        title="On-time delivery", owner=portal_users.process_owner, plan="Daily dispatch meeting.",
        planned_resources="One planner, half a day a week.", evaluation_method="Monthly from the ERP report.",
        org_unit=OrgUnitFactory(name="Logistics"),
    )
    measured(objective, "91", "93.25")
    MeasurementFactory(objective=objective, measured_on=days_ago(90), value=Decimal("97"), note="Quiet month")

    page = client_for(portal_users.top_management).get(reverse("leadership:objective_detail", args=[objective.pk])).text

    for text in ("Daily dispatch meeting.", "One planner, half a day a week.", "Monthly from the ERP report.",
                 "Pia Olsen", "Logistics", "Orders delivered on the promised day", "Quality Policy",
                 "≥ 95 %", objective.due_on.strftime("%-d %b %Y"), "Quiet month"):
        assert text in page, text
    assert "At risk" in page and "The latest value, 93.25 % on" in page
    assert "does not meet the target ≥ 95 % yet" in page
    measurements = re.findall(r'<td class="text-nowrap fw-semibold text-(success|danger)">([^<]+)<', page)
    assert measurements == [("danger", "93.25 %"), ("danger", "91 %"), ("success", "97 %")]  # newest first
    assert "Record a measurement" not in page  # a top manager reads, the owner records


def test_the_page_draws_the_trend_chart_as_valid_inline_svg(portal_users, client_for):
    objective = QualityObjectiveFactory(title="Scrap <rate> & waste", owner=portal_users.process_owner)
    measured(objective, "90", "92", "96")

    page = client_for(portal_users.process_owner).get(reverse("leadership:objective_detail", args=[objective.pk])).text

    svg = re.search(r'<div class="trend-chart">(<svg.*?</svg>)</div>', page, re.S).group(1)
    root = ET.fromstring(svg)  # noqa: S314 - markup the portal drew itself, in a test
    assert root.tag == f"{SVG}svg"
    assert len(root.findall(f"{SVG}circle")) == 3 and root.find(f"{SVG}polyline") is not None
    assert "Scrap &lt;rate&gt; &amp; waste" in svg  # escaped inside the chart
    assert "Record a measurement" in page  # the owner records


def test_the_page_lists_the_actions_raised_for_the_objective(portal_users, qm_client):
    objective = QualityObjectiveFactory()
    ActionFactory(title="Weekly OTD huddle", source_objective=objective, due_on=days_ago(2))
    ActionFactory(title="Unrelated")

    page = qm_client.get(reverse("leadership:objective_detail", args=[objective.pk])).text

    assert "Weekly OTD huddle" in page and "Unrelated" not in page
    assert f'{reverse("leadership:action_create")}?objective={objective.pk}' in page
    assert "text-danger fw-semibold" in page  # overdue


def test_an_objective_without_measurements_says_so_in_the_chart_and_the_table(portal_users, qm_client):
    objective = QualityObjectiveFactory()

    page = qm_client.get(reverse("leadership:objective_detail", args=[objective.pk])).text

    assert "No measurements yet" in page and "Nothing measured yet" in page and "No data" in page


# --- Saving objectives ---------------------------------------------------------------------------
def objective_data(**changes) -> dict:
    return {
        "title": "Customer complaints", "measure": "Complaints received", "unit": "per month",
        "target": "3", "direction": "at_most", "due_on": (timezone.localdate() + dt.timedelta(days=200)).isoformat(),
        "plan": "Root-cause every complaint.", "planned_resources": "QA engineer", "evaluation_method": "Monthly",
        "org_unit": "",
    } | changes


def test_the_quality_manager_creates_an_objective_framed_by_a_policy(portal_users, qm_client):
    environmental = PolicyDocumentFactory(title="Environmental policy", kind=PolicyKind.ENVIRONMENTAL)
    quality = PolicyDocumentFactory(title="Quality policy")
    form = qm_client.get(reverse("leadership:objective_create")).text
    # The quality policy first, and chosen unless another is.
    assert form.index("Quality policy") < form.index("Environmental policy")
    assert f'<option value="{quality.pk}" selected>' in form

    response = qm_client.post(reverse("leadership:objective_create"), objective_data(
        policy=environmental.pk, owner=portal_users.process_owner.pk,
    ))

    objective = QualityObjective.objects.get()
    assert response["Location"] == reverse("leadership:objective_detail", args=[objective.pk])
    assert (objective.policy, objective.owner, objective.target, objective.direction) == (
        environmental, portal_users.process_owner, Decimal("3"), "at_most",
    )
    assert AuditEntry.objects.filter(record_type="leadership.qualityobjective", action=AuditAction.CREATE).exists()


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"target": ""}, "This field is required."),
        ({"target": "ninety"}, "Enter a number."),
        ({"direction": "around"}, "Select a valid choice."),
        ({"policy": ""}, "This field is required."),
        ({"title": " "}, "This field is required."),
    ],
)
def test_an_invalid_objective_is_refused_and_nothing_saved(portal_users, qm_client, changes, error):
    policy = PolicyDocumentFactory()

    response = qm_client.post(reverse("leadership:objective_create"), objective_data(
        policy=policy.pk, owner=portal_users.process_owner.pk
    ) | changes)

    assert response.status_code == 200 and error in response.text
    assert not QualityObjective.objects.exists()


def test_an_inactive_owner_is_not_offered(portal_users, qm_client):
    gone = UserFactory(full_name="Left Already", is_active=False)

    response = qm_client.post(reverse("leadership:objective_create"), objective_data(
        policy=PolicyDocumentFactory().pk, owner=gone.pk,
    ))

    assert "Left Already" not in response.text and "Select a valid choice." in response.text
    assert not QualityObjective.objects.exists()


def test_the_quality_manager_changes_an_objective(portal_users, qm_client):
    objective = QualityObjectiveFactory(target=Decimal("95"))
    assert 'value="95"' in qm_client.get(reverse("leadership:objective_edit", args=[objective.pk])).text

    response = qm_client.post(reverse("leadership:objective_edit", args=[objective.pk]), objective_data(
        policy=objective.policy.pk, owner=objective.owner.pk, title="Complaints, halved", target="2",
    ))

    assert response.status_code == 302
    objective.refresh_from_db()
    assert (objective.title, objective.target) == ("Complaints, halved", Decimal("2"))


# --- Recording measurements ----------------------------------------------------------------------
def test_the_owner_records_a_measurement_dated_today_by_default(portal_users, client_for):
    objective = QualityObjectiveFactory(owner=portal_users.process_owner)
    client = client_for(portal_users.process_owner)
    assert f'value="{timezone.localdate().isoformat()}"' in client.get(
        reverse("leadership:measurement_create", args=[objective.pk])
    ).text

    response = client.post(reverse("leadership:measurement_create", args=[objective.pk]), {
        "measured_on": timezone.localdate().isoformat(), "value": "96.4", "note": "ERP report",
    })

    assert response["Location"] == reverse("leadership:objective_detail", args=[objective.pk])
    measurement = Measurement.objects.get()
    assert (measurement.value, measurement.note, measurement.recorded_by) == (
        Decimal("96.4"), "ERP report", portal_users.process_owner,
    )


def test_a_second_measurement_on_the_same_date_is_a_field_error_and_changes_nothing(portal_users, client_for):
    objective = QualityObjectiveFactory(owner=portal_users.process_owner)
    MeasurementFactory(objective=objective, measured_on=days_ago(3), value=Decimal("91"))

    response = client_for(portal_users.process_owner).post(
        reverse("leadership:measurement_create", args=[objective.pk]),
        {
            "measured_on": days_ago(3).isoformat(),
            "value": "99",
        },
    )

    assert response.status_code == 200
    assert f"{days_ago(3):%-d %b %Y} already has a value: 91 %" in response.text
    assert 'id="error_1_id_measured_on"' in response.text or "is-invalid" in response.text
    assert list(Measurement.objects.values_list("value", flat=True)) == [Decimal("91")]


def test_a_measurement_is_corrected_only_when_replace_is_ticked(portal_users, qm_client):
    objective = QualityObjectiveFactory()
    MeasurementFactory(objective=objective, measured_on=days_ago(3), value=Decimal("91"))

    qm_client.post(reverse("leadership:measurement_create", args=[objective.pk]), {
        "measured_on": days_ago(3).isoformat(), "value": "92", "replace": "on",
    })

    assert list(Measurement.objects.values_list("value", flat=True)) == [Decimal("92")]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"measured_on": "", "value": "90"}, "This field is required."),
        ({"value": "ninety"}, "Enter a number."),
        ({"value": "NaN"}, "Enter a number."),
        ({"measured_on": "tomorrow"}, "Enter a valid date."),
        ({"future": True}, "A measurement cannot be dated in the future."),
    ],
)
def test_an_invalid_measurement_is_refused_and_nothing_saved(portal_users, qm_client, data, error):
    objective = QualityObjectiveFactory()
    posted = {"measured_on": timezone.localdate().isoformat(), "value": "90"} | data
    if posted.pop("future", False):
        posted["measured_on"] = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    response = qm_client.post(reverse("leadership:measurement_create", args=[objective.pk]), posted)

    assert response.status_code == 200 and error in response.text
    assert not Measurement.objects.exists()


def test_a_process_owner_cannot_record_on_someone_elses_objective(portal_users, client_for):
    objective = QualityObjectiveFactory()  # owned by another process owner
    client = client_for(portal_users.process_owner)

    assert client.get(reverse("leadership:measurement_create", args=[objective.pk])).status_code == 403
    response = client.post(reverse("leadership:measurement_create", args=[objective.pk]), {
        "measured_on": timezone.localdate().isoformat(), "value": "99",
    })

    assert response.status_code == 403
    assert not Measurement.objects.exists()
    page = client.get(reverse("leadership:objective_detail", args=[objective.pk])).text
    assert "Record a measurement" not in page
