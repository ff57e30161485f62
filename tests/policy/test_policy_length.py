"""A policy's text is capped (``POLICY_MAX_CHARS``): anyone may download a public policy's PDF, and a text the
size of a manual (a 20,000-row table) held a worker drawing it. Too long a text is refused on its field."""
from __future__ import annotations

import pytest
from django.urls import reverse

from policy.models import PolicyDocument, PolicyVersion
from tests.policy.factories import POLICY_BODY, PolicyVersionFactory

pytestmark = pytest.mark.django_db


def table_of(rows: int) -> str:
    return "| clause | requirement |\n|---|---|\n" + "".join(f"| {row} | shall |\n" for row in range(rows))


def test_a_new_policy_longer_than_the_limit_is_refused_on_its_text_and_nothing_is_saved(qm_client, settings):
    settings.POLICY_MAX_CHARS = 5_000
    body = table_of(1_000)

    response = qm_client.post(reverse("policy:policy_create"), {
        "title": "Manual", "reference": "QM-99", "kind": "quality", "body": body, "change_summary": "First issue.",
    })

    assert response.status_code == 200
    [error] = response.context["form"].errors["body"]
    assert "at most 5,000 characters" in error
    assert f"{len(body.strip()):,}" in error
    assert error in response.text
    assert not PolicyDocument.objects.exists()


def test_a_draft_edited_past_the_limit_is_refused_and_keeps_its_text(qm_client, settings):
    settings.POLICY_MAX_CHARS = 5_000
    draft = PolicyVersionFactory(document__reference="qp-01", body=POLICY_BODY)
    url = reverse("policy:version_edit", kwargs={"reference": "qp-01", "number": draft.number})

    response = qm_client.post(url, {"body": table_of(1_000), "change_summary": "Everything."})

    assert response.status_code == 200
    assert "at most 5,000 characters" in response.context["form"].errors["body"][0]
    assert PolicyVersion.objects.get(pk=draft.pk).body == POLICY_BODY


def test_a_text_within_the_limit_is_saved(qm_client, settings):
    settings.POLICY_MAX_CHARS = 5_000
    draft = PolicyVersionFactory(document__reference="qp-01", body=POLICY_BODY)
    url = reverse("policy:version_edit", kwargs={"reference": "qp-01", "number": draft.number})

    response = qm_client.post(url, {"body": table_of(50), "change_summary": "A table."})

    assert response.status_code == 302
    assert PolicyVersion.objects.get(pk=draft.pk).body == table_of(50).strip()
