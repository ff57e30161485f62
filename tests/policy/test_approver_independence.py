"""Separation of duties on a policy version: whoever drafted it or changed its text does not approve it, the
signing page says why, and the list of policies says who may approve a version waiting."""
import pytest
from django.urls import reverse

from policy import workflow
from policy.models import PolicyVersion, VersionStatus
from qms_portal.access import PortalRole
from qms_portal.models import ElectronicSignature
from qms_portal.refusals import StepRefused
from tests.core.factories import PASSWORD, UserFactory
from tests.policy.factories import POLICY_BODY, PolicyVersionFactory, complete_checklist, shown_hash

pytestmark = pytest.mark.django_db


def url(name: str, version: PolicyVersion) -> str:
    return reverse(name, kwargs={"reference": version.document.reference, "number": version.number})


def approve(version: PolicyVersion, by) -> PolicyVersion:
    return workflow.version_approve(version=version, password=PASSWORD, expected_sha256=shown_hash(version), by=by)


@pytest.fixture
def both_roles(portal_users):
    """A quality manager who was also given Top management (by someone else)."""
    return UserFactory(full_name="Bea Both", roles=[PortalRole.QUALITY_MANAGER, PortalRole.TOP_MANAGEMENT])


def submitted_draft(author, *, editor=None) -> PolicyVersion:
    """A version ``author`` drafted (and ``editor`` changed), submitted for review through the workflow."""
    version = workflow.document_create(
        title="Quality Policy", reference="qp-01", body=POLICY_BODY, change_summary="First issue.", by=author
    )
    workflow.version_edit(version=version, body=POLICY_BODY, change_summary="First issue.",
                          checklist=complete_checklist(), by=author)
    if editor is not None:
        workflow.version_edit(version=version, body=POLICY_BODY + "\nWe measure what matters.\n",
                              change_summary="First issue, tightened.", checklist=complete_checklist(), by=editor)
    return workflow.version_submit(version=version, by=author)


def test_the_author_cannot_approve_her_own_version(both_roles):
    version = submitted_draft(both_roles)

    with pytest.raises(StepRefused, match="You drafted"):
        approve(version, both_roles)

    version.refresh_from_db()
    assert (version.status, version.signature) == (VersionStatus.IN_REVIEW, None)
    assert not ElectronicSignature.objects.exists()


def test_someone_who_edited_the_text_cannot_approve_it(portal_users, both_roles):
    version = submitted_draft(portal_users.quality_manager, editor=both_roles)

    with pytest.raises(StepRefused, match="You changed its text"):
        approve(version, both_roles)

    assert PolicyVersion.objects.get(pk=version.pk).status == VersionStatus.IN_REVIEW


def test_another_top_manager_approves_the_version(portal_users, both_roles):
    version = submitted_draft(both_roles)

    approved = approve(version, portal_users.top_management)

    assert approved.status == VersionStatus.APPROVED
    assert approved.signature.signer == portal_users.top_management


def test_sending_back_and_resubmitting_does_not_make_a_top_manager_an_editor(portal_users):
    version = submitted_draft(portal_users.quality_manager)
    workflow.version_return(version=version, comment="Name who sets objectives.", by=portal_users.top_management)
    workflow.version_submit(version=version, by=portal_users.quality_manager)

    assert approve(version, portal_users.top_management).status == VersionStatus.APPROVED


def test_the_signing_page_says_why_the_author_cannot_sign_and_who_can(portal_users, both_roles, client_for):
    version = submitted_draft(both_roles)

    page = client_for(both_roles).get(url("policy:version_approve", version))

    assert page.status_code == 200
    assert "You drafted this version, so you cannot approve it" in page.text
    assert "Tessa Mann may approve it" in page.text
    assert 'type="password"' not in page.text

    posted = client_for(both_roles).post(url("policy:version_approve", version),
                                         {"password": PASSWORD, "content_sha256": shown_hash(version)})
    assert posted.status_code == 409
    assert PolicyVersion.objects.get(pk=version.pk).status == VersionStatus.IN_REVIEW


def test_the_policy_list_says_who_may_approve_a_version_waiting(portal_users, both_roles, qm_client):
    submitted_draft(both_roles)

    page = qm_client.get(reverse("policy:policy_list"))

    assert "May approve: Tessa Mann" in page.text
    assert "Bea Both" not in page.text.split("May approve:")[1].split("</")[0]


def test_the_version_page_says_who_may_approve(portal_users, both_roles, client_for):
    version = PolicyVersionFactory(status=VersionStatus.IN_REVIEW, author=both_roles)

    page = client_for(both_roles).get(url("policy:version_detail", version))

    assert "You drafted this version, so you cannot approve it" in page.text
    assert "Tessa Mann may approve it" in page.text
