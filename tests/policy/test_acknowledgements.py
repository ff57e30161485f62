"""Acknowledgement campaigns (5.2.2.b): reading and confirming a published version, who is asked, the
report with its rates, the CSV export, and the prompt on the home page."""
import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from policy import acknowledgements
from policy.acknowledgements import (
    AlreadyAcknowledged,
    acknowledgement_record,
    campaign_audience,
    campaign_report,
    pending_for,
)
from policy.models import Acknowledgement, AudienceKind, PolicyVersion
from policy.selectors import acknowledgement_summary, current_version
from policy.workflow import (
    document_create,
    version_approve,
    version_create_draft,
    version_edit,
    version_publish,
    version_submit,
)
from qms_portal.access import PortalRole
from qms_portal.audit import AuditEntry
from qms_portal.models import User
from qms_portal.refusals import StepRefused
from tests.core.factories import PASSWORD, OrgUnitFactory, UserFactory
from tests.policy.factories import POLICY_BODY, complete_checklist, shown_hash

QUESTION = "Who may change the quality policy?"
CHOICES = ["Anyone", "Top management, by signing a new version", "The auditor"]


def publish(
    portal_users, *, document=None, reference: str = "qp-01", due_in_days: int = 14, **campaign
) -> PolicyVersion:
    """A new version of ``document`` (or a new quality policy) taken through the whole workflow and published."""
    qm, tm = portal_users.quality_manager, portal_users.top_management
    if document is None:
        version = document_create(
            title="Quality Policy", reference=reference, body=POLICY_BODY, change_summary="First issue.", by=qm
        )
    else:
        version = version_create_draft(document=document, by=qm)
    version_edit(version=version, body=POLICY_BODY, change_summary="Reviewed.", checklist=complete_checklist(), by=qm)
    version_submit(version=version, by=qm)
    version_approve(
            version=version, password=PASSWORD, expected_sha256=shown_hash(version), by=tm
        )
    due_on = timezone.localdate() + dt.timedelta(days=due_in_days)
    return version_publish(version=version, due_on=due_on, by=qm, **campaign)


def ack_url(version: PolicyVersion) -> str:
    return reverse("policy:version_acknowledge", args=[version.document.reference, version.number])


def report_url(version: PolicyVersion, name: str = "policy:campaign_report") -> str:
    return reverse(name, args=[version.document.reference, version.number])


@pytest.fixture
def published(portal_users) -> PolicyVersion:
    return publish(portal_users)


# --- Reading and acknowledging ------------------------------------------------------------------


def test_employee_reads_and_acknowledges_through_the_page(portal_users, client_for, published):
    employee = portal_users.employee
    client = client_for(employee)

    page = client.get(ack_url(published))
    assert page.status_code == 200
    assert "<h1>Quality policy</h1>" in page.content.decode()  # the Markdown body, rendered
    assert "I have read and understood this policy" in page.content.decode()

    response = client.post(ack_url(published), {"understood": "on"}, follow=True)
    assert "Thank you: your acknowledgement of Quality Policy v1 is recorded." in response.content.decode()
    assert "You have acknowledged this version" in response.content.decode()
    acknowledgement = Acknowledgement.objects.get(version=published, person=employee)
    entry = AuditEntry.objects.filter(record_type="policy.acknowledgement", object_id=str(acknowledgement.pk)).get()
    assert entry.actor_id == employee.pk


def test_confirming_without_ticking_the_box_records_nothing(portal_users, client_for, published):
    response = client_for(portal_users.employee).post(ack_url(published), {})
    assert response.status_code == 200
    assert "Tick the box to confirm" in response.content.decode()
    assert not Acknowledgement.objects.exists()


def test_wrong_answer_to_the_question_records_nothing_and_says_so(portal_users, client_for):
    version = publish(portal_users, question=QUESTION, choices=CHOICES, correct_choice=1)
    client = client_for(portal_users.employee)
    assert QUESTION in client.get(ack_url(version)).content.decode()

    response = client.post(ack_url(version), {"understood": "on", "answer": "0"})
    assert response.status_code == 200
    assert "That is not the right answer" in response.content.decode()
    assert not Acknowledgement.objects.exists()

    response = client.post(ack_url(version), {"understood": "on"})
    assert "Choose an answer to the question." in response.content.decode()
    assert not Acknowledgement.objects.exists()

    client.post(ack_url(version), {"understood": "on", "answer": "1"})
    assert Acknowledgement.objects.filter(version=version, person=portal_users.employee).exists()


def test_wrong_answer_is_refused_by_the_business_function_too(portal_users):
    version = publish(portal_users, question=QUESTION, choices=CHOICES, correct_choice=1)
    for answer in (None, 2):
        with pytest.raises(ValidationError):
            acknowledgement_record(version=version, person=portal_users.employee, answer=answer)
    assert not Acknowledgement.objects.exists()


def test_second_acknowledgement_of_the_same_version_is_refused(portal_users, client_for, published):
    employee = portal_users.employee
    first = acknowledgement_record(version=published, person=employee, answer=None)
    with pytest.raises(AlreadyAcknowledged, match="already acknowledged"):
        acknowledgement_record(version=published, person=employee, answer=None)

    response = client_for(employee).post(ack_url(published), {"understood": "on"}, follow=True)
    assert "your first acknowledgement stands" in response.content.decode()
    assert list(Acknowledgement.objects.filter(person=employee)) == [first]


def test_database_constraint_refuses_a_duplicate_acknowledgement(portal_users, published):
    Acknowledgement.objects.create(version=published, person=portal_users.employee)
    with pytest.raises(IntegrityError), transaction.atomic():
        Acknowledgement.objects.create(version=published, person=portal_users.employee)
    assert Acknowledgement.objects.count() == 1


def test_two_submissions_at_once_give_the_same_refusal(portal_users, published, monkeypatch):
    """The second of two simultaneous submissions passes the check, then meets the database constraint."""
    acknowledgement_record(version=published, person=portal_users.employee, answer=None)
    monkeypatch.setattr(acknowledgements, "has_acknowledged", lambda **kwargs: False)
    with pytest.raises(AlreadyAcknowledged, match="already acknowledged"):
        acknowledgement_record(version=published, person=portal_users.employee, answer=None)
    assert Acknowledgement.objects.count() == 1  # and the transaction is still usable


def test_acknowledging_version_1_does_not_count_for_version_2(portal_users, client_for, published):
    employee = portal_users.employee
    acknowledgement_record(version=published, person=employee, answer=None)
    assert pending_for(employee) == []

    version_2 = publish(portal_users, document=published.document)

    assert pending_for(employee) == [version_2]
    report = campaign_report(version_2.campaign)
    assert (report.asked, report.acknowledged) == (4, 0)
    assert "Please read and acknowledge Quality Policy version 2" in client_for(employee).get("/").content.decode()


def test_superseded_version_can_no_longer_be_acknowledged(portal_users, client_for, published):
    version_2 = publish(portal_users, document=published.document)
    published.refresh_from_db()
    with pytest.raises(StepRefused):
        acknowledgement_record(version=published, person=portal_users.employee, answer=None)

    response = client_for(portal_users.employee).post(ack_url(published), {"understood": "on"})
    assert response.status_code == 409
    assert ack_url(version_2) in response.content.decode()  # points to the version in force
    assert not Acknowledgement.objects.exists()


# --- Who is asked -------------------------------------------------------------------------------


def test_all_staff_audience_leaves_out_auditors_people_without_a_role_and_the_deactivated(portal_users, published):
    UserFactory(username="norole")
    both = UserFactory(username="both", roles=[PortalRole.AUDITOR, PortalRole.EMPLOYEE])
    asked = set(campaign_audience(published.campaign).values_list("username", flat=True))
    assert asked == {"tm", "qm", "po", "emp", both.username}


def test_department_audience_includes_sub_units_and_excludes_others(portal_users):
    production = OrgUnitFactory(name="Production")
    assembly = OrgUnitFactory(name="Assembly", parent=production)
    line_1 = OrgUnitFactory(name="Line 1", parent=assembly)
    sales = OrgUnitFactory(name="Sales")
    quality = OrgUnitFactory(name="Quality")
    people = {
        unit.name: UserFactory(username=f"in-{unit.code.lower()}", org_unit=unit, roles=[PortalRole.EMPLOYEE])
        for unit in (production, assembly, line_1, sales, quality)
    }
    version = publish(portal_users, audience=AudienceKind.DEPARTMENTS, org_units=[production, quality])

    with CaptureQueriesContext(connection) as queries:
        asked = set(campaign_audience(version.campaign))
    assert len(queries) == 3  # the chosen units, the unit tree once, the people
    assert asked == {people["Production"], people["Assembly"], people["Line 1"], people["Quality"]}
    assert pending_for(people["Line 1"]) == [version]
    assert pending_for(people["Sales"]) == []
    assert pending_for(portal_users.employee) == []  # in no unit
    with pytest.raises(PermissionDenied):
        acknowledgement_record(version=version, person=people["Sales"], answer=None)
    acknowledgement_record(version=version, person=people["Line 1"], answer=None)


def test_auditor_and_person_outside_the_audience_cannot_acknowledge(portal_users, client_for):
    sales = OrgUnitFactory(name="Sales")
    outsider = UserFactory(username="outsider", org_unit=OrgUnitFactory(name="Finance"), roles=[PortalRole.EMPLOYEE])
    version = publish(portal_users, audience=AudienceKind.DEPARTMENTS, org_units=[sales])
    for person in (portal_users.auditor, outsider):
        client = client_for(person)
        assert client.get(ack_url(version)).status_code == 403
        assert client.post(ack_url(version), {"understood": "on"}).status_code == 403
        with pytest.raises(PermissionDenied):
            acknowledgement_record(version=version, person=person, answer=None)
        assert "Please read and acknowledge" not in client.get("/").content.decode()
    assert not Acknowledgement.objects.exists()


# --- The report and its export ------------------------------------------------------------------


def test_report_shows_the_rate_overall_and_by_department(portal_users, client_for, published):
    assembly, sales = OrgUnitFactory(name="Assembly"), OrgUnitFactory(name="Sales")
    staff = [portal_users.top_management, portal_users.quality_manager, portal_users.process_owner,
             portal_users.employee]
    for person, unit in zip(staff, [assembly, assembly, assembly, sales], strict=True):
        person.org_unit = unit
        person.save()
    extra = UserFactory(full_name="Zoe Sales", org_unit=sales, roles=[PortalRole.EMPLOYEE], job_title="Buyer")
    for person in (portal_users.quality_manager, portal_users.process_owner, portal_users.employee):
        acknowledgement_record(version=published, person=person, answer=None)
    # the auditor's view counts, too: an auditor acknowledged nothing and is not asked
    report = campaign_report(published.campaign)
    assert (report.asked, report.acknowledged, report.rate) == (5, 3, 60)
    assert [(row.unit, row.asked, row.acknowledged, row.rate) for row in report.departments] == [
        ("Assembly", 3, 2, 67), ("Sales", 2, 1, 50)  # 2 of 3 is 66.7%, rounded half up
    ]
    assert not report.overdue

    page = client_for(portal_users.auditor).get(report_url(published)).content.decode()
    assert 'data-progress="60"' in page
    assert "3 of 5 people asked" in page
    assert "Zoe Sales" in page and "Buyer" in page  # pending
    assert "Tessa Mann" in page
    assert "Emil Park" not in page  # acknowledged
    assert extra.username in page


def test_report_warns_when_the_due_date_has_passed(portal_users, client_for):
    version = publish(portal_users, due_in_days=-1)
    report = campaign_report(version.campaign)
    assert report.overdue
    assert "Overdue." in client_for(portal_users.quality_manager).get(report_url(version)).content.decode()


def test_report_and_export_are_refused_to_employees(portal_users, client_for, published):
    client = client_for(portal_users.employee)
    assert client.get(report_url(published)).status_code == 403
    assert client.get(report_url(published, "policy:campaign_report_csv")).status_code == 403


def test_csv_lists_everyone_asked_and_escapes_formulas(portal_users, client_for, published):
    UserFactory(username="mallory", full_name="=cmd()", job_title="+SUM(A1)", roles=[PortalRole.EMPLOYEE])
    acknowledgement_record(version=published, person=portal_users.employee, answer=None)

    response = client_for(portal_users.quality_manager).get(report_url(published, "policy:campaign_report_csv"))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == "name,user name,department,job title,acknowledged,when,answers given,first answer right"
    assert len(lines) == 1 + 5
    assert "'=cmd(),mallory,,'+SUM(A1),no,,0," in lines
    emil = next(line for line in lines if line.startswith("Emil Park,"))
    assert ",yes," in emil and emil.split(",")[5].startswith(str(timezone.localdate().year))


def _staff_in_bulk(count: int) -> None:
    """``count`` employees, in one unit each of ten, with their role given in one call."""
    units = [OrgUnitFactory(name=f"Unit {n}") for n in range(10)]
    people = [
        User.objects.create(username=f"bulk{n}", full_name=f"Bulk Person {n:04d}", org_unit=units[n % 10])
        for n in range(count)
    ]
    Group.objects.get(name=PortalRole.EMPLOYEE).user_set.add(*people)


@pytest.mark.parametrize("audience", [AudienceKind.ALL_STAFF, AudienceKind.DEPARTMENTS])
def test_report_page_issues_the_same_queries_for_20_and_for_2000_people(portal_users, qm_client, audience):
    def queries_for(count: int) -> int:
        with transaction.atomic():
            _staff_in_bulk(count)
            units = list(OrgUnitFactory._meta.model.objects.all())
            version = publish(portal_users, audience=audience, org_units=units)
            acknowledgement_record(version=version, person=User.objects.get(username="bulk1"), answer=None)
            asked = campaign_audience(version.campaign).count()
            assert asked == count + (4 if audience == AudienceKind.ALL_STAFF else 0)
            with CaptureQueriesContext(connection) as queries:
                response = qm_client.get(report_url(version))
            assert response.status_code == 200
            assert f"1 of {asked} people asked" in response.content.decode()
            transaction.set_rollback(True)
        return len(queries)

    assert queries_for(20) == queries_for(2000)


# --- The home page prompt and the selectors -----------------------------------------------------


def test_home_prompt_appears_for_a_pending_employee_and_disappears_after_acknowledging(
    portal_users, client_for, published
):
    client = client_for(portal_users.employee)
    due = published.campaign.due_on
    home = client.get("/").content.decode()
    assert f"Please read and acknowledge Quality Policy version 1 by {due:%-d %B %Y}" in home
    assert ack_url(published) in home

    client.post(ack_url(published), {"understood": "on"})
    assert "Please read and acknowledge" not in client.get("/").content.decode()


def test_pending_for_costs_the_same_few_queries_however_many_campaigns(portal_users):
    production = OrgUnitFactory(name="Production")
    employee = portal_users.employee
    employee.org_unit = production
    employee.save()
    first = publish(portal_users, audience=AudienceKind.DEPARTMENTS, org_units=[production])
    with CaptureQueriesContext(connection) as one:
        assert pending_for(employee) == [first]
    for n in range(3):
        publish(portal_users, reference=f"p-{n}", audience=AudienceKind.DEPARTMENTS, org_units=[production])
    with CaptureQueriesContext(connection) as four:
        assert len(pending_for(employee)) == 4
    assert len(one) == len(four) <= 4


def test_pending_for_costs_the_same_queries_with_nothing_pending_as_with_a_department_campaign(portal_users):
    # The home page asks on every visit: its query count may not hang on whether the person has read everything.
    production = OrgUnitFactory(name="Production")
    assembly = OrgUnitFactory(name="Assembly", parent=production)
    employee = portal_users.employee
    employee.org_unit = assembly
    employee.save()
    with CaptureQueriesContext(connection) as nothing_pending:
        assert pending_for(employee) == []
    to_all = publish(portal_users)
    to_production = publish(portal_users, reference="p-prod", audience=AudienceKind.DEPARTMENTS, org_units=[production])
    publish(portal_users, reference="p-sales", audience=AudienceKind.DEPARTMENTS, org_units=[OrgUnitFactory()])
    with CaptureQueriesContext(connection) as some_pending:
        pending = pending_for(employee)

    assert set(pending) == {to_all, to_production}  # the unit above theirs reaches them; another unit does not
    assert len(nothing_pending) == len(some_pending) == 3


def test_selectors_give_the_current_quality_policy_and_its_figures(portal_users):
    assert current_version() is None
    assert acknowledgement_summary() is None
    version_1 = publish(portal_users)
    acknowledgement_record(version=version_1, person=portal_users.employee, answer=None)
    version_2 = publish(portal_users, document=version_1.document)
    acknowledgement_record(version=version_2, person=portal_users.quality_manager, answer=None)

    assert current_version() == version_2
    assert current_version("qp-01") == version_2
    assert current_version("no-such-policy") is None
    summary = acknowledgement_summary()
    assert (summary.version, summary.asked, summary.acknowledged, summary.rate) == (version_2, 4, 1, 25)
    assert summary.due_on == version_2.campaign.due_on


def test_the_summary_counts_as_the_report_does_for_a_department_campaign_past_its_due_date(portal_users):
    production, sales = OrgUnitFactory(name="Production"), OrgUnitFactory(name="Sales")
    people = [UserFactory(org_unit=unit, roles=[PortalRole.EMPLOYEE]) for unit in (production, production, sales)]
    version = publish(portal_users, audience=AudienceKind.DEPARTMENTS, org_units=[production], due_in_days=-1)
    acknowledgement_record(version=version, person=people[0], answer=None)
    report = campaign_report(version.campaign)

    with CaptureQueriesContext(connection) as queries:
        summary = acknowledgement_summary()

    assert summary is not None
    assert (summary.asked, summary.acknowledged, summary.rate, summary.overdue) == (2, 1, 50, True)
    assert (report.asked, report.acknowledged, report.rate, report.overdue) == (2, 1, 50, True)
    assert len(queries) == 5  # the version, its campaign, the chosen units, the unit tree, the counts
    acknowledgement_record(version=version, person=people[1], answer=None)
    assert acknowledgement_summary().overdue is False  # everyone asked has acknowledged


def test_a_closed_campaign_does_not_count_people_who_joined_after_it(portal_users, qm_client, published):
    newer = publish(portal_users, document=published.document)
    published.refresh_from_db()
    asked_while_open = campaign_audience(published.campaign).count()

    UserFactory(username="new.starter", roles=[PortalRole.EMPLOYEE])

    assert campaign_audience(published.campaign).count() == asked_while_open
    assert campaign_audience(newer.campaign).count() == asked_while_open + 1
    page = qm_client.get(report_url(published)).content.decode()
    assert f"0 of {asked_while_open} people asked" in page


def test_report_pages_through_everyone_pending_and_no_one_else(portal_users, qm_client):
    """The pending list's page count comes from the report's figures, not from counting the list again: with 70
    people asked and 1 acknowledged, the 69 pending fill page 1 (50) and page 2 (19), and the acknowledged one is
    on neither."""
    _staff_in_bulk(66)
    version = publish(portal_users, audience=AudienceKind.ALL_STAFF)
    acknowledgement_record(version=version, person=User.objects.get(username="bulk1"), answer=None)
    asked = campaign_audience(version.campaign).count()
    assert asked == 70
    pages = [qm_client.get(report_url(version), {"page": number}).content.decode() for number in (1, 2)]
    shown = [page.count("Bulk Person ") for page in pages]
    assert shown == [50, 66 - 1 - 50]
    assert "69 people" in pages[0]
    assert all("Bulk Person 0001" not in page for page in pages)
    assert "?page=2" in pages[0]
    assert "?page=3" not in pages[0]
