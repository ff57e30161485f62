"""A wrong answer to the acknowledgement question on a phone (issue 10 item 7): the error is at the top of the
page, in view, with the focus on it, not three screens below under the whole policy; the attempt is kept."""
from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from policy.models import AudienceKind, ComprehensionAttempt, PolicyVersion, VersionStatus
from qms_portal.access import PortalRole
from tests.core.factories import PASSWORD, UserFactory

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def asked_version(demo_portal) -> PolicyVersion:
    """The demo's published quality policy, with a comprehension question (the demo's own, or one given here)."""
    version = PolicyVersion.objects.select_related("campaign", "document").get(
        document__reference__iexact="qp-01", status=VersionStatus.PUBLISHED
    )
    campaign = version.campaign
    if not campaign.question:
        campaign.question = "Who may change the quality policy?"
        campaign.choices = ["Anyone", "Top management, by signing a new version"]
        campaign.correct_choice = 1
        campaign.save()
    return version


def test_a_wrong_answer_on_a_phone_is_said_at_the_top_with_the_focus_on_it(tab, asked_version):
    campaign = asked_version.campaign
    # A newcomer the campaign addresses, who has not answered yet, whatever the demo's history says of others.
    unit = campaign.org_units.first() if campaign.audience == AudienceKind.DEPARTMENTS else None
    UserFactory(username="newcomer", full_name="Nina Newcomer", org_unit=unit, roles=[PortalRole.EMPLOYEE])
    wrong = next(choice for index, choice in enumerate(campaign.choices) if index != campaign.correct_choice)
    page = tab.page
    page.set_viewport_size(PHONE)
    tab.sign_in("newcomer", PASSWORD)

    tab.open(reverse("policy:version_acknowledge", args=[asked_version.document.reference, asked_version.number]))
    page.get_by_label(wrong, exact=True).check()
    page.get_by_label("I have read and understood this policy").check()
    page.get_by_role("button", name=f"Acknowledge version {asked_version.number}").click()

    error = page.get_by_role("alert").filter(has_text="That is not the right answer")
    expect(error).to_be_focused()
    expect(error).to_be_in_viewport()
    assert error.bounding_box()["y"] < page.locator(".policy-text").bounding_box()["y"]
    # Its link leads to the question, where the person chooses again.
    error.get_by_role("link", name="The question").click()
    expect(page.get_by_label(wrong, exact=True)).to_be_in_viewport()
    assert ComprehensionAttempt.objects.filter(person__username="newcomer", correct=False).count() == 1
    assert not tab.console_errors, tab.console_errors
