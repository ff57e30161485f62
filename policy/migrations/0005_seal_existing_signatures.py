"""Seal the signatures already on policy versions and periodic reviews with the records key, as they stand now.

Signatures made from here on are sealed when made (``qms_portal.signatures``); sealing the existing ones at
migrate time leaves no unsealed row that a reader would have to trust, and no "old scheme" to fall back to.
What a row says at this moment is what gets sealed: run ``verify_audit_trail`` before upgrading.
The titles are written as ``PolicyVersion.signed_title()`` and ``PolicyReview.signed_title()`` write them.
"""
from django.db import migrations

from qms_portal.models.signatures import signature_seal


def _version_title(version) -> str:
    return f"{version.document.reference} {version.document.title}, version {version.number}"


def seal(apps, schema_editor):
    signature_model = apps.get_model("qms_portal", "ElectronicSignature")
    version_model = apps.get_model("policy", "PolicyVersion")
    review_model = apps.get_model("policy", "PolicyReview")
    titles = {
        "policy.policyversion": lambda pk: _version_title(version_model.objects.select_related("document").get(pk=pk)),
        "policy.policyreview": lambda pk: (
            f"Periodic review #{pk} of "
            + _version_title(review_model.objects.select_related("version__document").get(pk=pk).version)
        ),
    }
    for signature in signature_model.objects.filter(record_type__in=titles, seal=""):
        sealed = signature_seal(
            record_type=signature.record_type,
            object_id=signature.object_id,
            signer_id=signature.signer_id,
            signer_username=signature.signer_username,
            printed_name=signature.printed_name,
            signed_at=signature.signed_at,
            meaning=signature.meaning,
            content_sha256=signature.content_sha256,
            title=titles[signature.record_type](int(signature.object_id)),
        )
        # A bulk update: the historical model has none of the live model's refusals, and no audit receiver runs.
        signature_model.objects.filter(pk=signature.pk).update(seal=sealed)


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0004_comprehension_attempts"),
        ("qms_portal", "0012_electronic_signature_seal"),
    ]
    operations = [migrations.RunPython(seal, migrations.RunPython.noop)]
