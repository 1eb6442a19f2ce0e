"""What both importers share: matching keys, values cut to their columns (saying so), slugs
and upload names."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.text import slugify

_is_url = URLValidator(schemes=["http", "https"])


def hf_key(url: str | None) -> str | None:
    """'org/name' of a Hugging Face model URL, lower-cased; None for anything else."""
    if not url:
        return None
    parts = urlsplit(url.strip() if "://" in url else f"https://{url.strip()}")
    if not parts.netloc.lower().removeprefix("www.").endswith("huggingface.co"):
        return None
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2 or segments[0] in ("datasets", "spaces"):
        return None
    return f"{segments[0]}/{segments[1]}".lower()


def valid_url(value: str | None) -> str:
    if not value:
        return ""
    try:
        _is_url(value.strip())
    except ValidationError:
        return ""
    return value.strip()[:500]


def fit(value: str | None, max_length: int, label: str, problems: list[str]) -> str | None:
    if value is not None and len(value) > max_length:
        problems.append(f"{label} is longer than {max_length} characters; cut")
        return value[:max_length]
    return value


def unique_slug(base: str, taken: set[str], *, max_length: int, fallback: str) -> str:
    base = (slugify(base) or fallback)[: max_length - 4].strip("-") or fallback
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def lower(value: str | None) -> str:
    return (value or "").strip().lower()


def cut(value: str | None, max_length: int) -> str:
    return (value or "")[:max_length]


_SAFE_NAME = re.compile(r"^[^/\\\x00]+$")


def safe_file_name(name: str) -> str:
    """The base name of an uploaded file (browsers may send a path)."""
    base = re.split(r"[/\\]", name or "")[-1].strip()
    return base if _SAFE_NAME.match(base or "") else ""
