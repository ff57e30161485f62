"""The tone of each policy version status, drawn by the core's one badge: ``{% load policy_status %}``."""
from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from policy.models import PolicyVersion
from qms_portal.templatetags.portal import badge_html

register = template.Library()

VERSION_TONES = {
    "draft": "neutral", "in_review": "warning", "approved": "info",
    "published": "good", "superseded": "muted", "withdrawn": "bad",
}


@register.simple_tag
def version_status(version: PolicyVersion) -> SafeString:
    """A policy version's status: ``{% version_status version %}``."""
    return badge_html(version.get_status_display(), VERSION_TONES.get(version.status, "neutral"))
