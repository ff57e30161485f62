"""The audit chain's anchors, and the first of them: where the chain becomes keyed.

Entries written until now were hashed with plain SHA-256; from here on each hash is an HMAC under the records key
(``AuditEntry.compute_hash``). The existing entries are not rewritten (PostgreSQL refuses it, and their hashes may
already be in exported copies): this anchor, sealed with the key, records the last of them, its hash and their
count, so verification checks them the old way up to it and the keyed way after it, and a chain recomputed without
the key after that point is found. A new database, with no entries yet, needs no such anchor.
"""
from django.db import migrations, models
from django.utils import timezone

from qms_portal.models.audit import anchor_seal_message
from qms_portal.records_key import records_hmac

SOURCE = "the upgrade that keyed the chain (migration 0013)"


def record_keyed_from(apps, schema_editor):
    entry_model = apps.get_model("qms_portal", "AuditEntry")
    anchor_model = apps.get_model("qms_portal", "AuditAnchor")
    last = entry_model.objects.order_by("-id").values("id", "hash").first()
    if last is None:  # a new database: every entry will be keyed, there is nothing to mark
        return
    values = {
        "kind": "keyed", "created_at": timezone.now(), "source": SOURCE, "last_entry_id": last["id"],
        "entry_count": entry_model.objects.count(), "head_hash": last["hash"],
    }
    anchor_model.objects.create(**values, seal=records_hmac(anchor_seal_message(**values)))


class Migration(migrations.Migration):

    dependencies = [
        ('qms_portal', '0012_electronic_signature_seal'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditAnchor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('verification', 'Verification'), ('keyed', 'Chain keyed from here')], default='verification', max_length=12)),
                ('created_at', models.DateTimeField()),
                ('source', models.CharField(help_text='What recorded it: the command, the nightly task, a person.', max_length=200)),
                ('last_entry_id', models.BigIntegerField(help_text='The last entry of the chain; 0 for an empty trail.')),
                ('entry_count', models.PositiveBigIntegerField()),
                ('head_hash', models.CharField(max_length=64)),
                ('seal', models.CharField(max_length=64)),
            ],
            options={
                'ordering': ['-id'],
            },
        ),
        migrations.RunPython(record_keyed_from, migrations.RunPython.noop),
    ]
