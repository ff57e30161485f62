"""Who counts as top management, for the fields that must name a top manager (owners, leaders, chairs)."""
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from qms_portal.access import PortalRole
from qms_portal.models import User


def top_managers() -> QuerySet[User]:
    """Active people holding the top management portal role, by name."""
    return User.objects.filter(groups__name=PortalRole.TOP_MANAGEMENT, is_active=True).distinct()


def check_top_manager(person: User | None, *, field: str) -> None:
    """Raise ``ValidationError`` on ``field`` unless ``person`` is an active top manager."""
    if person is None or not top_managers().filter(pk=person.pk).exists():
        raise ValidationError({field: f"{person or 'Nobody'} is not a member of top management."})
