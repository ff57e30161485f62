"""PLACEHOLDER: being written; every view answers 404 until then."""
from django.http import Http404

from qms_portal.access import requires


@requires("roles.manage_roles")
def raci_export_csv(request, **kwargs):
    raise Http404("not built yet")


@requires("roles.manage_roles")
def raci_export_xlsx(request, **kwargs):
    raise Http404("not built yet")


@requires("roles.manage_roles")
def raci_import(request, **kwargs):
    raise Http404("not built yet")


@requires("roles.manage_roles")
def raci_import_preview(request, **kwargs):
    raise Http404("not built yet")
