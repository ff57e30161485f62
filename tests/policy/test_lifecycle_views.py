"""The policy pages as each role uses them: the list, a document, a version, and every lifecycle step
from the first draft to publication, with the refusals a person would meet on the way."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from policy.models import CHECKLIST_ITEMS, AudienceKind, Campaign, PolicyDocument, PolicyVersion, VersionStatus
from qms_portal.audit import AuditEntry
from qms_portal.models import Organisation, SigningLock
from tests.core.factories import PASSWORD, OrgUnitFactory
from tests.policy.factories import PASSAGES, POLICY_BODY, PolicyVersionFactory

pytestmark = pytest.mark.django_db


def url(name: str, version: PolicyVersion) -> str:
    return reverse(name, kwargs={"reference": version.document.reference, "number": version.number})


def edit_data(body: str = POLICY_BODY, change_summary: str = "Sharper commitments.", **checklist: dict) -> dict:
    """What the edit form posts: every item confirmed with its passage, unless ``checklist`` says otherwise."""
    data = {"body": body, "change_summary": change_summary}
    for item_id in CHECKLIST_ITEMS:
        suffix = item_id.rsplit(".", 1)[-1]
        entry = checklist.get(suffix, {"confirmed": True, "passage": PASSAGES[item_id]})
        if entry.get("confirmed"):
            data[f"checklist_{suffix}_confirmed"] = "on"
        data[f"checklist_{suffix}_passage"] = entry.get("passage", "")
    return data


@pytest.fixture
def in_force(portal_users) -> PolicyVersion:
    """Version 1 of the quality policy, published and signed by the top manager."""
    return PolicyVersionFactory(
        document__title="Quality Policy",
        document__reference="qp-01",
        status=VersionStatus.PUBLISHED,
        signed_by=portal_users.top_management,
        author=portal_users.quality_manager,
    )


# --- Drafting ----------------------------------------------------------------------------------
def test_quality_manager_creates_a_policy_and_lands_on_its_draft(portal_users, qm_client):
    response = qm_client.post(reverse("policy:policy_create"), {
        "title": "Environmental policy", "reference": "ep-01", "kind": "environmental",
        "body": "# Environmental policy\n\nWe prevent pollution.", "change_summary": "First issue.",
    })
    version = PolicyVersion.objects.get(document__reference="ep-01")
    assert response.status_code == 302
    assert response["Location"] == url("policy:version_edit", version)
    assert (version.number, version.status, version.author) == (1, VersionStatus.DRAFT, portal_users.quality_manager)
    page = qm_client.get(response["Location"])
    assert "5.2.1.a" in page.content.decode() and "Edit version 1" in page.content.decode()


def test_new_policy_refuses_a_reference_already_taken_or_reserved(qm_client, in_force):
    for reference in ("QP-01", "new"):
        response = qm_client.post(reverse("policy:policy_create"), {
            "title": "Another", "reference": reference, "kind": "quality", "body": "x", "change_summary": "y",
        })
        assert response.status_code == 200
        assert "reference" in response.context["form"].errors
    assert PolicyDocument.objects.count() == 1


def test_drafting_the_next_version_copies_the_text_and_opens_its_edit_page(qm_client, in_force):
    response = qm_client.post(reverse("policy:version_create", args=["qp-01"]))
    draft = in_force.document.versions.get(number=2)
    assert response["Location"] == url("policy:version_edit", draft)
    assert draft.status == VersionStatus.DRAFT and draft.body == in_force.body


def test_a_second_open_version_is_refused_with_a_409_page(qm_client, in_force, portal_users):
    PolicyVersionFactory(document=in_force.document, number=2, author=portal_users.quality_manager)
    response = qm_client.post(reverse("policy:version_create", args=["qp-01"]))
    assert response.status_code == 409
    assert "finish it first" in response.content.decode()
    assert in_force.document.versions.count() == 2


def test_saving_the_draft_stores_the_checklist_with_each_passage(qm_client, in_force, portal_users):
    draft = PolicyVersionFactory(document=in_force.document, number=2, checklist={}, change_summary="")
    response = qm_client.post(url("policy:version_edit", draft), edit_data(c={"confirmed": False, "passage": ""}))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.change_summary == "Sharper commitments."
    assert draft.checklist["5.2.1.a"] == {"confirmed": True, "passage": PASSAGES["5.2.1.a"]}
    assert draft.checklist["5.2.1.c"] == {"confirmed": False, "passage": ""}
    # The version page already says what still blocks submission.
    page = qm_client.get(url("policy:version_detail", draft)).content.decode()
    assert "Before it can be submitted" in page and "Confirm that the policy meets this." in page


def test_editing_a_published_version_answers_409_and_changes_nothing(qm_client, in_force):
    for response in (qm_client.get(url("policy:version_edit", in_force)),
                     qm_client.post(url("policy:version_edit", in_force), edit_data(body="Changed"))):
        assert response.status_code == 409
        assert "cannot be edited now" in response.content.decode()
    in_force.refresh_from_db()
    assert in_force.body == POLICY_BODY


# --- Submitting: the 5.2.1 gate ----------------------------------------------------------------
def test_submitting_with_an_unconfirmed_item_is_refused_item_by_item_and_changes_nothing(qm_client, portal_users):
    checklist = {item_id: {"confirmed": True, "passage": PASSAGES[item_id]} for item_id in CHECKLIST_ITEMS}
    checklist["5.2.1.c"] = {"confirmed": False, "passage": ""}
    draft = PolicyVersionFactory(checklist=checklist)
    response = qm_client.post(url("policy:version_submit", draft))
    assert response.status_code == 200
    page = response.content.decode()
    assert "was not submitted: 1 item below needs attention" in page
    assert response.context["form"].errors == {"checklist_c_confirmed": ["Confirm that the policy meets this."]}
    draft.refresh_from_db()
    assert (draft.status, draft.submitted_at) == (VersionStatus.DRAFT, None)


def test_submitting_with_a_passage_not_in_the_text_names_the_item(qm_client):
    checklist = {item_id: {"confirmed": True, "passage": PASSAGES[item_id]} for item_id in CHECKLIST_ITEMS}
    checklist["5.2.1.b"]["passage"] = "We set objectives whenever we feel like it."
    draft = PolicyVersionFactory(checklist=checklist, change_summary="")
    response = qm_client.post(url("policy:version_submit", draft))
    errors = response.context["form"].errors
    assert errors["checklist_b_passage"] == ["The passage quoted is not in the policy text: copy it exactly."]
    assert errors["change_summary"] == ["Say what changed since the previous version."]
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_a_complete_draft_is_submitted_and_waits_for_top_management(qm_client, client_for, portal_users):
    draft = PolicyVersionFactory()
    response = qm_client.post(url("policy:version_submit", draft), follow=True)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.IN_REVIEW and draft.submitted_at is not None
    assert "is submitted" in response.content.decode()
    page = client_for(portal_users.top_management).get(url("policy:version_detail", draft)).content.decode()
    assert "Approve and sign" in page and "Send back" in page


# --- Review: send back or sign -----------------------------------------------------------------
def test_sending_back_needs_a_comment_which_the_quality_manager_then_reads(portal_users, client_for, qm_client):
    version = PolicyVersionFactory(status=VersionStatus.IN_REVIEW)
    director = client_for(portal_users.top_management)
    empty = director.post(url("policy:version_return", version), {"comment": "  "})
    assert empty.status_code == 200 and "comment" in empty.context["form"].errors
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW

    director.post(url("policy:version_return", version), {"comment": "Name our customers' sectors in 5.2.1.a."})
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT
    page = qm_client.get(url("policy:version_detail", version)).content.decode()
    assert "Sent back by Tessa Mann" in page and "Name our customers&#x27; sectors in 5.2.1.a." in page


def test_the_sign_form_shows_exactly_what_is_signed(portal_users, client_for):
    version = PolicyVersionFactory(status=VersionStatus.IN_REVIEW, change_summary="Adds the objectives framework.")
    page = client_for(portal_users.top_management).get(url("policy:version_approve", version)).content.decode()
    assert "Adds the objectives framework." in page
    assert "<h1>Quality policy</h1>" in page  # the body, rendered
    assert "Tessa Mann" in page and "Approved" in page and 'type="password"' in page


def sign_as(client, version, password: str):
    """Open the sign page and post it, as a browser does: the hash of the text shown rides along."""
    shown = client.get(url("policy:version_approve", version)).context["form"]["content_sha256"].value()
    return client.post(url("policy:version_approve", version), {"password": password, "content_sha256": shown})


def test_top_manager_approves_with_the_right_password(portal_users, client_for, qm_client):
    version = PolicyVersionFactory(status=VersionStatus.IN_REVIEW)
    response = sign_as(client_for(portal_users.top_management), version, PASSWORD)
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED
    assert version.signature.printed_name == "Tessa Mann" and version.signature.meaning == "Approved"
    page = qm_client.get(url("policy:version_detail", version)).content.decode()
    assert "Signature valid" in page and "Tessa Mann" in page and ">Publish</a>" in page


def test_a_wrong_password_shows_the_error_approves_nothing_and_is_recorded(portal_users, client_for):
    version = PolicyVersionFactory(status=VersionStatus.IN_REVIEW)
    response = sign_as(client_for(portal_users.top_management), version, "wrong")
    assert response.status_code == 200
    assert response.context["form"].errors["password"] == ["That password is not right. Nothing was signed."]
    version.refresh_from_db()
    assert (version.status, version.signature) == (VersionStatus.IN_REVIEW, None)
    refused = AuditEntry.objects.filter(object_id=str(version.pk), step="signature refused")
    assert refused.count() == 1


def test_a_version_changed_after_the_sign_page_was_opened_is_not_signed(portal_users, client_for, qm_client):
    version = PolicyVersionFactory(status=VersionStatus.IN_REVIEW)
    director = client_for(portal_users.top_management)
    shown = director.get(url("policy:version_approve", version)).context["form"]["content_sha256"].value()
    # Meanwhile the version is sent back, changed and submitted again.
    changed = PolicyVersion.objects.get(pk=version.pk)
    changed.body += "\n\nA sentence added later."
    changed.save()

    response = director.post(url("policy:version_approve", version), {"password": PASSWORD, "content_sha256": shown})

    assert response.status_code == 409
    assert "changed after you opened it" in response.content.decode()
    version.refresh_from_db()
    assert (version.status, version.signature) == (VersionStatus.IN_REVIEW, None)


def test_when_signing_is_locked_the_sign_form_says_so(portal_users, client_for):
    version = PolicyVersionFactory(status=VersionStatus.IN_REVIEW)
    SigningLock.objects.create(
        user=portal_users.top_management, locked_until=timezone.now() + dt.timedelta(minutes=20)
    )
    page = client_for(portal_users.top_management).get(url("policy:version_approve", version)).content.decode()
    assert "Signing is locked after repeated wrong passwords" in page
    assert 'type="password"' not in page


def test_approving_a_draft_answers_409(portal_users, client_for):
    draft = PolicyVersionFactory()
    director = client_for(portal_users.top_management)
    assert director.get(url("policy:version_approve", draft)).status_code == 409
    assert director.post(url("policy:version_approve", draft), {"password": PASSWORD}).status_code == 409
    draft.refresh_from_db()
    assert draft.signature is None


def test_an_employee_cannot_approve(portal_users, client_for):
    version = PolicyVersionFactory(status=VersionStatus.IN_REVIEW)
    response = client_for(portal_users.employee).post(url("policy:version_approve", version), {"password": PASSWORD})
    assert response.status_code == 403


# --- Publishing and what each person then sees -------------------------------------------------
def test_publishing_supersedes_the_version_in_force_which_shows_its_dates_and_why(
    in_force, qm_client, client_for, portal_users
):
    approved = PolicyVersionFactory(document=in_force.document, number=2, status=VersionStatus.APPROVED)
    form = qm_client.get(url("policy:version_publish", approved))
    in_30_days = timezone.localdate() + dt.timedelta(days=30)
    assert f'value="{in_30_days.isoformat()}"' in form.content.decode()  # what a date input can show
    assert "Why it replaces version 1" in form.content.decode()
    due = timezone.localdate() + dt.timedelta(days=21)
    without_reason = qm_client.post(
        url("policy:version_publish", approved), {"due_on": due.isoformat(), "audience": "all"}
    )
    assert "Say why this version replaces the one in force" in without_reason.content.decode()
    in_force.refresh_from_db()
    assert in_force.status == VersionStatus.PUBLISHED  # nothing changed
    reason = "Objectives are now measurable."
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    response = qm_client.post(
        url("policy:version_publish", approved), {"due_on": due.isoformat(), "audience": "all", "reason": reason}
    )
    assert response.status_code == 302
    approved.refresh_from_db()
    in_force.refresh_from_db()
    assert approved.status == VersionStatus.PUBLISHED and approved.campaign.due_on == due
    assert in_force.status == VersionStatus.SUPERSEDED
    superseding = AuditEntry.objects.filter(
        record_type="policy.policyversion", object_id=str(in_force.pk), pk__gt=before
    )
    assert {entry.reason for entry in superseding} == {f"by version 2: {reason}"}  # its change and its step

    page = client_for(portal_users.auditor).get(url("policy:version_detail", in_force)).content.decode()
    since, until = in_force.published_at, in_force.superseded_at
    assert f"Superseded — in force from {since:%-d %B %Y} to {until:%-d %B %Y}" in page
    assert f"By version 2: {reason}" in page
    history = client_for(portal_users.auditor).get(reverse("policy:policy_detail", args=["qp-01"])).content.decode()
    assert "Version 1" in history and "Superseded" in history


def test_publishing_to_chosen_departments_with_a_question(in_force, qm_client):
    approved = PolicyVersionFactory(document=in_force.document, number=2, status=VersionStatus.APPROVED)
    sales = OrgUnitFactory(name="Sales")
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    without_units = qm_client.post(url("policy:version_publish", approved), {"due_on": due, "audience": "departments"})
    assert "org_units" in without_units.context["form"].errors
    response = qm_client.post(url("policy:version_publish", approved), {
        "due_on": due, "audience": "departments", "org_units": [sales.pk],
        "question": "Who sets quality objectives?", "choice_1": "Nobody", "choice_3": "Top management",
        "correct_choice": "3", "reason": "Sales asked for its own policy.",
    })
    assert response.status_code == 302
    campaign = Campaign.objects.get(version=approved)
    assert campaign.audience == AudienceKind.DEPARTMENTS and list(campaign.org_units.all()) == [sales]
    assert (campaign.choices, campaign.correct_choice) == (["Nobody", "Top management"], 1)


def test_a_question_needs_a_right_answer_among_those_given(in_force, qm_client):
    approved = PolicyVersionFactory(document=in_force.document, number=2, status=VersionStatus.APPROVED)
    response = qm_client.post(url("policy:version_publish", approved), {
        "due_on": timezone.localdate().isoformat(), "audience": "all",
        "question": "Who?", "choice_1": "A", "choice_2": "B", "correct_choice": "4",
    })
    assert "correct_choice" in response.context["form"].errors
    approved.refresh_from_db()
    assert approved.status == VersionStatus.APPROVED


def test_the_document_page_shows_the_signature_and_where_each_requirement_is_met(in_force, client_for, portal_users):
    page = client_for(portal_users.employee).get(reverse("policy:policy_detail", args=["qp-01"])).content.decode()
    assert "<h1>Quality policy</h1>" in page
    assert "Tessa Mann" in page and "Approved" in page and "Signature valid" in page
    for item_id, passage in PASSAGES.items():
        assert item_id in page
        assert passage.replace("'", "&#x27;") in page
    assert "Version history" not in page  # the history is for quality managers, top management and auditors


def test_a_hand_edit_in_the_database_shows_the_signature_as_invalid(in_force, client_for, portal_users):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE policy_policyversion SET body = %s WHERE id = %s", ["We do whatever.", in_force.pk])
    page = client_for(portal_users.employee).get(reverse("policy:policy_detail", args=["qp-01"])).content.decode()
    assert "Signature INVALID: the record or its signature changed after signing" in page
    assert "Signature valid" not in page


def test_an_employee_reads_the_current_version_but_gets_404_on_a_draft(in_force, client_for, portal_users):
    draft = PolicyVersionFactory(document=in_force.document, number=2, body="Secret draft text")
    employee = client_for(portal_users.employee)
    assert employee.get(url("policy:version_detail", in_force)).status_code == 200
    assert employee.get(url("policy:version_detail", draft)).status_code == 404
    page = employee.get(reverse("policy:policy_detail", args=["qp-01"])).content.decode()
    assert "Secret draft text" not in page and "Version 2" not in page


def test_documents_with_nothing_approved_are_hidden_from_employees_and_auditors(client_for, portal_users):
    PolicyVersionFactory(document__title="Environmental policy", document__reference="ep-01")
    for reader in (portal_users.employee, portal_users.auditor):
        client = client_for(reader)
        assert "Environmental policy" not in client.get(reverse("policy:policy_list")).content.decode()
        assert client.get(reverse("policy:policy_detail", args=["ep-01"])).status_code == 404
    director_list = client_for(portal_users.top_management).get(reverse("policy:policy_list")).content.decode()
    assert "Environmental policy" in director_list and "Not published yet" in director_list


def test_auditors_read_every_approved_version_but_no_work_in_progress(client_for, portal_users, in_force):
    superseded = PolicyVersionFactory(document=in_force.document, number=2, status=VersionStatus.SUPERSEDED)
    draft = PolicyVersionFactory(document=in_force.document, number=3)
    auditor = client_for(portal_users.auditor)

    page = auditor.get(reverse("policy:policy_detail", args=[in_force.document.reference])).content.decode()

    assert auditor.get(url("policy:version_detail", superseded)).status_code == 200
    assert auditor.get(url("policy:version_detail", draft)).status_code == 404
    assert f"Version {superseded.number}" in page and f"Version {draft.number}" not in page


def test_withdrawing_a_draft_needs_a_reason_which_the_timeline_and_the_trail_keep(in_force, qm_client):
    draft = PolicyVersionFactory(document=in_force.document, number=2, status=VersionStatus.DRAFT)
    empty = qm_client.post(url("policy:version_withdraw", draft), {"reason": ""})
    assert "Say why the version is withdrawn" in empty.content.decode()
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
    qm_client.post(url("policy:version_withdraw", draft), {"reason": "Replaced by the integrated policy."})
    draft.refresh_from_db()
    assert draft.status == VersionStatus.WITHDRAWN
    page = qm_client.get(url("policy:version_detail", draft)).content.decode()
    assert "Withdrawn on" in page and "Replaced by the integrated policy." in page
    entries = AuditEntry.objects.filter(record_type="policy.policyversion", object_id=str(draft.pk), step="withdrawn")
    assert [entry.reason for entry in entries] == ["Replaced by the integrated policy."]


def test_document_settings_opt_in_to_the_public_page(in_force, qm_client):
    response = qm_client.post(
        reverse("policy:policy_settings", args=["qp-01"]),
        {"title": "Quality Policy", "kind": "quality", "is_public": "on"},
    )
    assert response.status_code == 302
    in_force.document.refresh_from_db()
    assert in_force.document.is_public


# --- The list and the home page ----------------------------------------------------------------
def test_the_list_flags_reviews_due_soon_and_overdue(client_for, portal_users):
    today = timezone.localdate()
    PolicyVersionFactory(document__title="Soon", status=VersionStatus.PUBLISHED,
                         next_review_on=today + dt.timedelta(days=10))
    PolicyVersionFactory(document__title="Late", status=VersionStatus.PUBLISHED,
                         next_review_on=today - dt.timedelta(days=3))
    PolicyVersionFactory(document__title="Fine", status=VersionStatus.PUBLISHED,
                         next_review_on=today + dt.timedelta(days=200))
    page = client_for(portal_users.quality_manager).get(reverse("policy:policy_list")).content.decode()
    assert "Review due in 10 days" in page and "Review overdue by 3 days" in page
    assert page.count("review-flag ") == 2


def test_the_pages_flag_a_review_from_the_days_the_organisations_reminder_schedule_sets(client_for, portal_users):
    """One number: the policy pages flag a review from the day its reminder goes out (the schedule's days before)."""
    today = timezone.localdate()
    version = PolicyVersionFactory(document__title="Quality Policy", status=VersionStatus.PUBLISHED,
                                   next_review_on=today + dt.timedelta(days=45))
    quality = client_for(portal_users.quality_manager)
    pages = [reverse("policy:policy_list"), reverse("home"),
             reverse("policy:policy_detail", args=[version.document.reference])]
    assert all("Review due in 45 days" not in quality.get(url).content.decode() for url in pages)  # 30 by default

    organisation = Organisation.current()
    organisation.reminder_schedule = {"policy_review_days_before": 60}
    organisation.save()

    assert all("Review due in 45 days" in quality.get(url).content.decode() for url in pages)


def test_the_empty_list_invites_the_quality_manager_to_draft_the_first_policy(qm_client, client_for, portal_users):
    page = qm_client.get(reverse("policy:policy_list")).content.decode()
    assert "Draft the first policy" in page and reverse("policy:policy_create") in page
    employee_page = client_for(portal_users.employee).get(reverse("policy:policy_list")).content.decode()
    assert "No policy is published yet" in employee_page and "Draft the first policy" not in employee_page


def test_the_list_costs_the_same_queries_for_2_and_for_20_documents(qm_client, portal_users):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert qm_client.get(reverse("policy:policy_list")).status_code == 200
        return len(captured)

    for _ in range(2):
        version = PolicyVersionFactory(status=VersionStatus.PUBLISHED, signed_by=portal_users.top_management)
        PolicyVersionFactory(document=version.document, number=2)
    queries()  # the first request of a session costs more (session and sign-in bookkeeping)
    few = queries()
    for _ in range(18):
        version = PolicyVersionFactory(status=VersionStatus.PUBLISHED, signed_by=portal_users.top_management)
        PolicyVersionFactory(document=version.document, number=2)
    assert queries() == few


def test_everyone_signed_in_has_policies_in_the_navigation(client_for, portal_users):
    for person in (portal_users.employee, portal_users.auditor, portal_users.process_owner):
        page = client_for(person).get(reverse("home")).content.decode()
        assert f'href="{reverse("policy:policy_list")}"' in page


def test_home_card_shows_the_policy_in_force_and_what_awaits_each_role(in_force, client_for, portal_users):
    in_force.next_review_on = timezone.localdate() + dt.timedelta(days=5)
    in_force.save()
    PolicyVersionFactory(document__title="Environmental policy", status=VersionStatus.IN_REVIEW)
    employee = client_for(portal_users.employee).get(reverse("home")).content.decode()
    assert "Quality Policy" in employee and "Version 1, in force since" in employee
    assert "awaiting" not in employee and "Review due" not in employee
    director = client_for(portal_users.top_management).get(reverse("home")).content.decode()
    assert "1 version awaiting your review and signature" in director and "Review due in 5 days" in director
    quality = client_for(portal_users.quality_manager).get(reverse("home")).content.decode()
    assert "awaiting your review" not in quality and "Review due in 5 days" in quality


def test_a_top_manager_is_not_asked_to_sign_a_version_they_wrote(client_for, portal_users):
    PolicyVersionFactory(status=VersionStatus.IN_REVIEW, author=portal_users.top_management)

    director = client_for(portal_users.top_management).get(reverse("home")).content.decode()

    assert "awaiting your review and signature" not in director
    assert "1 version in review, written by you: another top manager signs" in director
