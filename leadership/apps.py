from django.apps import AppConfig


class LeadershipConfig(AppConfig):
    """Leadership (5.1) of ISO 9001:2015."""

    name = "leadership"
    verbose_name = "Leadership (5.1)"
