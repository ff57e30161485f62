"""A signature is sealed (HMAC under the records key) over everything it attests: a change to the signature row, or to
the signed record's content, title or number, made behind the portal, shows the signature invalid on the page and in
the PDF; the seal cannot be remade without the key; existing signatures are sealed at migrate time."""
from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import override_settings
from django.urls import reverse

from policy.models import PolicyVersion, VersionStatus
from qms_portal.models import ElectronicSignature
from qms_portal.models.signatures import content_sha256
from qms_portal.signatures import signature_sign
from tests.core.factories import PASSWORD, UserFactory
from tests.leadership.review_pages import fresh, signed, url
from tests.policy.factories import PolicyVersionFactory
from tests.policy.test_public import pdf_text

pytestmark = pytest.mark.django_db


def run_sql(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def in_force(portal_users) -> PolicyVersion:
    return PolicyVersionFactory(
        document__title="Quality Policy", document__reference="qp-01", document__is_public=True,
        status=VersionStatus.PUBLISHED, signed_by=portal_users.top_management, author=portal_users.quality_manager,
    )


def version_page(client_for, portal_users, version: PolicyVersion) -> str:
    path = reverse("policy:version_detail", args=[version.document.reference, version.number])
    return client_for(portal_users.quality_manager).get(path).text


def public_pdf(client, version: PolicyVersion) -> str:
    text = pdf_text(client.get(reverse("policy:public_policy_pdf", args=[version.document.reference])).getvalue())
    return " ".join(text.split())


PDF_INVALID = "Signature INVALID: the text, its title or the signature changed after signing."


def shows_valid(page: str) -> bool:
    assert ("✓ Signature valid" in page) != ("Signature INVALID" in page), "the block says exactly one of the two"
    return "✓ Signature valid" in page


def test_an_untouched_signature_shows_valid_on_the_page_and_in_the_pdf(in_force, client_for, portal_users, client):
    assert shows_valid(version_page(client_for, portal_users, in_force))
    assert "INVALID" not in public_pdf(client, in_force)


@pytest.mark.parametrize(("column", "value"), [
    ("printed_name", "Someone Else"),
    ("signer_username", "someone"),
    ("meaning", "Reviewed"),
    ("signed_at", "2020-01-01 09:00:00"),
])
def test_a_signature_row_edited_in_the_database_shows_invalid(
    in_force, client_for, portal_users, client, column, value
):
    run_sql(f"UPDATE qms_portal_electronicsignature SET {column} = %s WHERE id = %s",  # noqa: S608 (fixed names)
            [value, in_force.signature_id])

    assert not PolicyVersion.objects.get(pk=in_force.pk).signature_valid
    assert not shows_valid(version_page(client_for, portal_users, in_force))
    assert PDF_INVALID in public_pdf(client, in_force)


def test_a_signature_given_to_another_account_in_the_database_shows_invalid(in_force, portal_users, client_for):
    run_sql("UPDATE qms_portal_electronicsignature SET signer_id = %s WHERE id = %s",
            [UserFactory().pk, in_force.signature_id])

    assert not shows_valid(version_page(client_for, portal_users, in_force))


def test_a_signed_policy_renamed_in_the_database_shows_its_signature_invalid(
    in_force, client_for, portal_users, client
):
    run_sql("UPDATE policy_policydocument SET title = %s WHERE id = %s", ["Quality Policy (lax)", in_force.document_id])

    assert not shows_valid(version_page(client_for, portal_users, in_force))
    assert PDF_INVALID in public_pdf(client, in_force)


def test_a_signature_moved_to_another_version_with_the_same_text_shows_invalid(in_force, client_for, portal_users):
    other = PolicyVersionFactory(document__title="Quality Policy", body=in_force.body, status=VersionStatus.APPROVED,
                                 change_summary=in_force.change_summary, signed_by=False)
    assert other.signed_content() == in_force.signed_content()
    run_sql("UPDATE policy_policyversion SET signature_id = NULL WHERE id = %s", [in_force.pk])
    run_sql("UPDATE policy_policyversion SET signature_id = %s WHERE id = %s", [in_force.signature_id, other.pk])

    assert not PolicyVersion.objects.get(pk=other.pk).signature_valid


def test_a_seal_recomputed_without_the_records_key_does_not_make_an_edit_valid(in_force, client_for, portal_users):
    run_sql("UPDATE qms_portal_electronicsignature SET printed_name = %s WHERE id = %s",
            ["Someone Else", in_force.signature_id])
    with override_settings(RECORDS_HMAC_KEY="a key the forger guessed"):
        forged = ElectronicSignature.objects.get(pk=in_force.signature_id)
        version = PolicyVersion.objects.get(pk=in_force.pk)
        from qms_portal.models.signatures import signature_seal

        seal = signature_seal(
            record_type="policy.policyversion", object_id=str(version.pk), signer_id=forged.signer_id,
            signer_username=forged.signer_username, printed_name=forged.printed_name, signed_at=forged.signed_at,
            meaning=forged.meaning, content_sha256=content_sha256(version.signed_content()),
            title=version.signed_title(),
        )
    run_sql("UPDATE qms_portal_electronicsignature SET seal = %s WHERE id = %s", [seal, in_force.signature_id])

    assert not shows_valid(version_page(client_for, portal_users, in_force))


def test_review_minutes_whose_title_was_edited_in_the_database_show_the_signature_invalid(portal_users, client_for):
    review = signed(portal_users)
    assert fresh(review).signature_valid

    run_sql("UPDATE leadership_managementreview SET title = %s WHERE id = %s", ["Another review", review.pk])

    page = client_for(portal_users.auditor).get(url("leadership:review_detail", review)).text
    assert "Signature INVALID" in page and "✓ Signature valid" not in page


@pytest.mark.parametrize(("app", "migration"), [
    ("policy", "0005_seal_existing_signatures"), ("leadership", "0004_seal_existing_signatures"),
])
def test_signatures_made_before_the_seal_are_sealed_at_migrate_time(portal_users, in_force, app, migration):
    review = signed(portal_users)
    run_sql("UPDATE qms_portal_electronicsignature SET seal = ''", [])
    record = in_force if app == "policy" else review
    assert not type(record).objects.get(pk=record.pk).signature_valid

    historical = MigrationLoader(connection).project_state().apps
    importlib.import_module(f"{app}.migrations.{migration}").seal(historical, None)

    assert type(record).objects.get(pk=record.pk).signature_valid


def test_the_title_of_a_signed_policy_can_no_longer_be_changed_in_its_settings(in_force, qm_client, portal_users,
                                                                               client_for):
    path = reverse("policy:policy_settings", args=["qp-01"])

    response = qm_client.post(path, {"title": "Quality Policy (lax)", "kind": "quality", "is_public": "on"})

    assert response.status_code == 302
    assert PolicyVersion.objects.get(pk=in_force.pk).document.title == "Quality Policy"
    assert "it is part of what they signed" in qm_client.get(path).text
    assert shows_valid(version_page(client_for, portal_users, in_force))


def test_a_signature_moved_into_the_other_signature_slot_of_its_version_shows_invalid(in_force, portal_users):
    """The approval and the withdrawal seal the same text: what each means tells them apart."""
    withdrawal = signature_sign(
        obj=in_force, content=in_force.signed_content(), title=in_force.signed_title(),
        signer=portal_users.top_management, password=PASSWORD, meaning=PolicyVersion.withdrawal_meaning,
    )
    approval_id = in_force.signature_id
    # Each in its own slot is valid.
    run_sql("UPDATE policy_policyversion SET withdrawal_signature_id = %s WHERE id = %s", [withdrawal.pk, in_force.pk])
    version = PolicyVersion.objects.get(pk=in_force.pk)
    assert version.signature_valid and version.withdrawal is not None and version.withdrawal.signature_valid

    # Swapped in the database, neither is.
    run_sql("UPDATE policy_policyversion SET signature_id = %s, withdrawal_signature_id = %s WHERE id = %s",
            [withdrawal.pk, approval_id, in_force.pk])
    version = PolicyVersion.objects.get(pk=in_force.pk)
    assert not version.signature_valid
    assert version.withdrawal is not None and not version.withdrawal.signature_valid
