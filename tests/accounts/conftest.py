"""Fixtures of the sign-in tests: the fake providers on 127.0.0.1, the site configured to use
them, and a helper that walks allauth's real flow (authorize redirect, callback with code and
state, token exchange, profile fetch) over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
import requests
from allauth.socialaccount.providers.github.views import GitHubOAuth2Adapter
from allauth.socialaccount.providers.orcid.views import OrcidOAuth2Adapter
from django.core.cache import cache
from django.urls import reverse

from tests.accounts.fake_provider import CLIENTS, FakeProvider

LOGIN_URLS = {
    "github": lambda: reverse("github_login"),
    "hf": lambda: reverse("openid_connect_login", kwargs={"provider_id": "huggingface"}),
    "orcid": lambda: reverse("orcid_login"),
}


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeProvider]:
    server = FakeProvider().start()
    yield server
    server.stop()


@pytest.fixture
def fake(fake_server) -> FakeProvider:
    fake_server.people.clear()
    fake_server.codes.clear()
    fake_server.tokens.clear()
    fake_server.requests.clear()
    return fake_server


def _app(provider: str, **extra) -> list[dict]:
    client_id, secret = CLIENTS[provider]
    return [{"client_id": client_id, "secret": secret, **extra}]


@pytest.fixture
def providers(fake, settings, monkeypatch) -> FakeProvider:
    """All three providers configured (as GITHUB_CLIENT_ID etc. would), pointed at the fake.

    Hugging Face is an OpenID Connect app, so its server URL is an app setting. allauth's GitHub
    and ORCID adapters fix their endpoint URLs as class attributes when first imported (from
    GITHUB_URL and ORCID's BASE_DOMAIN, https only), so those attributes are pointed at the fake
    here; everything else in the flow is allauth's own code."""
    settings.SOCIALACCOUNT_PROVIDERS = {
        "github": {"APPS": _app("github"), "SCOPE": ["read:user", "user:email"]},
        "openid_connect": {
            "APPS": _app(
                "hf",
                provider_id="huggingface",
                name="Hugging Face",
                settings={
                    "server_url": f"{fake.base}/hf",
                    "scope": ["openid", "profile", "email"],
                },
            )
        },
        "orcid": {"APPS": _app("orcid"), "MEMBER_API": False},
    }
    github = f"{fake.base}/github"
    for name, value in {
        "authorize_url": f"{github}/login/oauth/authorize",
        "access_token_url": f"{github}/login/oauth/access_token",
        "profile_url": f"{github}/api/v3/user",
        "emails_url": f"{github}/api/v3/user/emails",
    }.items():
        monkeypatch.setattr(GitHubOAuth2Adapter, name, value)
    orcid = f"{fake.base}/orcid"
    for name, value in {
        "authorize_url": f"{orcid}/oauth/authorize",
        "access_token_url": f"{orcid}/oauth/token",
        "profile_url": f"{orcid}/v3.0/%s/record",
    }.items():
        monkeypatch.setattr(OrcidOAuth2Adapter, name, value)
    cache.clear()
    return fake


def provider_flow(client, fake: FakeProvider, provider: str, *, connect: bool = False):
    """Sign in (or connect, for a signed-in client) through `provider`, as a browser would:
    the confirmation page, its POST, the provider's authorize step (real HTTP), then the
    callback, where allauth exchanges the code and fetches the profile (real HTTP). Returns the
    callback's response."""
    url = LOGIN_URLS[provider]() + ("?process=connect" if connect else "")
    page = client.get(url)
    assert page.status_code == HTTPStatus.OK  # a GET never starts the flow (no login CSRF)
    response = client.post(url)
    assert response.status_code == HTTPStatus.FOUND, response.content[:500]
    authorize = response["Location"]
    assert authorize.startswith(f"{fake.base}/"), authorize
    answer = requests.get(authorize, allow_redirects=False, timeout=10)
    assert answer.status_code == HTTPStatus.FOUND, answer.text
    callback = urlsplit(answer.headers["Location"])
    assert callback.netloc == "testserver"
    return client.get(f"{callback.path}?{callback.query}")
