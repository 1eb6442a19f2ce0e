"""What a repository source may point at. The web and the API accept only https:// URLs on the
allowed hosts whose every address is public: no local paths, no file://, no credentials in the
URL, no other port, no private, loopback, link-local or reserved address (server-side request
forgery). Local paths are for the command line only (`allow_local=True`).

The host's addresses are checked when the source is added and again before every fetch; git
itself then runs with redirects off and https as its only protocol (repositories.mining).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

from repositories.choices import RepositoryHost, RepositoryKind

HOSTS = {
    "github.com": RepositoryHost.GITHUB,
    "gitlab.com": RepositoryHost.GITLAB,
    "codeberg.org": RepositoryHost.CODEBERG,
    "huggingface.co": RepositoryHost.HUGGINGFACE,
    "hf.co": RepositoryHost.HUGGINGFACE,
}
SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
BRANCH = re.compile(r"^(?!-)(?!.*\.\.)(?!.*//)(?!.*@\{)[A-Za-z0-9._/+-]{1,200}(?<![./])$")
SHAPE = "Give the repository's address, like https://host/owner/name."
PATH_FILTER = re.compile(r"^(?!-)(?!/)[A-Za-z0-9._/ +-]{1,300}$")


@dataclass(frozen=True)
class Target:
    url: str
    host: str
    kind: str


def resolve_host(hostname: str) -> list[str]:
    """Every address `hostname` resolves to (tests replace this: they have no network)."""
    infos = socket.getaddrinfo(hostname, 443, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def check_public_addresses(hostname: str) -> None:
    try:
        addresses = resolve_host(hostname)
    except (OSError, UnicodeError) as error:
        raise ValidationError(
            {"url": f"The host {hostname} cannot be resolved."}, code="unresolvable"
        ) from error
    if not addresses:
        raise ValidationError({"url": f"The host {hostname} cannot be resolved."})
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            raise ValidationError(
                {"url": "That host resolves to a private or reserved address."}, code="private"
            )


def _kind_for(host: str, segments: list[str]) -> str:
    if host != RepositoryHost.HUGGINGFACE:
        return RepositoryKind.CODE
    if segments[0] == "datasets":
        return RepositoryKind.DATASET
    if segments[0] == "spaces":
        return RepositoryKind.SPACE
    return RepositoryKind.MODEL


def validate_remote_url(raw: str) -> Target:
    url = (raw or "").strip()
    if not url:
        raise ValidationError({"url": "Give the repository's https:// URL."})
    if len(url) > 500 or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise ValidationError({"url": "That is not a repository URL."})
    if "://" not in url:
        raise ValidationError(
            {"url": "Give an https:// URL; local paths are accepted on the command line only."},
            code="local_path",
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise ValidationError({"url": "That is not a repository URL."}) from error
    if parts.scheme.lower() != "https":
        raise ValidationError({"url": "Only https:// URLs are accepted."}, code="scheme")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ValidationError({"url": "A repository URL carries no user name or password."})
    if port not in (None, 443):
        raise ValidationError({"url": "Only the standard https port is accepted."})
    if parts.query or parts.fragment:
        raise ValidationError({"url": "Give the repository's URL without ? or # parts."})
    hostname = (parts.hostname or "").rstrip(".").lower()
    allowed = [h.lower() for h in settings.REPOSITORY_ALLOWED_HOSTS]
    if hostname not in allowed:
        raise ValidationError(
            {"url": f"Repositories are accepted from these hosts only: {', '.join(allowed)}."},
            code="host",
        )
    path = parts.path.rstrip("/")
    segments = [s for s in path.split("/") if s]
    if segments and segments[-1].endswith(".git"):  # one spelling per repository
        segments[-1] = segments[-1].removesuffix(".git")
    if (
        len(segments) < 2
        or any(not SEGMENT.match(s) or s in (".", "..") for s in segments)
        or "//" in path
    ):
        raise ValidationError({"url": SHAPE})
    host = HOSTS.get(hostname, RepositoryHost.OTHER)
    expected = None  # GitLab (nested groups) and other hosts: any depth from two
    if host == RepositoryHost.HUGGINGFACE and segments[0] in ("datasets", "spaces"):
        expected = 3
    elif host in (RepositoryHost.GITHUB, RepositoryHost.CODEBERG, RepositoryHost.HUGGINGFACE):
        expected = 2
    if expected is not None and len(segments) != expected:
        raise ValidationError({"url": SHAPE})
    check_public_addresses(hostname)
    normalized = f"https://{hostname}/{'/'.join(segments)}"
    return Target(url=normalized, host=host, kind=_kind_for(host, segments))


def validate_local_path(raw: str) -> Target:
    path = Path(raw).expanduser()
    if not path.is_dir():
        raise ValidationError({"url": "No folder at that path."})
    return Target(url=str(path.resolve()), host=RepositoryHost.LOCAL, kind=RepositoryKind.CODE)


def validate_target(raw: str, *, allow_local: bool) -> Target:
    text = (raw or "").strip()
    if allow_local and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text):
        return validate_local_path(text)
    if allow_local and text.lower().startswith("file://"):
        return validate_local_path(text[len("file://") :])
    return validate_remote_url(text)


def validate_branch(branch: str) -> str:
    branch = (branch or "").strip()
    if branch and not BRANCH.match(branch):
        raise ValidationError({"branch": "That is not a branch name."})
    return branch


def validate_path_filter(path_filter: str) -> str:
    path_filter = (path_filter or "").strip()
    if path_filter and (not PATH_FILTER.match(path_filter) or ".." in path_filter.split("/")):
        raise ValidationError({"path_filter": "Give a folder or file inside the repository."})
    return path_filter
