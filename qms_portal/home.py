"""What apps put on the home page. Each app registers panels from its ``AppConfig.ready``.

A panel belongs to an area (``policy``, ``roles``...) and replaces that area's placeholder card. Its
``context`` function returns what its template needs, or None when it has nothing for this person.
Panels in the ``attention`` slot stand above the cards, full width: things the person should do now.
"""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


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


def home_areas_provided() -> set[str]:
    return {panel.area for panel in _PANELS}


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
