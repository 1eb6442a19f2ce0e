"""The core flow through the services: submit, moderate, answer, revoke; every status change
appends an event; nobody moderates their own entry; the second of two racing moderators loses."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from contributions import services
from contributions.models import Contribution, Contributor, ModerationEvent
from tests import factories

pytestmark = pytest.mark.django_db


def submit(user, project, **overrides):
    data = {
        "type": "data_annotation",
        "title": "3,000 Polish preference pairs",
        "phase": "post_training",
        "quantity": Decimal(3000),
        "unit": "items annotated",
        "evidence_urls": ["https://huggingface.co/datasets/example/pairs"],
        "occurred_on": timezone.localdate() - dt.timedelta(days=2),
    }
    data.update(overrides)
    return services.contribution_submit(user=user, project=project, **data)


def history(entry):
    return list(
        ModerationEvent.objects.filter(contribution=entry).values_list("from_status", "to_status")
    )


def test_submit_saves_pending_with_an_event(contributor_user, project):
    entry = submit(contributor_user, project)
    assert entry.status == "pending"
    assert entry.contributor.user == contributor_user
    assert history(entry) == [("", "pending")]


def test_full_loop_request_changes_answer_approve(contributor_user, maintainer, project):
    entry = submit(contributor_user, project)
    services.contribution_request_changes(
        contribution=entry, moderator=maintainer, note="Link the dataset card, please."
    )
    entry.refresh_from_db()
    assert entry.status == "changes_requested"
    assert entry.moderated_by == maintainer
    services.contribution_resubmit(
        contribution=entry,
        user=contributor_user,
        note="Added the card.",
        evidence_urls=["https://huggingface.co/datasets/example/pairs/blob/main/README.md"],
    )
    entry.refresh_from_db()
    assert entry.status == "pending"
    assert entry.moderated_by is None
    services.contribution_approve(contribution=entry, moderator=maintainer)
    entry.refresh_from_db()
    assert entry.status == "approved"
    assert history(entry) == [
        ("", "pending"),
        ("pending", "changes_requested"),
        ("changes_requested", "pending"),
        ("pending", "approved"),
    ]
    notes = list(entry.events.values_list("note", flat=True))
    assert notes[1] == "Link the dataset card, please." and notes[2] == "Added the card."


def test_each_decision_mails_the_contributor(
    contributor_user, maintainer, project, django_capture_on_commit_callbacks
):
    entry = submit(contributor_user, project)
    with pytest.raises(ValidationError):
        services.contribution_reject(contribution=entry, moderator=maintainer, note="")
    with django_capture_on_commit_callbacks(execute=True):
        services.contribution_reject(contribution=entry, moderator=maintainer, note="Duplicate.")
    assert len(mail.outbox) == 1
    assert "rejected" in mail.outbox[0].subject
    assert mail.outbox[0].to == [contributor_user.email]
    assert "Duplicate." in mail.outbox[0].body


def test_nobody_moderates_their_own_entry(maintainer, project, staff):
    own = submit(maintainer, project)
    with pytest.raises(PermissionDenied, match="own"):
        services.contribution_approve(contribution=own, moderator=maintainer)
    staff_entry = submit(staff, project)
    with pytest.raises(PermissionDenied, match="own"):
        services.contribution_approve(contribution=staff_entry, moderator=staff)
    own.refresh_from_db()
    assert own.status == "pending"
    assert history(own) == [("", "pending")]


@pytest.mark.parametrize("role", ["contributor_user", "other_maintainer"])
def test_only_the_projects_maintainers_and_staff_moderate(request, role, project, staff):
    author = factories.UserFactory()
    entry = submit(author, project)
    with pytest.raises(PermissionDenied):
        services.contribution_approve(contribution=entry, moderator=request.getfixturevalue(role))
    services.contribution_approve(contribution=entry, moderator=staff)


def test_second_moderator_gets_already_decided_by(contributor_user, maintainer, project):
    second = factories.UserFactory(username="second-maintainer")
    factories.MaintainershipFactory(project=project, user=second)
    entry = submit(contributor_user, project)
    stale_copy = Contribution.objects.get(pk=entry.pk)
    services.contribution_approve(contribution=entry, moderator=maintainer)
    with pytest.raises(services.ModerationConflict, match="Already decided by maintainer"):
        services.contribution_reject(contribution=stale_copy, moderator=second, note="No.")
    stale_copy.refresh_from_db()
    assert stale_copy.status == "approved"
    assert history(stale_copy) == [("", "pending"), ("pending", "approved")]


def test_revoke_turns_an_approval_into_a_rejection_with_a_note(
    contributor_user, maintainer, project
):
    entry = submit(contributor_user, project)
    services.contribution_approve(contribution=entry, moderator=maintainer)
    with pytest.raises(ValidationError):
        services.contribution_revoke(contribution=entry, moderator=maintainer, note=" ")
    services.contribution_revoke(
        contribution=entry, moderator=maintainer, note="Evidence link was to another dataset."
    )
    entry.refresh_from_db()
    assert entry.status == "rejected"
    assert history(entry)[-1] == ("approved", "rejected")


def test_transition_not_allowed_from_current_status(contributor_user, maintainer, project):
    entry = submit(contributor_user, project)
    with pytest.raises(services.TransitionNotAllowed):
        services.contribution_revoke(contribution=entry, moderator=maintainer, note="x")
    services.contribution_withdraw(contribution=entry, user=contributor_user)
    with pytest.raises(services.TransitionNotAllowed):
        services.contribution_approve(contribution=entry, moderator=maintainer)
    with pytest.raises(services.TransitionNotAllowed):
        services.contribution_resubmit(contribution=entry, user=contributor_user)


def test_contributor_edits_only_while_pending(contributor_user, maintainer, project):
    entry = submit(contributor_user, project)
    services.contribution_update(contribution=entry, user=contributor_user, title="Better title")
    services.contribution_approve(contribution=entry, moderator=maintainer)
    with pytest.raises(PermissionDenied):
        services.contribution_update(contribution=entry, user=contributor_user, title="Sneaky")
    # A maintainer may correct an approved entry.
    services.contribution_update(contribution=entry, user=maintainer, quantity=Decimal(2900))
    entry.refresh_from_db()
    assert entry.title == "Better title" and entry.quantity == Decimal(2900)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"occurred_on": timezone.localdate() + dt.timedelta(days=1)}, "occurred_on"),
        ({"evidence_urls": ["javascript:alert(1)"]}, "evidence_urls"),
        ({"evidence_urls": ["ftp://example.org/x"]}, "evidence_urls"),
        ({"evidence_urls": [f"https://example.org/{i}" for i in range(11)]}, "evidence_urls"),
        ({"quantity": Decimal(-5)}, "quantity"),
        # Funding has no typical unit to count a bare quantity in.
        ({"type": "funding", "quantity": Decimal(10), "unit": ""}, "unit"),
        ({"type": "vibes"}, "type"),
        ({"title": "   "}, "title"),
        ({"description": "x" * 20_001}, "description"),
    ],
)
def test_invalid_input_is_refused_with_a_field_message_and_saves_nothing(
    contributor_user, project, overrides, field
):
    with pytest.raises(ValidationError) as excinfo:
        submit(contributor_user, project, **overrides)
    assert field in excinfo.value.message_dict
    assert Contribution.objects.count() == 0
    assert ModerationEvent.objects.count() == 0


def test_artifact_must_belong_to_the_project(contributor_user, project):
    foreign = factories.ArtifactFactory()
    with pytest.raises(ValidationError) as excinfo:
        submit(contributor_user, project, artifact=foreign)
    assert "artifact" in excinfo.value.message_dict


def test_bulk_approve_reports_each_outcome(contributor_user, maintainer, project):
    entries = [submit(contributor_user, project, title=f"Batch {i}") for i in range(3)]
    own = submit(maintainer, project, title="Mine")
    outcomes = services.contribution_bulk_approve(
        contribution_ids=[e.pk for e in entries] + [own.pk, 999_999], moderator=maintainer
    )
    assert [outcomes[e.pk] for e in entries] == ["approved"] * 3
    assert "own" in outcomes[own.pk]
    assert outcomes[999_999] == services.NOT_FOUND_OR_NOT_YOURS


def test_account_deletion_scrubs_personal_data_and_keeps_the_credit(
    contributor_user, maintainer, project
):
    entry = submit(contributor_user, project)
    services.contribution_approve(contribution=entry, moderator=maintainer)
    contributor = contributor_user.contributor
    # Handles a connected account proved (only the identity sync writes them).
    Contributor.objects.filter(pk=contributor.pk).update(github="ada", orcid="0000-0002-1825-0097")
    contributor.refresh_from_db()
    approved_before = Contribution.objects.filter(project=project, status="approved").count()

    services.account_delete(user=contributor_user)

    contributor_user.refresh_from_db()
    contributor.refresh_from_db()
    assert not contributor_user.is_active and contributor_user.is_former
    assert contributor_user.email == "" and contributor_user.username.startswith("former-")
    assert not contributor_user.has_usable_password()
    assert contributor.display_name == "Former contributor"
    assert contributor.github == contributor.orcid == ""
    assert contributor.is_former and not contributor.is_public
    assert (
        Contribution.objects.filter(project=project, status="approved").count() == approved_before
    )
    assert Contribution.objects.get(pk=entry.pk).contributor == contributor


def test_contributions_only_to_listed_projects(contributor_user):
    pending_project = factories.ProjectFactory(listing_status="pending")
    with pytest.raises(ValidationError):
        submit(contributor_user, pending_project)
