"""Policy text is Markdown rendered to safe HTML: known attacks come out harmless, formatting survives."""
import pytest
from django.template import Context, Template

from qms_portal.richtext import markdown_to_html

# What must never reach a page, whatever the payload (compared case-insensitively).
FORBIDDEN = ["javascript:", "onerror", "onload", "onclick", "onmouseover", "<script", "<svg", "<img", "<iframe",
             "<object", "<form", "<style", "<math", "data:", "style="]

PAYLOADS = {
    "inline-link-javascript": "[x](javascript:alert(1))",
    "inline-link-javascript-mixed-case": "[x](JaVaScRiPt:alert(1))",
    "inline-link-javascript-padded": "[x]( javascript:alert(1) )",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "img-javascript-src": '<IMG SRC="javascript:alert(1)">',
    "svg-onload": "<svg onload=alert(1)>",
    "svg-script": "<svg><script>alert(1)</script></svg>",
    "reference-link-javascript": "See [the policy][1].\n\n[1]: javascript:alert(1)",
    "reference-link-javascript-titled": '[x][evil]\n\n[evil]: javascript:alert(1) "Click me"',
    "reference-image-remote": "![logo][i]\n\n[i]: https://evil.example/a.png",
    "anchor-data-url": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "markdown-data-url": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "script": "<script>alert(1)</script>",
    "script-nested": "<<script>script>alert(1)<</script>/script>",
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "object": '<object data="https://evil.example/x.swf"></object>',
    "form": '<form action="https://evil.example"><input name="password"></form>',
    "style-attribute": '<p style="position:fixed;top:0">Overlay</p>',
    "style-attribute-upper": '<p STYLE="color:red">Red</p>',
    "style-element": "<style>body { display: none }</style>",
    "remote-image": "![img](https://evil.example/x.png)",
    "onclick": '<a href="https://ok.example" onclick="alert(1)">x</a>',
    "onmouseover-div": "<div onmouseover=alert(1)>hover</div>",
    "entity-colon-markdown": "[x](javascript&colon;alert(1))",
    "entity-colon-html": '<a href="javascript&colon;alert(1)">x</a>',
    "entity-j-markdown": "[x](&#106;avascript:alert(1))",
    "entity-j-html": '<a href="&#106;avascript:alert(1)">x</a>',
    "entity-hex-html": '<a href="&#x6A;&#x61;&#x76;&#x61;script&#x3A;alert(1)">x</a>',
    "tab-in-scheme": '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "leading-space-scheme": '<a href="  javascript:alert(1)">x</a>',
    "mutation-xss": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "html-comment": "<!-- <img src=x onerror=alert(1)> -->text",
}


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_known_xss_payloads_come_out_harmless(payload):
    html = str(markdown_to_html(payload)).lower()

    found = [needle for needle in FORBIDDEN if needle in html]
    assert found == [], f"{found} in {html!r}"


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_the_markdown_filter_in_templates_is_just_as_safe(payload):
    html = Template("{% load portal %}{{ text|markdown }}").render(Context({"text": payload})).lower()

    assert not [needle for needle in FORBIDDEN if needle in html]


def test_a_link_with_a_javascript_url_keeps_its_text_but_loses_its_address():
    assert str(markdown_to_html("[Read me](javascript:alert(1))")) == (
        '<p><a rel="noopener noreferrer nofollow">Read me</a></p>'
    )


def test_no_image_survives_not_even_from_a_trusted_looking_address():
    html = str(markdown_to_html("![Signature](https://portal.example/static/signature.png)"))

    assert "<img" not in html and "portal.example" not in html


def test_headings_lists_emphasis_and_tables_survive():
    text = (
        "# Quality policy\n\n## Our commitments\n\n"
        "- We meet requirements\n- We improve\n\n"
        "1. First\n2. Second\n\n"
        "*Customers* come **first**.\n\n"
        "| Objective | Target |\n|---|---|\n| On-time delivery | 98% |\n"
    )

    html = str(markdown_to_html(text))

    for fragment in [
        "<h1>Quality policy</h1>",
        "<h2>Our commitments</h2>",
        "<ul>\n<li>We meet requirements</li>\n<li>We improve</li>\n</ul>",
        "<ol>\n<li>First</li>\n<li>Second</li>\n</ol>",
        "<em>Customers</em>",
        "<strong>first</strong>",
        "<table>",
        "<th>Objective</th>",
        "<td>On-time delivery</td>",
    ]:
        assert fragment in html


def test_https_and_mailto_links_survive_with_a_safe_rel():
    html = str(markdown_to_html("[ISO](https://www.iso.org/standard/62085.html) or [mail](mailto:qm@example.com)"))

    assert '<a href="https://www.iso.org/standard/62085.html" rel="noopener noreferrer nofollow">ISO</a>' in html
    assert '<a href="mailto:qm@example.com" rel="noopener noreferrer nofollow">mail</a>' in html


def test_a_reference_style_https_link_survives():
    html = str(markdown_to_html("See [the standard][iso].\n\n[iso]: https://www.iso.org/"))

    assert '<a href="https://www.iso.org/" rel="noopener noreferrer nofollow">the standard</a>' in html


def test_text_that_looks_like_html_is_shown_not_run():
    html = str(markdown_to_html("Use `<script>` tags? Never: 5 < 6 & 7 > 3."))

    assert "<code>&lt;script&gt;</code>" in html
    assert "5 &lt; 6 &amp; 7 &gt; 3" in html


def test_empty_text_renders_nothing():
    assert str(markdown_to_html("")) == ""
    assert str(markdown_to_html(None)) == ""
