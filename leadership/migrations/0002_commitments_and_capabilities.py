"""Seed the 5.1 commitments (no owner yet, evidence every 90 days), and grant the leadership capabilities."""
from django.db import migrations

from qms_portal.capability_grants import grant, revoke

# Our own short summaries of 5.1.1 a-j and 5.1.2 a-c, frozen as they stood when this migration was written.
COMMITMENTS = {
    "5.1.1.a": "Take accountability for how effective the QMS is",
    "5.1.1.b": "See that the quality policy and objectives exist and fit our context and strategic direction",
    "5.1.1.c": "Build the QMS requirements into how the business processes run",
    "5.1.1.d": "Promote the process approach and risk-based thinking",
    "5.1.1.e": "See that the QMS has the resources it needs",
    "5.1.1.f": "Explain why effective quality management and conforming to the QMS matter",
    "5.1.1.g": "See that the QMS achieves the results it is meant to",
    "5.1.1.h": "Engage, direct and support people so they can add to the QMS's effectiveness",
    "5.1.1.i": "Promote improvement",
    "5.1.1.j": "Support other managers in showing leadership in their own areas",
    "5.1.2.a": "See that customer, statutory and regulatory requirements are known, understood and met every time",
    "5.1.2.b": "See that risks and opportunities for conformity and customer satisfaction are found and dealt with",
    "5.1.2.c": "Keep the focus on raising customer satisfaction",
}

GRANTS = {
    "Top management": [
        "view_leadership", "record_evidence", "manage_commitments", "sign_minutes", "manage_actions",
    ],
    "Quality manager": [
        "view_leadership", "record_evidence", "manage_commitments", "manage_reviews", "manage_actions",
        "manage_objectives",
    ],
    "Process owner": ["view_leadership", "record_measurements"],
    "Auditor": ["view_leadership"],
}


def forwards(apps, schema_editor):
    Commitment = apps.get_model("leadership", "Commitment")
    for code, summary in COMMITMENTS.items():
        Commitment.objects.get_or_create(code=code, defaults={"summary": summary})
    grant(apps, "leadership", "commitment", GRANTS)


def backwards(apps, schema_editor):
    revoke(apps, "leadership", "commitment", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("leadership", "0001_initial"), ("qms_portal", "0003_portal_roles")]
    operations = [migrations.RunPython(forwards, backwards)]
