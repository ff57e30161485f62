"""Model permissions built from a capability enum, so each capability is spelled once, in its app's ``access.py``."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


def capability_codename(capability: str) -> str:
    """The permission codename of an ``app_label.codename`` capability: ``roles.view_roles`` gives ``view_roles``."""
    return str(capability).partition(".")[2]


def capability_permissions(described: dict[str, str]) -> list[tuple[str, str | StrPromise]]:
    """``Meta.permissions`` for the capabilities of ``described`` (capability to description), in its order."""
    return [(capability_codename(capability), description) for capability, description in described.items()]
