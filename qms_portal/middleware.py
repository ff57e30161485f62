"""Request middleware of the shared core: the organisation's time zone and the audit actor."""
import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from qms_portal.audit import audit_context
from qms_portal.models import Organisation


class OrganisationTimeZoneMiddleware:
    """Shows every time in the organisation's zone; stores ``request.organisation`` for templates."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        organisation = Organisation.current()
        request.organisation = organisation
        try:
            timezone.activate(zoneinfo.ZoneInfo(organisation.time_zone))
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
