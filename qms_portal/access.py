"""Who may use what: portal roles, capabilities, and the one way views declare their access.

Every view declares its access with exactly one of ``@public``, ``@login_only``, ``@second_factor_step`` or
``@requires(capability, ...)`` (or, for class-based views, the ``access`` attribute the same
decorators set). ``AccessMiddleware`` enforces the declaration before the view runs and refuses,
fail-closed, any view that declares nothing; the system check ``qms.E001`` names such views at start.
A signed-in person whose session still owes its second factor (``qms_portal.mfa``) is sent to give the
code, or to set one up, before any view but the second-factor steps.
It also answers every ``StepRefused`` (``qms_portal.refusals``) a view lets through: views never catch it.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.apps import AppConfig
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.checks import Error, register
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from qms_portal.refusals import StepRefused

if TYPE_CHECKING:  # for the types only: importing models here would tie this module to the app registry
    from django.contrib.auth.models import AnonymousUser

    from qms_portal.models import User

log = logging.getLogger(__name__)


class PortalRole(models.TextChoices):
    """The five portal roles of the design; each is a group created by migration."""

    TOP_MANAGEMENT = "Top management"
    QUALITY_MANAGER = "Quality manager"
    PROCESS_OWNER = "Process owner"
    EMPLOYEE = "Employee"
    AUDITOR = "Auditor"


def roles_to_show(names: list[str]) -> list[str]:
    """The portal roles that say who the person is on the portal, most senior first (the order of ``PortalRole``).

    Everyone with another role is an employee too, so "Employee" shows only when it is the person's one role.
    """
    held = [role.value for role in PortalRole if role.value in names]
    others = [name for name in held if name != PortalRole.EMPLOYEE]
    return others or held


class Capability(StrEnum):
    """Capabilities of the shared core, as ``app_label.codename`` permissions. Apps add their own.

    Which portal role holds which is granted by data migrations (``qms_portal/migrations/0003_portal_roles.py``).
    """

    MANAGE_ORGANISATION = "qms_portal.manage_organisation"
    VIEW_PEOPLE = "qms_portal.view_people"
    MANAGE_PEOPLE = "qms_portal.manage_people"
    VIEW_AUDIT_TRAIL = "qms_portal.view_audit_trail"


@dataclass(frozen=True)
class Access:
    """A view's declared access: open to all, to any signed-in person, or to holders of capabilities."""

    public: bool = False
    capabilities: tuple[str, ...] = ()
    # The steps of signing in after the password: open to a signed-in session whose second factor is still due.
    second_factor_step: bool = False

    def allows(self, user: User | AnonymousUser) -> bool:
        if self.public:
            return True
        return bool(user.is_authenticated) and user.has_perms(self.capabilities)


def _declare(view: Any, access: Access) -> Any:
    view.access = access
    return view


def public(view: Any) -> Any:
    """Anyone may use this view, signed in or not (log-in page, health check, public policy)."""
    return _declare(view, Access(public=True))


def login_only(view: Any) -> Any:
    """Any signed-in person may use this view; it must limit what it shows to the person itself."""
    return _declare(view, Access())


def second_factor_step(view: Any) -> Any:
    """A signed-in person may use this view before giving their second factor: giving it, or setting it up."""
    return _declare(view, Access(second_factor_step=True))


def requires(*capabilities: str) -> Callable[[Any], Any]:
    """Only signed-in people holding every one of ``capabilities`` may use this view."""
    if not capabilities:
        raise ValueError("requires() needs at least one capability; use login_only for any signed-in person")

    def decorate(view: Any) -> Any:
        return _declare(view, Access(capabilities=tuple(str(c) for c in capabilities)))

    return decorate


def access_of(view_func: object) -> Access | None:
    """The access a view declared, looking through ``as_view()`` to the class for class-based views."""
    declared = getattr(view_func, "access", None)
    if declared is None:
        declared = getattr(getattr(view_func, "view_class", None), "access", None)
    return declared if isinstance(declared, Access) else None


def user_can(user: User | AnonymousUser, capability: str) -> bool:
    return bool(user.is_authenticated) and user.has_perm(str(capability))


def require_capability(user: User | AnonymousUser, capability: str, *, doing: str) -> None:
    """For business functions: raise ``PermissionDenied`` (answered 403) unless ``user`` may be ``doing`` it."""
    if not user_can(user, capability):
        raise PermissionDenied(f"Your portal role does not allow you to {doing}.")


class AccessMiddleware:
    """Enforces each view's declared access before it runs; refuses views that declared none."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        access = access_of(view_func)
        if access is None:
            log.error("view %s declares no access; refused", getattr(view_func, "__name__", view_func))
            raise PermissionDenied("This page is not available.")
        if access.public:
            return None
        if not request.user.is_authenticated:
            if getattr(request, "htmx", False):
                response = HttpResponse(status=401)
                response["HX-Redirect"] = f"{_login_url()}?{urlencode({'next': request.get_full_path()})}"
                return response
            return redirect_to_login(request.get_full_path())
        if not access.second_factor_step:
            owed = _second_factor_step_due(request)
            if owed is not None:
                return _send_to(owed, request)
        if not access.allows(request.user):
            raise PermissionDenied("Your portal role does not allow this.")
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Answer a refused step, the one place that does: the 409 page, or for htmx a message and a reload."""
        if not isinstance(exception, StepRefused):
            return None
        if getattr(request, "htmx", False):
            # The page reloads and shows the message with the record as it now stands.
            messages.error(request, exception.message)
            response = HttpResponse(exception.message, status=409, content_type="text/plain; charset=utf-8")
            response["HX-Refresh"] = "true"
            return response
        return render(request, "qms_portal/conflict.html", exception.context(), status=409)


def _login_url() -> str:
    from django.shortcuts import resolve_url

    return resolve_url("login")


def _second_factor_step_due(request: HttpRequest) -> str | None:
    from qms_portal.mfa import second_factor_step_due

    return second_factor_step_due(request, organisation=getattr(request, "organisation", None))


def _send_to(url_name: str, request: HttpRequest) -> HttpResponse:
    """Redirect to the step named ``url_name``, coming back to the page asked for afterwards (htmx: the whole page)."""
    from django.shortcuts import redirect, resolve_url

    target = f"{resolve_url(url_name)}?{urlencode({'next': request.get_full_path()})}"
    if getattr(request, "htmx", False):
        response = HttpResponse(status=401)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


def iter_views(patterns: Iterable[Any] | None = None, prefix: str = "") -> Iterable[tuple[str, Any]]:
    """Every (route, view) of the project's URL configuration."""
    from django.urls import URLPattern, URLResolver, get_resolver

    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from iter_views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


@register()
def check_every_view_declares_access(app_configs: Sequence[AppConfig] | None, **kwargs: object) -> list[Error]:
    return [
        Error(
            f"The view for '{route}' declares no access.",
            hint="Decorate it with @public, @login_only or @requires(...) from qms_portal.access.",
            obj=view,
            id="qms.E001",
        )
        for route, view in iter_views()
        if access_of(view) is None
    ]
