"""PLACEHOLDER: being written; every view answers 404 until then."""
from django.http import Http404

from qms_portal.access import requires


@requires("roles.manage_roles")
def process_list(request, **kwargs):
    raise Http404("not built yet")


@requires("roles.manage_roles")
def process_create(request, **kwargs):
    raise Http404("not built yet")


@requires("roles.manage_roles")
def process_detail(request, **kwargs):
    raise Http404("not built yet")


@requires("roles.manage_roles")
def process_edit(request, **kwargs):
    raise Http404("not built yet")


@requires("roles.manage_roles")
def activity_create(request, **kwargs):
    raise Http404("not built yet")


@requires("roles.manage_roles")
def activity_edit(request, **kwargs):
    raise Http404("not built yet")


@requires("roles.manage_roles")
def activity_move(request, **kwargs):
    raise Http404("not built yet")


@requires("roles.manage_roles")
def activity_delete(request, **kwargs):
    raise Http404("not built yet")
