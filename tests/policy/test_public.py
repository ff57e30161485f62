"""The public page and PDF of a policy for interested parties (5.2.2.c): only where the quality manager opted
in, only the version in force, with its approval, to anyone without signing in."""
import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from pypdf import PdfReader

from policy.models import VersionStatus
from policy.views import public as public_views
from qms_portal.models import Organisation
from tests.policy.factories import PolicyDocumentFactory, PolicyVersionFactory

pytestmark = pytest.mark.django_db

IN_FORCE = "Every pressure-retaining part is tested before it leaves us."
DRAFTED = "A sentence only the next draft contains."


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def policy(portal_users):
    """QP-01 with v1 superseded, v2 published (signed by Tessa Mann) and v3 in draft; not yet public."""
    document = PolicyDocumentFactory(reference="QP-01", title="Quality Policy")
    signer = portal_users.top_management
    signer.job_title = "Managing Director"
    signer.save()
    PolicyVersionFactory(
        document=document, number=1, status=VersionStatus.SUPERSEDED, signed_by=signer, body="The first text."
    )
    PolicyVersionFactory(
        document=document, number=2, status=VersionStatus.PUBLISHED, signed_by=signer,
        body=f"# Quality Policy\n\nWe make pumps.\n\n{IN_FORCE}", change_summary="Testing made explicit.",
    )
    PolicyVersionFactory(document=document, number=3, status=VersionStatus.DRAFT, body=DRAFTED)
    return document


def opt_in(document) -> None:
    document.is_public = True
    document.save()


def page_url(document) -> str:
    return reverse("policy:public_policy", args=[document.reference])


def pdf_url(document) -> str:
    return reverse("policy:public_policy_pdf", args=[document.reference])


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_public_urls_are_at_the_site_root(policy):
    assert page_url(policy) == "/public/policies/QP-01/"
    assert pdf_url(policy) == "/public/policies/QP-01.pdf"


def test_a_policy_not_opted_in_is_not_found(client, policy):
    assert client.get(page_url(policy)).status_code == 404
    assert client.get(pdf_url(policy)).status_code == 404


def test_a_policy_opted_in_with_nothing_published_is_not_found(client):
    document = PolicyDocumentFactory(is_public=True)
    PolicyVersionFactory(document=document, status=VersionStatus.APPROVED)

    assert client.get(page_url(document)).status_code == 404
    assert client.get(pdf_url(document)).status_code == 404


def test_an_unknown_policy_is_not_found(client):
    assert client.get(reverse("policy:public_policy", args=["NOPE-01"])).status_code == 404


def test_the_public_page_shows_the_version_in_force_to_a_visitor(client, policy):
    opt_in(policy)

    response = client.get(page_url(policy))

    assert response.status_code == 200
    content = response.content.decode()
    assert IN_FORCE in content
    assert "QP-01 · Version 2" in content
    assert DRAFTED not in content and "The first text." not in content


def test_the_public_page_shows_the_approval_and_the_effective_date(client, policy):
    opt_in(policy)
    version = policy.versions.get(number=2)

    content = client.get(page_url(policy)).content.decode()

    assert "Tessa Mann" in content and "Managing Director" in content
    assert "<strong>Approved</strong>" in content
    assert f"In force since {version.published_at:%-d %B %Y}" in content
    assert "The text on this page is exactly the text that was approved." in content


def test_the_public_page_shows_the_organisation_and_no_portal_navigation(client, policy):
    opt_in(policy)
    organisation = Organisation.current()
    organisation.name = "Calder Valve & Pump Ltd"
    organisation.save()

    content = client.get(page_url(policy)).content.decode()

    assert "Calder Valve &amp; Pump Ltd" in content
    assert f'href="{reverse("policy:policy_list")}"' not in content and 'aria-label="Main navigation"' not in content
    assert "Sign out" not in content


def test_the_public_page_follows_the_newest_publication(client, policy, portal_users):
    opt_in(policy)
    v2 = policy.versions.get(number=2)
    v2.status = VersionStatus.SUPERSEDED
    v2.save()
    v3 = policy.versions.get(number=3)
    v3.delete()
    PolicyVersionFactory(
        document=policy, number=3, status=VersionStatus.PUBLISHED, signed_by=portal_users.top_management,
        body="The newest text in force.",
    )

    content = client.get(page_url(policy)).content.decode()

    assert "The newest text in force." in content
    assert IN_FORCE not in content


def test_the_pdf_is_the_version_in_force_with_its_approval(client, policy):
    opt_in(policy)
    version = policy.versions.get(number=2)

    response = client.get(pdf_url(policy))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="QP-01-v2.pdf"'
    content = response.getvalue()
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    assert IN_FORCE in text
    assert DRAFTED not in text
    assert f"Version 2, approved by Tessa Mann on {version.signature.signed_at:%-d %B %Y}" in text
    assert "page 1 of 1" in text or "page 1 of 2" in text


def test_the_pdf_footer_numbers_every_page(client, policy, portal_users):
    opt_in(policy)
    v2 = policy.versions.get(number=2)
    v2.status = VersionStatus.SUPERSEDED
    v2.save()
    policy.versions.get(number=3).delete()
    long_text = "\n\n".join(f"Paragraph {n}: we keep our promises to customers, every one of them." for n in range(120))
    PolicyVersionFactory(
        document=policy, number=3, status=VersionStatus.PUBLISHED, signed_by=portal_users.top_management,
        body=long_text,
    )

    reader = PdfReader(io.BytesIO(client.get(pdf_url(policy)).getvalue()))

    pages = len(reader.pages)
    assert pages > 1
    for number, page in enumerate(reader.pages, start=1):
        assert f"page {number} of {pages}" in page.extract_text()


def test_the_pdf_is_drawn_once_and_served_again_from_the_cache(client, policy, monkeypatch):
    opt_in(policy)
    drawn = []
    real_render = public_views.render_pdf
    monkeypatch.setattr(
        public_views, "render_pdf", lambda html, **kwargs: drawn.append(html) or real_render(html, **kwargs)
    )
    first = client.get(pdf_url(policy)).getvalue()

    second = client.get(pdf_url(policy)).getvalue()

    assert first == second
    assert len(drawn) == 1


def test_the_pdf_is_drawn_once_and_stored_for_every_web_process(client, policy, monkeypatch, settings):
    """Each gunicorn worker has its own memory cache: the drawn PDF is kept as a file they all serve."""
    opt_in(policy)
    drawn = []
    real_render = public_views.render_pdf
    monkeypatch.setattr(
        public_views, "render_pdf", lambda html, **kwargs: drawn.append(html) or real_render(html, **kwargs)
    )
    first = client.get(pdf_url(policy)).getvalue()
    cache.clear()  # as another web process would find its cache

    second = client.get(pdf_url(policy)).getvalue()

    assert second == first
    assert len(drawn) == 1
    assert pdf_text(second).count(IN_FORCE) == 1


def test_a_new_organisation_name_draws_the_pdf_again(client, policy):
    opt_in(policy)
    client.get(pdf_url(policy))
    organisation = Organisation.current()
    organisation.name = "Calder Flow Systems Ltd"
    organisation.save()

    assert "Calder Flow Systems Ltd" in pdf_text(client.get(pdf_url(policy)).getvalue())


def test_asking_through_other_ports_of_the_host_does_not_draw_the_pdf_again(client, policy, monkeypatch, settings):
    opt_in(policy)
    drawn = []
    real_render = public_views.render_pdf
    monkeypatch.setattr(
        public_views, "render_pdf", lambda html, **kwargs: drawn.append(html) or real_render(html, **kwargs)
    )

    for port in range(8001, 8006):
        assert client.get(pdf_url(policy), HTTP_HOST=f"localhost:{port}").status_code == 200

    assert len(drawn) == 1
    assert len(list((settings.MEDIA_ROOT / "pdfs").glob("*.pdf"))) == 1


def test_a_pdf_drawn_again_replaces_the_one_kept_before(client, policy, settings):
    opt_in(policy)
    client.get(pdf_url(policy))
    organisation = Organisation.current()
    organisation.name = "Calder Flow Systems Ltd"
    organisation.save()

    client.get(pdf_url(policy))

    assert len(list((settings.MEDIA_ROOT / "pdfs").glob("*.pdf"))) == 1


def test_a_policy_withdrawn_from_the_public_is_no_longer_served(client, policy):
    opt_in(policy)
    assert client.get(pdf_url(policy)).status_code == 200
    policy.is_public = False
    policy.save()

    assert client.get(page_url(policy)).status_code == 404
    assert client.get(pdf_url(policy)).status_code == 404


def test_a_relative_link_in_the_policy_opens_the_portal_not_portal_invalid(client, portal_users):
    from tests.core.test_pdf import link_targets

    document = PolicyDocumentFactory(reference="EP-01", title="Environmental Policy", is_public=True)
    PolicyVersionFactory(
        document=document, number=1, status=VersionStatus.PUBLISHED, signed_by=portal_users.top_management,
        body="We follow [the complaints procedure](/policies/QP-02/).",
    )

    targets = link_targets(client.get(pdf_url(document)).getvalue())

    assert targets == ["http://testserver/policies/QP-02/"]
