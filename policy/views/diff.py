"""The side-by-side comparison of two versions of a policy, word by word (issue 3, item 5).

``?a=N&b=M`` picks the versions (``a`` on the left); with neither, the newest version is compared
with the one before it.
"""
from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from policy.diff import versions_compare
from policy.models import PolicyDocument, PolicyVersion
from policy.selectors import versions_visible_to
from policy.views.common import VIEW_HISTORY
from qms_portal.access import requires
from qms_portal.http import SignedInRequest


def _numbered(by_number: dict[int, PolicyVersion], raw: str) -> PolicyVersion | None:
    """The version whose number ``raw`` (from the query string) gives, or None."""
    return by_number.get(int(raw)) if raw.isdigit() else None


@requires(VIEW_HISTORY)
@require_safe
def version_diff(request: SignedInRequest, reference: str) -> HttpResponse:
    document = get_object_or_404(PolicyDocument, reference=reference)
    readable = versions_visible_to(request.user, document.versions.select_related("author", "signature"))
    versions = list(readable.order_by("number"))
    by_number: dict[int, PolicyVersion] = {version.number: version for version in versions}
    context: dict = {"document": document, "versions": versions, "left": None, "right": None, "diff": None}
    a, b = request.GET.get("a"), request.GET.get("b")
    left: PolicyVersion | None
    right: PolicyVersion | None

    if a is None and b is None:
        if len(versions) < 2:
            return render(request, "policy/diff.html", context)
        left, right = versions[-2], versions[-1]
    elif not a or not b:
        context["problem"] = "Choose two versions to compare: one for each side."
        context["left"], context["right"] = _numbered(by_number, a or ""), _numbered(by_number, b or "")
        return render(request, "policy/diff.html", context)
    else:
        left, right = _numbered(by_number, a), _numbered(by_number, b)
        if left is None or right is None:
            name, unknown = document.reference.upper(), a if left is None else b
            context["problem"] = (
                f"{name} has no version {unknown[:12]}. Its versions are numbered 1 to {versions[-1].number}."
                if versions else f"{name} has no versions yet."
            )
            return render(request, "policy/diff.html", context, status=404)
        if left == right:
            context.update(left=left, right=right, problem="Choose two different versions to see what changed.")
            return render(request, "policy/diff.html", context)

    context.update(left=left, right=right, diff=versions_compare(left=left, right=right))
    return render(request, "policy/diff.html", context)
