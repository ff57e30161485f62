"""Roles (5.3) on the home page: a prompt above everything for each role a person holds and has not acknowledged
at its current revision, and a card with the health of the RACI matrix, the duties and the acknowledgement rate."""
from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from django.utils import timezone

from qms_portal.access import user_can
from qms_portal.models import User
from qms_portal.records_cache import cached_on_records
from roles.access import RolesCapability
from roles.acknowledgements import roles_to_acknowledge
from roles.selectors import raci_health, role_acknowledgement_rate


def roles_ack_prompt(request: HttpRequest) -> dict[str, Any] | None:
    """The roles the person holds and has not acknowledged at their current revision; None when there are none."""
    # The home page answers signed-in people only (``login_only``); a panel is handed the plain HttpRequest.
    roles = roles_to_acknowledge(cast(User, request.user))
    return {"roles": roles} if roles else None


def roles_home_card(request: HttpRequest) -> dict[str, Any] | None:
    """The health of the matrix and the duties, and how well roles are acknowledged, for those who see roles."""
    if not user_can(request.user, RolesCapability.VIEW):
        return None
    # The same for everyone who sees it, and kept until a record changes (qms_portal.records_cache).
    return cached_on_records("roles.home_card", _matrix_and_acknowledgements, day=timezone.localdate())


def _matrix_and_acknowledgements() -> dict[str, Any]:
    # The duties' figures come from the same run of the rules as the matrix's (a duty held breaks no duty rule).
    health = raci_health()
    return {
        "health": health,
        "duties_held": health.duties_held,
        "duties": health.duties,
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
