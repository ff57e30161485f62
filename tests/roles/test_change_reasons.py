"""Why the RACI matrix changes (issue 10 item 4): one reason for an editing session of the grid, asked once above
it and kept on every letter set, and a reason for each import of the matrix."""
from __future__ import annotations

import pytest
from django.urls import reverse

from qms_portal.audit import AuditEntry
from roles.models import RaciCell
from roles.views.matrix import EDITING_REASON
from tests.roles.factories import ActivityFactory, AssignmentFactory, RoleFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
REASON = "Quarterly review of the purchasing process"


@pytest.fixture
def cell():
    role = RoleFactory(title="Buyer")
    AssignmentFactory(role=role)
    return ActivityFactory(name="Place the order"), role


def cell_entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(record_type="roles.racicell").order_by("id"))


def test_the_grid_asks_why_before_its_cells_become_editable(qm_client, cell):
    activity, role = cell
    page = qm_client.get(reverse("roles:raci_matrix")).text

    assert "To change letters, first say why" in page
    assert f'<td id="cell-{activity.pk}-{role.pk}"></td>' in page
    assert f'href="cell/{activity.pk}/{role.pk}/"' not in page


def test_starting_to_edit_without_a_reason_is_refused_with_the_fields_message(qm_client, cell):
    response = qm_client.post(reverse("roles:raci_editing"), {"reason": ""})

    assert response.status_code == 200
    assert "Say why this changes: the reason is kept in the audit trail with the change." in response.text
    assert EDITING_REASON not in qm_client.session


def test_with_a_reason_the_cells_become_editable_and_the_page_shows_it(qm_client, cell):
    activity, role = cell
    response = qm_client.post(reverse("roles:raci_editing") + "?process=x", {"reason": REASON}, follow=True)

    assert response.redirect_chain[0][0] == reverse("roles:raci_matrix") + "?process=x"
    page = qm_client.get(reverse("roles:raci_matrix")).text
    assert f"“{REASON}”" in page and "Stop editing" in page
    assert f'<td id="cell-{activity.pk}-{role.pk}"><a href="cell/{activity.pk}/{role.pk}/"' in page


def test_a_letter_set_without_a_reason_is_refused_and_nothing_changes(qm_client, cell):
    activity, role = cell
    url = reverse("roles:raci_cell", args=[activity.pk, role.pk])

    inline = qm_client.post(url, {"letter": "R"}, **HTMX)
    plain = qm_client.post(url, {"letter": "R"})

    assert "Say why the letters change" in inline.text and "Say why the letters change" in plain.text
    assert not RaciCell.objects.exists()
    assert cell_entries() == []


def test_every_letter_of_the_session_keeps_its_reason_on_its_trail_entry(portal_users, client_for, qm_client, cell):
    activity, role = cell
    other = RoleFactory(title="Planner")
    qm_client.post(reverse("roles:raci_editing"), {"reason": REASON})

    qm_client.post(reverse("roles:raci_cell", args=[activity.pk, role.pk]), {"letter": "A"}, **HTMX)
    qm_client.post(reverse("roles:raci_cell", args=[activity.pk, other.pk]), {"letter": "R"}, **HTMX)

    entries = cell_entries()
    assert len(entries) == 2 and {entry.reason for entry in entries} == {REASON}
    trail = client_for(portal_users.auditor).get(reverse("audit_trail"), {"record_type": "roles.racicell"}).text
    assert REASON in trail


def test_the_cells_own_page_takes_a_reason_with_the_letter(qm_client, cell):
    activity, role = cell

    qm_client.post(reverse("roles:raci_cell", args=[activity.pk, role.pk]), {"letter": "C", "reason": REASON})

    assert RaciCell.objects.get().letter == "C"
    assert cell_entries()[-1].reason == REASON
    assert qm_client.session[EDITING_REASON] == REASON


def test_stopping_editing_forgets_the_reason(qm_client, cell):
    activity, role = cell
    qm_client.post(reverse("roles:raci_editing"), {"reason": REASON})

    qm_client.post(reverse("roles:raci_editing"), {"stop": "1"})
    refused = qm_client.post(reverse("roles:raci_cell", args=[activity.pk, role.pk]), {"letter": "R"}, **HTMX)

    assert "To change letters, first say why" in qm_client.get(reverse("roles:raci_matrix")).text
    assert "Say why the letters change" in refused.text and not RaciCell.objects.exists()
