"""Authentication: who may sign in, and keeping track of sessions so they can be ended."""
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver


class PortalBackend(ModelBackend):
    """Django's model backend, refusing also accounts whose access has expired (external auditors).

    ``get_user`` applies the same test on every request, so an expired or deactivated account
    is signed out at its next click, not only at its next log-in.
    """

    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and not getattr(user, "access_expired", False)

    def get_user(self, user_id: int) -> Any:
        user = super().get_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


@receiver(user_logged_in, dispatch_uid="track_login_session")
def _track_login_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from qms_portal.models import LoginSession

    if request is not None and getattr(request, "session", None) is not None and request.session.session_key:
        LoginSession.objects.get_or_create(session_key=request.session.session_key, defaults={"user": user})


@receiver(user_logged_out, dispatch_uid="forget_login_session")
def _forget_login_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from qms_portal.models import LoginSession

    if request is not None and getattr(request, "session", None) is not None and request.session.session_key:
        LoginSession.objects.filter(session_key=request.session.session_key).delete()
