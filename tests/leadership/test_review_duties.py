"""Separation of duties on a management review: the chair signs the minutes, so someone else closes the review
(closing says the minutes are complete, the chair's signature approves them), even where the chair drafted them."""
import pytest
from django.urls import reverse

from leadership import reviews
from leadership.models import ManagementReview, ReviewStatus
from qms_portal.access import PortalRole
from qms_portal.refusals import StepRefused
from tests.core.factories import UserFactory
from tests.leadership.review_pages import held, note_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def chair_who_drafts(portal_users):
    """A top manager who also manages reviews, chairing one and writing its minutes herself."""
    return UserFactory(full_name="Bea Both", roles=[PortalRole.TOP_MANAGEMENT, PortalRole.QUALITY_MANAGER])


def drafted_by_chair(portal_users, chair) -> ManagementReview:
    review = held(portal_users, chair=chair)
    note_all(review, chair)
    return review


def test_the_chair_cannot_close_the_review_whose_minutes_she_signs(portal_users, chair_who_drafts):
    review = drafted_by_chair(portal_users, chair_who_drafts)

    with pytest.raises(StepRefused, match="Bea Both chairs .* so someone else closes it: Quentin Moss"):
        reviews.review_close(review=review, by=chair_who_drafts)

    assert ManagementReview.objects.get(pk=review.pk).status == ReviewStatus.HELD


def test_another_quality_manager_closes_it_and_the_chair_signs(portal_users, chair_who_drafts):
    review = drafted_by_chair(portal_users, chair_who_drafts)

    closed = reviews.review_close(review=review, by=portal_users.quality_manager)

    assert closed.status == ReviewStatus.CLOSED
    assert "sign" in reviews.steps_allowed(closed, chair_who_drafts)


def test_the_close_button_is_not_offered_to_the_chair_and_the_page_says_why(
    portal_users, chair_who_drafts, client_for
):
    review = drafted_by_chair(portal_users, chair_who_drafts)
    chair = client_for(chair_who_drafts)

    page = chair.get(reverse("leadership:review_detail", args=[review.pk]))
    posted = chair.post(reverse("leadership:review_close", args=[review.pk]))

    assert "Close the review" not in page.text
    assert "You chair this review and sign its minutes, so someone else closes it" in page.text
    assert posted.status_code == 409
    assert "so someone else closes it: Quentin Moss" in posted.text
    assert ManagementReview.objects.get(pk=review.pk).status == ReviewStatus.HELD
