"""The page head base.html lays out from a page's blocks, and the one status badge."""
import pytest
from django.template import Context, Template
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_page_head_shows_only_the_parts_the_page_filled(qm_client):
    page = qm_client.get(reverse("profile")).text
    head = page[page.index('<div class="page-head">'):page.index("</main>")]
    assert '<div class="eyebrow">Your account</div>' in head and "<h1>My profile</h1>" in head
    assert 'class="lead"' not in head[:head.index("page-actions")]  # the profile has no lead
    assert f'href="{reverse("password_change")}"' in head[head.index("page-actions"):]
    assert page.count("<h1") == 1


def test_a_page_without_a_heading_has_no_page_head(qm_client):
    page = qm_client.get("/no-such-page/").text
    assert 'class="page-head"' not in page and page.count("<h1") == 1


def test_a_badge_takes_its_look_from_its_tone_and_escapes_its_words():
    html = Template('{% load portal %}{% badge label "good" %}').render(Context({"label": "<b>Done</b>"}))
    assert "tone-good" in html and "bg-success-subtle" in html and "&lt;b&gt;Done&lt;/b&gt;" in html
    with pytest.raises(ValueError, match="Unknown badge tone"):
        Template('{% load portal %}{% badge "Done" "shiny" %}').render(Context({}))
