"""Accounts on the web: sign-up, rate-limited sign-in, password change and reset, the profile,
and deleting an account while the projects' history and counts stay true."""

import re
from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import User
from contributions import stats
from contributions.models import Contribution, Contributor
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-passphrase"  # tests.factories.UserFactory


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def sign_up(client, **overrides):
    data = {
        "username": "ania",
        "email": "ania@example.org",
        "password1": "Annotating-Polish-pairs-2025",
        "password2": "Annotating-Polish-pairs-2025",
    }
    data.update(overrides)
    return client.post(reverse("account_signup"), data)


def confirmation_link(message) -> str:
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body)
    assert link, message.body
    return link.group(1)


def test_a_password_sign_up_opens_only_once_its_address_is_confirmed(client):
    response = sign_up(client)
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(username="ania")
    assert user.email == "ania@example.org"
    assert user.check_password("Annotating-Polish-pairs-2025")
    assert "_auth_user_id" not in client.session  # not signed in before the address is proven
    assert not EmailAddress.objects.get(user=user).verified
    # Signing in before confirming does not open the account (the link is sent again after a
    # cooldown, so nobody can make the site mail someone in a loop).
    elsewhere = Client()
    response = sign_in(elsewhere, "ania", "Annotating-Polish-pairs-2025")
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in elsewhere.session
    assert len(mail.outbox) == 1
    # The link in the mail confirms the address (a POST, so a mail scanner cannot) and signs in.
    link = confirmation_link(mail.outbox[-1])
    page = client.get(link)
    assert page.status_code == HTTPStatus.OK
    assert "ania@example.org" in page.content.decode()
    response = client.post(link)
    assert response.status_code == HTTPStatus.FOUND
    assert EmailAddress.objects.get(user=user).verified
    assert client.session.get("_auth_user_id") == str(user.pk)
    assert client.get(reverse("accounts:profile")).status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password1": "password123", "password2": "password123"}, "password1", "too common"),
        ({"password1": "short", "password2": "short"}, "password1", "too short"),
        ({"password2": "Something-else-entirely"}, "password2", "same password"),
        ({"email": "not-an-address"}, "email", "valid email"),
        ({"username": "bad name!"}, "username", "valid username"),
    ],
)
def test_sign_up_errors_are_shown_on_their_fields(client, overrides, field, message):
    response = sign_up(client, **overrides)
    assert response.status_code == HTTPStatus.OK
    assert message in " ".join(response.context["form"].errors[field])
    assert not User.objects.exists()


def test_sign_up_refuses_a_taken_username_and_tells_nobody_an_address_is_taken(client):
    owner = factories.UserFactory(username="ania", email="someone@example.org")
    response = sign_up(client, username="ANIA")
    assert "taken" in " ".join(response.context["form"].errors["username"])
    # A taken address is not revealed to whoever types it: the page is the usual one, and the
    # address's owner is told by mail that someone tried.
    response = sign_up(client, username="ania2", email="Someone@Example.org")
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.count() == 1
    assert [m.to for m in mail.outbox] == [[owner.email]]


def sign_in(client, login, password, address="192.0.2.1"):
    return client.post(
        reverse("account_login"),
        {"login": login, "password": password},
        REMOTE_ADDR=address,
    )


def test_sign_in_and_out(client, contributor_user):
    response = sign_in(client, "contributor", PASSWORD)
    assert response.status_code == HTTPStatus.FOUND
    assert client.session.get("_auth_user_id") == str(contributor_user.pk)
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_sign_in_with_the_email_address(client, contributor_user):
    response = sign_in(client, contributor_user.email.upper(), PASSWORD)
    assert response.status_code == HTTPStatus.FOUND
    assert client.session.get("_auth_user_id") == str(contributor_user.pk)


def test_sign_in_is_rate_limited_per_account(client, contributor_user, settings):
    settings.SIGNIN_MAX_FAILURES_PER_ACCOUNT = 3
    for attempt in range(3):
        # From different addresses: the per-account counter still adds up.
        response = sign_in(client, "contributor", "wrong", address=f"198.51.100.{attempt}")
        assert response.status_code == HTTPStatus.OK
    response = sign_in(client, "contributor", PASSWORD, address="203.0.113.9")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session  # even the right password is refused
    # Another account is not affected.
    factories.UserFactory(username="someone")
    assert sign_in(client, "someone", PASSWORD, address="203.0.113.9").status_code == 302


def test_sign_in_is_rate_limited_per_address(client, contributor_user, settings):
    settings.SIGNIN_MAX_FAILURES_PER_ADDRESS = 4
    for n in range(4):
        sign_in(client, f"guess{n}", "wrong", address="192.0.2.50")
    response = sign_in(client, "contributor", PASSWORD, address="192.0.2.50")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert sign_in(client, "contributor", PASSWORD, address="192.0.2.51").status_code == 302


def test_a_successful_sign_in_resets_the_account_counter(client, contributor_user, settings):
    settings.SIGNIN_MAX_FAILURES_PER_ACCOUNT = 3
    sign_in(client, "contributor", "wrong")
    sign_in(client, "contributor", "wrong")
    assert sign_in(client, "contributor", PASSWORD).status_code == HTTPStatus.FOUND
    client.post(reverse("account_logout"))
    sign_in(client, "contributor", "wrong")
    sign_in(client, "contributor", "wrong")
    assert sign_in(client, "contributor", PASSWORD).status_code == HTTPStatus.FOUND


def test_password_change(client, contributor_user):
    client.force_login(contributor_user)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "A-brand-new-passphrase-7",
            "password2": "A-brand-new-passphrase-7",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    contributor_user.refresh_from_db()
    assert contributor_user.check_password("A-brand-new-passphrase-7")


def test_password_reset_by_mail(client, contributor_user):
    response = client.post(reverse("account_reset_password"), {"email": contributor_user.email})
    assert response["Location"] == reverse("account_reset_password_done")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == HTTPStatus.OK
    assert not form_page.context.get("token_fail")
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"password1": "Reset-passphrase-2025", "password2": "Reset-passphrase-2025"},
    )
    assert response["Location"] == reverse("account_reset_password_from_key_done")
    contributor_user.refresh_from_db()
    assert contributor_user.check_password("Reset-passphrase-2025")


def test_profile_edit(client, contributor_user):
    organisation = factories.OrganisationFactory(name="SpeakLeash")
    country = factories.CountryFactory()
    polish = factories.LanguageFactory()
    kashubian = factories.LanguageFactory(code="csb", name="Kashubian")
    client.force_login(contributor_user)
    response = client.post(
        reverse("accounts:profile"),
        {
            "display_name": "Ania K.",
            "affiliation": organisation.pk,
            "country": country.pk,
            "languages": "pol, Kashubian",
            "is_public": "on",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    contributor = Contributor.objects.get(user=contributor_user)
    assert contributor.display_name == "Ania K."
    assert contributor.affiliation == organisation
    assert set(contributor.languages.all()) == {polish, kashubian}


def test_typed_handles_are_not_profile_fields(client, contributor_user):
    """GitHub, Hugging Face and ORCID come from connected accounts only: posting them to the
    profile changes nothing (tests/accounts/test_identity.py has the credit-capture attack)."""
    client.force_login(contributor_user)
    response = client.post(
        reverse("accounts:profile"),
        {
            "display_name": "Ania",
            "github": "famous-dev",
            "huggingface": "famous",
            "orcid": "0000-0002-1825-0097",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    contributor = Contributor.objects.get(user=contributor_user)
    assert (contributor.github, contributor.huggingface, contributor.orcid) == ("", "", "")
    page = client.get(reverse("accounts:profile")).content.decode()
    assert 'name="github"' not in page and 'name="orcid"' not in page
    assert "not connected" in page


def test_account_deletion_keeps_the_projects_counts(client, project, contributor_user):
    contributor = factories.ContributorFactory(
        user=contributor_user, display_name="Ania Kowalska", github="ania-k"
    )
    for _ in range(3):
        factories.ContributionFactory(project=project, contributor=contributor, status="approved")
    factories.ContributionFactory(project=project, contributor=contributor)
    factories.ContributionFactory(project=project, status="approved")  # someone else's
    stats.refresh_project(project.pk)  # what the job does after each approval
    before = client.get(project.get_absolute_url()).content.decode()
    assert "4 approved contributions" in before
    approved_before = Contribution.objects.filter(project=project, status="approved").count()

    client.force_login(contributor_user)
    refused = client.post(reverse("accounts:delete"), {"password": "wrong", "confirm": "on"})
    assert "not your password" in " ".join(refused.context["form"].errors["password"])
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == HTTPStatus.FOUND
    assert "_auth_user_id" not in client.session

    contributor_user.refresh_from_db()
    contributor.refresh_from_db()
    assert contributor_user.is_former and not contributor_user.is_active
    assert contributor_user.email == "" and contributor_user.username != "contributor"
    assert contributor.display_name == "Former contributor"
    assert contributor.github == ""
    assert (
        Contribution.objects.filter(project=project, status="approved").count() == approved_before
    )
    stats.refresh_project(project.pk)  # recomputed from the ledger after the deletion
    after = client.get(project.get_absolute_url()).content.decode()
    assert "4 approved contributions" in after
    assert "Ania Kowalska" not in after
    assert "Former contributor" in after
    # The former contributor has no public profile, and cannot sign in.
    assert client.get(contributor.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    assert sign_in(client, "contributor", PASSWORD).status_code == HTTPStatus.OK
