"""The bell (issue 14): after the sweep the employee sees how many notifications are unread, opens the policy's
reminder from the notifications page, lands on the policy, acknowledges it, and the count drops; acknowledging
their role from "My roles" clears its notification too, unopened."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from policy.models import PolicyVersion, VersionStatus
from qms_portal.models import Notification
from qms_portal.notifications import reminders_sweep


def test_the_employee_opens_the_policy_reminder_acknowledges_and_the_bell_counts_one_less(tab):
    reminders_sweep()
    version = PolicyVersion.objects.select_related("campaign").get(
        document__reference="QP-01", status=VersionStatus.PUBLISHED
    )
    unread = Notification.objects.filter(recipient__username="employee", read_at=None).count()
    assert unread >= 3  # the policy, the role, and the demo's actions besides
    page = tab.page
    tab.sign_in("employee")
    expect(page.get_by_role("region", name="Policies to acknowledge")).to_contain_text("Quality Policy version")

    bell = page.get_by_test_id("bell")
    expect(page.get_by_test_id("bell-count")).to_have_text(str(unread))
    expect(bell).to_have_attribute("aria-label", f"Notifications, {unread} unread")
    bell.click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    title = re.compile(rf"Please read and acknowledge QP-01 Quality Policy, version {version.number}")
    page.get_by_role("link", name=title).click()

    # The notification opens its record: the policy's acknowledgement page; it is read from then on.
    expect(page).to_have_url(re.compile(rf"/policies/QP-01/v{version.number}/acknowledge/$"))
    expect(page.get_by_test_id("bell-count")).to_have_text(str(unread - 1))
    if version.campaign.question:
        page.get_by_label(version.campaign.choices[version.campaign.correct_choice], exact=True).check()
    page.get_by_label("I have read and understood this policy").check()
    page.get_by_role("button", name=f"Acknowledge version {version.number}").click()

    # Acknowledged: the home page asks nothing more of the policy, and the bell still counts one less.
    tab.open("/")
    expect(page.get_by_test_id("bell-count")).to_have_text(str(unread - 1))
    expect(page.get_by_role("region", name="Policies to acknowledge")).to_have_count(0)

    # A thing done without opening its notification clears it too: the role, acknowledged from "My roles".
    assert Notification.objects.filter(
        recipient__username="employee", kind="role_acknowledgement_due", read_at=None
    ).count() == 1
    page.locator("#main-nav").get_by_role("link", name="My roles").click()
    page.get_by_role("article", name="CNC Machinist").get_by_role("button", name="Acknowledge CNC Machinist").click()
    expect(page.locator(".messages")).to_contain_text("you acknowledged “CNC Machinist”")
    expect(page.get_by_test_id("bell-count")).to_have_text(str(unread - 2))
    assert not Notification.objects.filter(
        recipient__username="employee", kind__in=["policy_acknowledgement_due", "role_acknowledgement_due"],
        read_at=None,
    ).exists()
    assert not tab.console_errors, tab.console_errors
    assert not tab.failed_requests, tab.failed_requests
