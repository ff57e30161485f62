"""Drafting the next version asks first and shows a preview of the text (issue 10, item 10); the signing page
compares the version with the one in force (item 11)."""
from __future__ import annotations

import pytest
from django.urls import reverse

from policy.models import PolicyVersion, VersionStatus
from tests.policy.factories import POLICY_BODY, PolicyVersionFactory

pytestmark = pytest.mark.django_db


def url(name: str, version: PolicyVersion) -> str:
    return reverse(name, kwargs={"reference": version.document.reference, "number": version.number})


@pytest.fixture
def in_force(portal_users) -> PolicyVersion:
    return PolicyVersionFactory(
        document__reference="qp-01", status=VersionStatus.PUBLISHED, signed_by=portal_users.top_management,
        author=portal_users.quality_manager,
    )


def test_draft_next_version_asks_for_confirmation_before_drafting(qm_client, in_force):
    policy_page = qm_client.get(reverse("policy:policy_detail", args=["qp-01"])).content.decode()
    create_url = reverse("policy:version_create", args=["qp-01"])
    assert f'<a class="btn btn-primary" href="{create_url}">Draft next version</a>' in policy_page

    confirm = qm_client.get(create_url).content.decode()

    assert "Draft version 2?" in confirm
    assert "its 5.2.1 checklist: the passages quoted and the items confirmed" in confirm
    assert in_force.document.versions.count() == 1  # asking drafts nothing
    response = qm_client.post(create_url)
    draft = in_force.document.versions.get(number=2)
    assert response["Location"] == url("policy:version_edit", draft)


def test_the_first_submit_of_an_unchanged_carried_over_draft_is_accepted(qm_client, in_force):
    qm_client.post(reverse("policy:version_create", args=["qp-01"]))
    draft = in_force.document.versions.get(number=2)
    edit = qm_client.get(url("policy:version_edit", draft)).content.decode()
    assert edit.count('checked') >= 4  # the four 5.2.1 ticks carried over

    data = {"body": draft.body, "change_summary": "Annual review: wording unchanged."}
    for suffix, entry in zip("abcd", draft.checklist.values(), strict=True):
        data[f"checklist_{suffix}_confirmed"] = "on"
        data[f"checklist_{suffix}_passage"] = entry["passage"]
    qm_client.post(url("policy:version_edit", draft), data)
    response = qm_client.post(url("policy:version_submit", draft))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == VersionStatus.IN_REVIEW


def test_the_preview_renders_the_text_safely_and_saves_nothing(qm_client, in_force):
    draft = PolicyVersionFactory(document=in_force.document, number=2, body=POLICY_BODY)
    edit = qm_client.get(url("policy:version_edit", draft)).content.decode()
    assert "Preview the text" in edit and url("policy:version_preview", draft) in edit

    response = qm_client.post(
        url("policy:version_preview", draft),
        {"body": "# Our policy\n\n- **We listen.**\n\n<script>alert(1)</script>"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert "<h1>Our policy</h1>" in html and "<strong>We listen.</strong>" in html
    assert "<script" not in html
    draft.refresh_from_db()
    assert draft.body == POLICY_BODY


def test_the_signing_page_shows_what_changed_since_the_version_in_force(portal_users, client_for, in_force):
    in_review = PolicyVersionFactory(
        document=in_force.document, number=2, status=VersionStatus.IN_REVIEW,
        body=POLICY_BODY.replace("We meet customer", "We always meet customer"),
    )

    page = client_for(portal_users.top_management).get(url("policy:version_approve", in_review)).content.decode()

    assert "What changed since version 1, in force" in page
    assert "We <ins>always</ins> meet customer" in page
    assert "+1 word" in page


def test_the_signing_page_of_a_first_version_says_there_is_nothing_to_compare(portal_users, client_for):
    first = PolicyVersionFactory(status=VersionStatus.IN_REVIEW)

    page = client_for(portal_users.top_management).get(url("policy:version_approve", first)).content.decode()

    assert "there is nothing to compare this one with" in page
