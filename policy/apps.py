from django.apps import AppConfig


class PolicyConfig(AppConfig):
    """Quality policy (5.2) of ISO 9001:2015."""

    name = "policy"
    verbose_name = "Quality policy (5.2)"
