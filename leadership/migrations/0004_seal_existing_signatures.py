"""Seal the chairs' signatures already on management-review minutes with the records key, as they stand now.

As policy's migration 0005 does for policy signatures: no unsealed row is left behind. The title is written as
``ManagementReview.signed_title()`` writes it.
"""
from django.db import migrations

from qms_portal.models.signatures import signature_seal


def seal(apps, schema_editor):
    signature_model = apps.get_model("qms_portal", "ElectronicSignature")
    review_model = apps.get_model("leadership", "ManagementReview")
    for signature in signature_model.objects.filter(record_type="leadership.managementreview", seal=""):
        review = review_model.objects.get(pk=int(signature.object_id))
        sealed = signature_seal(
            record_type=signature.record_type,
            object_id=signature.object_id,
            signer_id=signature.signer_id,
            signer_username=signature.signer_username,
            printed_name=signature.printed_name,
            signed_at=signature.signed_at,
            meaning=signature.meaning,
            content_sha256=signature.content_sha256,
            title=f"Management review {review.uid}: {review.title}",
        )
        signature_model.objects.filter(pk=signature.pk).update(seal=sealed)


class Migration(migrations.Migration):
    dependencies = [
        ("leadership", "0003_review_time_duration_and_place"),
        ("qms_portal", "0012_electronic_signature_seal"),
    ]
    operations = [migrations.RunPython(seal, migrations.RunPython.noop)]
