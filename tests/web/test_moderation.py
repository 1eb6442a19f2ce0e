"""Moderation on the web: the queue, decisions with notes, revoking, bulk approval, the
self-moderation ban, and two moderators deciding the same entry at once."""

import datetime as dt
import threading
from http import HTTPStatus

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from contributions.models import Contribution, ModerationEvent
from tests import factories

pytestmark = pytest.mark.django_db


def moderate(client, entry, action, note=""):
    url = reverse("contributions:contribution_moderate", args=[entry.pk])
    return client.post(url, {"action": action, "note": note}, follow=True)


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_queue_lists_pending_entries_of_my_projects_oldest_first(
    project, maintainer, other_maintainer, client
):
    entries = [factories.ContributionFactory(project=project) for _ in range(3)]
    factories.ContributionFactory(project=project, status="approved")
    elsewhere = factories.ContributionFactory()  # another project
    client.force_login(maintainer)
    response = client.get(reverse("contributions:moderation_queue"))
    listed = list(response.context["page"].object_list)
    assert listed == entries  # oldest first, only pending, only this project's
    assert elsewhere.title not in response.content.decode()

    client.force_login(other_maintainer)
    response = client.get(reverse("contributions:moderation_queue"))
    assert list(response.context["page"].object_list) == []


def test_queue_filters_by_project_type_and_age(maintainer, project, client):
    second = factories.ProjectFactory(slug="second")
    factories.MaintainershipFactory(project=second, user=maintainer)
    annotation = factories.ContributionFactory(project=project, type="data_annotation")
    compute = factories.ContributionFactory(project=project, type="compute_donation")
    other = factories.ContributionFactory(project=second, type="data_annotation")
    old = factories.ContributionFactory(project=second, type="translation")
    Contribution.objects.filter(pk=old.pk).update(created_at=old.created_at - dt.timedelta(days=10))
    client.force_login(maintainer)
    url = reverse("contributions:moderation_queue")

    def listed(**params):
        return set(client.get(url, params).context["page"].object_list)

    assert listed() == {annotation, compute, other, old}
    assert listed(project="bielik") == {annotation, compute}
    assert listed(type="data_annotation") == {annotation, other}
    assert listed(project="second", type="data_annotation") == {other}
    assert listed(older_than="7") == {old}


def test_approve_records_the_event_and_mails_the_contributor(
    project, maintainer, pending, client, django_capture_on_commit_callbacks
):
    client.force_login(maintainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = moderate(client, pending, "approve", "Thank you!")
    assert response.status_code == HTTPStatus.OK
    pending.refresh_from_db()
    assert pending.status == "approved"
    assert pending.moderated_by == maintainer
    event = pending.events.order_by("-id").first()
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        "pending",
        "approved",
        maintainer,
        "Thank you!",
    )
    assert [m.to for m in mail.outbox] == [[pending.contributor.user.email]]
    assert "approved" in mail.outbox[0].subject
    # The history is on the entry's page.
    page = client.get(pending.get_absolute_url()).content.decode()
    assert "Thank you!" in page


@pytest.mark.parametrize(
    ("action", "status"), [("reject", "rejected"), ("request_changes", "changes_requested")]
)
def test_reject_and_request_changes_need_a_note(action, status, maintainer, pending, client):
    client.force_login(maintainer)
    url = reverse("contributions:contribution_moderate", args=[pending.pk])
    response = client.post(url, {"action": action, "note": "  "})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Say why" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending"

    moderate(client, pending, action, "Link the dataset, please.")
    pending.refresh_from_db()
    assert pending.status == status
    assert pending.events.filter(to_status=status, note="Link the dataset, please.").exists()


def test_revoke_turns_an_approval_into_a_rejection_with_an_event(maintainer, approved, client):
    client.force_login(maintainer)
    response = moderate(client, approved, "revoke", "The pull request was reverted.")
    assert "no longer approved" in " ".join(page_messages(response))
    approved.refresh_from_db()
    assert approved.status == "rejected"
    event = approved.events.order_by("-id").first()
    assert (event.from_status, event.to_status) == ("approved", "rejected")
    assert event.note == "The pull request was reverted."


def test_changes_requested_answer_returns_the_entry_to_pending(
    maintainer, contributor_user, pending, client
):
    client.force_login(maintainer)
    moderate(client, pending, "request_changes", "Which dataset?")
    client.force_login(contributor_user)
    url = reverse("contributions:contribution_resubmit", args=[pending.pk])
    page = client.get(url)
    assert "Which dataset?" in page.content.decode()
    data = {
        "type": "data_annotation",
        "title": "Pairs for the instruction set",
        "phase": "post_training",
        "compensation": "volunteer",
        "evidence_urls": "https://example.org/dataset",
        "note": "It is this one.",
    }
    response = client.post(url, data)
    assert response.status_code == HTTPStatus.FOUND
    pending.refresh_from_db()
    assert pending.status == "pending"
    assert pending.title == "Pairs for the instruction set"
    assert pending.evidence_urls == ["https://example.org/dataset"]
    assert list(pending.events.values_list("to_status", "note"))[-1] == (
        "pending",
        "It is this one.",
    )


def test_nobody_moderates_their_own_entry(project, maintainer, client):
    """A maintainer's own entry: not in their queue, no form on its page, and refused by POST."""
    own = factories.ContributionFactory(
        project=project, contributor=factories.ContributorFactory(user=maintainer)
    )
    client.force_login(maintainer)
    queue = client.get(reverse("contributions:moderation_queue"))
    assert own not in queue.context["page"].object_list
    page = client.get(own.get_absolute_url())
    assert not page.context["can_moderate"]
    assert "nobody moderates their own entry" in page.content.decode()
    response = client.post(
        reverse("contributions:contribution_moderate", args=[own.pk]), {"action": "approve"}
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    bulk = client.post(reverse("contributions:bulk_approve"), {"ids": [own.pk]}, follow=True)
    assert "Nobody moderates their own contribution" in " ".join(page_messages(bulk))
    own.refresh_from_db()
    assert own.status == "pending"
    assert own.events.count() == 0  # the factory writes no event; no decision was recorded


def test_second_decision_gets_already_decided_by(project, maintainer, pending, client):
    """The losing moderator of a race (here, one who loaded the page before the other decided)
    sees who decided, and nothing else changes."""
    colleague = factories.UserFactory(username="colleague")
    factories.MaintainershipFactory(project=project, user=colleague)
    first, second = Client(), Client()
    first.force_login(maintainer)
    second.force_login(colleague)
    second.get(pending.get_absolute_url())  # the form is on screen for both
    moderate(first, pending, "approve")
    response = moderate(second, pending, "reject", "Not enough evidence.")
    assert response.status_code == HTTPStatus.OK
    assert any(m.startswith("Already decided by maintainer") for m in page_messages(response))
    pending.refresh_from_db()
    assert pending.status == "approved"
    assert list(pending.events.values_list("to_status", flat=True)) == ["approved"]


def test_bulk_approve_reports_each_outcome(project, maintainer, client):
    entries = [factories.ContributionFactory(project=project) for _ in range(3)]
    decided = factories.ContributionFactory(project=project, status="rejected")
    client.force_login(maintainer)
    response = client.post(
        reverse("contributions:bulk_approve"),
        {"ids": [e.pk for e in entries] + [decided.pk, 999999], "note": "Checked together."},
        follow=True,
    )
    messages = page_messages(response)
    assert "Approved 3 entries." in messages
    assert any(f"#{decided.pk}" in m and "Already decided by" in m for m in messages)
    assert any("#999999" in m and "not found" in m for m in messages)
    assert (
        Contribution.objects.filter(pk__in=[e.pk for e in entries], status="approved").count() == 3
    )
    assert ModerationEvent.objects.filter(note="Checked together.").count() == 3


def test_bulk_approve_needs_a_selection(maintainer, client):
    client.force_login(maintainer)
    response = client.post(reverse("contributions:bulk_approve"), {}, follow=True)
    assert "Select at least one entry" in " ".join(page_messages(response))


@pytest.mark.django_db(transaction=True)
def test_concurrent_moderators_one_wins(project, maintainer, ledger_teardown):
    """Two maintainers decide the same entry at the same moment. On PostgreSQL the two requests
    run in threads, released together by a barrier, and serialize on the row lock; on SQLite
    (one writer at a time, no row locks) they run one after the other. Either way exactly one
    decision is recorded and the other moderator is told who decided."""
    colleague = factories.UserFactory(username="colleague")
    factories.MaintainershipFactory(project=project, user=colleague)
    entry = factories.ContributionFactory(project=project)
    clients = {}
    for user in (maintainer, colleague):
        clients[user.username] = Client()
        clients[user.username].force_login(user)
    actions = {"maintainer": ("approve", ""), "colleague": ("reject", "Duplicate of #1.")}
    # The page's text, not response.context: the test client collects template contexts through
    # a global signal, which two threads rendering at once would mix up.
    results: dict[str, str] = {}

    def decide(username: str, barrier: threading.Barrier | None) -> None:
        try:
            if barrier is not None:
                barrier.wait(timeout=30)
            action, note = actions[username]
            response = moderate(clients[username], entry, action, note)
            results[username] = response.content.decode()
        finally:
            if barrier is not None:
                connection.close()

    if connection.vendor == "postgresql":
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=decide, args=(name, barrier)) for name in actions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    else:
        for name in actions:
            decide(name, None)

    entry.refresh_from_db()
    decisions = list(entry.events.values_list("actor__username", "to_status"))
    assert len(decisions) == 1
    winner, status = decisions[0]
    loser = "colleague" if winner == "maintainer" else "maintainer"
    assert status == {"maintainer": "approved", "colleague": "rejected"}[winner]
    assert entry.status == status
    assert entry.moderated_by.username == winner
    assert f"Already decided by {winner}" in results[loser]
    assert "Already decided" not in results[winner]
