from django.apps import AppConfig


class QmsPortalConfig(AppConfig):
    """The shared core: organisation, people, access, audit trail, jobs and layout."""

    name = "qms_portal"
    verbose_name = "QMS portal core"

    def ready(self) -> None:
        from qms_portal import access, auth  # noqa: F401  (registers the access check and login receivers)
        from qms_portal.audit import recording  # noqa: F401  (connects the receivers that write the audit trail)
        from qms_portal.celery import app

        # Celery imports the apps' tasks modules only when a worker starts. Import them in every process, so
        # that a task sent by name runs in-process when there is no Redis, instead of waiting in memory forever.
        app.autodiscover_tasks(force=True)

        from qms_portal.account_reminders import ACCESS_ENDING_KIND
        from qms_portal.notifications import in_process_timer_start, reminder_kind_register

        reminder_kind_register(ACCESS_ENDING_KIND)

        # Without Redis there is no beat: the development server sweeps for reminders from a thread.
        in_process_timer_start()
