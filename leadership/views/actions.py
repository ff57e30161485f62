"""PLACEHOLDER: being written; every view answers 404 until then."""
from django.http import Http404

from qms_portal.access import requires


@requires("leadership.manage_reviews")
def action_list(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def my_actions(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def action_create(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def action_detail(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def action_edit(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def action_status(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def action_note_add(request, **kwargs):
    raise Http404("not built yet")
