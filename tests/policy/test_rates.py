"""Shares as the acknowledgement report writes them: whole per cent rounded half up, through the one shared rounding."""
from __future__ import annotations

import pytest

from policy.acknowledgements import acknowledgement_record, campaign_report
from qms_portal.access import PortalRole
from tests.core.factories import UserFactory
from tests.policy.test_acknowledgements import publish, report_url

pytestmark = pytest.mark.django_db


def test_one_of_eight_acknowledged_reads_13_percent_not_12(portal_users, client_for):
    for number in range(4):  # with the four staff of portal_users, eight are asked
        UserFactory(full_name=f"Extra Person {number}", roles=[PortalRole.EMPLOYEE])
    version = publish(portal_users)
    acknowledgement_record(version=version, person=portal_users.employee, answer=None)

    report = campaign_report(version.campaign)
    assert (report.acknowledged, report.asked, report.rate) == (1, 8, 13)
    page = client_for(portal_users.quality_manager).get(report_url(version)).text
    assert '<span class="display-6 fw-semibold">13%</span>' in page
    assert "12%" not in page
