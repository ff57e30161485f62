"""The audit chain is keyed (HMAC under the records key) and anchored: each verification records the head outside
the trail, so entries cut from the end and a chain recomputed without the key are found; the anchors are sealed,
kept for good, and exported as a file a quality manager keeps elsewhere."""
from __future__ import annotations

import hashlib
import importlib
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from qms_portal.audit import AuditAnchor, AuditEntry, AuditTrailImmutable
from qms_portal.models.audit import GENESIS_HASH, AnchorKind
from qms_portal.tasks import verify_audit_trail_nightly
from tests.core.factories import OrgUnitFactory

pytestmark = pytest.mark.django_db


def run_sql(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def allow_anchor_tampering(allow_audit_tampering):
    """As someone who owns the database can: lift the trail's and the anchors' triggers (PostgreSQL), inside the
    test's transaction, so the rollback restores them."""

    def allow() -> None:
        allow_audit_tampering()
        if connection.vendor == "postgresql":
            run_sql("ALTER TABLE qms_portal_auditanchor DISABLE TRIGGER qms_retained_no_delete", [])

    return allow


def verify() -> str:
    out = io.StringIO()
    call_command("verify_audit_trail", stdout=out)
    return out.getvalue()


def last_entry() -> AuditEntry:
    return AuditEntry.objects.order_by("-id").first()


def verification_anchors() -> list[AuditAnchor]:
    return list(AuditAnchor.objects.filter(kind=AnchorKind.VERIFICATION).order_by("id"))


def test_each_run_of_the_command_anchors_the_head_outside_the_trail():
    OrgUnitFactory.create_batch(3)
    head = last_entry()

    out = verify()

    [anchor] = verification_anchors()
    assert (anchor.last_entry_id, anchor.entry_count, anchor.head_hash) == (head.pk, AuditEntry.objects.count(),
                                                                           head.hash)
    assert anchor.source == "manage.py verify_audit_trail" and anchor.seal_valid
    assert f"head anchored: entry #{head.pk}" in out


def test_the_nightly_verification_anchors_the_head(django_capture_on_commit_callbacks):
    OrgUnitFactory.create_batch(2)

    with django_capture_on_commit_callbacks(execute=True):
        verify_audit_trail_nightly()

    [anchor] = verification_anchors()
    assert anchor.last_entry_id == last_entry().pk and anchor.source.startswith("the nightly verification")


def test_entries_cut_from_the_end_after_the_command_ran_are_reported(allow_audit_tampering):
    units = OrgUnitFactory.create_batch(3)
    verify()
    anchored = last_entry()
    allow_audit_tampering()

    first_cut = AuditEntry.objects.filter(object_id=str(units[2].pk), record_type="qms_portal.orgunit").get()
    run_sql("DELETE FROM qms_portal_auditentry WHERE id >= %s", [first_cut.pk])

    with pytest.raises(CommandError, match=(
        rf"entry #{anchored.pk} .*the head anchored .* by manage.py verify_audit_trail, is gone: entries were "
        rf"removed from the end of the trail, which now ends at #{first_cut.pk - 1}"
    )):
        call_command("verify_audit_trail")
    assert len(verification_anchors()) == 1, "a broken chain anchors nothing"


def _recompute_without_the_key(from_id: int = 0) -> None:
    """What someone who can write the database but lacks the key can do: rebuild every hash with plain SHA-256."""
    previous = GENESIS_HASH
    for entry in AuditEntry.objects.order_by("id"):
        if entry.pk >= from_id:
            entry.prev_hash = previous
            entry.hash = entry.compute_unkeyed_hash()
            run_sql("UPDATE qms_portal_auditentry SET prev_hash = %s, hash = %s WHERE id = %s",
                    [entry.prev_hash, entry.hash, entry.pk])
        previous = entry.hash


def test_a_chain_recomputed_with_the_old_unkeyed_scheme_after_an_edit_is_reported(allow_audit_tampering):
    units = OrgUnitFactory.create_batch(3)
    [target] = AuditEntry.objects.filter(object_id=str(units[1].pk), record_type="qms_portal.orgunit")
    allow_audit_tampering()

    run_sql("UPDATE qms_portal_auditentry SET object_repr = 'Forged' WHERE id = %s", [target.pk])
    _recompute_without_the_key()

    first = AuditEntry.objects.order_by("id").first()
    with pytest.raises(CommandError, match=rf"#{first.pk}\b.*made without the records key: the chain was recomputed"):
        call_command("verify_audit_trail")


def test_a_chain_rebuilt_with_the_key_is_still_found_by_an_earlier_anchor(allow_audit_tampering):
    units = OrgUnitFactory.create_batch(3)
    verify()
    anchored = last_entry()
    [target] = AuditEntry.objects.filter(object_id=str(units[0].pk), record_type="qms_portal.orgunit")
    allow_audit_tampering()

    previous = AuditEntry.objects.get(pk=target.pk).prev_hash
    for entry in AuditEntry.objects.filter(pk__gte=target.pk).order_by("id"):
        entry.object_repr = "Forged" if entry.pk == target.pk else entry.object_repr
        entry.prev_hash = previous
        previous = entry.compute_hash()
        run_sql("UPDATE qms_portal_auditentry SET object_repr = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [entry.object_repr, entry.prev_hash, previous, entry.pk])

    with pytest.raises(CommandError, match=rf"#{anchored.pk}\b.*is no longer the same.*the chain was rewritten"):
        call_command("verify_audit_trail")


def test_entries_written_before_the_chain_was_keyed_still_verify_up_to_the_keyed_anchor(allow_anchor_tampering):
    OrgUnitFactory.create_batch(2)
    allow_anchor_tampering()
    _recompute_without_the_key()  # as every entry was hashed before the upgrade
    legacy_head = last_entry()
    run_sql("DELETE FROM qms_portal_auditanchor", [])

    migration = importlib.import_module("qms_portal.migrations.0013_audit_anchors")
    migration.record_keyed_from(MigrationLoader(connection).project_state().apps, None)
    OrgUnitFactory()  # written after the upgrade: keyed

    assert "entries verified" in verify()
    keyed = AuditAnchor.objects.get(kind=AnchorKind.KEYED)
    assert keyed.last_entry_id == legacy_head.pk and keyed.head_hash == legacy_head.hash
    assert last_entry().hash == last_entry().compute_hash() != last_entry().compute_unkeyed_hash()


def test_an_anchor_altered_in_the_database_is_reported(allow_anchor_tampering):
    OrgUnitFactory.create_batch(2)
    verify()
    [anchor] = verification_anchors()
    allow_anchor_tampering()

    run_sql("UPDATE qms_portal_auditanchor SET entry_count = entry_count - 1 WHERE id = %s", [anchor.pk])

    with pytest.raises(CommandError, match="was altered \\(its seal does not match\\)"):
        call_command("verify_audit_trail")


def test_anchors_are_never_changed_or_deleted_through_the_orm():
    OrgUnitFactory()
    verify()
    [anchor] = verification_anchors()

    anchor.head_hash = "0" * 64
    for attempt in (anchor.save, anchor.delete, AuditAnchor.objects.all().delete,
                    lambda: AuditAnchor.objects.update(entry_count=0)):
        with pytest.raises(AuditTrailImmutable):
            attempt()
    assert AuditAnchor.objects.get(pk=anchor.pk).seal_valid


def test_the_exported_anchors_kept_elsewhere_find_a_truncation_even_after_the_anchors_table_was_emptied(
    qm_client, allow_anchor_tampering, tmp_path
):
    OrgUnitFactory.create_batch(3)
    verify()
    anchored = last_entry()
    response = qm_client.get(reverse("audit_trail_anchors"))
    assert response.status_code == 200 and "attachment; filename=\"audit-anchors-" in response["Content-Disposition"]
    kept = tmp_path / "anchors.json"
    kept.write_bytes(response.content)
    assert [row["last_entry_id"] for row in json.loads(kept.read_text())["anchors"]][-1] == anchored.pk
    allow_anchor_tampering()

    run_sql("DELETE FROM qms_portal_auditentry WHERE id >= %s", [anchored.pk - 1])
    run_sql("DELETE FROM qms_portal_auditanchor", [])
    assert "entries verified" in verify(), "with the anchors gone, the database alone cannot tell"

    with pytest.raises(CommandError, match=rf"#{anchored.pk}\b.*is gone: entries were removed from the end"):
        call_command("verify_audit_trail", anchors=kept)


def test_an_exported_anchors_file_that_was_edited_is_refused(qm_client, tmp_path):
    OrgUnitFactory()
    verify()
    document = json.loads(qm_client.get(reverse("audit_trail_anchors")).content)
    document["anchors"][-1]["entry_count"] += 5
    edited = tmp_path / "anchors.json"
    edited.write_text(json.dumps(document))

    with pytest.raises(CommandError, match="cannot be used: the file's seal does not match"):
        call_command("verify_audit_trail", anchors=edited)


def test_the_audit_trail_page_shows_the_last_anchor_and_offers_the_export(qm_client):
    OrgUnitFactory()
    verify()

    [anchor] = verification_anchors()

    page = qm_client.get(reverse("audit_trail")).text

    assert f"Last anchored head: entry #{anchor.last_entry_id} ({anchor.entry_count} entries)" in page
    assert reverse("audit_trail_anchors") in page and "Download anchors" in page


def test_entry_hashes_are_keyed_so_plain_sha256_does_not_reproduce_them():
    OrgUnitFactory()
    entry = last_entry()

    assert entry.hash == entry.compute_hash()
    assert entry.hash != hashlib.sha256(entry._hashed_payload().encode()).hexdigest()
