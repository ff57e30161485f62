"""Give top management read access to the audit trail: they are accountable for the QMS (ISO 9001 5.1.1 a)."""
from django.db import migrations

from qms_portal.capability_grants import grant, revoke

GRANTS = {"Top management": ["view_audit_trail"]}


def forwards(apps, schema_editor):
    grant(apps, "qms_portal", "organisation", GRANTS)


def backwards(apps, schema_editor):
    revoke(apps, "qms_portal", "organisation", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("qms_portal", "0007_account_user_names")]
    operations = [migrations.RunPython(forwards, backwards)]
