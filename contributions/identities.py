"""Who may receive credit under a handle or an e-mail address: the rule every importer follows.

Credit waits for its person under a KEY, a (kind, value) pair:

| kind | where a placeholder keeps it | what proves it on an account |
| --- | --- | --- |
| `github` | `Contributor.github` (compared case-insensitively) | a connected GitHub account |
| `huggingface` | `Contributor.huggingface` (case-insensitively) | a connected HF account |
| `orcid` | `Contributor.orcid` (as written: 0000-0002-1825-0097) | a connected ORCID account |
| `email` | a `ContributorEmail` row (lowercased) | a verified address (allauth EmailAddress) |

An importer attaches credit under a key only to (`credit_holders`):
1. the placeholder (a Contributor without an account) carrying that key, created if none exists;
2. the contributor of an account that PROVED the key: its connected account of that provider
   (allauth's SocialAccount; accounts.identity copies the handle into the Contributor field on
   every sign-in and clears it on disconnect), or a verified e-mail address.
A handle typed into a form proves nothing: the profile form does not edit handles, and a record
holding a handle without the connected account behind it receives no credit.

The person claims what waits under a key when they prove it:
`contributions.services.contributor_claim_placeholder`, called by accounts.identity when someone
signs in, connects an account or confirms an address.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower

from contributions.models import Contributor, ContributorEmail

# SQLite allows 32,766 parameters per query since 3.32, older builds 999: stay well under both.
QUERY_CHUNK = 500


class IdentityKind(models.TextChoices):
    GITHUB = "github", "GitHub handle"
    HUGGINGFACE = "huggingface", "Hugging Face handle"
    ORCID = "orcid", "ORCID iD"
    EMAIL = "email", "e-mail address"


HANDLE_KINDS = (IdentityKind.GITHUB, IdentityKind.HUGGINGFACE, IdentityKind.ORCID)
# The allauth provider (SocialAccount.provider) whose connection proves each handle.
PROVIDER_OF = {
    IdentityKind.GITHUB: "github",
    IdentityKind.HUGGINGFACE: "huggingface",
    IdentityKind.ORCID: "orcid",
}


class UnprovenHandle(ValidationError):
    """Accounts hold these handles without a connected account behind them: they may not
    receive credit under them, and no placeholder can take the handle either."""


def normalize(kind: str, value: str) -> str:
    """The form a key is compared in: handles and addresses lowercased, an ORCID iD as is."""
    value = (value or "").strip()
    return value if kind == IdentityKind.ORCID else value.lower()


def _chunks(items: list, size: int = QUERY_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class Holder:
    key: str
    contributor: Contributor
    # True for an account that proved the key (connected account, verified address).
    proven: bool


def holders(kind: str, values: Iterable[str]) -> list[Holder]:
    """Every contributor record carrying one of these keys, placeholder or account. One or two
    queries; pass at most QUERY_CHUNK values."""
    keys = sorted({normalize(kind, value) for value in values} - {""})
    if not keys:
        return []
    if kind == IdentityKind.EMAIL:
        waiting = ContributorEmail.objects.filter(email__in=keys).select_related("contributor")
        verified = EmailAddress.objects.filter(
            verified=True, email__in=keys, user__contributor__isnull=False
        ).select_related("user__contributor")
        return [Holder(row.email, row.contributor, False) for row in waiting] + [
            Holder(address.email.lower(), address.user.contributor, True) for address in verified
        ]
    field = Lower(kind) if kind != IdentityKind.ORCID else models.F(kind)
    proof = SocialAccount.objects.filter(user_id=OuterRef("user_id"), provider=PROVIDER_OF[kind])
    rows = (
        Contributor.objects.annotate(key=field, proven=Exists(proof))
        .filter(key__in=keys)
        .exclude(**{kind: ""})
    )
    return [Holder(row.key, row, row.proven) for row in rows]


def credit_holders(kind: str, values: Iterable[str]) -> dict[str, Contributor]:
    """For each key (normalized) that someone may receive credit under, that someone: the
    account that proved it, else its placeholder. Keys missing from the answer need a new
    placeholder. Raises UnprovenHandle when an account holds a handle it never proved (the
    profile form cannot write one; only data written around the services could)."""
    found: dict[str, Contributor] = {}
    unproven: list[str] = []
    for chunk in _chunks(sorted({normalize(kind, v) for v in values} - {""})):
        for holder in holders(kind, chunk):
            contributor = holder.contributor
            if contributor.is_former:
                continue
            if contributor.user_id is None:
                found.setdefault(holder.key, contributor)
            elif holder.proven:
                found[holder.key] = contributor  # an account's proof wins over a placeholder
            else:
                unproven.append(holder.key)
    if unproven:
        raise UnprovenHandle(
            [
                f"The {IdentityKind(kind).label} {key} is on an account that has not connected "
                "it, so it can receive no credit; staff can clear it in the admin."
                for key in sorted(unproven)
            ]
        )
    return found
