"""Template filters of the shared core."""
from django import template
from django.utils.safestring import SafeString

from qms_portal.richtext import markdown_to_html

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    """Render Markdown as sanitised HTML: ``{{ version.body|markdown }}``."""
    return markdown_to_html(text)
