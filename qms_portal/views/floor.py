"""``/floor/``: the floor page of ``make bench`` (issue 15): the base layout and nothing else, signed in.

It passes the same middleware as every page (session, second factor, access, CSP, time zone, audit actor) and
renders ``base.html`` with its context processors (organisation, navigation, unread notifications), but reads no
record of its own: what a page costs beyond this is what the page itself does. It shows nobody anything they
could not see on any other page, so it is safe to leave on in production.
"""
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from qms_portal.access import login_only
from qms_portal.http import SignedInRequest


@login_only
@require_safe
def floor(request: SignedInRequest) -> HttpResponse:
    return render(request, "qms_portal/floor.html")
