"""PLACEHOLDER: being written; every view answers 404 until then."""
from django.http import Http404

from qms_portal.access import requires


@requires("roles.manage_roles")
def raci_matrix(request, **kwargs):
    raise Http404("not built yet")


@requires("roles.manage_roles")
def raci_cell(request, **kwargs):
    raise Http404("not built yet")


@requires("roles.manage_roles")
def raci_health(request, **kwargs):
    raise Http404("not built yet")
