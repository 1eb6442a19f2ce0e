"""A handle proves nothing; a connected account or a verified address does. The credit-capture
attack, the importer's rule (contributions.identities), claims by e-mail address, and the rule
that two accounts that both sign in are never merged."""

import importlib
import json
import logging
import re
from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.identity import account_identities_sync
from contributions.identities import IdentityKind, credit_holders
from contributions.importers.services import credit_list_import
from contributions.models import Contribution, Contributor, ContributorEmail
from contributions.services import (
    ClaimRefused,
    contributor_claim_placeholder,
    contributor_placeholder_for_email,
    contributor_update_profile,
)
from tests import factories

pytestmark = pytest.mark.django_db


def credit_list(*logins: str) -> bytes:
    return json.dumps(
        {
            "projectName": "bielik",
            "contributors": [
                {"login": login, "name": login.title(), "contributions": ["code"]}
                for login in logins
            ],
        }
    ).encode()


def import_list(project, maintainer, *logins: str):
    return credit_list_import(project=project, data=credit_list(*logins), importer=maintainer)


def connect_github(user, login: str, uid: str = "1") -> SocialAccount:
    """What allauth records when `user` connects a GitHub account, then the sync it triggers."""
    account = SocialAccount.objects.create(
        user=user, provider="github", uid=uid, extra_data={"login": login, "id": int(uid)}
    )
    account_identities_sync(user=user)
    return account


# THE CREDIT-CAPTURE ATTACK (regression)
# ------------------------------------------------------------------------------
def test_typing_a_handle_into_the_profile_captures_no_credit(client, project, maintainer):
    """Before: anyone who typed `famous-dev` as their GitHub handle received every credit a
    later import gave to famous-dev, approved and public."""
    attacker = factories.UserFactory(username="attacker")
    factories.ContributorFactory(user=attacker, display_name="Attacker")
    client.force_login(attacker)
    client.post(reverse("accounts:profile"), {"display_name": "Attacker", "github": "famous-dev"})
    with pytest.raises(ValidationError, match="come from the accounts you connect"):
        contributor_update_profile(contributor=attacker.contributor, github="famous-dev")

    report = credit_list_import(
        project=project, data=credit_list("famous-dev"), importer=maintainer
    )
    assert report.ok, report.problems
    assert not Contribution.objects.filter(contributor__user=attacker).exists()
    placeholder = Contributor.objects.get(github="famous-dev")
    assert placeholder.user is None and placeholder.contributions.count() == 1
    # Only the person who connects that GitHub account receives it.
    famous = factories.UserFactory(username="famous")
    connect_github(famous, "famous-dev")
    assert Contribution.objects.filter(contributor__user=famous).count() == 1


def test_an_unproven_handle_on_an_account_gets_no_credit_and_stops_the_import(project, maintainer):
    """A record can only hold an unproven handle if written around the services (the admin and
    the profile cannot write one); the import then refuses rather than credit it."""
    typed = factories.ContributorFactory(github="famous-dev")  # no connected account behind it
    report = credit_list_import(
        project=project, data=credit_list("famous-dev"), importer=maintainer
    )
    assert not report.ok
    assert "famous-dev" in report.problems[0] and "not connected" in report.problems[0]
    assert not Contribution.objects.exists()
    assert not typed.contributions.exists()


def test_an_import_credits_the_account_that_connected_the_handle(project, maintainer):
    person = factories.UserFactory(username="octo")
    connect_github(person, "Octo-Dev")
    report = credit_list_import(
        project=project, data=credit_list("octo-dev", "newcomer"), importer=maintainer
    )
    assert report.ok and report.contributors_reused == 1 and report.contributors_created == 1
    assert Contribution.objects.filter(contributor__user=person).count() == 1
    assert Contributor.objects.get(github="newcomer").user is None


def test_handles_typed_before_this_change_are_cleared_unless_a_connection_proves_them():
    migration = importlib.import_module(
        "contributions.migrations.0005_placeholder_emails_and_proven_handles"
    )
    typed = factories.ContributorFactory(github="famous-dev", orcid="0000-0002-1825-0097")
    proven = factories.ContributorFactory(github="octo-dev")
    SocialAccount.objects.create(user=proven.user, provider="github", uid="7")
    placeholder = factories.ContributorFactory(user=None, github="waiting")
    migration.clear_unproven_handles(apps, None)
    typed.refresh_from_db()
    proven.refresh_from_db()
    placeholder.refresh_from_db()
    assert (typed.github, typed.orcid) == ("", "")
    assert proven.github == "octo-dev"
    assert placeholder.github == "waiting"


# CLAIMS AND THE NO-MERGE RULE
# ------------------------------------------------------------------------------
def test_a_claim_never_merges_two_accounts_that_sign_in(project, caplog):
    holder = factories.UserFactory(username="holder")
    connect_github(holder, "octo-dev", uid="1")
    factories.ContributionFactory(project=project, contributor=holder.contributor)
    claimant = factories.UserFactory(username="claimant")
    caplog.set_level(logging.INFO, logger="cartography.audit")
    with pytest.raises(ClaimRefused, match="never merged"):
        contributor_claim_placeholder(user=claimant, kind=IdentityKind.GITHUB, value="OCTO-DEV")
    assert holder.contributor.contributions.count() == 1
    assert not Contributor.objects.filter(user=claimant).exists()
    [refused] = [r for r in caplog.records if getattr(r, "event", "") == "credit.claim_refused"]
    assert refused.holder_user_id == holder.pk


def test_a_claim_is_idempotent(project):
    placeholder = factories.ContributorFactory(user=None, github="octo-dev")
    factories.ContributionFactory(project=project, contributor=placeholder)
    person = factories.UserFactory()
    first = account_identities_sync(user=person)  # nothing connected yet: nothing claimed
    assert first.claimed == []
    connect_github(person, "octo-dev")
    again = account_identities_sync(user=person)
    assert again.claimed == [] and again.refused == []
    assert Contribution.objects.get().contributor.user == person


# E-MAIL ADDRESSES
# ------------------------------------------------------------------------------
def test_credit_imported_under_an_address_waits_on_a_placeholder_keyed_by_it(project):
    placeholder = contributor_placeholder_for_email(email="Ada@Example.org", display_name="Ada")
    assert placeholder.user is None
    assert list(placeholder.emails.values_list("email", flat=True)) == ["ada@example.org"]
    # The same address again finds the same placeholder.
    assert contributor_placeholder_for_email(email="ada@example.org", display_name="A") == (
        placeholder
    )
    # An address nobody verified proves nothing: an account that merely has it gets nothing.
    factories.UserFactory(username="typist", email="ada@example.org", verified_email=False)
    assert credit_holders(IdentityKind.EMAIL, ["ada@example.org"]) == {
        "ada@example.org": placeholder
    }


def test_an_address_an_account_verified_receives_the_credit_directly():
    person = factories.UserFactory(username="ada", email="ada@example.org")  # verified
    record = factories.ContributorFactory(user=person)
    assert contributor_placeholder_for_email(email="ADA@example.org", display_name="Ada") == record
    assert not ContributorEmail.objects.exists()


def test_confirming_an_address_claims_the_credit_imported_under_it(
    client, project, caplog, django_capture_on_commit_callbacks
):
    placeholder = contributor_placeholder_for_email(email="ada@example.org", display_name="Ada")
    factories.ContributionFactory(project=project, contributor=placeholder, status="approved")
    person = factories.UserFactory(username="ada-l", email="lovelace@example.org")
    client.force_login(person)
    # Adding the address claims nothing: it is not verified yet.
    client.post(reverse("account_email"), {"action_add": "", "email": "ada@example.org"})
    assert not Contribution.objects.filter(contributor__user=person).exists()
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)
    caplog.set_level(logging.INFO, logger="cartography.audit")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link.group(1))
    assert response.status_code == HTTPStatus.FOUND
    assert EmailAddress.objects.get(email="ada@example.org").verified
    assert Contribution.objects.filter(contributor__user=person).count() == 1
    # The key is spent: the address is no longer kept on the ledger's side.
    assert not ContributorEmail.objects.exists()
    assert any(getattr(r, "event", "") == "credit.claimed" for r in caplog.records)


def test_deleting_an_account_removes_its_connections_and_addresses(project):
    person = factories.UserFactory(username="octo")
    connect_github(person, "octo-dev")
    from contributions.services import account_delete

    account_delete(user=person)
    assert not SocialAccount.objects.filter(user=person).exists()
    assert not EmailAddress.objects.filter(user=person).exists()
    assert Contributor.objects.get(user=person).github == ""
