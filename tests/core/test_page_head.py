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


def test_a_head_whose_buttons_depend_on_the_reader_keeps_an_empty_row_of_buttons(portal_users, client_for):
    # An empty row still wraps below a full-width title, so the head is as tall for a reader as for an editor.
    page = client_for(portal_users.auditor).get(reverse("leadership:commitment_detail", args=["5.1.1.f"])).text
    head = page[page.index('<div class="page-head">'):page.index("</main>")]
    assert 'class="page-actions d-flex flex-wrap align-items-center gap-2"></div>' in head
    mine = client_for(portal_users.employee).get(reverse("leadership:my_actions")).text
    assert "page-actions" not in mine  # a page that keeps no row has none when it has no buttons
