"""Granting capabilities to portal roles from data migrations (core and apps alike).

Permissions are normally created after all migrations run, too late for a data migration, so
``grant`` creates the permission rows it needs. Keep this module stable: migrations import it.
"""
from typing import TYPE_CHECKING

from django.apps.registry import Apps

if TYPE_CHECKING:  # migrations get historical models from ``apps``, never the real ones
    from django.contrib.auth.models import Permission


def _permission(apps: Apps, app_label: str, model: str, codename: str) -> "Permission":
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    model_class = apps.get_model(app_label, model)
    names = dict(model_class._meta.permissions)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": names.get(codename, codename)[:255]}
    )
    return permission


def grant(apps: Apps, app_label: str, model: str, grants: dict[str, list[str]]) -> None:
    """Make sure each role (group) exists and holds the named permissions of ``app_label.model``."""
    Group = apps.get_model("auth", "Group")
    for role, codenames in grants.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*(_permission(apps, app_label, model, codename) for codename in codenames))


def revoke(apps: Apps, app_label: str, model: str, grants: dict[str, list[str]]) -> None:
    """Undo ``grant`` for these permissions (the groups stay)."""
    Group = apps.get_model("auth", "Group")
    for role, codenames in grants.items():
        group = Group.objects.filter(name=role).first()
        if group is not None:
            group.permissions.remove(*(_permission(apps, app_label, model, codename) for codename in codenames))
