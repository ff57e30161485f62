"""factory_boy factories for roles (5.3): roles, assignments, processes, activities and RACI cells."""
import datetime as dt

import factory
from django.utils import timezone

from roles.models import Activity, Process, RaciCell, Role, RoleAssignment
from tests.core.factories import OrgUnitFactory, UserFactory


class RoleFactory(factory.django.DjangoModelFactory):
    """A role in a new department, with two responsibilities and one authority."""

    class Meta:
        model = Role

    title = factory.Sequence(lambda n: f"Role {n}")
    org_unit = factory.SubFactory(OrgUnitFactory)
    purpose = "Keep the work flowing."
    responsibilities = "Plan the week\nReport the output"
    authorities = "Stop the line when a part is out of tolerance"


class AssignmentFactory(factory.django.DjangoModelFactory):
    """A current, open-ended assignment that started a year ago."""

    class Meta:
        model = RoleAssignment

    role = factory.SubFactory(RoleFactory)
    person = factory.SubFactory(UserFactory)
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=365))
    ends_on = None
    is_deputy = False


class ProcessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Process

    name = factory.Sequence(lambda n: f"Process {n}")
    code = factory.Sequence(lambda n: f"proc-{n}")
    owner_role = factory.SubFactory(RoleFactory)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    process = factory.SubFactory(ProcessFactory)
    position = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Activity {n}")


class RaciCellFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RaciCell

    activity = factory.SubFactory(ActivityFactory)
    role = factory.SubFactory(RoleFactory)
    letter = "R"
