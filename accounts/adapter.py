"""This site's hooks into django-allauth (settings ACCOUNT_ADAPTER and SOCIALACCOUNT_ADAPTER).

- Every password check allauth makes (sign-in, re-authentication) goes through the site's sign-in
  limits (accounts.ratelimit: per account and per address), refused unchecked once either is
  reached. The view answers that refusal with 429 (accounts.views.SignInView).
- Third-party sign-in apps come from settings only (SOCIALACCOUNT_PROVIDERS, filled from the
  environment): a SocialApp row added in the database is ignored, so what a deployment offers is
  what its environment says.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest

from accounts import ratelimit

RATE_LIMITED = "signin_rate_limited"


def _address(request: HttpRequest | None) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def _login_name(credentials: dict[str, Any]) -> str:
    # allauth passes the typed login as `username` (and as `email` when it looks like one).
    return str(credentials.get("username") or credentials.get("email") or "")


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_taken": "This username is taken.",
        "username_password_mismatch": "Wrong username or password.",
        "email_password_mismatch": "Wrong e-mail address or password.",
    }

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        super().pre_authenticate(request, **credentials)
        if ratelimit.is_limited(username=_login_name(credentials), address=_address(request)):
            raise ValidationError(
                "Too many failed sign-in attempts. Wait %(minutes)s minutes, or reset your "
                "password.",
                code=RATE_LIMITED,
                params={"minutes": ratelimit.window_minutes()},
            )

    def authenticate(self, request: HttpRequest, **credentials: Any):
        user = super().authenticate(request, **credentials)
        if user is not None:
            ratelimit.reset_account(username=_login_name(credentials))
        return user

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        ratelimit.record_failure(username=_login_name(credentials), address=_address(request))


class ProviderNotConfigured(SocialApp.DoesNotExist, Http404):
    """A provider's sign-in URL on a deployment that does not offer it: 404, not 500 (allauth
    raises SocialApp.DoesNotExist, which code catching that still catches)."""


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_app(self, request, provider, client_id=None):
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise ProviderNotConfigured(f"Sign-in with {provider} is not configured.") from None

    def list_apps(self, request, provider=None, client_id=None):
        # Apps from settings have no primary key; database rows are left out on purpose.
        return [
            app
            for app in super().list_apps(request, provider=provider, client_id=client_id)
            if app.pk is None
        ]
