"""A person claims repository credit by a verified address; a maintainer hides a wrong cell."""

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError

from contributions.choices import ContributionStatus
from contributions.models import Contribution, Contributor, ContributorEmail
from contributions.services import (
    contribution_hide,
    contribution_unhide,
    contributor_claim_placeholder,
)
from tests import factories
from tests.repositories.conftest import ADA, EXPECTED, day, ledger, sync
from tests.repositories.gitrepo import lines

pytestmark = pytest.mark.django_db


def test_a_verified_address_claims_the_credit_and_later_syncs_follow(
    project, history, history_source
):
    repo, _shas = history
    sync(history_source)
    user = factories.UserFactory(username="ada", first_name="Ada", last_name="L")
    factories.ContributorFactory(user=user, display_name="Ada L")  # an existing profile
    EmailAddress.objects.filter(email="ada@example.org").exclude(user=user).delete()
    EmailAddress.objects.update_or_create(
        email="ada@example.org", defaults={"user": user, "verified": True}
    )
    claim = contributor_claim_placeholder(user=user, kind="email", value="ADA@example.org")
    own = claim.contributor
    assert own.user_id == user.pk
    credited = Contribution.objects.filter(project=project, contributor=own)
    assert credited.count() == 5
    assert not Contributor.objects.filter(user=None, display_name="Ada").exists()
    assert not ContributorEmail.objects.filter(email="ada@example.org").exists()
    repo.commit({"src/app.py": lines(11)}, author=ADA, date=day("2025-03-03"))
    sync(history_source)
    assert Contribution.objects.filter(project=project, contributor=own).count() == 6
    assert not Contributor.objects.filter(user=None, display_name="Ada").exists()


def test_an_address_nobody_recorded_claims_nothing(project, history_source):
    sync(history_source)
    user = factories.UserFactory(username="mallory")
    claim = contributor_claim_placeholder(user=user, kind="email", value="mallory@example.org")
    assert claim.credits == 0 and claim.placeholder_id is None


def test_a_github_account_claims_no_reply_credit(project, history_source):
    sync(history_source)
    user = factories.UserFactory(username="bob")
    own = contributor_claim_placeholder(user=user, kind="github", value="bob-gh").contributor
    assert own.user_id == user.pk
    assert Contribution.objects.filter(project=project, contributor=own).count() == 3


def test_a_maintainer_hides_a_wrongly_attributed_cell_with_a_reason(
    project, maintainer, history, history_source
):
    repo, _shas = history
    sync(history_source)
    cell = Contribution.objects.get(
        project=project, contributor__display_name="Dana", type="evaluation_feedback"
    )
    with pytest.raises(ValidationError):
        contribution_hide(contribution=cell, user=maintainer, reason=" ")
    with pytest.raises(PermissionDenied):
        contribution_hide(
            contribution=cell, user=factories.UserFactory(), reason="Not Dana's work."
        )
    hidden = contribution_hide(contribution=cell, user=maintainer, reason="Dana is a bot alias.")
    assert hidden.is_hidden and hidden.status == ContributionStatus.REJECTED
    assert hidden.moderated_by == maintainer
    event = hidden.events.last()
    assert event.actor == maintainer and "Dana is a bot alias." in event.note
    expected = {k: v for k, v in EXPECTED.items() if k[0] != "Dana"}
    assert ledger(project) == expected
    # New commits do not bring it back.
    repo.commit(
        {"src/x.py": lines(1)},
        author=ADA,
        date=day("2025-02-20"),
        trailers=("Reported-by: Dana <dana@example.org>",),
    )
    sync(history_source)
    hidden.refresh_from_db()
    assert hidden.is_hidden and hidden.status == ContributionStatus.REJECTED
    assert hidden.quantity == 2
    shown = contribution_unhide(contribution=hidden, user=maintainer)
    assert shown.status == ContributionStatus.APPROVED and shown.moderated_by is None


def test_logged_work_cannot_be_hidden(project, maintainer):
    entry = factories.ContributionFactory(project=project)
    with pytest.raises(ValidationError):
        contribution_hide(contribution=entry, user=maintainer, reason="Wrong person.")
