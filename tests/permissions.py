"""The vocabulary of the permission matrix (``tests/core/test_permission_matrix.py``): who asks, what they get,
and a row of answers per URL. Apps whose rows are written apart (``tests/leadership/access_*.py``) use it too.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# --- Who asks ------------------------------------------------------------------------------------
ANONYMOUS = "anonymous"
TOP_MANAGEMENT = "top_management"
QUALITY_MANAGER = "quality_manager"
PROCESS_OWNER = "process_owner"
EMPLOYEE = "employee"
AUDITOR = "auditor"
EXPIRED_AUDITOR = "expired_auditor"
DEACTIVATED = "deactivated"

ROLES = (TOP_MANAGEMENT, QUALITY_MANAGER, PROCESS_OWNER, EMPLOYEE, AUDITOR)
# People whose session no longer counts: for the portal they are anonymous.
TURNED_AWAY = (ANONYMOUS, EXPIRED_AUDITOR, DEACTIVATED)
PEOPLE = (ANONYMOUS, *ROLES, EXPIRED_AUDITOR, DEACTIVATED)
METHODS = ("get", "post")


# --- What they get -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Redirect:
    """A 302 to the URL named ``url_name``; ``keeps_next`` when the URL asked for must come back as ?next=."""

    url_name: str
    keeps_next: bool = False


Expected = int | Redirect
TO_LOGIN = Redirect("login", keeps_next=True)


def public(answer: Expected, *, signed_in: Expected | None = None) -> dict[str, Expected]:
    """Open to all: ``answer`` for everyone, or ``signed_in`` for people with a live session when it differs."""
    return {who: answer if who in TURNED_AWAY or signed_in is None else signed_in for who in PEOPLE}


def any_signed_in(answer: Expected) -> dict[str, Expected]:
    """Any portal role gets ``answer``; people without a live session are sent to sign in."""
    return {who: TO_LOGIN if who in TURNED_AWAY else answer for who in PEOPLE}


def only(*roles: str, answer: Expected = 200, others: Expected = 403) -> dict[str, Expected]:
    """``roles`` get ``answer``; other roles are refused with ``others`` (403, or 404 where the record's very
    existence is hidden from them); people without a live session sign in."""
    return {who: TO_LOGIN if who in TURNED_AWAY else answer if who in roles else others for who in PEOPLE}


def no_kwargs() -> dict:
    return {}


@dataclass(frozen=True)
class Row:
    """The answers one URL gives to each person, for GET and for POST."""

    get: dict[str, Expected]
    post: dict[str, Expected]
    prepare: Callable[[], dict] = field(default=no_kwargs)
