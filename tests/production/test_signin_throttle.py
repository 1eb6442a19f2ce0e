"""The sign-in limit holds per account (many addresses guessing one password) and per address (one
client trying many accounts), answers 429 with a message a person can act on, and is logged."""

import logging
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-passphrase"  # tests.factories.UserFactory's


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.SIGNIN_MAX_FAILURES_PER_ACCOUNT = 3
    settings.SIGNIN_MAX_FAILURES_PER_ADDRESS = 5
    cache.clear()
    yield
    cache.clear()


def sign_in(client, username: str, password: str, address: str):
    return client.post(
        reverse("account_login"),
        {"login": username, "password": password},
        REMOTE_ADDR=address,
    )


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_per_account_limit_holds_across_addresses(client, contributor_user):
    for n in range(3):
        response = sign_in(client, "contributor", "wrong", f"198.51.100.{n}")
        assert response.status_code == HTTPStatus.OK  # the form again, with its error
    # The right password from a fresh address is refused unchecked: the account is locked.
    response = sign_in(client, "contributor", PASSWORD, "198.51.100.200")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "minutes" in response.content.decode()
    assert not is_signed_in(client)


def test_per_account_limit_ignores_the_case_of_the_name(client, contributor_user):
    for name in ("contributor", "CONTRIBUTOR", "Contributor"):
        sign_in(client, name, "wrong", "198.51.100.1")
    response = sign_in(client, "contributor", PASSWORD, "198.51.100.2")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_per_address_limit_holds_across_accounts(client):
    users = [factories.UserFactory(username=f"person{n}") for n in range(6)]
    for user in users[:5]:
        sign_in(client, user.username, "wrong", "203.0.113.7")
    # A sixth account, never tried before, with its right password, from the same address.
    response = sign_in(client, users[5].username, PASSWORD, "203.0.113.7")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert not is_signed_in(client)
    # Another address is not affected.
    response = sign_in(client, users[5].username, PASSWORD, "203.0.113.8")
    assert response.status_code == HTTPStatus.FOUND
    assert is_signed_in(client)


def test_below_the_limit_the_right_password_still_works(client, contributor_user):
    for _ in range(2):
        sign_in(client, "contributor", "wrong", "198.51.100.1")
    response = sign_in(client, "contributor", PASSWORD, "198.51.100.1")
    assert response.status_code == HTTPStatus.FOUND
    assert is_signed_in(client)


def test_a_refused_attempt_is_audited(client, caplog, contributor_user):
    caplog.set_level(logging.INFO, logger="cartography.audit")
    for _ in range(4):
        sign_in(client, "contributor", "wrong", "198.51.100.1")
    limited = [r for r in caplog.records if getattr(r, "event", "") == "abuse.rate_limited"]
    failed = [r for r in caplog.records if getattr(r, "event", "") == "auth.login_failed"]
    assert len(limited) == 1
    assert limited[0].path == reverse("account_login")
    assert len(failed) >= 3
