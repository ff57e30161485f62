"""factory_boy factories for the shared core: people, org units and jobs."""
import factory
from django.contrib.auth.models import Group

from qms_portal.models import Job, OrgUnit, OrgUnitKind, User

PASSWORD = "Correct-Horse-Battery-9"


class OrgUnitFactory(factory.django.DjangoModelFactory):
    """A department with a unique code."""

    class Meta:
        model = OrgUnit

    name = factory.Sequence(lambda n: f"Department {n}")
    code = factory.Sequence(lambda n: f"DEPT-{n}")
    kind = OrgUnitKind.DEPARTMENT


class UserFactory(factory.django.DjangoModelFactory):
    """A person who can sign in with ``PASSWORD``; ``roles`` names portal roles (groups made by migration)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    full_name = factory.Faker("name")
    email = factory.LazyAttribute(lambda person: f"{person.username}@example.com")
    job_title = "Engineer"
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs) -> None:
        if create and extracted:
            self.groups.set([Group.objects.get(name=role) for role in extracted])


class JobFactory(factory.django.DjangoModelFactory):
    """A queued audit-trail verification."""

    class Meta:
        model = Job

    kind = "verify_audit_trail"
