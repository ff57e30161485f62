"""Seal the signatures already on policy versions and periodic reviews with the records key, as they stand now.

Signatures made from here on are sealed when made (``qms_portal.signatures``); sealing the existing ones at
migrate time leaves no unsealed row that a reader would have to trust, and no "old scheme" to fall back to.
What a row says at this moment is what gets sealed: run ``verify_audit_trail`` before upgrading.
The titles are written as ``PolicyVersion.signed_title()`` and ``PolicyReview.signed_title()`` write them.
"""
from django.db import migrations

from qms_portal.models.signatures import signatures_seal_existing


def _version_title(version) -> str:
    return f"{version.document.reference} {version.document.title}, version {version.number}"


def seal(apps, schema_editor):
    version_model = apps.get_model("policy", "PolicyVersion")
    review_model = apps.get_model("policy", "PolicyReview")
    signatures_seal_existing(apps, {
        "policy.policyversion": lambda pk: _version_title(version_model.objects.select_related("document").get(pk=pk)),
        "policy.policyreview": lambda pk: (
            f"Periodic review #{pk} of "
            + _version_title(review_model.objects.select_related("version__document").get(pk=pk).version)
        ),
    })


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0004_comprehension_attempts"),
        ("qms_portal", "0012_electronic_signature_seal"),
    ]
    operations = [migrations.RunPython(seal, migrations.RunPython.noop)]
