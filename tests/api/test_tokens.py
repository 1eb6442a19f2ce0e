"""API tokens: stored hashed, shown once, authenticate programs, revocable; and their page."""

from http import HTTPStatus

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.tokens import MAX_ACTIVE_TOKENS, token_create, token_revoke
from tests import factories

pytestmark = pytest.mark.django_db


def bearer(plaintext: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


def test_token_is_stored_only_as_a_digest(contributor_user):
    token, plaintext = token_create(user=contributor_user, name="dashboard")
    assert plaintext.startswith("clg_") and len(plaintext) > 40
    assert plaintext.startswith(token.prefix) and len(token.prefix) == 12
    # No column of any row holds the secret: dump the table as text and look for it.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")  # noqa: S608
        dumped = repr(cursor.fetchall())
    assert plaintext not in dumped
    assert plaintext[len(token.prefix) :] not in dumped


def test_token_authenticates_as_its_user_and_logs_as_them(contributor_user, project):
    _, plaintext = token_create(user=contributor_user, name="script")
    response = bearer(plaintext).post(
        "/api/v1/contributions/",
        {"project": project.slug, "type": "translation", "title": "Polish UI strings"},
        format="json",
    )
    assert response.status_code == HTTPStatus.CREATED, response.json()
    assert response.json()["contributor"]["username"] == contributor_user.username
    assert response.json()["source"] == "api"
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Bearer clg_not-a-real-token", "Bearer nonsense", "Bearer a b", "Bearer"],
)
def test_bad_tokens_are_refused_with_401_not_ignored(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/projects/")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "authentication_failed"


def test_revoked_token_and_inactive_account_are_refused(contributor_user):
    token, plaintext = token_create(user=contributor_user, name="old")
    assert bearer(plaintext).get("/api/v1/projects/").status_code == HTTPStatus.OK
    token_revoke(token=token, user=contributor_user)
    assert bearer(plaintext).get("/api/v1/projects/").status_code == HTTPStatus.UNAUTHORIZED

    _, second = token_create(user=contributor_user, name="new")
    contributor_user.is_active = False
    contributor_user.save()
    assert bearer(second).get("/api/v1/projects/").status_code == HTTPStatus.UNAUTHORIZED


def test_only_the_owner_revokes_and_names_are_required(contributor_user, staff):
    token, _ = token_create(user=contributor_user, name="mine")
    with pytest.raises(PermissionDenied):
        token_revoke(token=token, user=staff)
    with pytest.raises(ValidationError):
        token_create(user=contributor_user, name="   ")


def test_active_tokens_are_limited(contributor_user):
    for n in range(MAX_ACTIVE_TOKENS):
        token_create(user=contributor_user, name=f"t{n}")
    with pytest.raises(ValidationError, match="revoke one"):
        token_create(user=contributor_user, name="one too many")


# The profile page's token management
# ------------------------------------------------------------------------------
def test_token_page_needs_sign_in(client):
    response = client.get(reverse("accounts:tokens:list"))
    assert response.status_code == HTTPStatus.FOUND
    assert "login" in response["Location"]


def test_create_shows_the_secret_once_then_lists_it(client, contributor_user):
    client.force_login(contributor_user)
    response = client.post(reverse("accounts:tokens:list"), {"name": "lab dashboard"})
    assert response.status_code == HTTPStatus.CREATED
    token = ApiToken.objects.get(user=contributor_user)
    plaintext = response.context["plaintext"]
    assert plaintext.encode() in response.content
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]

    again = client.get(reverse("accounts:tokens:list"))
    assert plaintext.encode() not in again.content
    assert token.prefix.encode() in again.content
    assert b"lab dashboard" in again.content


def test_create_without_name_explains(client, contributor_user):
    client.force_login(contributor_user)
    response = client.post(reverse("accounts:tokens:list"), {"name": ""})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert b"Give the token a name" in response.content
    assert not ApiToken.objects.exists()


def test_revoke_is_post_only_csrf_protected_and_own_tokens_only(contributor_user, staff):
    from django.test import Client

    token, plaintext = token_create(user=contributor_user, name="ci")
    url = reverse("accounts:tokens:revoke", args=[token.pk])

    checked = Client(enforce_csrf_checks=True)
    checked.force_login(contributor_user)
    assert checked.post(url).status_code == HTTPStatus.FORBIDDEN  # no CSRF token

    client = Client()
    client.force_login(contributor_user)
    assert client.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED

    other = Client()
    other.force_login(staff)
    assert other.post(url).status_code == HTTPStatus.NOT_FOUND

    response = client.post(url)
    assert response.status_code == HTTPStatus.FOUND
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(plaintext).get("/api/v1/projects/").status_code == HTTPStatus.UNAUTHORIZED


def test_token_pages_show_only_ones_own_tokens(client, contributor_user):
    token_create(user=factories.UserFactory(), name="someone else's")
    client.force_login(contributor_user)
    response = client.get(reverse("accounts:tokens:list"))
    assert response.status_code == HTTPStatus.OK
    assert b"someone else" not in response.content
