"""Comprehension results (issue 10 item 7): every answer to a campaign's question is kept, right or wrong, in the
audit trail; the campaign report shows per department who answered right the first time and the attempts; a
wrong answer is said at the top of the page."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from policy.acknowledgements import acknowledgement_record, acknowledgements_record_bulk, campaign_report
from policy.models import Acknowledgement, ComprehensionAttempt
from qms_portal.access import PortalRole
from qms_portal.audit import AuditEntry
from tests.core.factories import OrgUnitFactory, UserFactory
from tests.policy.test_acknowledgements import CHOICES, QUESTION, ack_url, publish, report_url

pytestmark = pytest.mark.django_db

WRONG, RIGHT = 0, 1


@pytest.fixture
def asked(portal_users):
    return publish(portal_users, question=QUESTION, choices=CHOICES, correct_choice=RIGHT)


def test_a_wrong_answer_is_kept_as_an_attempt_and_refused(portal_users, client_for, asked):
    employee = portal_users.employee

    response = client_for(employee).post(ack_url(asked), {"understood": "on", "answer": str(WRONG)})

    assert "That is not the right answer" in response.text
    assert not Acknowledgement.objects.exists()
    [attempt] = ComprehensionAttempt.objects.all()
    assert (attempt.version, attempt.person, attempt.answer, attempt.correct) == (asked, employee, "Anyone", False)
    assert attempt.answered_at is not None


def test_every_attempt_is_in_the_audit_trail_with_who_answered_what(portal_users, client_for, asked):
    client = client_for(portal_users.employee)
    client.post(ack_url(asked), {"understood": "on", "answer": str(WRONG)})
    client.post(ack_url(asked), {"understood": "on", "answer": str(RIGHT)})

    entries = AuditEntry.objects.filter(record_type="policy.comprehensionattempt").order_by("id")
    assert [(entry.actor_id, entry.changes["correct"][1]) for entry in entries] == [
        (portal_users.employee.pk, False), (portal_users.employee.pk, True)
    ]
    trail = client_for(portal_users.auditor).get(
        reverse("audit_trail"), {"record_type": "policy.comprehensionattempt"}
    ).text
    assert "Top management, by signing a new version" in trail and "Anyone" in trail
    assert Acknowledgement.objects.filter(person=portal_users.employee).count() == 1


def test_the_business_function_keeps_the_wrong_answer_it_refuses(portal_users, asked):
    with pytest.raises(ValidationError):
        acknowledgement_record(version=asked, person=portal_users.employee, answer=WRONG)

    assert ComprehensionAttempt.objects.filter(correct=False).count() == 1


def test_an_answer_that_is_not_in_the_list_is_refused_and_not_kept(portal_users, asked):
    with pytest.raises(ValidationError, match="Choose one of the answers listed"):
        acknowledgement_record(version=asked, person=portal_users.employee, answer=7)

    assert not ComprehensionAttempt.objects.exists()


def test_the_report_shows_per_department_who_was_right_the_first_time_and_the_attempts(
    portal_users, client_for, asked
):
    sales, stores = OrgUnitFactory(name="Sales"), OrgUnitFactory(name="Stores")
    right_at_once, wrong_then_right = (UserFactory(org_unit=sales, roles=[PortalRole.EMPLOYEE]) for _ in range(2))
    twice_wrong = UserFactory(org_unit=stores, roles=[PortalRole.EMPLOYEE])
    UserFactory(org_unit=stores, roles=[PortalRole.EMPLOYEE])  # has not answered
    for person, answers in ((right_at_once, [RIGHT]), (wrong_then_right, [WRONG, RIGHT]), (twice_wrong, [WRONG, 2])):
        client = client_for(person)
        for answer in answers:
            client.post(ack_url(asked), {"understood": "on", "answer": str(answer)})

    report = campaign_report(asked.campaign)
    page = client_for(portal_users.top_management).get(report_url(asked)).text

    rows = {row.unit: (row.answered, row.right_first_time, row.right_first_time_rate, row.attempts)
            for row in report.departments}
    assert rows["Sales"] == (2, 1, 50, 3)
    assert rows["Stores"] == (1, 0, 0, 2)
    assert (report.answered, report.right_first_time, report.attempts) == (3, 1, 5)
    assert "Right first time" in page and "1 of 2" in page and "0 of 1" in page
    assert "33%</strong> answered right the first time (1 of the 3 people who answered), in 5 attempts" in page


def test_the_export_gives_each_persons_attempts_and_first_answer(portal_users, client_for, asked):
    client_for(portal_users.employee).post(ack_url(asked), {"understood": "on", "answer": str(WRONG)})
    client_for(portal_users.employee).post(ack_url(asked), {"understood": "on", "answer": str(RIGHT)})

    response = client_for(portal_users.quality_manager).get(report_url(asked, "policy:campaign_report_csv"))
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()

    assert lines[0].endswith(",answers given,first answer right")
    emil = next(line for line in lines if line.startswith("Emil Park,"))
    assert emil.endswith(",2,no")


def test_a_wrong_answer_is_said_at_the_top_of_the_page_before_the_policy_text(portal_users, client_for, asked):
    response = client_for(portal_users.employee).post(ack_url(asked), {"understood": "on", "answer": str(WRONG)})

    page = response.text
    summary = page.index('class="alert alert-danger form-error-summary" role="alert" tabindex="-1" data-focus-on-load')
    assert summary < page.index("policy-text")
    assert "The question</a>: That is not the right answer" in page[summary:page.index("policy-text")]


def test_acknowledgements_recorded_in_bulk_keep_each_persons_right_answer_in_their_name(portal_users, asked):
    people = [portal_users.employee, portal_users.process_owner]

    acknowledgements_record_bulk(version=asked, people=people, answer=RIGHT, reason="Gathered on paper at the works")
    acknowledgements_record_bulk(version=asked, people=people, answer=RIGHT, reason="Entered twice by mistake")

    assert sorted(Acknowledgement.objects.values_list("person__username", flat=True)) == ["emp", "po"]
    assert ComprehensionAttempt.objects.filter(correct=True).count() == 2
    entries = AuditEntry.objects.filter(record_type="policy.acknowledgement").order_by("id")
    assert [(entry.actor_username, entry.reason) for entry in entries] == [
        ("emp", "Gathered on paper at the works"), ("po", "Gathered on paper at the works")
    ]


def test_acknowledgements_in_bulk_refuse_a_wrong_answer_and_anyone_not_asked(portal_users, asked):
    with pytest.raises(ValidationError):
        acknowledgements_record_bulk(version=asked, people=[portal_users.employee], answer=WRONG, reason="Paper forms")
    with pytest.raises(PermissionDenied):  # an auditor is never asked to acknowledge
        acknowledgements_record_bulk(version=asked, people=[portal_users.employee, portal_users.auditor],
                                     answer=RIGHT, reason="Paper forms")

    assert not Acknowledgement.objects.exists()
    assert not ComprehensionAttempt.objects.exists()
