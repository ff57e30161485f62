"""A second run of the demo seed completes a quality policy left half built (the policy part of the demo data; the
other checks of it are in test_seed_policy.py, on a demo seeded once for that module: this one starts from an empty
database)."""
import io

import pytest
from django.core.management import call_command

from policy.models import PolicyDocument, VersionStatus
from qms_portal.audit import AuditEntry
from qms_portal.models import User

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def quality_policy():
    return PolicyDocument.objects.get(reference="QP-01")


def test_the_seed_completes_a_quality_policy_left_half_built(monkeypatch):
    from policy.demo import QUALITY_POLICY_V1
    from policy.workflow import document_create, version_submit
    from qms_portal.management.commands import seed_demo

    monkeypatch.setattr(seed_demo, "demo_steps", list)  # the organisation and people only
    seed()
    monkeypatch.undo()
    quality = User.objects.get(username="quality")
    version = document_create(
        title="Quality Policy", reference="QP-01", body=QUALITY_POLICY_V1.body,
        change_summary=QUALITY_POLICY_V1.change_summary, by=quality,
    )
    version.checklist = QUALITY_POLICY_V1.checklist()
    version.save()
    version_submit(version=version, by=quality)

    seed()

    assert dict(quality_policy().versions.values_list("number", "status")) == {
        1: VersionStatus.SUPERSEDED, 2: VersionStatus.SUPERSEDED, 3: VersionStatus.PUBLISHED,
    }
    # The three QP-01 versions, and the EP-01 draft submitted lately.
    assert AuditEntry.objects.filter(step="submitted for review").count() == 4
    ep_01 = PolicyDocument.objects.get(reference="EP-01").versions.get()
    assert AuditEntry.objects.filter(step="submitted for review", object_id=str(ep_01.pk)).count() == 1
