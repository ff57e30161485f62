"""PLACEHOLDER: being written; every view answers 404 until then."""
from django.http import Http404

from qms_portal.access import requires


@requires("roles.manage_roles")
def role_list(request, **kwargs):
    raise Http404("not built yet")


@requires("roles.manage_roles")
def role_create(request, **kwargs):
    raise Http404("not built yet")


@requires("roles.manage_roles")
def my_roles(request, **kwargs):
    raise Http404("not built yet")


@requires("roles.manage_roles")
def role_detail(request, **kwargs):
    raise Http404("not built yet")


@requires("roles.manage_roles")
def role_edit(request, **kwargs):
    raise Http404("not built yet")


@requires("roles.manage_roles")
def role_acknowledge(request, **kwargs):
    raise Http404("not built yet")


@requires("roles.manage_roles")
def assignment_create(request, **kwargs):
    raise Http404("not built yet")


@requires("roles.manage_roles")
def assignment_edit(request, **kwargs):
    raise Http404("not built yet")
