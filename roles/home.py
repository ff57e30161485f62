"""Roles (5.3) on the home page: a prompt above everything for each role a person holds and has not acknowledged
at its current revision, and a card with the health of the RACI matrix, the duties and the acknowledgement rate."""
from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest

from qms_portal.access import user_can
from qms_portal.models import User
from roles.access import RolesCapability
from roles.acknowledgements import roles_to_acknowledge
from roles.selectors import duties_status, raci_health, role_acknowledgement_rate


def roles_ack_prompt(request: HttpRequest) -> dict[str, Any] | None:
    """The roles the person holds and has not acknowledged at their current revision; None when there are none."""
    # The home page answers signed-in people only (``login_only``); a panel is handed the plain HttpRequest.
    roles = roles_to_acknowledge(cast(User, request.user))
    return {"roles": roles} if roles else None


def roles_home_card(request: HttpRequest) -> dict[str, Any] | None:
    """The health of the matrix and the duties, and how well roles are acknowledged, for those who see roles."""
    if not user_can(request.user, RolesCapability.VIEW):
        return None
    duties = duties_status()
    return {
        "health": raci_health(),
        "duties_held": sum(1 for status in duties if status.rule_break is None),
        "duties": len(duties),
        "rate": role_acknowledgement_rate(),
    }


def register_home_panels() -> None:
    """Register the roles panels of the home page."""
    from qms_portal.home import HomePanel, home_register

    home_register(HomePanel(area="roles", template="roles/_home_card.html", context=roles_home_card, order=30))
    # Holders see a changed role above everything else until they acknowledge it (5.3: communicated, understood).
    home_register(HomePanel(
        area="roles_ack", template="roles/_home_ack_prompt.html", context=roles_ack_prompt, slot="attention", order=110
    ))
