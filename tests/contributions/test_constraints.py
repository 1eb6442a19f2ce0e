"""Ledger invariants, each rejected by the database itself."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from contributions.models import Contribution, ModerationEvent
from tests import factories
from tests.projects.test_constraints import rejected_by_database

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    return factories.ContributionFactory()


def _update(entry, **fields):
    return lambda: Contribution.objects.filter(pk=entry.pk).update(**fields)


def test_moderated_status_without_moderator_and_time_is_rejected(entry):
    for status in ("approved", "rejected", "changes_requested"):
        assert rejected_by_database(_update(entry, status=status))
        assert rejected_by_database(_update(entry, status=status, moderated_at=timezone.now()))
    moderator = factories.UserFactory()
    _update(entry, status="approved", moderated_by=moderator, moderated_at=timezone.now())()


def test_negative_quantity_is_rejected(entry):
    assert rejected_by_database(_update(entry, quantity=-1))


def test_quantity_needs_a_unit(entry):
    assert rejected_by_database(_update(entry, unit=""))
    _update(entry, quantity=None, unit="")()


def test_unknown_type_phase_compensation_status_source_are_rejected(entry):
    for field in ("type", "phase", "compensation", "status", "source"):
        assert rejected_by_database(_update(entry, **{field: "nonsense"})), field


def test_empty_title_is_rejected(entry):
    assert rejected_by_database(_update(entry, title=""))


def test_external_id_unique_per_project_and_source(entry):
    factories.ContributionFactory(project=entry.project, source="import", external_id="ac:ada:code")
    assert rejected_by_database(
        lambda: factories.ContributionFactory(
            project=entry.project, source="import", external_id="ac:ada:code"
        )
    )
    # Empty external ids are not identities: many entries may have none.
    factories.ContributionFactory(project=entry.project)
    factories.ContributionFactory(project=entry.project)


def test_github_handle_unique_case_insensitively():
    factories.ContributorFactory(github="Octocat")
    assert rejected_by_database(lambda: factories.ContributorFactory(github="octocat"))


def test_orcid_format_checked():
    assert rejected_by_database(lambda: factories.ContributorFactory(orcid="1234"))
    factories.ContributorFactory(orcid="0000-0002-1825-0097")


def test_moderation_events_are_append_only(entry):
    event = ModerationEvent.objects.create(contribution=entry, to_status="pending")
    event.note = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        ModerationEvent.objects.create(contribution=entry, to_status="teleported")


def test_former_account_cannot_be_active():
    user = factories.UserFactory()
    user.is_former = True
    assert rejected_by_database(user.save)
