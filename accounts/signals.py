"""allauth's signals, received where what a user proved may have changed; connected in
AccountsConfig.ready(). Each receiver only calls accounts.identity.account_identities_sync and
tells the person what it did."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import email_confirmed, user_signed_up
from allauth.socialaccount.signals import (
    social_account_added,
    social_account_removed,
    social_account_updated,
)
from django.contrib import messages

from accounts.identity import IdentitySync, account_identities_sync
from contributions.identities import IdentityKind


def connect() -> None:
    user_signed_up.connect(signed_up, dispatch_uid="identity.signed_up")
    email_confirmed.connect(address_confirmed, dispatch_uid="identity.email_confirmed")
    social_account_added.connect(social_changed, dispatch_uid="identity.account_added")
    social_account_updated.connect(social_changed, dispatch_uid="identity.account_updated")
    social_account_removed.connect(social_removed, dispatch_uid="identity.account_removed")


def _tell(request, result: IdentitySync) -> None:
    if request is None or not hasattr(request, "_messages"):
        return
    for kind, key, credits in result.claimed:
        label = IdentityKind(kind).label
        messages.success(
            request,
            f"{credits} credit{'s' if credits != 1 else ''} imported under your {label} {key} "
            f"{'are' if credits != 1 else 'is'} now yours.",
        )
    for refusal in result.refused:
        messages.warning(request, refusal)


def signed_up(sender, request=None, user=None, **kwargs: Any) -> None:
    # A third-party sign-up has its account (and verified addresses) saved by now; a password
    # sign-up proves nothing yet (its address is confirmed later: address_confirmed).
    if user is not None and kwargs.get("sociallogin") is not None:
        _tell(request, account_identities_sync(user=user))


def address_confirmed(sender, request=None, email_address=None, **kwargs: Any) -> None:
    if email_address is not None:
        _tell(request, account_identities_sync(user=email_address.user))


def social_changed(sender, request=None, sociallogin=None, **kwargs: Any) -> None:
    # Added: a connection to a signed-in account. Updated: a sign-in through an account already
    # connected, whose handle may have been renamed and under which new credit may wait.
    user = getattr(sociallogin, "user", None)
    if user is not None and user.pk is not None:
        _tell(request, account_identities_sync(user=user))


def social_removed(sender, request=None, socialaccount=None, **kwargs: Any) -> None:
    # The handle leaves the profile; credit already claimed stays (it was proven when claimed).
    if socialaccount is not None:
        _tell(request, account_identities_sync(user=socialaccount.user))
