"""The permission-matrix rows of the evidence packs (see tests/permissions.py).

``leadership.make_evidence_packs``: top management, the quality manager and the auditor make, follow, download and
cancel packs; the process owner and the employee do not. The verify page is open to anyone signed in (and to the
public only when ``EVIDENCE_VERIFY_PUBLIC`` is set, which the table leaves off).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from leadership.evidence_pack.building import pack_start
from leadership.evidence_pack.period import PackPeriod
from leadership.models import EvidencePack
from tests.permissions import AUDITOR, QUALITY_MANAGER, TOP_MANAGEMENT, Redirect, Row, any_signed_in, only

MAKERS = (TOP_MANAGEMENT, QUALITY_MANAGER, AUDITOR)


def a_pack_being_drawn() -> dict:
    """Asked for, its task not sent (``send=False``): it stays queued, so it may be cancelled."""
    today = timezone.localdate()
    pack = pack_start(period=PackPeriod.of(today - dt.timedelta(days=30), today), scope="5.2", by=None, send=False)
    return {"pk": pack.pk}


def a_ready_pack() -> dict:
    """A stored pack; its file stands in for a drawn one (access does not depend on what the PDF holds)."""
    data = b"%PDF-1.7\n% a stored evidence pack\n"
    folder = Path(settings.MEDIA_ROOT) / "evidence-packs"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "EP-TEST.pdf").write_bytes(data)
    today = timezone.localdate()
    pack = EvidencePack.objects.create(
        number="EP-TEST", scope="5", period_start=today - dt.timedelta(days=30), period_end=today,
        time_zone="UTC", file="evidence-packs/EP-TEST.pdf", sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data), pages=1, finished_at=timezone.now(),
    )
    return {"pk": pack.pk}


ROWS: dict[str, Row] = {
    # An empty form answers 200 with its errors.
    "leadership:pack_list": Row(get=only(*MAKERS), post=only(*MAKERS)),
    "leadership:pack_detail": Row(get=only(*MAKERS), post=only(*MAKERS, answer=405), prepare=a_pack_being_drawn),
    "leadership:pack_download": Row(get=only(*MAKERS), post=only(*MAKERS, answer=405), prepare=a_ready_pack),
    # The pack was asked for on the command line: only the quality manager (who manages the organisation) may
    # cancel it; the other makers may cancel only their own.
    "leadership:pack_cancel": Row(
        get=only(*MAKERS, answer=405), post=only(QUALITY_MANAGER, answer=Redirect("leadership:pack_detail")),
        prepare=a_pack_being_drawn,
    ),
    # An empty form answers 200 with its error ("choose the PDF or paste its SHA-256").
    "leadership:pack_verify": Row(get=any_signed_in(200), post=any_signed_in(200)),
}
OTHER_STATES: dict[tuple[str, str], Row] = {}
