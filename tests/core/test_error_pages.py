"""The portal's own 403, 404 and 500 pages: branded, helpful, and never a stack trace."""
import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def test_an_unknown_address_shows_our_404_page_with_the_navigation(portal_users, client_for):
    response = client_for(portal_users.employee).get("/no/such/page/")

    assert response.status_code == 404
    assert "We cannot find that page" in response.text
    assert f'href="{reverse("home")}"' in response.text
    assert "Traceback" not in response.text


def test_a_page_the_role_may_not_use_shows_our_403_page_saying_why(portal_users, client_for):
    response = client_for(portal_users.employee).get(reverse("audit_trail"))

    assert response.status_code == 403
    assert "You do not have access to this page" in response.text
    assert "Your portal role does not allow this." in response.text


def test_the_500_page_renders_on_its_own_without_the_database_or_a_session():
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content
    assert b"/static/css/portal.css" in response.content
