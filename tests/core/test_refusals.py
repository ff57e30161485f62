"""The one refusal of a step: a view lets ``StepRefused`` through and the access middleware answers it (the 409
page, or for htmx a message and a reload); and the core's state machine that raises it."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from qms_portal.access import Capability, login_only
from qms_portal.models import OrgUnit
from qms_portal.refusals import RefusalItem, StepRefused
from qms_portal.workflow import StateMachine, Step


@login_only
def refusing(request: HttpRequest) -> HttpResponse:
    # Writes first, then is refused: the refusal must leave nothing behind.
    OrgUnit.objects.create(name="Written before the refusal", code="REFUSED-1")
    raise StepRefused(
        "The gadget is archived: it cannot be polished now.",
        back_url="/gadgets/7/", back_label="Back to the gadget", record="the gadget",
    )


@login_only
def refusing_with_items(request: HttpRequest) -> HttpResponse:
    raise StepRefused(
        "Two parts are missing.",
        back_url="/gadgets/7/", back_label="Back to the gadget", heading="The gadget was not finished",
        lead="Every part needs a label. 2 parts have none yet:",
        items=[RefusalItem("p1", "The left wheel", "/gadgets/7/p1/", "Label it"),
               RefusalItem("p2", "The right wheel", "/gadgets/7/p2/", "Label it")],
        note="Nothing was changed: the gadget is still open.",
    )


urlpatterns = [
    path("refusing/", refusing),
    path("refusing-with-items/", refusing_with_items),
    path("", include("qms_portal.urls")),
]


@pytest.mark.urls(__name__)
def test_a_refused_step_answers_the_409_page_with_the_reason_and_the_way_back(portal_users, qm_client):
    response = qm_client.post("/refusing/")

    assert response.status_code == 409
    assert [t.name for t in response.templates][0] == "qms_portal/conflict.html"
    assert "The gadget is archived: it cannot be polished now." in response.text
    assert 'href="/gadgets/7/"' in response.text and "Back to the gadget" in response.text
    assert "Someone may have moved the gadget on" in response.text
    assert not OrgUnit.objects.filter(code="REFUSED-1").exists()


@pytest.mark.urls(__name__)
def test_a_refused_step_asked_by_htmx_reloads_the_page_which_then_shows_the_reason(portal_users, qm_client):
    response = qm_client.post("/refusing/", headers={"HX-Request": "true"})

    assert response.status_code == 409 and response["HX-Refresh"] == "true"
    assert not OrgUnit.objects.filter(code="REFUSED-1").exists()
    assert "it cannot be polished now" in qm_client.get("/").text


@pytest.mark.urls(__name__)
def test_a_refusal_that_lists_what_to_fix_shows_each_item_with_its_link(portal_users, qm_client):
    response = qm_client.post("/refusing-with-items/")

    assert response.status_code == 409
    assert "The gadget was not finished" in response.text
    assert "Every part needs a label. 2 parts have none yet:" in response.text
    assert "Two parts are missing." not in response.text
    assert 'href="/gadgets/7/p1/"' in response.text and "The right wheel" in response.text
    assert "Nothing was changed: the gadget is still open." in response.text


# --- The state machine -------------------------------------------------------------------------------------------
GADGET = StateMachine(
    Step("polish", "Polishing", ("new", "used"), Capability.MANAGE_ORGANISATION),
    Step("look", "Looking", ("new", "used", "archived")),
    record="the gadget",
    message=lambda gadget, step: f"{gadget.name} is {gadget.status}: it cannot take the step {step!r}.",
    back=lambda gadget: (f"/gadgets/{gadget.name}/", "Back to the gadget"),
    closed=lambda gadget: "The gadget is sealed." if gadget.sealed else "",
)


class Gadget:
    def __init__(self, status: str, sealed: bool = False) -> None:
        self.name, self.status, self.sealed = "g7", status, sealed


def test_a_step_is_refused_outside_the_states_it_starts_from_with_the_way_back():
    GADGET.check(Gadget("used"), "polish")

    with pytest.raises(StepRefused) as refused:
        GADGET.check(Gadget("archived"), "polish")

    assert refused.value.message == "g7 is archived: it cannot take the step 'polish'."
    assert (refused.value.back_url, refused.value.back_label) == ("/gadgets/g7/", "Back to the gadget")
    assert refused.value.record == "the gadget"


def test_an_unknown_step_is_refused_not_a_key_error():
    with pytest.raises(StepRefused, match="cannot take the step 'fly'"):
        GADGET.check(Gadget("new"), "fly")


def test_a_closed_record_refuses_every_step_and_allows_none(portal_users):
    with pytest.raises(StepRefused, match="sealed"):
        GADGET.check(Gadget("new", sealed=True), "look")
    assert GADGET.allowed(Gadget("new", sealed=True), portal_users.quality_manager) == set()


def test_the_steps_allowed_are_those_the_state_allows_and_the_person_holds(portal_users):
    assert GADGET.allowed(Gadget("new"), portal_users.quality_manager) == {"polish", "look"}
    assert GADGET.allowed(Gadget("new"), portal_users.employee) == {"look"}
    assert GADGET.allowed(Gadget("archived"), portal_users.quality_manager) == {"look"}
    assert GADGET.allowed(Gadget("new"), AnonymousUser()) == {"look"}
