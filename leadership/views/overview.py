"""PLACEHOLDER: being written; every view answers 404 until then."""
from django.http import Http404

from qms_portal.access import requires


@requires("leadership.manage_reviews")
def leadership_home(request, **kwargs):
    raise Http404("not built yet")
