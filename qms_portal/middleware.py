"""Request middleware of the shared core: the organisation's time zone and the audit actor."""
import logging
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from qms_portal.audit import audit_context
from qms_portal.http import PortalRequest
from qms_portal.models import Organisation

log = logging.getLogger(__name__)


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
