"""Who acted and why: the person (or label) and reason that every entry written inside a block is attributed to.

The request middleware, management commands and tasks set it with ``audit_context()``; the recording reads it.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser

from qms_portal.models import User

# A person (the request's user, signed in or not), a label for a command or task ("seed_demo"), or nobody.
Actor: TypeAlias = User | AnonymousUser | str | None
_actor: ContextVar[Actor] = ContextVar("audit_actor", default=None)
_reason: ContextVar[str] = ContextVar("audit_reason", default="")


@contextmanager
def audit_context(*, actor: Actor = None, reason: str = "") -> Iterator[None]:
    """Attribute every entry written inside the block to ``actor`` (a user or a label) with ``reason``.

    An inner block that names no actor or no reason keeps the outer one's, so a write function called by an
    import keeps the import's reason on its entries.
    """
    actor_token = _actor.set(actor) if actor is not None else None
    reason_token = _reason.set(reason) if reason else None
    try:
        yield
    finally:
        if reason_token is not None:
            _reason.reset(reason_token)
        if actor_token is not None:
            _actor.reset(actor_token)


def current_actor() -> tuple[int | None, str, str]:
    """The id (None for a label or nobody), the name and the user name (empty but for an account) of whoever
    the current block acts for."""
    return actor_fields(_actor.get())


def actor_fields(actor: Actor) -> tuple[int | None, str, str]:
    """The id, the name and the user name an entry records for ``actor`` (``current_actor()`` for a given one)."""
    if actor is None:
        return None, "system", ""
    if isinstance(actor, str):
        return None, actor, ""
    if isinstance(actor, AnonymousUser) or not actor.is_authenticated:
        return None, "anonymous", ""
    return actor.pk, actor.get_full_name() or actor.get_username(), actor.get_username()


def current_reason() -> str:
    """The reason given by the innermost block that gave one, or an empty string."""
    return _reason.get()
