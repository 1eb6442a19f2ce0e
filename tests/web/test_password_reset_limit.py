"""Password reset is throttled per account (3 an hour) and per address (10 an hour): allauth's
rate limits, set in settings/accounts.py."""

from http import HTTPStatus

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


def ask(client, email, address="203.0.113.7"):
    return client.post(reverse("account_reset_password"), {"email": email}, REMOTE_ADDR=address)


def test_fourth_request_for_one_account_is_refused_and_sends_no_mail(client):
    factories.UserFactory(email="ada@example.org")
    for _ in range(3):
        assert ask(client, "ada@example.org").status_code == HTTPStatus.FOUND
    sent = len(mail.outbox)
    response = ask(client, "ada@example.org", address="198.51.100.9")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many password reset requests" in response.content.decode()
    assert len(mail.outbox) == sent == 3


def test_one_address_asking_for_many_accounts_is_refused_after_ten(client):
    for i in range(10):
        assert ask(client, f"person{i}@example.org").status_code == HTTPStatus.FOUND
    assert ask(client, "person10@example.org").status_code == HTTPStatus.TOO_MANY_REQUESTS
    # Another client is not affected.
    assert ask(client, "person11@example.org", address="192.0.2.1").status_code == HTTPStatus.FOUND
