"""The request as the portal's middleware leaves it, so views can be type-checked against what they read."""
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from qms_portal.models import Organisation, User


class PortalRequest(HttpRequest):
    """Any request: the organisation (time-zone middleware) and the htmx details (django-htmx)."""

    # None only while the database is down, when no page but /health/ answers.
    organisation: Organisation
    htmx: HtmxDetails


class SignedInRequest(PortalRequest):
    """A request to a view the access middleware lets only signed-in people reach: ``user`` is a person."""

    user: User
