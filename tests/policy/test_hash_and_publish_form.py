"""What a reader compares and what a publisher corrects: the full SHA-256 of a signed version with its copy button,
and the publish form's errors summarised at its top, each linking to its field."""
from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from policy.models import PolicyVersion, VersionStatus
from tests.policy.factories import PolicyVersionFactory

pytestmark = pytest.mark.django_db


def url(name: str, version: PolicyVersion) -> str:
    return reverse(name, kwargs={"reference": version.document.reference, "number": version.number})


@pytest.fixture
def in_force(portal_users) -> PolicyVersion:
    return PolicyVersionFactory(
        document__title="Quality Policy", document__reference="qp-01", status=VersionStatus.PUBLISHED,
        signed_by=portal_users.top_management, author=portal_users.quality_manager,
    )


def test_the_policy_and_version_pages_show_the_whole_signed_hash_with_a_copy_button(in_force, client_for, portal_users):
    full = in_force.electronic_signature.content_sha256
    assert len(full) == 64
    for page_url in (reverse("policy:policy_detail", args=["qp-01"]), url("policy:version_detail", in_force)):
        page = client_for(portal_users.auditor).get(page_url).text

        assert f'<code class="sha256-value">{full}</code>' in page
        assert f'data-copy="{full}"' in page and ">Copy</button>" in page
        assert f"{full[:16]}…" not in page
        assert "js/copy.js" in page  # served by the portal itself: no CDN, no inline script under the CSP


def test_a_refused_publication_lists_its_errors_at_the_top_linking_to_each_field(in_force, qm_client):
    approved = PolicyVersionFactory(document=in_force.document, number=2, status=VersionStatus.APPROVED)
    yesterday = (timezone.localdate() - timezone.timedelta(days=1)).isoformat()

    response = qm_client.post(url("policy:version_publish", approved), {
        "due_on": yesterday, "audience": "departments", "question": "Who?", "choice_1": "Only one",
    })

    page = response.text
    summary_at = page.index("form-error-summary")
    assert summary_at < page.index("Acknowledgement campaign (5.2.2.b)")  # above the first field, not at the foot
    summary = page[summary_at:page.index("</div>", summary_at)]
    assert "Not done: correct 4 fields below" in summary
    assert 'href="#id_reason">Why it replaces version 1</a>: Say why this version replaces the one in force' in summary
    assert '<a class="alert-link" href="#id_due_on">Acknowledgement due on</a>: The due date is in the past.' in summary
    assert 'href="#id_org_units_0">Departments</a>: Choose at least one department' in summary
    assert 'href="#id_choice_1">Answer 1</a>: Give at least two answers to choose from.' in summary
    assert 'role="alert"' in summary
    approved.refresh_from_db()
    assert approved.status == VersionStatus.APPROVED


def test_a_publish_form_without_errors_shows_no_summary(in_force, qm_client):
    approved = PolicyVersionFactory(document=in_force.document, number=2, status=VersionStatus.APPROVED)
    assert "form-error-summary" not in qm_client.get(url("policy:version_publish", approved)).text
