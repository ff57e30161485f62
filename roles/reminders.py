"""Reminders of roles (5.3: responsibilities communicated and understood), found by the core's sweep
(``qms_portal.notifications``): each holder is asked once to acknowledge each revision of a role they hold."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.urls import reverse

from qms_portal.models import User
from qms_portal.notifications import STAFF, Reminder, ReminderKind, notifications_resolve
from qms_portal.reminder_steps import day_in, organisation_zone
from roles.models import Role, RoleAssignment, held_on

ROLE_TO_ACKNOWLEDGE = "role_acknowledgement_due"
ROLE_RECORD = "roles.role"


def role_to_acknowledge_find(now: dt.datetime) -> Iterable[Reminder]:
    """Each person holding a role today who has not acknowledged its current revision, once per revision (a role
    changed is asked again; so is a role taken up later, on its first day). Two queries, whatever the number of
    people."""
    today = day_in(organisation_zone(), now)
    waiting = (
        RoleAssignment.objects.filter(held_on(today))
        .with_acknowledged()
        .filter(acknowledged=False)
        .order_by()
        .values_list("person_id", "role_id", "role__title", "role__revision")
        .distinct()
    )
    url = reverse("roles:my_roles")
    reminders = []
    for person_id, role_id, title, revision in waiting:
        reminders.append(Reminder(
            kind=ROLE_TO_ACKNOWLEDGE, recipient_id=person_id, record_type=ROLE_RECORD, record_id=str(role_id),
            occasion=f"revision-{revision}",
            title=(
                f"Read and acknowledge your role “{title}”" if revision == 1
                else f"Your role “{title}” changed (revision {revision}): read and acknowledge it"
            ),
            body=(
                "Read the role's purpose, responsibilities and authorities on your roles page, then confirm that you "
                "understand them."
            ),
            url=f"{url}#role-{role_id}",
        ))
    return reminders


ROLE_TO_ACKNOWLEDGE_KIND = ReminderKind(
    name=ROLE_TO_ACKNOWLEDGE,
    label="A role you hold to acknowledge",
    group="Roles",
    find=role_to_acknowledge_find,
    audience=STAFF,
)


def role_reminders_resolve(*, role: Role, person: User | None = None, people: Iterable[User] = ()) -> None:
    """``person`` (or each of ``people``) acknowledged ``role`` at its current revision: their reminders of it (this
    revision's and earlier ones') are read and leave the digest."""
    notifications_resolve(kinds=[ROLE_TO_ACKNOWLEDGE], record_type=ROLE_RECORD, record_id=role.pk,
                          recipients=[person] if person is not None else list(people))
