"""What goes on the home page. Each app registers its panels from its ``AppConfig.ready``; the core adds its own.

A panel's ``context`` function returns what its template needs, or None when it has nothing for this
person. Panels in the ``attention`` slot stand above the cards, full width: things the person should do now.
The core names no app here: an area shows on the home page only when its app plugs a panel in.
"""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from qms_portal.access import Capability, user_can


@dataclass(frozen=True)
class HomePanel:
    """One block of the home page, drawn by ``template`` with what ``context(request)`` returns."""

    area: str
    template: str
    context: Callable[[HttpRequest], dict[str, Any] | None]
    slot: str = "card"  # "card" or "attention"
    order: int = 100


_PANELS: list[HomePanel] = []


def home_register(panel: HomePanel) -> None:
    """Add an app's panel (once, however often ``ready`` runs)."""
    if panel not in _PANELS:
        _PANELS.append(panel)


def home_panels_for(request: HttpRequest, slot: str) -> list[tuple[HomePanel, dict[str, Any]]]:
    """The panels of ``slot`` that have something for this person, in order, with their context."""
    shown = []
    for panel in sorted(_PANELS, key=lambda p: p.order):
        if panel.slot != slot:
            continue
        context = panel.context(request)
        if context is not None:
            shown.append((panel, context))
    return shown


# --- The core's own areas, after the apps' cards -------------------------------------------------
def _link_card(
    capability: str, url_name: str, title: str, clause: str, text: str
) -> Callable[[HttpRequest], dict[str, Any] | None]:
    """A card that links to a page of the core, for those who may open it."""

    def context(request: HttpRequest) -> dict[str, Any] | None:
        if not user_can(request.user, capability):
            return None
        return {"url": reverse(url_name), "title": title, "clause": clause, "text": text}

    return context


home_register(HomePanel(
    area="audit", template="qms_portal/_home_link_card.html", order=900,
    context=_link_card(Capability.VIEW_AUDIT_TRAIL, "audit_trail", "Audit trail", "7.5",
                       "Every change to every record, who made it and why, in a tamper-evident chain."),
))
home_register(HomePanel(
    area="organisation", template="qms_portal/_home_link_card.html", order=910,
    context=_link_card(Capability.MANAGE_ORGANISATION, "organisation", "Organisation", "4.3",
                       "Name, logo, QMS scope, time zone, departments and sites, and the people in them."),
))


def _failed_emails(request: HttpRequest) -> dict[str, Any] | None:
    """For whoever keeps the organisation's settings (the quality manager): e-mails that could not be delivered."""
    if not user_can(request.user, Capability.MANAGE_ORGANISATION):
        return None
    from qms_portal.outbox import outbox_failed_recently

    count, rows = outbox_failed_recently()
    return {"count": count, "rows": rows} if rows else None


home_register(HomePanel(
    area="failed_emails", template="qms_portal/_home_failed_emails.html", context=_failed_emails,
    slot="attention", order=150,
))
