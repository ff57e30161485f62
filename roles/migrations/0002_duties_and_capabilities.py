"""Seed the 5.3 a-e duties from the catalogue (unassigned), and grant the roles capabilities."""
from django.db import migrations

from qms_portal.capability_grants import grant, revoke

# Frozen copy of roles.models.DUTY_CATALOGUE as it stood when this migration was written.
DUTIES = {
    "5.3.a": "Making sure the QMS conforms to ISO 9001",
    "5.3.b": "Making sure processes deliver their intended outputs",
    "5.3.c": "Reporting on QMS performance and improvement opportunities, in particular to top management",
    "5.3.d": "Promoting customer focus throughout the organisation",
    "5.3.e": "Keeping the QMS intact when changes to it are planned and made",
}

GRANTS = {
    "Top management": ["view_roles"],
    "Quality manager": ["manage_roles", "view_roles"],
    "Process owner": ["view_roles"],
    "Employee": ["view_roles"],
    "Auditor": ["view_roles"],
}


def forwards(apps, schema_editor):
    Duty = apps.get_model("roles", "Duty")
    for code, summary in DUTIES.items():
        Duty.objects.get_or_create(code=code, defaults={"summary": summary})
    grant(apps, "roles", "role", GRANTS)


def backwards(apps, schema_editor):
    revoke(apps, "roles", "role", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("roles", "0001_initial"), ("qms_portal", "0003_portal_roles")]
    operations = [migrations.RunPython(forwards, backwards)]
