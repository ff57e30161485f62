"""Request middleware of the shared core: request limits, the organisation's time zone, the audit actor and
the session's limits."""
import logging
import time
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.cache import patch_cache_control

from qms_portal.accounts import session_rotate
from qms_portal.audit import audit_context
from qms_portal.http import PortalRequest
from qms_portal.models import ElectronicSignature, Organisation

log = logging.getLogger(__name__)


class RequestLimitsMiddleware:
    """Refuses, before anything reads it, a request with a NUL byte in its address (400: the database cannot
    store one, so a search for it failed with a 500) or a body larger than ``REQUEST_MAX_BYTES`` (413, read
    from Content-Length: the body is never read, however large). A page that takes larger files (the evidence
    pack verify page) has a limit of its own in ``REQUEST_MAX_BYTES_BY_PATH``; every other path keeps the
    general one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path_info or "%00" in query or "\x00" in query:
            return HttpResponseBadRequest("This address holds a character the portal does not accept.",
                                          content_type="text/plain; charset=utf-8")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponseBadRequest("The request's Content-Length is not a number.",
                                          content_type="text/plain; charset=utf-8")
        limit = settings.REQUEST_MAX_BYTES_BY_PATH.get(request.path_info, settings.REQUEST_MAX_BYTES)
        if length > limit:
            limit_mb = limit / (1024 * 1024)
            return HttpResponse(
                f"This upload is too large: the portal accepts at most {limit_mb:.0f} MB in one request. "
                "Go back and choose a smaller file.",
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


class OrganisationTimeZoneMiddleware:
    """Shows every time in the organisation's zone; stores ``request.organisation`` for templates."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: PortalRequest) -> HttpResponse:
        organisation: Organisation | None
        try:
            organisation = Organisation.current()
        except DatabaseError:
            # The database is down: let the view answer (``/health/`` reports it; other pages fail there).
            log.exception("could not read the organisation's settings")
            organisation = None
        # PortalRequest promises views an organisation: while the database is down no view but /health/ runs.
        request.organisation = organisation  # type: ignore[assignment]
        try:
            timezone.activate(zoneinfo.ZoneInfo(organisation.time_zone if organisation else settings.TIME_ZONE))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class AuditActorMiddleware:
    """Attributes every audit entry written while handling a request to the signed-in person."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit_context(actor=request.user):
            return self.get_response(request)


SESSION_STARTED_KEY = "portal_session_started"


class SessionSecurityMiddleware:
    """The session's limits beside the idle timeout (``SESSION_IDLE_MINUTES``, Django's cookie age):

    - a session ends ``SESSION_MAX_HOURS`` after sign-in however busy it has been;
    - a request that recorded an electronic signature by the signed-in person changes the session id, so that
      an id seen before the signature cannot be used after it;
    - pages shown to a signed-in person are never stored by the browser or a proxy (``no-store``): after
      signing out, Back shows nothing of them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            if started is not None and time.time() - started > settings.SESSION_MAX_HOURS * 3600:
                # Signed out before access is decided: the access middleware then sends them to sign in, where
                # this says why.
                logout(request)
                messages.info(
                    request,
                    f"You were signed out: a session lasts at most {settings.SESSION_MAX_HOURS} hours. "
                    "Sign in again to carry on.",
                )
        began = timezone.now()
        response = self.get_response(request)
        if request.user.is_authenticated:
            if SESSION_STARTED_KEY not in request.session:
                request.session[SESSION_STARTED_KEY] = time.time()
            if request.method == "POST" and 200 <= response.status_code < 400 and ElectronicSignature.objects.filter(
                signer_id=request.user.pk, signed_at__gte=began
            ).exists():
                session_rotate(request)
            patch_cache_control(response, no_store=True, private=True)
        return response
