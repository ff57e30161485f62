"""Writing roles, assignments and duties: one place for the pages, the import and the demo data."""
from typing import Any

from django.db import transaction

from qms_portal.access import require_capability
from qms_portal.audit import audit_context
from roles.models import Duty, Role, RoleAssignment

MANAGE = "roles.manage_roles"


@transaction.atomic
def role_save(*, role: Role, by: Any) -> Role:
    """Save a new or changed role; a change to its responsibilities or authorities starts a new revision,
    which its holders must acknowledge again."""
    require_capability(by, MANAGE, doing="define roles")
    if role.pk is not None:
        stored = Role.objects.select_for_update().values("responsibilities", "authorities").get(pk=role.pk)
        if (stored["responsibilities"], stored["authorities"]) != (role.responsibilities, role.authorities):
            role.revision += 1
    with audit_context(actor=by):
        role.save()
    return role


@transaction.atomic
def assignment_save(*, assignment: RoleAssignment, by: Any) -> RoleAssignment:
    """Save a new or changed assignment of a person to a role."""
    require_capability(by, MANAGE, doing="assign roles")
    if assignment.ends_on is not None and assignment.ends_on < assignment.starts_on:
        raise ValueError("The end date is before the start date.")
    with audit_context(actor=by):
        assignment.save()
    return assignment


@transaction.atomic
def duty_assign(*, duty: Duty, role: Role | None, by: Any) -> Duty:
    """Assign a 5.3 duty to a role (or leave it unassigned with None)."""
    require_capability(by, MANAGE, doing="assign the 5.3 duties")
    duty.role = role
    with audit_context(actor=by):
        duty.save()
    return duty
