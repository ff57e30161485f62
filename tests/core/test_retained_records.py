"""Retained records cannot be deleted: signed versions, acknowledgements, comprehension answers, evidence entries and
their files, periodic reviews, held management reviews and signatures refuse delete one by one, in bulk, and through a
plain queryset (the core's ``RetainedRecord``); on PostgreSQL triggers refuse it for the records kept by law.
Nothing in the portal offers to delete them: people retire or withdraw them instead."""
from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, models, transaction
from django.db.models import ProtectedError
from django.urls import URLPattern, URLResolver, get_resolver

from leadership.models import EvidenceAttachment, EvidenceEntry, ManagementReview
from policy.models import Acknowledgement, ComprehensionAttempt, PolicyVersion, VersionStatus
from qms_portal.audit import AuditAction, AuditAnchor, AuditEntry
from qms_portal.models import ElectronicSignature, RecordRetained
from roles.models import RoleAcknowledgement
from tests.leadership.factories import EvidenceEntryFactory
from tests.leadership.review_pages import held, plan
from tests.policy.factories import AcknowledgementFactory, PolicyReviewFactory, PolicyVersionFactory
from tests.roles.factories import RoleFactory

pytestmark = pytest.mark.django_db


def _comprehension_attempt(portal_users) -> ComprehensionAttempt:
    version = PolicyVersionFactory(status=VersionStatus.PUBLISHED)
    return ComprehensionAttempt.objects.create(
        version=version, person=portal_users.employee, choice=0, answer="Everyone", correct=True
    )


def _role_acknowledgement(portal_users) -> RoleAcknowledgement:
    return RoleAcknowledgement.objects.create(role=RoleFactory(), person=portal_users.employee, revision=1)


def _evidence_attachment(portal_users) -> EvidenceAttachment:
    return EvidenceAttachment.objects.create(
        entry=EvidenceEntryFactory(), file="evidence/x.pdf", original_name="minutes.pdf",
        content_type="application/pdf", size=10, sha256="0" * 64,
    )


RETAINED: dict[str, Callable] = {
    "signed policy version": lambda users: PolicyVersionFactory(status=VersionStatus.PUBLISHED),
    "acknowledgement": lambda users: AcknowledgementFactory(person=users.employee),
    "comprehension answer": _comprehension_attempt,
    "role acknowledgement": _role_acknowledgement,
    "evidence entry": lambda users: EvidenceEntryFactory(),
    "evidence attachment": _evidence_attachment,
    "periodic review, not signed": lambda users: PolicyReviewFactory(),
    "held management review, not signed": held,
    "electronic signature": lambda users: PolicyVersionFactory(status=VersionStatus.PUBLISHED).signature,
}


@pytest.fixture(params=list(RETAINED))
def retained(request, portal_users) -> models.Model:
    return RETAINED[request.param](portal_users)


def deletions_recorded(record: models.Model) -> int:
    return AuditEntry.objects.filter(
        record_type=record._meta.label_lower, object_id=str(record.pk), action=AuditAction.DELETE
    ).count()


def test_a_retained_record_refuses_to_be_deleted_on_its_own(retained):
    with pytest.raises(RecordRetained, match="cannot be deleted|cannot be removed"):
        retained.delete()

    assert type(retained).objects.filter(pk=retained.pk).exists() and deletions_recorded(retained) == 0


def test_a_retained_record_refuses_to_be_deleted_in_bulk(retained):
    with pytest.raises(RecordRetained):
        type(retained).objects.filter(pk=retained.pk).delete()

    assert type(retained).objects.filter(pk=retained.pk).exists()


def test_a_plain_queryset_that_bypasses_the_manager_is_refused_too(retained):
    # A signature is refused by the protected link from its record first.
    with pytest.raises((RecordRetained, ProtectedError)), transaction.atomic():
        models.QuerySet(model=type(retained)).filter(pk=retained.pk).delete()

    assert type(retained).objects.filter(pk=retained.pk).exists()


def test_a_cascade_from_a_deleted_parent_is_refused(portal_users):
    attachment = _evidence_attachment(portal_users)

    with pytest.raises(RecordRetained), transaction.atomic():
        models.QuerySet(model=EvidenceEntry).filter(pk=attachment.entry_id).delete()  # a bulk delete skips the entry's

    assert EvidenceAttachment.objects.filter(pk=attachment.pk).exists()


def test_records_not_yet_retained_may_still_be_deleted(portal_users):
    draft = PolicyVersionFactory(status=VersionStatus.DRAFT)
    planned = plan(portal_users)

    draft.delete()
    planned.delete()

    assert not PolicyVersion.objects.filter(pk=draft.pk).exists()
    assert not ManagementReview.objects.filter(pk=planned.pk).exists()


def test_the_held_review_is_kept_whatever_its_later_status(portal_users):
    review = held(portal_users)
    assert review.status == "held"

    with pytest.raises(RecordRetained, match="was held"):
        ManagementReview.objects.get(pk=review.pk).delete()


def _url_names(patterns, prefix: str = "") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names |= _url_names(pattern.url_patterns, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(prefix + pattern.name)
    return names


def test_no_page_of_the_portal_deletes_a_retained_record():
    """The only delete views are for org units and RACI activities, which are not records kept by law."""
    deleting = {name for name in _url_names(get_resolver().url_patterns) if "delete" in name or "remove" in name}

    assert deleting == {"org_unit_delete", "roles:activity_delete"}


# --- PostgreSQL: the database refuses too --------------------------------------------------------------------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the retention triggers exist on PostgreSQL only"
)


def run_sql(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@postgresql_only
@pytest.mark.parametrize(("model", "make"), [
    (ElectronicSignature, lambda users: PolicyVersionFactory(status=VersionStatus.PUBLISHED).signature),
    (Acknowledgement, lambda users: AcknowledgementFactory(person=users.employee)),
    (RoleAcknowledgement, _role_acknowledgement),
])
def test_postgresql_refuses_raw_sql_deletes_of_records_kept_by_law(portal_users, model, make):
    record = make(portal_users)
    run_sql("SET CONSTRAINTS ALL IMMEDIATE", [])  # a TRUNCATE waits for no deferred check of the rows just made

    for sql in (f"DELETE FROM {model._meta.db_table} WHERE id = %s", f"TRUNCATE {model._meta.db_table} CASCADE"):
        with pytest.raises(DatabaseError, match="retained record"), transaction.atomic():
            run_sql(sql, [record.pk] if "%s" in sql else [])

    assert model.objects.filter(pk=record.pk).exists()


@postgresql_only
def test_postgresql_refuses_to_change_or_delete_an_audit_anchor():
    call_command("verify_audit_trail", stdout=io.StringIO())
    anchor = AuditAnchor.objects.order_by("-id").first()

    for sql in ("UPDATE qms_portal_auditanchor SET entry_count = entry_count + 1 WHERE id = %s",
                "DELETE FROM qms_portal_auditanchor WHERE id = %s"):
        with pytest.raises(DatabaseError, match="retained record"), transaction.atomic():
            run_sql(sql, [anchor.pk])

    assert AuditAnchor.objects.get(pk=anchor.pk).seal_valid
