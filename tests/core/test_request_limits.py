"""Requests the portal refuses before any view reads them (issue 11, item 10): a NUL byte in the address (on
PostgreSQL a search for one failed with a 500), and a body larger than any upload the portal accepts."""
from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", [
    "/people/?q=a%00b",
    "/leadership/commitments/%00/",
    "/public/policies/QP-01%00.pdf",
    "/accounts/login/?next=/%00",
])
def test_a_nul_byte_in_the_address_is_a_bad_request(url, qm_client):
    response = qm_client.get(url)

    assert response.status_code == 400
    assert "character the portal does not accept" in response.text


def test_an_address_without_nul_is_answered_as_usual(qm_client):
    assert qm_client.get("/people/?q=a0b").status_code == 200


class UnreadBody:
    """A request body that notes how much of it was read."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        chunk = b"x" * (65536 if size is None or size < 0 else min(size, 65536))
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def test_a_body_larger_than_any_upload_is_refused_unread(qm_client, settings):
    body = UnreadBody()
    claimed = settings.REQUEST_MAX_BYTES + 1

    response = qm_client.generic(
        "POST", reverse("organisation"), b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(claimed),
        **{"wsgi.input": body},
    )

    assert response.status_code == 413
    assert "too large" in response.text
    assert body.read_bytes == 0


def test_the_limit_leaves_room_for_the_largest_evidence_attachment(settings):
    assert settings.REQUEST_MAX_BYTES > settings.EVIDENCE_MAX_UPLOAD_MB * 1024 * 1024
    assert settings.REQUEST_MAX_BYTES > settings.RACI_IMPORT_MAX_BYTES
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 2.5 * 1024 * 1024
