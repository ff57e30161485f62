"""The permission-matrix rows of the leadership overview, the commitments and the evidence pages
(``tests/permissions.py``; merged into ``tests/core/test_permission_matrix.py``).

Everyone who may see leadership (top management, quality manager, process owner, auditor) reads every page and
downloads attachments; top management and the quality manager record evidence and change commitments. Employees
see none of it. An empty POST to a form is an invalid form: 200 with its errors.
"""
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from leadership.commitments import evidence_record
from leadership.models import Commitment, EvidenceKind
from qms_portal.models import User
from tests.leadership.factories import PDF_BYTES, EvidenceEntryFactory
from tests.permissions import AUDITOR, PROCESS_OWNER, QUALITY_MANAGER, TOP_MANAGEMENT, Row, only

VIEWERS = (TOP_MANAGEMENT, QUALITY_MANAGER, PROCESS_OWNER, AUDITOR)
WRITERS = (TOP_MANAGEMENT, QUALITY_MANAGER)


def a_commitment() -> dict:
    """A commitment of the seeded catalogue, with evidence behind it."""
    commitment = Commitment.objects.get(code="5.1.1.a")
    EvidenceEntryFactory(commitments=[commitment])
    return {"code": commitment.code}


def an_evidence_entry() -> dict:
    return {"pk": EvidenceEntryFactory(commitments=[Commitment.objects.get(code="5.1.1.f")]).pk}


def an_attachment() -> dict:
    """A PDF attached to evidence the top manager led, stored through the business function."""
    entry = evidence_record(
        occurred_on=timezone.localdate(), kind=EvidenceKind.MEETING, summary="Quality week kick-off.",
        leader=User.objects.get(username="tm"), commitments=[Commitment.objects.get(code="5.1.1.f")],
        attachments=[SimpleUploadedFile("kick-off.pdf", PDF_BYTES)], by=User.objects.get(username="qm"),
    )
    return {"pk": entry.attachments.get().pk}


def _read(prepare=None) -> Row:
    """A read page: the viewers get it, POST is not a method it answers."""
    kwargs = {"prepare": prepare} if prepare else {}
    return Row(get=only(*VIEWERS), post=only(*VIEWERS, answer=405), **kwargs)


ROWS: dict[str, Row] = {
    "leadership:leadership_home": _read(),
    "leadership:commitment_list": _read(),
    "leadership:commitment_detail": _read(a_commitment),
    "leadership:commitment_edit": Row(get=only(*WRITERS), post=only(*WRITERS), prepare=a_commitment),
    "leadership:evidence_list": _read(),
    "leadership:evidence_create": Row(get=only(*WRITERS), post=only(*WRITERS)),
    "leadership:evidence_detail": _read(an_evidence_entry),
    "leadership:attachment_download": _read(an_attachment),
}
OTHER_STATES: dict[tuple[str, str], Row] = {}
