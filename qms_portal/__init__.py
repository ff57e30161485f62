"""The shared core of the QMS Leadership Portal: settings, people, access rules, audit trail, layout."""
from qms_portal.celery import app as celery_app

__all__ = ["celery_app"]
