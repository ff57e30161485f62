"""Authentication: who may sign in, and keeping track of sessions so they can be ended."""
from __future__ import annotations

from typing import TYPE_CHECKING

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models import Sum
from django.dispatch import receiver
from django.http import HttpRequest

if TYPE_CHECKING:  # loaded by settings (the backend, the lockout callable): the models are imported late
    from django.contrib.auth.models import AnonymousUser

    from qms_portal.models import User


class PortalBackend(ModelBackend):
    """Django's model backend, refusing also accounts whose access has expired (external auditors).

    ``get_user`` applies the same test on every request, so an expired or deactivated account
    is signed out at its next click, not only at its next log-in.
    """

    def user_can_authenticate(self, user: User | AnonymousUser | None) -> bool:
        return super().user_can_authenticate(user) and not getattr(user, "access_expired", False)

    def get_user(self, user_id: int) -> User | None:
        user = super().get_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def client_ip(request: HttpRequest) -> str:
    """The address a sign-in came from, for the lockout after repeated failures.

    Behind the portal's own proxy (``TRUST_X_FORWARDED_FOR``) every request comes from the proxy, so the
    address is the last one in X-Forwarded-For: the one the proxy itself appended, which a client
    cannot forge. Otherwise it is the connection's address.
    """
    if settings.TRUST_X_FORWARDED_FOR:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if hops:
            return str(hops[-1])
    return str(request.META.get("REMOTE_ADDR", ""))


class PortalAxesHandler(AxesDatabaseHandler):
    """Axes' database handler, locking out also an address that failed ``LOGIN_ADDRESS_FAILURE_LIMIT`` times
    across every user name (one address trying many names), besides a user name from an address that failed
    ``LOGIN_FAILURE_LIMIT`` (``AXES_FAILURE_LIMIT``) times.

    Not a second lockout parameter: Axes compares every parameter with one limit, and a successful sign-in
    would then clear the address's count, so that an attacker with one account of their own could reset it.
    """

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        from axes.models import AccessAttempt

        failures: int = super().get_failures(request, credentials)
        from_address = AccessAttempt.objects.filter(
            ip_address=getattr(request, "axes_ip_address", None),
            attempt_time__gte=get_cool_off_threshold(request),
        ).aggregate(total=Sum("failures_since_start"))["total"] or 0
        if from_address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(failures, settings.AXES_FAILURE_LIMIT)
        return failures


@receiver(user_logged_in, dispatch_uid="track_login_session")
def _track_login_session(sender: object, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    from qms_portal.models import LoginSession

    if request is not None and getattr(request, "session", None) is not None and request.session.session_key:
        LoginSession.objects.get_or_create(session_key=request.session.session_key, defaults={"user": user})


@receiver(user_logged_out, dispatch_uid="forget_login_session")
def _forget_login_session(sender: object, request: HttpRequest | None, user: User | None, **kwargs: object) -> None:
    from qms_portal.models import LoginSession

    if request is not None and getattr(request, "session", None) is not None and request.session.session_key:
        LoginSession.objects.filter(session_key=request.session.session_key).delete()
