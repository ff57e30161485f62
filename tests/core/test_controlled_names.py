"""A person's full name and job title are controlled data: only whoever manages people changes them, with a
reason kept in the trail; the trail, its CSV and every signature name the account by its user name too."""
import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse

from qms_portal.audit import AuditEntry, audit_context, audit_verify
from qms_portal.models import User
from tests.core.factories import OrgUnitFactory
from tests.policy.factories import PolicyVersionFactory

pytestmark = pytest.mark.django_db


def person_form(person: User, **changes) -> dict:
    data = {
        "username": person.username, "full_name": person.full_name, "email": person.email,
        "job_title": person.job_title, "org_unit": "", "access_expires_on": "", "is_active": "on",
        "roles": [group.pk for group in Group.objects.filter(name__in=person.role_names())],
    }
    return {**data, **changes}


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_a_person_cannot_rename_themselves_or_change_their_job_title_on_their_profile(portal_users, client_for):
    person = portal_users.employee
    title = person.job_title

    response = client_for(person).post(reverse("profile"), {
        "full_name": "Helen Marsh", "job_title": "Managing Director", "email": "emil.park@example.com",
    })

    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.full_name, person.job_title) == ("Emil Park", title)
    assert person.email == "emil.park@example.com"  # what is theirs to change still saves


def test_the_profile_shows_name_and_job_title_read_only_with_who_changes_them(portal_users, client_for):
    page = client_for(portal_users.employee).get(reverse("profile")).text

    assert "Emil Park" in page
    assert 'name="full_name"' not in page and 'name="job_title"' not in page
    assert "the quality manager changes them" in page


def test_changing_a_job_title_needs_a_reason(portal_users, qm_client):
    person = portal_users.employee

    response = qm_client.post(reverse("person_edit", args=[person.pk]), person_form(person, job_title="Team leader"))

    assert response.status_code == 200
    assert "Say why the full name, job title, portal roles or (for top management" in response.text
    person.refresh_from_db()
    assert person.job_title != "Team leader"


def test_the_reason_for_a_new_name_is_kept_in_the_trail_with_the_user_names(portal_users, qm_client):
    person = portal_users.employee

    response = qm_client.post(reverse("person_edit", args=[person.pk]), person_form(
        person, full_name="Emil Park-Lee", reason="Married; deed poll seen by HR",
    ))

    assert response.status_code == 302
    entry = AuditEntry.objects.filter(record_type="qms_portal.user", object_id=str(person.pk)).order_by("-id")[0]
    assert entry.changes["full_name"] == ["Emil Park", "Emil Park-Lee"]
    assert entry.reason == "Married; deed poll seen by HR"
    assert (entry.actor_name, entry.actor_username) == ("Quentin Moss", "qm")
    assert audit_verify().ok


def test_other_details_change_without_a_reason(portal_users, qm_client):
    person = portal_users.employee

    response = qm_client.post(reverse("person_edit", args=[person.pk]), person_form(person, email="e.park@example.com"))

    assert response.status_code == 302


def test_the_trail_page_and_csv_show_the_user_name_next_to_the_name_as_it_was(portal_users, client_for):
    person = portal_users.process_owner
    with audit_context(actor=person):
        OrgUnitFactory(name="Paint shop")
    person.full_name = "Pia Olsen-Berg"
    with audit_context(actor=portal_users.quality_manager, reason="Name change"):
        person.save()
    auditor = client_for(portal_users.auditor)

    page = auditor.get(reverse("audit_trail"), {"record_type": "qms_portal.orgunit"}).text
    rows = csv_rows(auditor.get(reverse("audit_trail_csv"), {"record_type": "qms_portal.orgunit"}))

    assert "Pia Olsen" in page and ">po<" in page
    assert (rows[0]["who"], rows[0]["user name"]) == ("Pia Olsen", "po")


def test_the_trail_filters_by_user_name(portal_users, qm_client):
    with audit_context(actor=portal_users.process_owner):
        OrgUnitFactory(name="Paint shop")

    response = qm_client.get(reverse("audit_trail"), {"actor": "po"})

    assert {entry.object_repr for entry in response.context["page"].object_list} == {"Paint shop"}


def test_an_entry_written_before_user_names_were_kept_still_verifies_and_shows_the_account(
    portal_users, qm_client, allow_audit_tampering
):
    with audit_context(actor=portal_users.process_owner):
        unit = OrgUnitFactory(name="Paint shop")
    entry = AuditEntry.objects.get(record_type="qms_portal.orgunit", object_id=str(unit.pk))
    # As an entry written before the field existed: no user name, and a hash computed without it.
    old = AuditEntry(**{f.attname: getattr(entry, f.attname) for f in AuditEntry._meta.concrete_fields})
    old.actor_username = ""
    assert not AuditEntry.objects.filter(pk__gt=entry.pk).exists()  # the last one: no later link to mend
    allow_audit_tampering()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE qms_portal_auditentry SET actor_username = '', hash = %s WHERE id = %s",
            [old.compute_hash(), entry.pk],
        )

    assert old.compute_hash() != entry.hash
    assert audit_verify().ok
    assert AuditEntry.objects.select_related("actor").get(pk=entry.pk).account_username == "po"
    page = qm_client.get(reverse("audit_trail"), {"record_type": "qms_portal.orgunit"}).text
    assert ">po<" in page


def test_clearing_the_user_name_of_an_entry_breaks_the_chain(portal_users, allow_audit_tampering):
    with audit_context(actor=portal_users.process_owner):
        unit = OrgUnitFactory(name="Paint shop")
    entry = AuditEntry.objects.get(record_type="qms_portal.orgunit", object_id=str(unit.pk))
    assert entry.actor_username == "po"

    allow_audit_tampering()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE qms_portal_auditentry SET actor_username = '' WHERE id = %s", [entry.pk])

    result = audit_verify()
    assert result.bad_entry_id == entry.pk


def test_a_signature_shows_the_signers_user_name(portal_users, client_for):
    version = PolicyVersionFactory(status="published", signed_by=portal_users.top_management)

    page = client_for(portal_users.employee).get(
        reverse("policy:version_detail", args=[version.document.reference, version.number])
    ).text

    assert version.signature.signer_username == "tm"
    assert '<div class="signature-name">Tessa Mann <span class="signer-username">(user name tm)</span></div>' in page


def test_the_public_policy_page_names_the_signing_account(portal_users, client):
    version = PolicyVersionFactory(
        status="published", signed_by=portal_users.top_management, document__is_public=True
    )

    page = client.get(reverse("policy:public_policy", args=[version.document.reference])).text

    assert "Tessa Mann" in page and "(user name tm)" in page


def test_adding_a_person_needs_no_reason_unless_they_are_given_a_privileged_role(qm_client):
    employee = Group.objects.get(name="Employee").pk
    form = {"username": "n.new", "full_name": "Nina New", "email": "nina@example.com", "job_title": "Fitter",
            "is_active": "on", "roles": [employee]}

    response = qm_client.post(reverse("person_create"), form)

    assert response.status_code == 302
    assert User.objects.get(username="n.new").full_name == "Nina New"


def test_changing_a_top_managers_email_needs_a_reason_and_tells_the_old_address(
    portal_users, qm_client, django_capture_on_commit_callbacks
):
    from django.core import mail

    director = portal_users.top_management
    old = director.email
    form = {**person_form(director, email="helen.new@example.com"),
            "roles": list(director.groups.values_list("pk", flat=True))}

    refused = qm_client.post(reverse("person_edit", args=[director.pk]), form)
    with django_capture_on_commit_callbacks(execute=True):
        qm_client.post(reverse("person_edit", args=[director.pk]), {**form, "reason": "New company address"})

    assert "the e-mail address change" in refused.text
    director.refresh_from_db()
    assert director.email == "helen.new@example.com"
    [notice] = mail.outbox
    assert notice.to == [old] and "helen.new@example.com" in notice.body


def test_an_employees_email_changes_without_a_reason(portal_users, qm_client):
    employee = portal_users.employee
    form = {**person_form(employee, email="jamie.new@example.com"),
            "roles": list(employee.groups.values_list("pk", flat=True))}

    assert qm_client.post(reverse("person_edit", args=[employee.pk]), form).status_code == 302
