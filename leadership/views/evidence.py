"""PLACEHOLDER: being written; every view answers 404 until then."""
from django.http import Http404

from qms_portal.access import requires


@requires("leadership.manage_reviews")
def commitment_list(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def commitment_detail(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def commitment_edit(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def evidence_list(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def evidence_create(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def evidence_detail(request, **kwargs):
    raise Http404("not built yet")


@requires("leadership.manage_reviews")
def attachment_download(request, **kwargs):
    raise Http404("not built yet")
