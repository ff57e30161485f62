"""Making an evidence pack: asked for on its page, drawn part by part, merged with its cover, stored with its
SHA-256, downloaded (audited), cancelled, failed with the part that failed, and verified."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
import time_machine
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from leadership import tasks
from leadership.evidence_pack import building
from leadership.evidence_pack.building import pack_build_here, pack_start
from leadership.evidence_pack.period import PackPeriod
from leadership.evidence_pack.sections import SECTIONS
from leadership.models import EvidencePack, EvidencePackPart
from qms_portal.audit import AuditEntry
from qms_portal.models import JobStatus
from tests.leadership.factories import EvidenceEntryFactory

pytestmark = pytest.mark.django_db


def _period(days: int = 90) -> PackPeriod:
    today = timezone.localdate()
    return PackPeriod.of(today - dt.timedelta(days=days), today)


def _pages(data: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def _built(scope: str = "5", by=None) -> tuple[EvidencePack, bytes]:
    pack = pack_build_here(pack=pack_start(period=_period(), scope=scope, by=by, send=False))
    return pack, (Path(settings.MEDIA_ROOT) / pack.file).read_bytes()


def test_a_pack_is_stored_with_the_sha256_of_its_file_and_every_page_numbered(portal_users):
    entry = EvidenceEntryFactory(summary="Walked the shop floor with the night shift",
                                 leader=portal_users.top_management,
                                 occurred_on=timezone.localdate() - dt.timedelta(days=3))
    pack, data = _built(by=portal_users.auditor)

    assert pack.sha256 == hashlib.sha256(data).hexdigest() and pack.size_bytes == len(data)
    pages = _pages(data)
    assert pack.pages == len(pages) > 5
    assert all(f"Page {n} of {len(pages)}" in text for n, text in enumerate(pages, start=1))
    assert all(pack.number in text for text in pages)  # the footer of every page names the pack
    cover = pages[0]
    assert "Clause 5" in cover and "Readiness at the period's end" in cover
    assert f"{portal_users.auditor.get_full_name()} (user name {portal_users.auditor.username})" in cover
    assert pack.job.status == JobStatus.SUCCEEDED and pack.job.result["sha256"] == pack.sha256
    assert any(entry.summary in text for text in pages)
    assert not EvidencePackPart.objects.filter(pack=pack).exists()  # the parts are dropped once merged


def test_the_contents_give_the_page_each_section_starts_on(portal_users):
    pack, data = _built(by=portal_users.quality_manager)
    pages = _pages(data)
    contents = " ".join(pages[:4]).split("Contents", 1)[1]
    for title in ("Leadership and commitment", "Management review", "The record of changes and its verification"):
        found = re.search(re.escape(title) + r" (\d+)(?!\.)", contents)
        assert found, f"{title} is not in the contents"
        assert title in pages[int(found[1]) - 1], f"{title} is not on page {found[1]}"


def test_the_manifest_and_the_audit_extract_are_attached(portal_users):
    entry = EvidenceEntryFactory(leader=portal_users.top_management, occurred_on=timezone.localdate())
    pack, data = _built(by=portal_users.quality_manager)
    attachments = PdfReader(io.BytesIO(data)).attachments

    assert {"manifest.json", "audit-extract.csv"} <= set(attachments)
    manifest = json.loads(attachments["manifest.json"][0])
    assert manifest["pack"] == pack.number and manifest["period"]["to"] == pack.period_end.isoformat()
    assert {"type": "leadership.evidenceentry", "id": str(entry.pk)}.items() <= next(
        r for r in manifest["records"] if r["type"] == "leadership.evidenceentry" and r["id"] == str(entry.pk)
    ).items()
    extract = attachments["audit-extract.csv"][0].decode()
    assert extract.lstrip("\ufeff").startswith("id,time (UTC)") and "leadership.evidenceentry" in extract
    assert {a["name"] for a in manifest["attachments"]} >= {"audit-extract.csv"}


def test_a_record_dated_outside_the_period_is_not_in_the_pack(portal_users):
    long_ago = timezone.now() - dt.timedelta(days=200)
    with time_machine.travel(long_ago, tick=False):  # recorded then, so its trail entry is outside the period too
        EvidenceEntryFactory(summary="Opened the new test bay", leader=portal_users.top_management,
                             occurred_on=long_ago.date())
    _, data = _built(scope="5.1")
    assert not any("Opened the new test bay" in text for text in _pages(data))


def test_asking_on_the_page_draws_the_pack_and_the_download_is_recorded(portal_users, client_for,
                                                                        django_capture_on_commit_callbacks):
    client = client_for(portal_users.auditor)
    period = _period(30)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("leadership:pack_list"),
                             {"start": period.start.isoformat(), "end": period.end.isoformat(), "scope": "5.2"})
    pack = EvidencePack.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("leadership:pack_detail", args=[pack.pk])
    assert pack.ready, pack.job.error
    page = client.get(answer["Location"]).content.decode()
    assert "The pack is ready" in page and pack.sha256 in page

    download = client.get(reverse("leadership:pack_download", args=[pack.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == pack.sha256
    step = AuditEntry.objects.filter(record_type="leadership.evidencepack", step="downloaded").get()
    assert step.actor_username == portal_users.auditor.username


@pytest.mark.parametrize(("start", "end", "message"), [
    (10, 20, "The period ends before it starts"),
    (10, -5, "The period ends in the future"),
    (2000, 0, "longer than five years"),
])
def test_a_period_that_cannot_be_made_is_refused_on_the_form_and_nothing_is_started(
    portal_users, client_for, start, end, message
):
    today = timezone.localdate()
    answer = client_for(portal_users.quality_manager).post(reverse("leadership:pack_list"), {
        "start": (today - dt.timedelta(days=start)).isoformat(), "end": (today - dt.timedelta(days=end)).isoformat(),
        "scope": "5",
    })
    assert answer.status_code == 200 and message in answer.content.decode()
    assert not EvidencePack.objects.exists()


def test_a_cancelled_pack_draws_nothing_more_and_its_drawn_parts_are_removed(
    portal_users, client_for, django_capture_on_commit_callbacks
):
    pack = pack_start(period=_period(), scope="5.2", by=portal_users.auditor, send=False)
    attempt = building.job_claim(pack.job_id)
    first, second, *_ = building.pack_plan(pack=pack)
    building.part_draw(part_id=first.pk, attempt=attempt)  # one part drawn before the cancel
    parts_folder = Path(settings.MEDIA_ROOT) / "evidence-packs" / "parts" / str(pack.pk)
    assert any(parts_folder.iterdir())

    with django_capture_on_commit_callbacks(execute=True):
        answer = client_for(portal_users.auditor).post(reverse("leadership:pack_cancel", args=[pack.pk]))

    assert answer.status_code == 302
    pack.refresh_from_db()
    assert pack.job.status == JobStatus.CANCELLED and portal_users.auditor.get_full_name() in pack.job.error
    assert building.part_draw(part_id=second.pk, attempt=attempt) is False
    assert not pack.ready and not parts_folder.exists() and not EvidencePackPart.objects.filter(pack=pack).exists()
    assert "Cancelled." in client_for(portal_users.auditor).get(answer["Location"]).content.decode()


def test_an_auditor_cannot_cancel_another_persons_pack_but_the_quality_manager_can(portal_users, client_for):
    pack = pack_start(period=_period(), scope="5.2", by=portal_users.top_management, send=False)
    url = reverse("leadership:pack_cancel", args=[pack.pk])
    assert client_for(portal_users.auditor).post(url).status_code == 403
    pack.job.refresh_from_db()
    assert pack.job.status == JobStatus.QUEUED
    assert client_for(portal_users.quality_manager).post(url).status_code == 302
    pack.job.refresh_from_db()
    assert pack.job.status == JobStatus.CANCELLED


def test_one_person_waits_for_their_pack_before_asking_for_another(portal_users, client_for):
    first = pack_start(period=_period(), scope="5.2", by=portal_users.auditor, send=False)
    period = _period(30)
    answer = client_for(portal_users.auditor).post(reverse("leadership:pack_list"), {
        "start": period.start.isoformat(), "end": period.end.isoformat(), "scope": "5.1"})
    assert answer.status_code == 200 and f"Your pack {first.number} is still being drawn" in answer.content.decode()
    assert EvidencePack.objects.count() == 1
    pack_start(period=_period(), scope="5.2", by=portal_users.quality_manager, send=False)  # others are not held up


def test_a_part_that_keeps_killing_its_worker_fails_the_pack_naming_it(portal_users):
    pack = pack_start(period=_period(), scope="5.2", by=portal_users.quality_manager, send=False)
    attempt = building.job_claim(pack.job_id)
    part = building.pack_plan(pack=pack)[0]
    # Two deliveries that never finished (their worker process died while drawing): the third is refused.
    EvidencePackPart.objects.filter(pk=part.pk).update(deliveries=building.MAX_PART_DELIVERIES)

    assert building.part_draw(part_id=part.pk, attempt=attempt) is False
    pack.job.refresh_from_db()
    assert pack.job.status == JobStatus.FAILED
    assert part.label in pack.job.error and "its worker stopped 2 times" in pack.job.error


def test_the_sweep_removes_the_parts_of_a_pack_whose_job_ended_without_a_merge(portal_users):
    pack = pack_start(period=_period(), scope="5.2", by=portal_users.quality_manager, send=False)
    attempt = building.job_claim(pack.job_id)
    part = building.pack_plan(pack=pack)[0]
    building.part_draw(part_id=part.pk, attempt=attempt)
    building.job_fail(pack.job_id, reason="Its worker stopped.", attempt=attempt)  # as the core's sweep does

    assert building.packs_clean_up() == 1
    assert not EvidencePackPart.objects.filter(pack=pack).exists()
    assert not (Path(settings.MEDIA_ROOT) / "evidence-packs" / "parts" / str(pack.pk)).exists()


def test_a_part_that_fails_fails_the_pack_with_its_name_and_reason(portal_users, monkeypatch,
                                                                    django_capture_on_commit_callbacks):
    def broken(period, args):
        raise ValueError("the policy text could not be laid out")

    patched = [replace(s, content=broken) if s.key == "5.2" else s for s in SECTIONS]
    monkeypatch.setattr("leadership.evidence_pack.sections.SECTIONS", patched)
    with django_capture_on_commit_callbacks(execute=True):
        pack = pack_start(period=_period(), scope="5.2", by=portal_users.quality_manager)
    pack.refresh_from_db()
    assert pack.job.status == JobStatus.FAILED and not pack.ready
    assert "5.2 Policy" in pack.job.error and "the policy text could not be laid out" in pack.job.error


def test_a_part_over_its_time_limit_fails_the_pack_saying_so(portal_users, monkeypatch):
    pack = pack_start(period=_period(), scope="5.2", by=portal_users.quality_manager, send=False)
    attempt = building.job_claim(pack.job_id)
    part = building.pack_plan(pack=pack)[0]

    def too_slow(**kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(building, "part_draw", too_slow)
    tasks.render_evidence_part(part.pk, attempt)
    pack.job.refresh_from_db()
    assert pack.job.status == JobStatus.FAILED
    assert f"longer than {settings.EVIDENCE_PART_TIME_LIMIT_SECONDS} seconds" in pack.job.error


def test_the_verify_page_knows_a_stored_pack_and_refuses_a_copy_changed_by_one_byte(portal_users, client_for):
    pack, data = _built(scope="5.2")
    client = client_for(portal_users.employee)  # anyone signed in may verify
    url = reverse("leadership:pack_verify")

    genuine = client.post(url, {"file": io.BytesIO(data)}).content.decode()
    assert f"Genuine: this is evidence pack {pack.number}, unchanged." in genuine

    changed = bytearray(data)
    changed[len(changed) // 2] ^= 1
    copy = io.BytesIO(bytes(changed))
    copy.name = "pack.pdf"
    refused = client.post(url, {"file": copy}).content.decode()
    assert "Not a pack this portal produced." in refused and pack.number not in refused

    pasted = client.post(url, {"sha256": f"{pack.sha256.upper()}  pack.pdf"}).content.decode()
    assert f"evidence pack {pack.number}" in pasted
    assert "A SHA-256 is 64 characters" in client.post(url, {"sha256": "not-a-hash"}).content.decode()
    assert "Choose the PDF to check" in client.post(url, {}).content.decode()


def test_the_verify_page_asks_visitors_to_sign_in_unless_it_is_public(client, settings):
    url = reverse("leadership:pack_verify")
    assert client.get(url).status_code == 302
    settings.EVIDENCE_VERIFY_PUBLIC = True
    assert "Verify an evidence pack" in client.get(url).content.decode()


def test_with_the_public_setting_a_visitor_verifies_a_pack_without_learning_user_names(client, settings, portal_users):
    pack, data = _built(scope="5.2", by=portal_users.quality_manager)
    settings.EVIDENCE_VERIFY_PUBLIC = True
    page = client.post(reverse("leadership:pack_verify"), {"file": io.BytesIO(data)}).content.decode()
    assert f"Genuine: this is evidence pack {pack.number}" in page
    assert portal_users.quality_manager.get_full_name() in page
    assert portal_users.quality_manager.username not in page


def test_a_file_over_the_verify_limit_is_refused_with_a_message_and_not_kept(client_for, portal_users, settings):
    settings.EVIDENCE_VERIFY_MAX_MB = 1
    settings.REQUEST_MAX_BYTES_BY_PATH = {"/verify/": 3 * 1024 * 1024}
    big = io.BytesIO(b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 10))
    big.name = "big.pdf"
    page = client_for(portal_users.auditor).post(reverse("leadership:pack_verify"), {"file": big}).content.decode()
    assert "The file is larger than 1 MB" in page and "Not a pack this portal produced" not in page
