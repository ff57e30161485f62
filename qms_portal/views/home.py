"""The home page: a card per area the person's roles reach, filled by later features."""
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from qms_portal.access import Capability, PortalRole, login_only, user_can
from qms_portal.home import home_areas_provided, home_panels_for


@dataclass(frozen=True)
class HomeCard:
    """A placeholder for an area of the portal, until the app for that area registers its own panel."""

    area: str
    title: str
    clause: str
    text: str
    roles: tuple[str, ...]
    url_name: str = ""
    capability: str = ""


CARDS = [
    HomeCard("leadership", "Leadership and commitment", "5.1",
             "Commitments of top management, the evidence behind them, management reviews and their actions.",
             (PortalRole.TOP_MANAGEMENT, PortalRole.QUALITY_MANAGER, PortalRole.AUDITOR)),
    HomeCard("policy", "Quality policy", "5.2",
             "The current policy, its approval and signatures, and who has read and acknowledged it.",
             tuple(PortalRole.values)),
    HomeCard("roles", "Roles and responsibilities", "5.3",
             "Who holds which role, the RACI matrix of every process, and the 5.3 a-e assignments.",
             tuple(PortalRole.values)),
    HomeCard("actions", "My actions", "9.3",
             "Actions from management reviews, commitments and objectives that you own.",
             (PortalRole.TOP_MANAGEMENT, PortalRole.QUALITY_MANAGER, PortalRole.PROCESS_OWNER, PortalRole.EMPLOYEE)),
    HomeCard("readiness", "Readiness", "5",
             "A live status for every Clause 5 requirement, with what needs attention.",
             (PortalRole.TOP_MANAGEMENT, PortalRole.QUALITY_MANAGER, PortalRole.AUDITOR)),
    HomeCard("evidence", "Evidence pack", "7.5",
             "A complete, verifiable PDF of Clause 5 evidence for a chosen period.",
             (PortalRole.QUALITY_MANAGER, PortalRole.AUDITOR)),
    HomeCard("audit", "Audit trail", "7.5",
             "Every change to every record, who made it and why, in a tamper-evident chain.",
             (PortalRole.QUALITY_MANAGER, PortalRole.AUDITOR), "audit_trail", Capability.VIEW_AUDIT_TRAIL),
    HomeCard("organisation", "Organisation", "4.3",
             "Name, logo, QMS scope, time zone, departments and sites, and the people in them.",
             (PortalRole.QUALITY_MANAGER,), "organisation", Capability.MANAGE_ORGANISATION),
]


@login_only
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    roles = set(request.user.role_names())
    provided = home_areas_provided()
    cards = [
        card for card in CARDS
        if card.area not in provided
        and roles.intersection(card.roles)
        and (not card.capability or user_can(request.user, card.capability))
    ]
    return render(request, "qms_portal/home.html", {
        "cards": cards,
        "panels": home_panels_for(request, "card"),
        "attention": home_panels_for(request, "attention"),
        "roles": sorted(roles),
    })
