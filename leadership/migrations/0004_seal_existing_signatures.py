"""Seal the chairs' signatures already on management-review minutes with the records key, as they stand now.

As policy's migration 0005 does for policy signatures: no unsealed row is left behind. The title is written as
``ManagementReview.signed_title()`` writes it.
"""
from django.db import migrations

from qms_portal.models.signatures import signatures_seal_existing


def seal(apps, schema_editor):
    review_model = apps.get_model("leadership", "ManagementReview")

    def title(pk: int) -> str:
        review = review_model.objects.get(pk=pk)
        return f"Management review {review.uid}: {review.title}"

    signatures_seal_existing(apps, {"leadership.managementreview": title})


class Migration(migrations.Migration):
    dependencies = [
        ("leadership", "0003_review_time_duration_and_place"),
        ("qms_portal", "0012_electronic_signature_seal"),
    ]
    operations = [migrations.RunPython(seal, migrations.RunPython.noop)]
