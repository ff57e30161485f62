"""The people directory, adding people with an invitation, and portal roles."""
import re
from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import ProtectedError
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qms_portal.access import PortalRole
from qms_portal.models import AuditEntry, User
from qms_portal.pagination import PAGE_SIZE
from tests.core.factories import OrgUnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def role_ids(*roles: str) -> list[int]:
    return [Group.objects.get(name=role).pk for role in roles]


def new_person(**changes) -> dict:
    return {
        "username": "n.ahmed",
        "full_name": "Nadia Ahmed",
        "email": "n.ahmed@example.com",
        "job_title": "Process Engineer",
        "org_unit": "",
        "access_expires_on": "",
        "is_active": "on",
        "roles": role_ids(PortalRole.PROCESS_OWNER, PortalRole.EMPLOYEE),
        **changes,
    }


def listed(response) -> list[str]:
    return [person.username for person in response.context["page"].object_list]


def test_a_new_person_is_invited_by_email_and_can_set_a_password_and_sign_in(
    qm_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = qm_client.post(reverse("person_create"), new_person())

    person = User.objects.get(username="n.ahmed")
    assert response.status_code == 302
    assert response["Location"] == reverse("person_detail", args=[person.pk])
    assert person.role_names() == [PortalRole.EMPLOYEE, PortalRole.PROCESS_OWNER]
    assert not person.has_usable_password()
    [invitation] = mail.outbox
    assert invitation.to == ["n.ahmed@example.com"]
    assert "n.ahmed" in invitation.body
    link = urlparse(re.search(r"https?://\S+", invitation.body).group(0)).path

    browser = Client()
    form_page = browser.get(link, follow=True)
    assert form_page.context["validlink"] is True
    browser.post(form_page.redirect_chain[-1][0], {
        "new_password1": "My-Own-Password-2026", "new_password2": "My-Own-Password-2026",
    })
    signed_in = browser.post(reverse("login"), {"username": "n.ahmed", "password": "My-Own-Password-2026"})
    assert signed_in.status_code == 302
    home = browser.get(reverse("home"))
    assert "Good to see you, Nadia" in home.text
    assert '<div class="eyebrow">Process owner</div>' in home.text  # the role that says more, alone


def test_the_invitation_link_works_only_once(qm_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        qm_client.post(reverse("person_create"), new_person())
    link = urlparse(re.search(r"https?://\S+", mail.outbox[0].body).group(0)).path
    browser = Client()
    form_page = browser.get(link, follow=True)
    browser.post(form_page.redirect_chain[-1][0], {
        "new_password1": "My-Own-Password-2026", "new_password2": "My-Own-Password-2026",
    })

    assert Client().get(link, follow=True).context["validlink"] is False


def test_the_auditor_role_cannot_be_combined_with_another_role(qm_client):
    response = qm_client.post(
        reverse("person_create"), new_person(roles=role_ids(PortalRole.AUDITOR, PortalRole.EMPLOYEE))
    )

    assert response.status_code == 200
    assert response.context["form"].errors["roles"] == [
        "An auditor is independent: give the auditor role on its own."
    ]
    assert "An auditor is independent" in response.text
    assert not User.objects.filter(username="n.ahmed").exists()
    assert mail.outbox == []


def test_an_existing_person_cannot_be_given_auditor_and_another_role(qm_client):
    person = UserFactory(roles=[PortalRole.EMPLOYEE])

    response = qm_client.post(reverse("person_edit", args=[person.pk]), new_person(
        username=person.username, roles=role_ids(PortalRole.AUDITOR, PortalRole.EMPLOYEE),
    ))

    assert response.context["form"].errors["roles"]
    assert person.role_names() == [PortalRole.EMPLOYEE]


def test_an_external_auditor_gets_the_auditor_role_alone_with_an_end_date(qm_client):
    response = qm_client.post(reverse("person_create"), new_person(
        username="r.okafor", roles=role_ids(PortalRole.AUDITOR), access_expires_on="2099-12-31",
    ))

    assert response.status_code == 302
    auditor = User.objects.get(username="r.okafor")
    assert auditor.role_names() == [PortalRole.AUDITOR]
    assert str(auditor.access_expires_on) == "2099-12-31"


def test_the_people_list_pages_through_everyone(qm_client, portal_users):
    for number in range(70):
        UserFactory(username=f"staff{number:02d}", full_name=f"Staff member {number:02d}")
    everyone = User.objects.count()

    first = qm_client.get(reverse("people"))
    second = qm_client.get(reverse("people"), {"page": 2})

    assert len(listed(first)) == PAGE_SIZE
    assert len(listed(second)) == everyone - PAGE_SIZE
    assert set(listed(first)).isdisjoint(listed(second))
    assert f"{PAGE_SIZE + 1}–{everyone} of {everyone}" in second.text


def test_the_people_list_filters_by_role(qm_client, portal_users):
    response = qm_client.get(reverse("people"), {"role": PortalRole.AUDITOR})

    assert sorted(listed(response)) == sorted([portal_users.auditor.username, portal_users.expired_auditor.username])


def test_the_people_list_filters_by_unit(qm_client, portal_users):
    machining = OrgUnitFactory(name="Machining")
    UserFactory(username="machinist", org_unit=machining)
    UserFactory(username="welder", org_unit=OrgUnitFactory(name="Welding"))

    response = qm_client.get(reverse("people"), {"unit": machining.pk})

    assert listed(response) == ["machinist"]


def test_the_people_list_searches_names_user_names_and_job_titles(qm_client, portal_users):
    UserFactory(username="h.wood", full_name="Hannah Wood", job_title="Assembly Manager")
    UserFactory(username="b.riley", full_name="Ben Riley", job_title="Assembly Fitter")
    UserFactory(username="woodturner", full_name="Sam Kay", job_title="Turner")

    assert sorted(listed(qm_client.get(reverse("people"), {"q": "wood"}))) == ["h.wood", "woodturner"]
    assert sorted(listed(qm_client.get(reverse("people"), {"q": "assembly"}))) == ["b.riley", "h.wood"]


def test_filters_combine_and_survive_paging(qm_client, portal_users):
    machining = OrgUnitFactory(name="Machining")
    for number in range(PAGE_SIZE + 5):
        UserFactory(username=f"machinist{number:02d}", org_unit=machining, roles=[PortalRole.EMPLOYEE])
    UserFactory(username="machining-owner", org_unit=machining, roles=[PortalRole.PROCESS_OWNER])

    response = qm_client.get(reverse("people"), {"unit": machining.pk, "role": PortalRole.EMPLOYEE})

    assert response.context["page"].paginator.count == PAGE_SIZE + 5
    assert f"unit={machining.pk}&amp;role=Employee&amp;page=2" in response.text


@pytest.mark.parametrize("who", ["top_management", "process_owner", "auditor"])
def test_viewers_who_do_not_manage_people_do_not_see_deactivated_people(who, portal_users, client_for):
    client = client_for(portal_users.by_key(who))
    deactivated = portal_users.deactivated

    response = client.get(reverse("people"))

    assert portal_users.employee.username in listed(response)
    assert deactivated.username not in listed(response)
    assert client.get(reverse("person_detail", args=[deactivated.pk])).status_code == 404


def test_the_quality_manager_sees_deactivated_people_marked_as_such(portal_users, qm_client):
    deactivated = portal_users.deactivated

    response = qm_client.get(reverse("people"))

    assert deactivated.username in listed(response)
    assert "Deactivated" in response.text
    assert "Deactivated" in qm_client.get(reverse("person_detail", args=[deactivated.pk])).text


def _queries_for_people_list(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("people"))
    assert response.status_code == 200
    return len(queries)


def _add_people(count: int, units: list) -> None:
    for number in range(count):
        UserFactory(org_unit=units[number % len(units)], roles=[PortalRole.EMPLOYEE, PortalRole.PROCESS_OWNER])


def test_the_people_list_costs_the_same_queries_for_5_and_for_500_people(qm_client):
    units = OrgUnitFactory.create_batch(3)
    _add_people(5, units)
    qm_client.get(reverse("people"))  # warm up: first-request work is not the list's cost
    with_few = _queries_for_people_list(qm_client)

    _add_people(495, units)
    with_many = _queries_for_people_list(qm_client)

    assert User.objects.count() > PAGE_SIZE
    assert with_many == with_few


def test_a_fresh_set_password_link_can_be_sent_again(portal_users, qm_client, django_capture_on_commit_callbacks):
    person = UserFactory(username="w.jagger", email="w.jagger@example.com", password=None)  # never signed in

    with django_capture_on_commit_callbacks(execute=True):
        response = qm_client.post(reverse("person_invite", args=[person.pk]), follow=True)

    assert "A new link to set a password is queued for w.jagger@example.com" in response.text
    [invitation] = mail.outbox
    assert invitation.to == ["w.jagger@example.com"]
    link = urlparse(re.search(r"https?://\S+", invitation.body).group(0)).path
    assert Client().get(link, follow=True).context["validlink"] is True


def test_no_set_password_link_is_sent_to_someone_who_has_a_password(portal_users, qm_client):
    """Otherwise changing a top manager's e-mail and sending a link would hand their account to whoever did it."""
    director = portal_users.top_management

    page = qm_client.get(reverse("person_detail", args=[director.pk])).text
    response = qm_client.post(reverse("person_invite", args=[director.pk]), follow=True)

    assert "Send a set-password link" not in page
    assert "has set a password: if it is lost, they choose “Forgot your password?”" in response.text
    assert mail.outbox == [] and not director.invitations.exists()


def test_no_link_is_sent_to_a_deactivated_person(portal_users, qm_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = qm_client.post(reverse("person_invite", args=[portal_users.deactivated.pk]))

    assert response.status_code == 404
    assert mail.outbox == []


def test_administrator_accounts_are_hidden_from_the_quality_manager_and_cannot_be_edited(portal_users, qm_client):
    admin = User.objects.create_superuser("admin", "admin@example.com", "An-Admin-Password-1", full_name="Site Admin")
    original_email = admin.email

    assert "admin" not in listed(qm_client.get(reverse("people")))
    assert qm_client.get(reverse("person_detail", args=[admin.pk])).status_code == 404
    response = qm_client.post(reverse("person_edit", args=[admin.pk]), {
        "username": "admin", "full_name": "Site Admin", "email": "attacker@example.com", "is_active": "on",
    })

    assert response.status_code == 404
    admin.refresh_from_db()
    assert admin.email == original_email


def test_editing_portal_roles_keeps_groups_that_are_not_portal_roles(qm_client):
    person = UserFactory(roles=[PortalRole.EMPLOYEE])
    reviewers = Group.objects.create(name="Internal audit team")
    person.groups.add(reviewers)

    qm_client.post(reverse("person_edit", args=[person.pk]), {
        "username": person.username, "full_name": person.full_name, "email": person.email,
        "job_title": person.job_title, "is_active": "on",
        "roles": [Group.objects.get(name=PortalRole.PROCESS_OWNER).pk], "reason": "Owns the assembly process",
    })

    assert sorted(person.groups.values_list("name", flat=True)) == ["Internal audit team", "Process owner"]


def test_changing_portal_roles_needs_a_reason_and_keeps_it(portal_users, qm_client):
    person = portal_users.employee
    owner = Group.objects.get(name=PortalRole.PROCESS_OWNER).pk
    form = {"username": person.username, "full_name": person.full_name, "email": person.email,
            "job_title": person.job_title, "is_active": "on", "roles": [owner]}

    refused = qm_client.post(reverse("person_edit", args=[person.pk]), form)

    assert refused.status_code == 200
    assert "Say why the full name, job title, portal roles or (for top management" in refused.text
    assert list(person.groups.values_list("name", flat=True)) == [PortalRole.EMPLOYEE]

    qm_client.post(reverse("person_edit", args=[person.pk]), {**form, "reason": "Took over the assembly process"})

    assert list(person.groups.values_list("name", flat=True)) == [PortalRole.PROCESS_OWNER]
    entry = AuditEntry.objects.filter(record_type="qms_portal.user", object_id=str(person.pk)).latest("id")
    assert entry.reason == "Took over the assembly process"


# --- Who reports to whom ----------------------------------------------------------------------------------------
def edit_form(person: User, **changes) -> dict:
    """The person's form as it stands, with ``changes``."""
    return {
        "username": person.username, "full_name": person.full_name, "email": person.email,
        "job_title": person.job_title, "org_unit": person.org_unit_id or "", "access_expires_on": "",
        "is_active": "on", "roles": list(person.groups.values_list("pk", flat=True)),
        "manager": person.manager_id or "", **changes,
    }


def test_a_persons_manager_is_set_on_their_form_and_shown_on_both_pages(portal_users, qm_client):
    employee, manager = portal_users.employee, portal_users.process_owner

    response = qm_client.post(reverse("person_edit", args=[employee.pk]), edit_form(employee, manager=manager.pk))

    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.manager == manager
    page = qm_client.get(reverse("person_detail", args=[employee.pk])).text
    assert re.search(rf'data-testid="manager"><a href="{reverse("person_detail", args=[manager.pk])}">'
                     rf"{manager.full_name}</a>", page)
    assert employee.full_name in qm_client.get(reverse("person_detail", args=[manager.pk])).text
    entry = AuditEntry.objects.filter(record_type="qms_portal.user", object_id=str(employee.pk)).order_by("id").last()
    assert entry is not None and "manager" in entry.changes


def test_nobody_reports_to_themselves_or_round_in_a_circle(portal_users, qm_client):
    tm, po, employee = portal_users.top_management, portal_users.process_owner, portal_users.employee
    po.manager = tm
    po.save()
    employee.manager = po
    employee.save()

    # The top manager reporting to the employee would close the circle employee -> po -> tm -> employee.
    response = qm_client.post(reverse("person_edit", args=[tm.pk]), edit_form(tm, manager=employee.pk))
    assert response.status_code == 200
    assert "reports, directly or through others, to Tessa Mann" in response.context["form"].errors["manager"][0]
    tm.refresh_from_db()
    assert tm.manager is None

    refused = qm_client.post(reverse("person_edit", args=[tm.pk]), edit_form(tm, manager=tm.pk))
    assert refused.status_code == 200 and "manager" in refused.context["form"].errors  # not even offered
    tm.manager = tm
    with pytest.raises(ValidationError, match="cannot report to themselves"):
        tm.full_clean()


def test_only_active_people_are_offered_as_managers_but_a_deactivated_manager_already_set_stays(
    portal_users, qm_client
):
    employee = portal_users.employee
    employee.manager = portal_users.deactivated
    employee.save()

    offered = set(qm_client.get(reverse("person_edit", args=[employee.pk])).context["form"]
                  .fields["manager"].queryset)
    assert portal_users.deactivated in offered and employee not in offered
    new = set(qm_client.get(reverse("person_create")).context["form"].fields["manager"].queryset)
    assert portal_users.deactivated not in new and portal_users.process_owner in new

    # Saving something else keeps the deactivated manager; the page says what that means.
    response = qm_client.post(reverse("person_edit", args=[employee.pk]), edit_form(employee, email="e@example.com"))
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.manager == portal_users.deactivated
    assert "reminders meant for the manager go to the quality managers" in qm_client.get(
        reverse("person_detail", args=[employee.pk])
    ).text


def test_deleting_a_person_others_report_to_is_refused_and_changes_nothing(portal_users):
    """People are deactivated, not deleted: deleting a manager would otherwise clear their reports' line manager in
    one UPDATE the audit trail never sees."""
    manager = portal_users.process_owner
    reports = [UserFactory(manager=manager), UserFactory(manager=manager)]
    entries = AuditEntry.objects.count()

    with pytest.raises(ProtectedError, match="manager"), transaction.atomic():
        manager.delete()

    assert User.objects.filter(pk=manager.pk).exists()
    assert [User.objects.get(pk=report.pk).manager_id for report in reports] == [manager.pk, manager.pk]
    assert AuditEntry.objects.count() == entries
