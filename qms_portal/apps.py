from django.apps import AppConfig


class QmsPortalConfig(AppConfig):
    """The shared core: organisation, people, access, audit trail, jobs and layout."""

    name = "qms_portal"
    verbose_name = "QMS portal core"

    def ready(self) -> None:
        from qms_portal import access, auth  # noqa: F401  (registers the access check and login receivers)
