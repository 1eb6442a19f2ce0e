"""Signing in with GitHub, Hugging Face and ORCID, through allauth's real flow against fake
providers on 127.0.0.1 (tests/accounts/fake_provider.py): new accounts, claims of imported
credit, a refused claim, connecting an identity to a password account, disconnecting."""

import json
import logging
from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from contributions.choices import ContributionStatus
from contributions.importers.services import credit_list_import
from contributions.models import Contribution, Contributor, ProjectStatsSummary
from tests import factories
from tests.accounts.conftest import provider_flow

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-passphrase"  # tests.factories.UserFactory's

OCTO = {
    "id": 5831,
    "login": "octo-dev",
    "name": "Octo Developer",
    "email": None,
    "emails": [{"email": "octo@example.org", "primary": True, "verified": True}],
}
HF_PERSON = {
    "sub": "64f0c0ffee",
    "preferred_username": "hf-annotator",
    "name": "Hana Annotator",
    "email": "hana@example.org",
    "email_verified": True,
}
ORCID_PERSON = {"orcid": "0000-0002-1825-0097", "name": "Josiah Carberry"}

CREDIT_LIST = {
    "projectName": "bielik",
    "projectOwner": "speakleash",
    "contributors": [
        {"login": "octo-dev", "name": "Octo Developer", "contributions": ["code", "doc"]},
        {"login": "someone-else", "name": "Someone Else", "contributions": ["translation"]},
    ],
}


def messages_of(client, response) -> str:
    page = client.get(response["Location"]) if response.status_code == HTTPStatus.FOUND else None
    return " ".join(str(m) for m in (page or response).context["messages"])


def import_credit_list(project, maintainer):
    report = credit_list_import(
        project=project, data=json.dumps(CREDIT_LIST).encode(), importer=maintainer
    )
    assert report.ok, report.problems
    return report


def audit(caplog, event: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "event", "") == event]


def signed_in_user(client) -> User | None:
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk) if pk else None


# THE PROVIDERS OFFERED
# ------------------------------------------------------------------------------
def test_with_no_provider_configured_sign_in_is_password_only(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APPS": []}, "orcid": {"APPS": []}}
    page = client.get(reverse("account_login")).content.decode()
    assert "Sign in with" not in page
    assert 'name="login"' in page and 'name="password"' in page
    assert client.get(reverse("github_login")).status_code == HTTPStatus.NOT_FOUND


def test_a_button_for_each_configured_provider_only(client, providers, settings):
    page = client.get(reverse("account_login")).content.decode()
    assert "Sign in with GitHub" in page
    assert "Sign in with Hugging Face" in page
    assert "Sign in with ORCID" in page
    settings.SOCIALACCOUNT_PROVIDERS = {"github": settings.SOCIALACCOUNT_PROVIDERS["github"]}
    page = client.get(reverse("account_login")).content.decode()
    assert "Sign in with GitHub" in page
    assert "Hugging Face" not in page and "ORCID" not in page


# SIGNING IN
# ------------------------------------------------------------------------------
def test_github_sign_in_opens_an_account_that_shows_the_proven_handle(client, providers):
    providers.person("github", OCTO)
    response = provider_flow(client, providers, "github")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("home")
    user = signed_in_user(client)
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == ("github", "5831")
    assert Contributor.objects.get(user=user).github == "octo-dev"
    # The provider's verified address is recorded as verified; the access token is not kept.
    assert EmailAddress.objects.get(user=user, email="octo@example.org").verified
    assert not account.socialtoken_set.exists()
    # The flow went through the provider: authorize, token exchange, profile, addresses.
    assert providers.paths() == [
        "/github/login/oauth/authorize",
        "/github/login/oauth/access_token",
        "/github/api/v3/user",
        "/github/api/v3/user/emails",
    ]
    # Signing in again reaches the same account.
    client.post(reverse("account_logout"))
    provider_flow(client, providers, "github")
    assert signed_in_user(client) == user
    assert User.objects.count() == 1


def test_hugging_face_sign_in_through_openid_connect(client, providers):
    providers.person("hf", HF_PERSON)
    response = provider_flow(client, providers, "hf")
    assert response.status_code == HTTPStatus.FOUND
    user = signed_in_user(client)
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == ("huggingface", "64f0c0ffee")
    assert Contributor.objects.get(user=user).huggingface == "hf-annotator"
    assert "/hf/.well-known/openid-configuration" in providers.paths()
    assert "/hf/oauth/userinfo" in providers.paths()


def test_orcid_sign_in_asks_for_the_address_orcid_did_not_share(client, providers):
    providers.person("orcid", ORCID_PERSON)
    response = provider_flow(client, providers, "orcid")
    assert response["Location"] == reverse("socialaccount_signup")
    form = client.get(response["Location"])
    assert "ORCID" in form.content.decode()
    response = client.post(
        reverse("socialaccount_signup"), {"username": "carberry", "email": "josiah@example.org"}
    )
    assert response.status_code == HTTPStatus.FOUND
    user = signed_in_user(client)
    assert user.username == "carberry"
    # ORCID proved the iD, not the address: a confirmation mail goes out for that.
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert SocialAccount.objects.get(user=user).uid == "0000-0002-1825-0097"
    assert Contributor.objects.get(user=user).orcid == "0000-0002-1825-0097"
    assert "/orcid/v3.0/0000-0002-1825-0097/record" in providers.paths()


def test_a_forged_callback_signs_nobody_in(client, providers):
    """The state must be the one this browser session started with."""
    providers.person("github", OCTO)
    response = client.get(reverse("github_callback"), {"code": "made-up", "state": "made-up"})
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert "Sign-in failed" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not User.objects.exists()
    assert providers.paths() == []  # no code was even exchanged


# CLAIMS
# ------------------------------------------------------------------------------
def test_signing_in_with_github_claims_the_credits_imported_under_the_handle(
    client, providers, project, maintainer, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        import_credit_list(project, maintainer)
    placeholder = Contributor.objects.get(github="octo-dev")
    assert placeholder.user is None
    imported = set(placeholder.contributions.values_list("pk", flat=True))
    assert len(imported) == 2
    caplog.set_level(logging.INFO, logger="cartography.audit")
    providers.person("github", OCTO)
    with django_capture_on_commit_callbacks(execute=True):
        response = provider_flow(client, providers, "github")
    user = signed_in_user(client)
    # The placeholder became the person's record: its credits, approved, are theirs.
    record = Contributor.objects.get(user=user)
    assert record.pk == placeholder.pk and record.github == "octo-dev"
    assert set(
        Contribution.objects.filter(contributor__user=user).values_list("pk", flat=True)
    ) == (imported)
    assert set(record.contributions.values_list("status", flat=True)) == {
        ContributionStatus.APPROVED
    }
    assert "2 credits imported under your GitHub handle octo-dev are now yours" in messages_of(
        client, response
    )
    [claimed] = audit(caplog, "credit.claimed")
    assert (claimed.actor_id, claimed.credits, claimed.kind) == (user.pk, 2, "github")
    # The person's public page lists the work.
    page = client.get(record.get_absolute_url()).content.decode()
    assert "in the All Contributors list of bielik" in page
    # Someone else's credit stayed where it was.
    assert Contributor.objects.get(github="someone-else").user is None


def test_connecting_github_to_a_password_account_merges_the_credits_and_moves_the_statistics(
    client, providers, project, maintainer, caplog, django_capture_on_commit_callbacks
):
    """Account linking: a person with a password account and their own approved work connects
    GitHub; the credits imported under their handle join their record."""
    person = factories.UserFactory(username="octo")
    own = factories.ContributorFactory(user=person, display_name="Octo")
    mine = factories.ContributionFactory(project=project, contributor=own)
    with django_capture_on_commit_callbacks(execute=True):
        contribution_approve(mine, maintainer)
        import_credit_list(project, maintainer)
    summary = ProjectStatsSummary.objects.get(project=project)
    assert (summary.contributions, summary.contributors) == (4, 3)

    client.force_login(person)
    caplog.set_level(logging.INFO, logger="cartography.audit")
    providers.person("github", OCTO)
    with django_capture_on_commit_callbacks(execute=True):
        response = provider_flow(client, providers, "github", connect=True)
    assert response.status_code == HTTPStatus.FOUND
    assert signed_in_user(client) == person  # still the same account
    assert SocialAccount.objects.get(provider="github").user == person
    own.refresh_from_db()
    assert own.github == "octo-dev"
    assert own.contributions.count() == 3
    assert not Contributor.objects.filter(github="octo-dev", user__isnull=True).exists()
    # Distinct contributors: octo's two records became one.
    summary.refresh_from_db()
    assert (summary.contributions, summary.contributors) == (4, 2)
    [claimed] = audit(caplog, "credit.claimed")
    assert claimed.merged is True and claimed.credits == 2
    assert [r.provider for r in audit(caplog, "auth.identity_connected")] == ["github"]
    # From now on GitHub opens this account.
    other = Client()
    provider_flow(other, providers, "github")
    assert signed_in_user(other) == person


def contribution_approve(entry, maintainer):
    from contributions.services import contribution_approve as approve

    approve(contribution=entry, moderator=maintainer)


def test_a_claim_is_refused_when_another_signed_in_account_holds_the_handle(
    client, providers, project, maintainer, caplog, django_capture_on_commit_callbacks
):
    """GitHub account 5831 was octo-dev when its owner signed in and claimed the credit. Another
    GitHub account, renamed octo-dev since, signs in: it gets an account of its own, and the
    credit stays: two accounts that both sign in are never merged."""
    with django_capture_on_commit_callbacks(execute=True):
        import_credit_list(project, maintainer)
    providers.person("github", OCTO)
    first = Client()
    with django_capture_on_commit_callbacks(execute=True):
        provider_flow(first, providers, "github")
    holder = signed_in_user(first)
    credited = set(Contribution.objects.filter(contributor__user=holder).values_list("pk"))
    assert len(credited) == 2

    caplog.set_level(logging.INFO, logger="cartography.audit")
    renamed = [{"email": "renamed@example.org", "primary": True, "verified": True}]
    providers.person("github", {**OCTO, "id": 9001, "emails": renamed})
    with django_capture_on_commit_callbacks(execute=True):
        response = provider_flow(client, providers, "github")
    newcomer = signed_in_user(client)
    assert newcomer is not None and newcomer != holder
    told = messages_of(client, response)
    assert "already on another account's profile" in told and "never merged" in told
    assert set(Contribution.objects.filter(contributor__user=holder).values_list("pk")) == credited
    assert not Contribution.objects.filter(contributor__user=newcomer).exists()
    assert Contributor.objects.get(user=newcomer).github == ""
    assert Contributor.objects.get(user=holder).github == "octo-dev"
    [refused] = audit(caplog, "credit.claim_refused")
    assert (refused.actor_id, refused.holder_user_id) == (newcomer.pk, holder.pk)


def test_hugging_face_and_orcid_claim_the_credit_waiting_under_them(client, providers, project):
    hf_placeholder = factories.ContributorFactory(user=None, huggingface="HF-Annotator")
    orcid_placeholder = factories.ContributorFactory(user=None, orcid="0000-0002-1825-0097")
    factories.ContributionFactory(project=project, contributor=hf_placeholder, status="approved")
    factories.ContributionFactory(project=project, contributor=orcid_placeholder)
    providers.person("hf", HF_PERSON)
    provider_flow(client, providers, "hf")
    user = signed_in_user(client)
    hf_placeholder.refresh_from_db()
    assert hf_placeholder.user == user
    # The same person connects ORCID: that placeholder's credit joins their record.
    providers.person("orcid", ORCID_PERSON)
    provider_flow(client, providers, "orcid", connect=True)
    record = Contributor.objects.get(user=user)
    assert record.orcid == "0000-0002-1825-0097"
    assert record.contributions.count() == 2
    assert not Contributor.objects.filter(pk=orcid_placeholder.pk).exists()


# DISCONNECTING
# ------------------------------------------------------------------------------
def test_the_last_way_in_cannot_be_disconnected(client, providers):
    providers.person("github", OCTO)
    provider_flow(client, providers, "github")
    user = signed_in_user(client)
    assert not user.has_usable_password()
    account = SocialAccount.objects.get(user=user)
    response = client.post(reverse("socialaccount_connections"), {"account": account.pk})
    assert response.status_code == HTTPStatus.OK
    assert "no password" in response.content.decode().lower()
    assert SocialAccount.objects.filter(pk=account.pk).exists()
    assert Contributor.objects.get(user=user).github == "octo-dev"

    # With a password (and the verified address GitHub gave), GitHub may go.
    response = client.post(
        reverse("account_set_password"),
        {"password1": "Another-long-passphrase-3", "password2": "Another-long-passphrase-3"},
    )
    assert response.status_code == HTTPStatus.FOUND
    response = client.post(reverse("socialaccount_connections"), {"account": account.pk})
    assert response.status_code == HTTPStatus.FOUND
    assert not SocialAccount.objects.filter(pk=account.pk).exists()
    # The handle leaves the profile (nothing proves it now).
    assert Contributor.objects.get(user=user).github == ""


def test_a_password_account_can_disconnect_github(client, providers):
    person = factories.UserFactory(username="octo")
    client.force_login(person)
    providers.person("github", OCTO)
    provider_flow(client, providers, "github", connect=True)
    account = SocialAccount.objects.get(user=person)
    response = client.post(reverse("socialaccount_connections"), {"account": account.pk})
    assert response.status_code == HTTPStatus.FOUND
    assert not SocialAccount.objects.filter(user=person).exists()
    assert Contributor.objects.get(user=person).github == ""
    other = Client()
    response = other.post(reverse("account_login"), {"login": "octo", "password": PASSWORD})
    assert response.status_code == HTTPStatus.FOUND
    assert signed_in_user(other) == person


def test_an_account_without_a_password_is_deleted_without_one(client, providers):
    providers.person("github", OCTO)
    provider_flow(client, providers, "github")
    user = signed_in_user(client)
    page = client.get(reverse("accounts:delete")).content.decode()
    assert 'name="password"' not in page
    response = client.post(reverse("accounts:delete"), {"confirm": "on"})
    assert response.status_code == HTTPStatus.FOUND
    user.refresh_from_db()
    assert user.is_former and not SocialAccount.objects.filter(user=user).exists()
    # The GitHub account no longer opens it: signing in again starts a new account.
    provider_flow(client, providers, "github")
    assert signed_in_user(client) not in (None, user)
