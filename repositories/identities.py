"""Who a commit credits: identities read from author lines and trailers.

An identity is keyed so that the same person gets the same key in every repository:
- `gh:<login>` for a GitHub no-reply address (`12345+login@users.noreply.github.com`), which names
  the GitHub account: the person claims the credit by connecting that account;
- `em:<sha256 of the lowercased address>` for any other address: the person claims it by verifying
  the address. The address itself is kept only for that matching (`ContributorEmail`), never in a
  key, a ledger external id, a page or an export;
- `nm:<sha256 of the name>` when a commit carries no usable address at all.

`.mailmap` is honoured upstream: git applies it to author lines (`--use-mailmap`) and to trailer
identities (`git check-mailmap`) before they reach this module.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings

# Automation that commits: dependabot, github-actions, pre-commit-ci, renovate, anything GitHub
# marks as an app (`name[bot]`), and GitHub's own web-flow address. A site adds its own with
# REPOSITORY_BOT_PATTERN (a regular expression matched against "Name <address>").
BUILTIN_BOTS = re.compile(
    r"\[bot\]|\bdependabot\b|\bgithub-actions\b|\bpre-commit-ci\b|\brenovate\b|\bgreenkeeper\b"
    r"|<noreply@github\.com>|<actions@github\.com>",
    re.IGNORECASE,
)
NOREPLY = re.compile(
    r"^(?:\d+\+)?(?P<login>[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,38})@users\.noreply\.github\.com$",
    re.IGNORECASE,
)
PERSON = re.compile(r"^\s*(?P<name>.*?)\s*<(?P<email>[^<>]*)>\s*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Identity:
    key: str
    name: str
    email: str = ""  # for matching only; empty for GitHub and name-only identities
    github: str = ""

    @property
    def display_name(self) -> str:
        return (self.name or self.github or "Unnamed author")[:150]


@lru_cache(maxsize=1)
def _site_bot_pattern(pattern: str) -> re.Pattern | None:
    return re.compile(pattern, re.IGNORECASE) if pattern else None


def is_bot(person: str) -> bool:
    if BUILTIN_BOTS.search(person):
        return True
    extra = _site_bot_pattern(getattr(settings, "REPOSITORY_BOT_PATTERN", "") or "")
    return bool(extra and extra.search(person))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def parse_person(person: str) -> Identity | None:
    """The identity behind "Name <address>", or None for a bot or nothing usable."""
    person = (person or "").strip()
    if not person or is_bot(person):
        return None
    match = PERSON.match(person)
    name, email = (match["name"], match["email"].strip()) if match else (person, "")
    name = " ".join(name.split())
    noreply = NOREPLY.match(email)
    if noreply:
        login = noreply["login"]
        return Identity(key=f"gh:{login.lower()}", name=name, github=login)
    if EMAIL.match(email) and len(email) <= 254:
        email = email.lower()
        return Identity(key=f"em:{_digest(email)}", name=name, email=email)
    if name:
        return Identity(key=f"nm:{_digest(name.lower())}", name=name)
    return None


@lru_cache(maxsize=65536)
def cell_key(identity_key: str) -> str:
    """The short, stable stand-in for an identity inside ledger external ids."""
    return _digest(identity_key)[:20]
