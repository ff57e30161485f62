"""Template filters and tags of the shared core: Markdown, dates (``day``), shortened texts (``shorten``), status
badges (``badge``), hashes (``sha256``) and a form's error summary (``form_errors``)."""
from __future__ import annotations

import datetime as dt

from django import forms, template
from django.template.loader import get_template
from django.template.loader_tags import BlockNode
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from qms_portal import presentation
from qms_portal.richtext import markdown_to_html

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    """Render Markdown as sanitised HTML: ``{{ version.body|markdown }}``."""
    return markdown_to_html(text)


@register.filter
def shorten(text: str, limit: int) -> str:
    """A text cut at a word boundary to at most ``limit`` characters: ``{{ role.purpose|shorten:90 }}``."""
    return presentation.shorten(text, int(limit))


@register.filter(expects_localtime=True)
def day(value: dt.date | dt.datetime | None, style: str = "date") -> str:
    """A date written the portal's way: ``{{ action.due_on|day }}``, ``{{ signed_at|day:"long_signed" }}``.

    Like Django's ``date`` filter it writes nothing for a missing or unreadable value.
    """
    try:
        return presentation.day(value, style)
    except (AttributeError, TypeError):
        return ""


# A status's tone -> its look: every status badge on every page takes its colours from here.
TONES = {
    "good": "bg-success-subtle text-success-emphasis border-success-subtle",
    "warning": "bg-warning-subtle text-warning-emphasis border-warning-subtle",
    "bad": "bg-danger-subtle text-danger-emphasis border-danger-subtle",
    "info": "bg-primary-subtle text-primary-emphasis border-primary-subtle",
    "neutral": "bg-secondary-subtle text-secondary-emphasis border-secondary-subtle",
    "muted": "bg-body-tertiary text-body-secondary",
}


def badge_html(label: str, tone: str) -> SafeString:
    """A status as a badge: ``label`` (escaped) in the look of ``tone``, a key of ``TONES``."""
    if tone not in TONES:
        raise ValueError(f"Unknown badge tone {tone!r}; use one of {', '.join(TONES)}.")
    return format_html(
        '<span class="badge rounded-pill border status-badge tone-{} {}">{}</span>', tone, TONES[tone], label
    )


@register.simple_tag
def badge(label: str, tone: str) -> SafeString:
    """A status badge: ``{% badge "Published" "good" %}``; apps' status tags name the tone of each status."""
    return badge_html(label, tone)



@register.simple_tag
def sha256(value: str, about: str = "") -> SafeString:
    """A SHA-256 written whole, wrapping, with a button that copies it (``static/js/copy.js``), so a reader can
    compare it with a copy's: ``{% sha256 signature.content_sha256 about="the signed content" %}``.

    Inline elements only, so it fits in a paragraph, a table cell or a page's lead.
    """
    title = f"SHA-256 of {about}" if about else "SHA-256"
    return format_html(
        '<span class="sha256" title="{}"><span class="sha256-label">SHA-256</span> '
        '<code class="sha256-value">{}</code> '
        '<button type="button" class="btn btn-sm btn-outline-secondary sha256-copy" data-copy="{}" '
        'aria-label="Copy the {}" hidden>Copy</button></span>',
        title, value, value, title,
    )


@register.inclusion_tag("includes/form_errors.html")
def form_errors(form: forms.BaseForm) -> dict[str, object]:
    """At the top of a form, every error it has, each linking to its field: ``{% form_errors form %}``.

    A person on a phone sees at once that the form was refused and why, without scrolling to find the field.
    """
    fields = []
    for field in form:
        if field.errors:
            # A group of radios or boxes has no element with the field's own id: point at its first choice.
            target = field.id_for_label or f"{field.auto_id}_0"
            fields.append({"label": field.label, "target": target, "errors": field.errors})
    return {"general": form.non_field_errors(), "fields": fields}

class PageHeadNode(template.Node):
    """Renders each block inside ``{% page_head %}`` on its own and lays them out as the page's head.

    The blocks a page fills (``eyebrow``, ``heading``, ``heading_class``, ``lead``, ``actions``) go into
    ``includes/page_head.html``; an empty part leaves no empty element (unless the page fills ``actions_always``:
    an empty row of buttons still wraps below a full-width title, a gap that page always had), and no ``heading``
    means no head.
    """

    child_nodelists = ("nodelist",)

    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        parts = {
            node.name: mark_safe(node.render(context).strip())  # noqa: S308  (rendered, so already escaped)
            for node in self.nodelist.get_nodes_by_type(BlockNode)
            if isinstance(node, BlockNode)  # always so; it tells mypy the node has a name
        }
        if not parts.get("heading"):
            return ""
        return get_template("includes/page_head.html").render(parts)


@register.tag
def page_head(parser: template.base.Parser, token: template.base.Token) -> PageHeadNode:
    """``{% page_head %}{% block eyebrow %}{% endblock %}...{% end_page_head %}``: used once, in base.html."""
    nodelist = parser.parse(("end_page_head",))
    parser.delete_first_token()
    return PageHeadNode(nodelist)
