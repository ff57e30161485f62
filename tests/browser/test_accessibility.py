"""Accessibility in the browser (issue 10, item 16): axe-core checks the main pages against WCAG 2.0 and 2.1,
levels A and AA, as each portal role sees them, on the demo organisation, and any violation fails the test with a
readable list (rule, element, why).

Each demo person opens every main page; the pages their role may not open (403) are left out, and each
person must have had at least the pages their role is for checked.
"""
from __future__ import annotations

import pytest

from leadership.models import Commitment, ManagementReview, QualityObjective
from policy.models import PolicyVersion, VersionStatus
from roles.models import Role

# The demo log-ins, one per portal role, and the pages each must at least open.
PEOPLE = {
    "director": ["/leadership/", "/leadership/reviews/", "/roles/matrix/", "/audit/"],  # top management
    "quality": ["/people/", "/organisation/", "/audit/", "/roles/matrix/"],  # quality manager
    "owner": ["/roles/matrix/", "/leadership/actions/"],  # process owner
    "employee": ["/roles/mine/", "/policies/{policy}/v{version}/acknowledge/"],
    "auditor": ["/audit/", "/leadership/reviews/{review}/", "/people/"],
}
MAIN_PAGES = [
    "/",
    "/policies/",
    "/policies/{policy}/",
    "/policies/{policy}/v{version}/",
    "/policies/{policy}/diff/",
    "/policies/{policy}/v{version}/acknowledge/",
    "/policies/{policy}/v{version}/acknowledgements/",
    "/roles/",
    "/roles/{role}/",
    "/roles/matrix/",
    "/roles/matrix/?by=activity",
    "/roles/matrix/?by=role",
    "/roles/matrix/health/",
    "/roles/org-chart/",
    "/roles/processes/",
    "/roles/duties/",
    "/roles/mine/",
    "/leadership/",
    "/leadership/commitments/",
    "/leadership/commitments/{commitment}/",
    "/leadership/objectives/",
    "/leadership/objectives/{objective}/",
    "/leadership/reviews/",
    "/leadership/reviews/{review}/",
    "/leadership/actions/",
    "/leadership/actions/mine/",
    "/leadership/evidence/",
    "/audit/",
    "/people/",
    "/organisation/",
    "/notifications/",
    "/notifications/?show=unread",
    "/notifications/preferences/",
]


def _demo_records() -> dict[str, object]:
    """The demo records the pages with an id open: the policy in force, a role, a commitment, an objective, a
    held review."""
    version = PolicyVersion.objects.select_related("document").get(status=VersionStatus.PUBLISHED,
                                                                   document__reference="QP-01")
    return {
        "policy": version.document.reference,
        "version": version.number,
        "role": Role.objects.order_by("pk").first().pk,
        "commitment": Commitment.objects.order_by("pk").first().code,
        "objective": QualityObjective.objects.order_by("pk").first().pk,
        "review": ManagementReview.objects.exclude(held_on=None).order_by("pk").first().pk,
    }


@pytest.mark.parametrize("username", list(PEOPLE))
def test_the_main_pages_have_no_accessibility_violations(tab, username):
    records = _demo_records()
    tab.sign_in(username)
    tab.page.set_viewport_size({"width": 1280, "height": 800})

    checked, problems = [], []
    for template in MAIN_PAGES:
        path = template.format(**records)
        response = tab.page.goto(tab.base_url + path)
        assert response is not None and response.status in (200, 403), f"{path}: {response and response.status}"
        if response.status == 403:
            continue  # not a page for this role
        checked.append(path)
        problems += [f"{path}: {problem}" for problem in tab.accessibility_problems()]

    must_open = [template.format(**records) for template in PEOPLE[username]]
    assert set(must_open) <= set(checked), f"{username} could not open {set(must_open) - set(checked)}"
    assert not problems, f"{len(problems)} accessibility violations as {username}:\n" + "\n".join(problems)
