"""Keep the account's user name beside the name on every new audit entry and every signature.

Existing signatures get their signer's user name now. Existing audit entries are left as written: the trail
is append-only (migration 0002 refuses an UPDATE on PostgreSQL) and their hash does not cover the new field;
the trail shows their account's user name through ``actor``.
"""
from django.db import migrations, models


def fill_signer_usernames(apps, schema_editor):
    signature_model = apps.get_model("qms_portal", "ElectronicSignature")
    for signature in signature_model.objects.filter(signer_username="").select_related("signer"):
        signature.signer_username = signature.signer.username
        signature.save(update_fields=["signer_username"])


class Migration(migrations.Migration):

    dependencies = [
        ('qms_portal', '0006_electronic_signatures'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditentry',
            name='actor_username',
            field=models.CharField(blank=True, max_length=150),
        ),
        migrations.AddField(
            model_name='electronicsignature',
            name='signer_username',
            field=models.CharField(blank=True, max_length=150),
        ),
        migrations.RunPython(fill_signer_usernames, migrations.RunPython.noop),
    ]
