"""Grant the policy capabilities to the portal roles."""
from django.db import migrations

from qms_portal.capability_grants import grant, revoke

GRANTS = {
    "Top management": ["approve_policy", "view_policy_history", "view_acknowledgements"],
    "Quality manager": ["manage_policy", "view_policy_history", "view_acknowledgements"],
    "Auditor": ["view_policy_history", "view_acknowledgements"],
}


def forwards(apps, schema_editor):
    grant(apps, "policy", "policydocument", GRANTS)


def backwards(apps, schema_editor):
    revoke(apps, "policy", "policydocument", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial"), ("qms_portal", "0003_portal_roles")]
    operations = [migrations.RunPython(forwards, backwards)]
