"""factory_boy factories for roles (5.3): roles, assignments, processes, activities and RACI cells."""
import datetime as dt

import factory
from django.utils import timezone

from qms_portal.access import PortalRole
from roles.models import Activity, MatrixImport, Process, RaciCell, Role, RoleAssignment
from roles.transfer import matrix_import_create, role_heading
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


class MatrixImportFactory(factory.django.DjangoModelFactory):
    """A pending RACI import, checked as an upload is: a CSV file giving a new activity an A and an R, each to a
    role someone holds (an import may not give a first letter to a role nobody holds)."""

    class Meta:
        model = MatrixImport

    activity = factory.SubFactory(ActivityFactory)
    accountable = factory.SubFactory(RoleFactory)
    responsible = factory.SubFactory(RoleFactory)
    uploaded_by = factory.SubFactory(UserFactory, roles=[PortalRole.QUALITY_MANAGER])

    @classmethod
    def _create(cls, model_class, *, activity, accountable, responsible, uploaded_by, **kwargs):
        roles = [accountable, responsible]
        for role in roles:
            if not role.assignments.exists():
                AssignmentFactory(role=role)
        header = ["Process code", "Process", "Activity", *(role_heading(r.title, r.org_unit.code) for r in roles)]
        row = [activity.process.code, activity.process.name, activity.name, "A", "R"]
        content = "\n".join(",".join(cells) for cells in (header, row)).encode()
        return matrix_import_create(file_name="matrix.csv", content=content, by=uploaded_by)
