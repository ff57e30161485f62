"""The navigation: each item names the capability it needs, so each role sees only what it can use.

Items go in the top bar (``menu="main"``) or in the person's own menu (``menu="user"``), which keeps the top
bar to one line on a laptop screen. Apps add their own items from their ``AppConfig.ready`` with
``nav_register``.
"""
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse

if TYPE_CHECKING:
    from qms_portal.models import User


@dataclass(frozen=True)
class NavItem:
    """One entry of the top navigation."""

    label: str
    url_name: str
    capability: str | None = None  # None: every signed-in person
    order: int = 100
    menu: str = "main"  # or "user"


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    active: bool


_ITEMS: list[NavItem] = [
    NavItem("Home", "home", order=0),
    NavItem("People", "people", "qms_portal.view_people", order=80),
    NavItem("Audit trail", "audit_trail", "qms_portal.view_audit_trail", order=90),
    NavItem("Organisation settings", "organisation", "qms_portal.manage_organisation", order=95, menu="user"),
]


def nav_register(item: NavItem) -> None:
    """Add an app's navigation entry."""
    if item not in _ITEMS:
        _ITEMS.append(item)


def navigation_for(user: "User", path: str, *, menu: str = "main") -> list[NavLink]:
    """The entries of ``menu`` that ``user`` may use; the one whose URL is the longest start of ``path`` is
    active (so /roles/mine/ marks "My roles", not "Roles" as well)."""
    entries = [
        (item.label, reverse(item.url_name))
        for item in sorted(_ITEMS, key=lambda i: i.order)
        if item.menu == menu and (not item.capability or user.has_perm(item.capability))
    ]
    matching = [url for _, url in entries if (path == url if url == "/" else path.startswith(url))]
    active = max(matching, key=len, default=None)
    return [NavLink(label, url, url == active) for label, url in entries]
