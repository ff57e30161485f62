"""The large organisation (``seed_demo --scale large``), built small (``--people 200``) through the same code: its
shape in proportion to its size, everyone placed, the matrix's rules kept, three years of staff turnover, role
revisions and action progress, every record on a trail that verifies, no e-mail sent for its past, the demo log-ins
still working, and a second run adding nothing."""
import io
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse

from leadership.models import Action, ActionNote, EvidenceEntry, Measurement, QualityObjective
from leadership.review_invitations import INVITATION
from policy.models import Acknowledgement, ComprehensionAttempt, PolicyVersion, VersionStatus
from qms_portal.access import PortalRole
from qms_portal.audit import AuditEntry, audit_verify
from qms_portal.demo import Scale
from qms_portal.management.commands.seed_demo import DEMO_PASSWORD
from qms_portal.models import Notification, OrgUnit, OrgUnitKind, OutboxEmail, User
from roles.models import Activity, RaciCell, Role, RoleAcknowledgement, RoleAssignment
from roles.raci import matrix_load, matrix_rule_breaks

pytestmark = pytest.mark.django_db

PEOPLE = 200


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--scale", "large", "--people", str(PEOPLE), *args, stdout=out)
    return out.getvalue()


def entries(model: type, action: str = "create") -> int:
    return AuditEntry.objects.filter(record_type=model._meta.label_lower, action=action).count()


def test_a_small_large_organisation_has_its_shape_and_a_trail_that_verifies():
    output = seed()
    scale = Scale.large(PEOPLE)

    # The people: as many as asked (the demo's one retired toolmaker aside), on four sites, every member of staff
    # in a department, reporting to someone.
    assert User.objects.filter(is_active=True).count() == PEOPLE - 1
    assert OrgUnit.objects.filter(kind=OrgUnitKind.SITE).count() == 4
    assert OrgUnit.objects.filter(kind=OrgUnitKind.DEPARTMENT).count() == scale.departments
    staff = User.objects.filter(is_active=True).exclude(groups__name=PortalRole.AUDITOR)
    assert not staff.exclude(org_unit__kind=OrgUnitKind.DEPARTMENT).exists()
    large = User.objects.filter(username__startswith="large")
    assert large.filter(is_active=True).count() == PEOPLE - 40
    assert not large.filter(manager=None).exists()
    assert not large.exclude(groups__name=PortalRole.EMPLOYEE).exists()
    # A quarter of the staff left in each of the three years, each replaced by a starter in the same department.
    leavers, starters = large.filter(is_active=False), large.filter(username__startswith="large-m")
    assert leavers.count() == starters.count()
    assert 0.2 * 3 * (PEOPLE - 40) < starters.count() < 0.3 * 3 * (PEOPLE - 40)

    # Roles and the matrix: every cell filled, and only the demo's two deliberate rule breaks.
    assert Role.objects.count() == scale.roles
    assert Activity.objects.count() == scale.activities
    assert RaciCell.objects.count() == scale.roles * scale.activities
    breaks = matrix_rule_breaks(matrix_load())
    assert sorted(rule_break.rule for rule_break in breaks) == ["one_accountable", "role_held"]
    # Everyone there holds a role; the leavers' roles ended on their last day.
    current = RoleAssignment.objects.filter(ends_on=None, person__in=large)
    assert set(current.values_list("person_id", flat=True)) == set(
        large.filter(is_active=True).values_list("pk", flat=True))
    assert RoleAssignment.objects.filter(person__in=leavers).exclude(ends_on=None).count() == leavers.count()
    # The roles were revised each half year; nearly everyone acknowledged each earlier revision, most the current one.
    assert set(Role.objects.filter(title__regex=r" [0-9]{3}$").values_list("revision", flat=True)) == {6}
    held = current.with_acknowledged()
    assert 0.6 * held.count() < held.filter(acknowledged=True).count() < 0.8 * held.count()
    assert RoleAcknowledgement.objects.filter(person__in=large, revision=2).count() > 0.9 * (PEOPLE - 40)

    # Ten policy versions, each acknowledged by most of the staff asked.
    versions = PolicyVersion.objects.exclude(status__in=[VersionStatus.DRAFT, VersionStatus.IN_REVIEW])  # EP-01 waits
    assert versions.count() == scale.policy_versions
    for version in versions:
        assert version.acknowledgements.count() > 0.75 * (PEOPLE - 2), version
    assert Acknowledgement.objects.count() > 0.75 * PEOPLE * scale.policy_versions
    # Where a version asks its question, each acknowledgement comes with its right answer.
    for version in versions.exclude(campaign__question=""):
        assert version.acknowledgements.count() <= ComprehensionAttempt.objects.filter(version=version,
                                                                                       correct=True).count()
    # Starters acknowledged the policies in force at their induction.
    published = versions.filter(status=VersionStatus.PUBLISHED)
    assert Acknowledgement.objects.filter(version__in=published, person__in=starters).count() > 0.8 * len(
        published) * starters.filter(is_active=True).count()

    # Reviews every quarter over three years, their actions, objectives measured monthly, evidence weekly.
    from_reviews = Action.objects.filter(source_review__title__startswith="Site operations review")
    assert from_reviews.count() == scale.actions
    assert from_reviews.filter(status="done").count() > 0.6 * scale.actions
    # Most were started by their owner first, with a note.
    assert ActionNote.objects.filter(action__in=from_reviews).count() > 0.7 * scale.actions
    assert not ActionNote.objects.filter(action__in=from_reviews).exclude(author=F("action__owner")).exists()
    assert QualityObjective.objects.count() == scale.objectives
    large_objective = QualityObjective.objects.filter(title__regex=r" [0-9]{2}$").first()
    assert large_objective is not None and large_objective.measurements.count() >= 20
    assert EvidenceEntry.objects.count() == scale.evidence

    # Every record written in bulk has its own trail entry, acknowledgements in their person's name; the trail
    # verifies.
    for model in (User, RaciCell, RoleAssignment, RoleAcknowledgement, Acknowledgement, ComprehensionAttempt, Action,
                  ActionNote, Measurement, EvidenceEntry):
        assert entries(model) == model._default_manager.count(), model
    # Each leaver's deactivation and each ended role is a change on the trail.
    ended = AuditEntry.objects.filter(record_type="roles.roleassignment", action="update", changes__has_key="ends_on")
    assert ended.count() >= leavers.count()
    deactivated = AuditEntry.objects.filter(record_type="qms_portal.user", action="update",
                                            changes__has_key="is_active")
    assert deactivated.count() >= leavers.count()
    acknowledgement = Acknowledgement.objects.filter(person__in=large).first()
    entry = AuditEntry.objects.get(record_type="policy.acknowledgement", object_id=str(acknowledgement.pk))
    assert entry.actor_id == acknowledgement.person_id
    assert audit_verify().ok
    assert "verifies" in output
    assert AuditEntry.objects.count() > 25 * PEOPLE  # about 55 per person at 5,000 (the trail's few hundred thousand)

    # Its past's e-mails (the reviews' invitations) are dropped unsent; their notifications stay on the bell.
    assert not OutboxEmail.objects.exists() and not mail.outbox
    assert Notification.objects.filter(kind=INVITATION).exists()

    # The demo log-ins sign in to the large organisation.
    client = Client()
    response = client.post(reverse("login"), {"username": "quality", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(username="quality").pk)

    # A second run finds everything there and writes nothing.
    trail = AuditEntry.objects.count()
    seed()
    assert AuditEntry.objects.count() == trail


def test_a_seeded_demo_grows_into_a_small_large_organisation_at_the_present_time():
    # What the measuring scripts do (scripts/large_org.py): the demo first, then the large records added now, on a
    # trail that is not replayed into: its people and roles start today, so nobody has left yet.
    call_command("seed_demo", stdout=io.StringIO())
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
    try:
        from large_org import large_org_build
    finally:
        sys.path.pop(0)

    large_org_build(60)

    large = User.objects.filter(username__startswith="large")
    assert large.count() == 60 and not large.filter(is_active=False).exists()
    assert not RoleAssignment.objects.filter(person__in=large, ends_on__isnull=False).exists()
    assert RaciCell.objects.count() == Role.objects.count() * Activity.objects.count()
    assert audit_verify().ok
