"""The public page and PDF of a policy's version in force, for interested parties (5.2.2.c).

Both answer 404 unless the quality manager opted the document in (``is_public``) and a version is
published, so that nothing else about the organisation's policies is revealed to visitors.
"""
from __future__ import annotations

import hashlib

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_safe

from policy.models import PolicyDocument, PolicyVersion, VersionStatus
from qms_portal.access import public
from qms_portal.http import PortalRequest
from qms_portal.pdf import pdf_kept, pdf_response, render_pdf


def _public_version(reference: str) -> PolicyVersion:
    document = get_object_or_404(PolicyDocument, reference=reference, is_public=True)
    version = (
        PolicyVersion.objects.filter(document=document, status=VersionStatus.PUBLISHED)
        .select_related("document", "signature__signer")
        .first()
    )
    if version is None:
        raise Http404("No version of this policy is in force.")
    return version


def _body_without_title(version: PolicyVersion) -> str:
    """The policy text without its first heading when that only repeats the title the page already shows."""
    first, _, rest = version.body.lstrip().partition("\n")
    if first.lstrip("#").strip().casefold() == version.document.title.strip().casefold() and first.startswith("#"):
        return rest
    return version.body


@public
@require_safe
def public_policy(request: PortalRequest, reference: str) -> HttpResponse:
    version = _public_version(reference)
    return render(request, "policy/public.html", {
        "version": version, "document": version.document, "body": _body_without_title(version),
    })


@public
@require_safe
def public_policy_pdf(request: PortalRequest, reference: str) -> HttpResponse:
    version = _public_version(reference)
    organisation = request.organisation
    # Anyone may ask for it, and drawing a PDF is costly: it is drawn once and kept while neither the version
    # (its text is frozen by the signature) nor the organisation's name and logo change. Whether the signature
    # still checks out is in the name too: a record or signature edited in the database behind the portal's back
    # gets a new PDF that shows the signature invalid, never the kept one that showed it valid. The address asked
    # is not in the name (a port added to the host would draw it again each time): relative links in the text point
    # at the address of whoever asked first.
    site_url = request.build_absolute_uri("/")
    stamp = f"{version.updated_at.timestamp()}:{organisation.updated_at.timestamp()}:{version.signature_valid}"
    kind = f"policy-version-{version.pk}-"
    name = f"{kind}{hashlib.sha256(stamp.encode()).hexdigest()[:16]}.pdf"

    def render() -> bytes:
        html = render_to_string(
            "policy/pdf_policy.html",
            {
                "version": version,
                "document": version.document,
                "organisation": organisation,
                "body": _body_without_title(version),
                "public_url": request.build_absolute_uri(
                    reverse("policy:public_policy", args=[version.document.reference])
                ),
            },
        )
        return render_pdf(html, site_url=site_url)

    pdf = pdf_kept(name=name, render=render, replaces=kind)
    return pdf_response(pdf, filename=f"{version.document.reference.upper()}-v{version.number}.pdf")
