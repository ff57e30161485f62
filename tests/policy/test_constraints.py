"""The database itself keeps the policy rules, whatever code writes to it: one published version per
document, unique version numbers, and one acknowledgement per person and version."""
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import IntegrityError, connection, transaction

from policy.models import Acknowledgement, PolicyVersion, VersionStatus
from qms_portal.access import PortalRole
from tests.core.factories import UserFactory
from tests.policy.factories import AcknowledgementFactory, PolicyDocumentFactory, PolicyVersionFactory

pytestmark = pytest.mark.django_db


# Each constraint, by its name (as PostgreSQL reports it) and its columns (as SQLite does).
ONE_PUBLISHED = ("policyversion_one_published", "policy_policyversion.document_id")
UNIQUE_NUMBER = ("policyversion_unique_number", "policy_policyversion.document_id, policy_policyversion.number")
ACK_ONCE = (
    "acknowledgement_once_per_version",
    "policy_acknowledgement.version_id, policy_acknowledgement.person_id",
)


@contextmanager
def refused_by(constraint: tuple[str, str]) -> Iterator[None]:
    """Expect the database to refuse the write in the block for ``constraint``; the test can go on after it."""
    name, columns = constraint
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        yield
    message = str(refused.value)
    if connection.vendor == "postgresql":
        assert f'unique constraint "{name}"' in message
    else:
        assert message == f"UNIQUE constraint failed: {columns}"


def test_a_second_published_version_of_a_document_is_refused():
    published = PolicyVersionFactory(status=VersionStatus.PUBLISHED)

    with refused_by(ONE_PUBLISHED):
        PolicyVersionFactory(document=published.document, number=2, status=VersionStatus.PUBLISHED)

    assert published.document.versions.count() == 1


def test_publishing_an_older_version_again_beside_the_published_one_is_refused():
    superseded = PolicyVersionFactory(status=VersionStatus.SUPERSEDED)
    PolicyVersionFactory(document=superseded.document, number=2, status=VersionStatus.PUBLISHED)
    superseded.status = VersionStatus.PUBLISHED

    with refused_by(ONE_PUBLISHED):
        superseded.save()

    assert PolicyVersion.objects.get(pk=superseded.pk).status == VersionStatus.SUPERSEDED


def test_other_states_and_other_documents_may_have_many_versions_at_once():
    document = PolicyDocumentFactory()
    superseded, withdrawn = [VersionStatus.SUPERSEDED] * 2, [VersionStatus.WITHDRAWN] * 2
    states = [*superseded, *withdrawn, VersionStatus.PUBLISHED, VersionStatus.DRAFT]
    for number, status in enumerate(states, start=1):
        PolicyVersionFactory(document=document, number=number, status=status)
    PolicyVersionFactory(status=VersionStatus.PUBLISHED)  # another document's

    assert PolicyVersion.objects.filter(status=VersionStatus.PUBLISHED).count() == 2


def test_two_versions_of_a_document_with_the_same_number_are_refused():
    first = PolicyVersionFactory(status=VersionStatus.SUPERSEDED, number=3)

    with refused_by(UNIQUE_NUMBER):
        PolicyVersionFactory(document=first.document, number=3)

    PolicyVersionFactory(number=3)  # the same number in another document is fine
    assert PolicyVersion.objects.filter(number=3).count() == 2


def test_a_second_acknowledgement_of_the_same_version_by_the_same_person_is_refused():
    first = AcknowledgementFactory()

    with refused_by(ACK_ONCE):
        Acknowledgement.objects.create(version=first.version, person=first.person)

    assert Acknowledgement.objects.filter(version=first.version, person=first.person).count() == 1


def test_an_acknowledgement_of_version_n_is_separate_from_one_of_version_n_plus_1():
    person = UserFactory(roles=[PortalRole.EMPLOYEE])
    older = PolicyVersionFactory(status=VersionStatus.SUPERSEDED, number=1)
    current = PolicyVersionFactory(document=older.document, number=2, status=VersionStatus.PUBLISHED)
    AcknowledgementFactory(version=older, person=person)

    assert not Acknowledgement.objects.filter(version=current, person=person).exists()
    AcknowledgementFactory(version=current, person=person)

    assert Acknowledgement.objects.filter(person=person).count() == 2


def test_many_people_may_acknowledge_the_same_version():
    version = PolicyVersionFactory(status=VersionStatus.PUBLISHED)

    AcknowledgementFactory.create_batch(3, version=version)

    assert version.acknowledgements.count() == 3
