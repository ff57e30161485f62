"""Comparing two versions side by side: exactly the changed words are marked, and the page lets quality
managers, top management and auditors pick any two versions."""
import re

import pytest
from django.urls import reverse

from policy.diff import RowKind, text_diff
from policy.models import VersionStatus
from tests.policy.factories import PolicyDocumentFactory, PolicyVersionFactory

pytestmark = pytest.mark.django_db


def marked(html: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", html)


def test_only_the_changed_word_is_marked():
    diff = text_diff(
        "We meet customer requirements on time, every time.",
        "We exceed customer requirements on time, every time.",
    )

    [row] = diff.rows
    assert row.kind == RowKind.CHANGED
    assert marked(row.left, "del") == ["meet"]
    assert marked(row.right, "ins") == ["exceed"]
    assert marked(row.left, "ins") == [] and marked(row.right, "del") == []
    assert (diff.words_removed, diff.words_added) == (1, 1)


def test_neighbouring_changed_words_are_marked_as_one_phrase():
    [row] = text_diff("Each year the board sets objectives.", "Each year top management sets objectives.").rows

    assert marked(row.left, "del") == ["the board"]
    assert marked(row.right, "ins") == ["top management"]


def test_an_added_word_is_marked_on_the_right_only():
    [row] = text_diff("We set quality objectives.", "We set measurable quality objectives.").rows

    assert marked(row.left, "del") == []
    assert marked(row.right, "ins") == ["measurable"]
    assert row.right.replace("<ins>", "").replace("</ins>", "") == "We set measurable quality objectives."


def test_unchanged_lines_carry_no_marks():
    diff = text_diff("# Policy\n\nKept line.\nOld words here.", "# Policy\n\nKept line.\nNew words here.")

    assert [row.kind for row in diff.rows] == [RowKind.SAME, RowKind.SAME, RowKind.SAME, RowKind.CHANGED]
    assert all("<del>" not in row.left and "<ins>" not in row.right for row in diff.rows[:3])


def test_added_and_removed_lines_stand_alone_with_their_numbers():
    diff = text_diff("Intro.\nGone paragraph about forklifts.\nEnd.", "Intro.\nEnd.\nA new closing line.")

    kinds = [(row.kind, row.left_number, row.right_number) for row in diff.rows]
    assert (RowKind.REMOVED, 2, None) in kinds
    assert (RowKind.ADDED, None, 3) in kinds
    assert (RowKind.SAME, 3, 2) in kinds


def test_a_rewritten_line_faces_its_replacement_without_word_marks_in_between():
    [row] = text_diff("After the review: supplier quality joins.", "Brings the policy into line with strategy.").rows

    assert row.kind == RowKind.REPLACED
    assert marked(row.left, "del") == ["After the review: supplier quality joins."]
    assert marked(row.right, "ins") == ["Brings the policy into line with strategy."]


def test_the_text_is_escaped():
    [row] = text_diff("Safe <b>text</b>", "Safe <script>alert(1)</script>").rows

    assert re.sub(r"</?del>", "", row.left) == "Safe &lt;b&gt;text&lt;/b&gt;"
    assert re.sub(r"</?ins>", "", row.right) == "Safe &lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def three_versions(portal_users):
    document = PolicyDocumentFactory(reference="QP-01", title="Quality Policy")
    signer = portal_users.top_management
    v1 = PolicyVersionFactory(
        document=document, number=1, status=VersionStatus.SUPERSEDED, signed_by=signer,
        body="We meet customer requirements.\n\nWe improve.", change_summary="First issue.",
    )
    v2 = PolicyVersionFactory(
        document=document, number=2, status=VersionStatus.PUBLISHED, signed_by=signer,
        body="We exceed customer requirements.\n\nWe improve.", change_summary="Raises the bar on customers.",
    )
    v3 = PolicyVersionFactory(
        document=document, number=3, status=VersionStatus.DRAFT,
        body="We exceed customer requirements.\n\nWe continually improve.", change_summary="Improvement made explicit.",
    )
    return document, (v1, v2, v3)


def diff_url(document, **query) -> str:
    url = reverse("policy:version_diff", args=[document.reference])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def test_the_page_compares_the_newest_version_with_the_one_before_by_default(qm_client, three_versions):
    document, _ = three_versions

    response = qm_client.get(diff_url(document))

    assert response.status_code == 200
    assert response.context["left"].number == 2 and response.context["right"].number == 3
    content = response.content.decode()
    assert "<del>We</del> <ins>We continually</ins>" not in content  # the word, not the line
    assert "<ins>continually</ins>" in content
    assert "Improvement made explicit." in content and "Raises the bar on customers." in content


def test_any_two_versions_can_be_chosen(qm_client, three_versions):
    document, _ = three_versions

    response = qm_client.get(diff_url(document, a=1, b=2))

    assert response.context["left"].number == 1 and response.context["right"].number == 2
    content = response.content.decode()
    assert "<del>meet</del>" in content and "<ins>exceed</ins>" in content
    assert '<option value="1" selected>' in content and '<option value="2" selected>' in content


def test_an_unknown_version_number_is_not_found_and_says_so(qm_client, three_versions):
    document, _ = three_versions

    response = qm_client.get(diff_url(document, a=1, b=9))

    assert response.status_code == 404
    assert "QP-01 has no version 9. Its versions are numbered 1 to 3." in response.content.decode()


def test_a_version_that_is_not_a_number_is_not_found(qm_client, three_versions):
    document, _ = three_versions

    assert qm_client.get(diff_url(document, a="two", b=3)).status_code == 404


def test_a_missing_side_asks_for_both_versions(qm_client, three_versions):
    document, _ = three_versions

    response = qm_client.get(diff_url(document, a=2))

    assert response.status_code == 200
    assert "Choose two versions to compare" in response.content.decode()
    assert response.context["diff"] is None


def test_the_same_version_twice_asks_for_two_different_ones(qm_client, three_versions):
    document, _ = three_versions

    response = qm_client.get(diff_url(document, a=2, b=2))

    assert "Choose two different versions" in response.content.decode()
    assert response.context["diff"] is None


def test_a_document_with_one_version_has_nothing_to_compare(qm_client):
    version = PolicyVersionFactory(status=VersionStatus.DRAFT)

    response = qm_client.get(diff_url(version.document))

    assert response.status_code == 200
    assert "Nothing to compare yet" in response.content.decode()


def test_an_unknown_document_is_not_found(qm_client):
    assert qm_client.get(reverse("policy:version_diff", args=["no-such-policy"])).status_code == 404


@pytest.mark.parametrize("role", ["quality_manager", "top_management", "auditor"])
def test_people_who_may_read_the_history_may_compare(role, portal_users, client_for, three_versions):
    document, _ = three_versions

    assert client_for(portal_users.by_key(role)).get(diff_url(document)).status_code == 200


@pytest.mark.parametrize("role", ["employee", "process_owner"])
def test_people_who_may_only_read_the_current_version_are_refused(role, portal_users, client_for, three_versions):
    document, _ = three_versions

    assert client_for(portal_users.by_key(role)).get(diff_url(document)).status_code == 403


def test_visitors_are_sent_to_sign_in(client, three_versions):
    document, _ = three_versions

    response = client.get(diff_url(document))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
