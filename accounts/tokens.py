"""API tokens for programs: creating and revoking them, and authenticating requests with them.

A token is `clg_` followed by 43 URL-safe characters (256 bits from `secrets`). The database keeps
only its SHA-256 digest, so it cannot be recovered from a backup or a leaked dump; a fast hash is
enough because the secret is random and long, not a password (this is how GitHub and PyPI store
theirs). A lookup is one indexed query on the digest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.models import ApiToken, User

TOKEN_PREFIX = "clg_"  # noqa: S105 - a marker that tells a token apart, not a secret
PREFIX_SHOWN = 8  # characters after TOKEN_PREFIX kept in clear, to recognise a token in a list
MAX_ACTIVE_TOKENS = 20
# Writing last_used_at on every request would turn each read into a write; a minute is precise
# enough to tell a token in use from a forgotten one.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def _digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


@transaction.atomic
def token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns it with its plaintext, which is never shown again."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied("Sign in to create an API token.")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, so you can tell it apart later."})
    if len(name) > 100:
        raise ValidationError({"name": "A token name is at most 100 characters."})
    # Lock the user's row so two concurrent requests cannot both pass the limit check.
    User.objects.select_for_update().filter(pk=user.pk).first()
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            f"You have {active} active tokens, the most allowed: revoke one you no longer use."
        )
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=plaintext[: len(TOKEN_PREFIX) + PREFIX_SHOWN],
        digest=_digest(plaintext),
    )
    return token, plaintext


@transaction.atomic
def token_revoke(*, token: ApiToken, user) -> ApiToken:
    """Revoke one of the user's tokens. The row stays (revoked), so the list shows what existed."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != user.pk:
        raise PermissionDenied("You can revoke only your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def tokens_of(user):
    """The user's tokens, newest first (a selector, kept beside the services it serves)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer clg_...`. A missing header leaves the request anonymous; a wrong,
    revoked or inactive account's token is refused with 401, never silently ignored."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as `Authorization: Bearer <token>`, with no spaces in the token."
            )
        try:
            plaintext = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("That is not a valid API token.") from None
        return self.authenticate_token(plaintext)

    def authenticate_token(self, plaintext: str):
        if not plaintext.startswith(TOKEN_PREFIX):
            raise exceptions.AuthenticationFailed("That is not a valid API token.")
        token = (
            ApiToken.objects.select_related("user")
            .filter(digest=_digest(plaintext), revoked_at__isnull=True)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked API token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("The account of this token is inactive.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Documents the token scheme in the OpenAPI schema."""

    target_class = "accounts.tokens.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (`clg_...`), created at /accounts/tokens/.",
        }
