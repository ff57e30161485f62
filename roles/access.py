"""The capabilities of the roles app, as ``roles.<codename>`` permissions.

Which portal role holds which is granted by ``roles/migrations/0002_duties_and_capabilities.py``: every portal
role views roles, the org chart and the RACI matrix; the quality manager manages them.
"""
from enum import StrEnum


class RolesCapability(StrEnum):
    MANAGE = "roles.manage_roles"
    VIEW = "roles.view_roles"
