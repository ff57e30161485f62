"""factory_boy factories and small builders for leadership (5.1): evidence, reviews, actions, objectives, files."""
import datetime as dt
import io
import zipfile
from decimal import Decimal

import factory
from django.utils import timezone

from leadership.models import (
    Action,
    Commitment,
    EvidenceEntry,
    EvidenceKind,
    Measurement,
    QualityObjective,
)
from qms_portal.access import PortalRole
from tests.core.factories import UserFactory
from tests.policy.factories import PolicyDocumentFactory


class CommitmentFactory(factory.django.DjangoModelFactory):
    """A commitment outside the seeded catalogue, evidenced every 90 days."""

    class Meta:
        model = Commitment

    code = factory.Sequence(lambda n: f"T.{n}")
    summary = factory.Sequence(lambda n: f"Test commitment {n}")
    evidence_every_days = 90


class EvidenceEntryFactory(factory.django.DjangoModelFactory):
    """A meeting led by a new top manager today; ``commitments`` links it (a new commitment when not given)."""

    class Meta:
        model = EvidenceEntry
        skip_postgeneration_save = True

    occurred_on = factory.LazyFunction(timezone.localdate)
    kind = EvidenceKind.MEETING
    summary = "Opened the quality week with the site teams."
    leader = factory.SubFactory(UserFactory, roles=[PortalRole.TOP_MANAGEMENT])
    recorded_by = factory.SelfAttribute("leader")

    @factory.post_generation
    def commitments(self, create: bool, extracted, **kwargs) -> None:
        if create:
            self.commitments.set(extracted if extracted is not None else [CommitmentFactory()])


class QualityObjectiveFactory(factory.django.DjangoModelFactory):
    """At least 95 % on-time delivery within six months, owned by a process owner."""

    class Meta:
        model = QualityObjective

    title = factory.Sequence(lambda n: f"On-time delivery {n}")
    policy = factory.SubFactory(PolicyDocumentFactory)
    measure = "Orders delivered on the promised day"
    unit = "%"
    target = Decimal("95")
    direction = "at_least"
    owner = factory.SubFactory(UserFactory, roles=[PortalRole.PROCESS_OWNER])
    due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=180))


class MeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measurement

    objective = factory.SubFactory(QualityObjectiveFactory)
    measured_on = factory.LazyFunction(timezone.localdate)
    value = Decimal("90")
    recorded_by = factory.SelfAttribute("objective.owner")


class ActionFactory(factory.django.DjangoModelFactory):
    """An open action due in two weeks, owned by an employee, without a source."""

    class Meta:
        model = Action

    title = factory.Sequence(lambda n: f"Action {n}")
    owner = factory.SubFactory(UserFactory, roles=[PortalRole.EMPLOYEE])
    due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=14))
    created_by = factory.SubFactory(UserFactory, roles=[PortalRole.QUALITY_MANAGER])


# --- Files of each accepted type, made in memory ----------------------------------------------------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32 + b"\xff\xd9"
TXT_BYTES = "Minutes of the quality week kick-off, 3 March: 24 people, café afterwards.\n".encode()


def office_zip(folder: str) -> bytes:
    """A minimal Office Open XML package: ``[Content_Types].xml`` and one part under ``folder``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr(f"{folder}/document.xml", "<document/>")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    """A real workbook written by openpyxl."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active["A1"] = "On-time delivery"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
