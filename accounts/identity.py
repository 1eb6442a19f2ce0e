"""From proven identities to credit: what the accounts a person connected, and the addresses they
verified, mean for their record in the ledger.

`account_identities_sync` runs whenever what a user proved may have changed (accounts.signals:
a sign-up, a connected or disconnected account, a third-party sign-in that refreshed a handle, a
confirmed address). It claims every placeholder credit waiting under each proven key
(contributions.services.contributor_claim_placeholder) and makes the record show exactly the
handles of the connected accounts. The rule for importers is in contributions.identities.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.db import transaction

from contributions.identities import HANDLE_KINDS, PROVIDER_OF, IdentityKind
from contributions.services import (
    ClaimRefused,
    contributor_claim_placeholder,
    contributor_set_proven_handles,
)

KIND_OF_PROVIDER = {provider: kind for kind, provider in PROVIDER_OF.items()}


def handle_of(account: SocialAccount) -> tuple[str, str]:
    """(kind, handle) a connected account proves; ("", "") for a provider we take none from.

    GitHub: the login. Hugging Face (OpenID Connect): `preferred_username`, the user name in
    huggingface.co/<name>. ORCID: the iD, which is the account's uid."""
    kind = KIND_OF_PROVIDER.get(account.provider, "")
    data = account.extra_data or {}
    if kind == IdentityKind.GITHUB:
        handle = data.get("login") or ""
    elif kind == IdentityKind.HUGGINGFACE:
        claims = data.get("userinfo") or data.get("id_token") or data
        handle = claims.get("preferred_username") or ""
    elif kind == IdentityKind.ORCID:
        handle = account.uid or ""
    else:
        return "", ""
    return kind, str(handle).strip()


@dataclass
class IdentitySync:
    # (kind, key, credits) for each claim that gave the user credit.
    claimed: list[tuple[str, str, int]] = field(default_factory=list)
    # Why a proven key gave nothing: another account that signs in holds it.
    refused: list[str] = field(default_factory=list)


@transaction.atomic
def account_identities_sync(*, user) -> IdentitySync:
    """Claim what waits under every key `user` proved and show their connected handles.
    Idempotent: a second run finds nothing left to claim."""
    result = IdentitySync()
    shown = dict.fromkeys(HANDLE_KINDS, "")
    keys: list[tuple[str, str]] = []
    for account in SocialAccount.objects.filter(user=user).order_by("pk"):
        kind, handle = handle_of(account)
        if kind and handle:
            keys.append((kind, handle))
    keys += [
        (IdentityKind.EMAIL, email)
        for email in EmailAddress.objects.filter(user=user, verified=True)
        .order_by("pk")
        .values_list("email", flat=True)
    ]
    for kind, value in keys:
        try:
            claim = contributor_claim_placeholder(user=user, kind=kind, value=value)
        except ClaimRefused as refusal:
            result.refused.extend(refusal.messages)
            continue
        if claim.credits:
            result.claimed.append((kind, value, claim.credits))
        if kind in shown and not shown[kind]:
            shown[kind] = value  # the first connected account of a provider is the one shown
    contributor_set_proven_handles(user=user, handles=shown)
    return result
