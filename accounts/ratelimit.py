"""Sign-in rate limiting: failed attempts counted per account and per address in Django's cache.
Applied to every password check allauth makes, through accounts.adapter.AccountAdapter. (Password
reset requests are limited by allauth's own rate limits: see settings/accounts.py.)

Two counters, because they stop different attacks: per account stops guessing one person's
password from many addresses; per address stops one client trying many accounts. Each counter is a
fixed window that starts at the first failure. The cache must be shared by every web process in
production (CACHE_URL, e.g. Redis): a per-process cache would multiply the allowance.

The address is REMOTE_ADDR. Behind a reverse proxy that is the proxy's address unless the proxy
rewrites it; trusting X-Forwarded-For blindly would let a client choose its own key, so it is not.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    scope: str
    max_failures: int
    window_seconds: int


def _limits() -> tuple[Limit, Limit]:
    window = getattr(settings, "SIGNIN_RATE_WINDOW_SECONDS", 15 * 60)
    return (
        Limit("account", getattr(settings, "SIGNIN_MAX_FAILURES_PER_ACCOUNT", 5), window),
        Limit("address", getattr(settings, "SIGNIN_MAX_FAILURES_PER_ADDRESS", 20), window),
    )


def _key(scope: str, value: str) -> str:
    # Hashed: cache keys must be short and safe whatever a client sends as a username.
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"signin-failures:{scope}:{digest}"


def _values(*, username: str, address: str) -> dict[str, str]:
    return {"account": username or "", "address": address or "unknown"}


def is_limited(*, username: str, address: str) -> bool:
    """True when either counter has reached its limit: the attempt is refused unchecked."""
    values = _values(username=username, address=address)
    for limit in _limits():
        if (cache.get(_key(limit.scope, values[limit.scope])) or 0) >= limit.max_failures:
            return True
    return False


def record_failure(*, username: str, address: str) -> None:
    values = _values(username=username, address=address)
    for limit in _limits():
        key = _key(limit.scope, values[limit.scope])
        # add() starts the window only if no counter exists; incr() is atomic on shared caches.
        if not cache.add(key, 1, timeout=limit.window_seconds):
            try:
                cache.incr(key)
            except ValueError:  # expired between add() and incr()
                cache.add(key, 1, timeout=limit.window_seconds)


def reset_account(*, username: str) -> None:
    """A successful sign-in clears the account's counter (not the address's: one right password
    must not reset a client that is trying many accounts)."""
    cache.delete(_key("account", username or ""))


def window_minutes() -> int:
    return max(1, _limits()[0].window_seconds // 60)
