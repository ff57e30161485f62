"""PLACEHOLDER: being written; every view answers 404 until then."""
from django.http import Http404

from qms_portal.access import requires


@requires("leadership.manage_reviews")
def review_list(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def review_create(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def review_detail(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def review_edit(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def review_input_edit(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def review_attendance(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def review_hold(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def review_decision_create(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def review_close(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def review_sign(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def review_ics(request, **kwargs):
    raise Http404("not built yet")
