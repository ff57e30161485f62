"""What the policy lifecycle tests share: who acts, the texts they give, and snapshots of what a refused step
must leave as it was."""
import datetime as dt
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from policy.models import Campaign, PolicyVersion, VersionStatus
from qms_portal.audit import AuditEntry
from qms_portal.models import ElectronicSignature, SigningLock
from tests.policy.factories import POLICY_BODY

ALL_STATES = list(VersionStatus)
# Everyone who might try a step: the five portal roles, someone not signed in, and a deactivated
# quality manager (who keeps the role but must lose what it allows).
ACTORS = ["top_management", "quality_manager", "process_owner", "employee", "auditor", "anonymous", "deactivated"]
EDITED_BODY = POLICY_BODY + "\nWe listen to our interested parties and act on what they tell us.\n"
RETURN_COMMENT = "Objective-setting (5.2.1.b) is too vague: name who sets them and when."
WITHDRAW_REASON = "Replaced by the integrated management system policy."


def actor(portal_users, key: str) -> Any:
    return AnonymousUser() if key == "anonymous" else portal_users.by_key(key)


def due_date() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=30)



def snapshot(version: PolicyVersion) -> dict:
    """Everything a refused step must leave as it was: every column of the version and the row counts."""
    fresh = PolicyVersion.objects.get(pk=version.pk)
    return {
        "version": {field.attname: getattr(fresh, field.attname) for field in PolicyVersion._meta.concrete_fields},
        "audit entries": AuditEntry.objects.count(),
        "versions": PolicyVersion.objects.count(),
        "signatures": ElectronicSignature.objects.count(),
        "signing locks": SigningLock.objects.count(),
        "campaigns": Campaign.objects.count(),
    }


def entries_since(version: PolicyVersion, after: int) -> list[AuditEntry]:
    entries = AuditEntry.objects.filter(record_type="policy.policyversion", object_id=str(version.pk), pk__gt=after)
    return list(entries.order_by("id"))


def last_entry_id() -> int:
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

