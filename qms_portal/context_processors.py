"""Template context every page needs: the organisation, the navigation for this person and their unread count."""
import functools
from typing import Any

from django.http import HttpRequest

from qms_portal.access import roles_to_show
from qms_portal.navigation import navigation_for
from qms_portal.notifications import notifications_unread_count


def portal(request: HttpRequest) -> dict[str, Any]:
    organisation = getattr(request, "organisation", None)
    user = getattr(request, "user", None)
    person = user if user is not None and user.is_authenticated else None
    return {
        "organisation": organisation,
        "nav_items": navigation_for(person, request.path) if person else [],
        "user_menu_items": navigation_for(person, request.path, menu="user") if person else [],
        # The user menu names the person's portal roles, not every group the account is in.
        "user_roles": roles_to_show(person.role_names()) if person else [],
        # The bell's count: one query, made only when a page draws the bell (the template calls it; cached).
        "unread_notifications": functools.cache(functools.partial(notifications_unread_count, person))
        if person else 0,
    }
