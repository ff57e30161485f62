"""Models of the shared core: the organisation, its units and people, jobs, notifications, and the audit trail."""
from qms_portal.models.audit import AuditAnchor, AuditEntry
from qms_portal.models.jobs import Job, JobStatus
from qms_portal.models.notifications import (
    Channel,
    Notification,
    NotificationPreference,
    OutboxEmail,
    OutboxStatus,
)
from qms_portal.models.organisation import Organisation, OrgUnit, OrgUnitKind
from qms_portal.models.people import Invitation, LoginSession, User
from qms_portal.models.retention import RecordRetained, RetainedQuerySet, RetainedRecord
from qms_portal.models.signatures import ElectronicSignature, SignedRecord, SignedRecordImmutable, SigningLock

__all__ = [
    "AuditAnchor", "AuditEntry", "Channel", "ElectronicSignature", "Invitation", "Job", "JobStatus", "LoginSession",
    "Notification", "NotificationPreference", "OrgUnit", "OrgUnitKind", "Organisation", "OutboxEmail", "OutboxStatus",
    "RecordRetained", "RetainedQuerySet", "RetainedRecord", "SignedRecord", "SignedRecordImmutable", "SigningLock",
    "User",
]
