"""Create the five portal roles as groups and grant them the core capabilities."""
from django.db import migrations

from qms_portal.capability_grants import grant, revoke

GRANTS = {
    "Top management": ["view_people"],
    "Quality manager": ["manage_organisation", "view_people", "manage_people", "view_audit_trail"],
    "Process owner": ["view_people"],
    "Employee": [],
    "Auditor": ["view_people", "view_audit_trail"],
}


def forwards(apps, schema_editor):
    grant(apps, "qms_portal", "organisation", GRANTS)


def backwards(apps, schema_editor):
    revoke(apps, "qms_portal", "organisation", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("qms_portal", "0002_audit_trail_append_only"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(forwards, backwards)]
