"""PLACEHOLDER: being written; every view answers 404 until then."""
from django.http import Http404

from qms_portal.access import requires


@requires("leadership.manage_reviews")
def objective_list(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def objective_create(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def objective_detail(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def objective_edit(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def measurement_create(request, **kwargs):
    raise Http404("not built yet")
