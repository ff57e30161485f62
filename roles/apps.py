from django.apps import AppConfig


class RolesConfig(AppConfig):
    """Roles and responsibilities (5.3) of ISO 9001:2015."""

    name = "roles"
    verbose_name = "Roles and responsibilities (5.3)"
