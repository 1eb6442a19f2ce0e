"""Read replicas: read-only requests read from a replica, everything else from the primary.

`DATABASE_REPLICA_URLS` (comma-separated) names the replicas; settings make each one a database
alias (`replica_0`, `replica_1`, ...). With none, this module routes nothing and every query goes to
the primary (`default`), as on a single database.

Who reads where:
- A request with a safe method (GET, HEAD, OPTIONS) reads from a healthy replica: anonymous pages,
  API reads, statistics, signed-in pages too. `ReplicaMiddleware` picks the replica once per
  request; `ReplicaRouter.db_for_read` sends that request's reads to it.
- Every write goes to the primary, and so does every read of an unsafe request (POST, PUT, PATCH,
  DELETE), every read inside a transaction on the primary (`select_for_update` only works inside
  one), every Celery task and every management command (no request: nothing is chosen).
- Read-your-writes: the response to an unsafe request carries a signed cookie; for
  `REPLICA_STICKY_SECONDS` the same client's reads go to the primary, so a page read right after a
  write shows it even while the replica is still replaying it. (An API client that does not keep
  cookies gets no such window: it reads from a replica on its next GET.)
- Fallback: a replica is checked at most every `REPLICA_CHECK_SECONDS` per process. One that does
  not answer, or whose replay lags the primary by more than `REPLICA_MAX_LAG_SECONDS`
  (`pg_last_xact_replay_timestamp()`), is skipped until the next check. A replica that fails in the
  middle of a request makes the request run again on the primary (it is a safe method: running it
  again changes nothing), so a replica going down costs no error page.

`read_counts()` says how many reads each database served in this process (tests and the load test
read it; the request log line names the database a request read from).
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA_PREFIX = "replica_"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STICKY_COOKIE = "db_primary"
STICKY_SALT = "cartography.db_router.sticky"
REPLICA_ERRORS = (OperationalError, InterfaceError)

# The replica this request reads from; None means the primary.
_chosen: ContextVar[str | None] = ContextVar("replica_alias", default=None)

_lock = threading.Lock()
_counts: Counter[str] = Counter()
# alias -> (monotonic time of the check, usable)
_health: dict[str, tuple[float, bool]] = {}

# Lag in seconds: 0 when the replica has replayed everything its WAL receiver got and is streaming
# (an idle primary writes nothing, so the last replayed transaction can be old without any lag);
# otherwise the age of the last replayed transaction. Not a standby at all: no lag.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
         AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 1e9)
END
"""


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX)]


# COUNTS
# ------------------------------------------------------------------------------
def _count(key: str) -> None:
    with _lock:
        _counts[key] += 1


def read_counts() -> dict[str, int]:
    """Reads routed per database (`default`, `replica_0`, ...), requests per database they read
    from (`requests:<alias>`), and fallbacks (`fallback:down`, `fallback:lag`, `fallback:error`)
    in this process."""
    with _lock:
        return dict(_counts)


def reset_counts() -> None:
    with _lock:
        _counts.clear()


# HEALTH
# ------------------------------------------------------------------------------
def forget_health() -> None:
    """The next request checks every replica again."""
    with _lock:
        _health.clear()


def replica_lag(alias: str) -> float:
    """Seconds the replica's replay is behind (raises when it cannot be reached)."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute(LAG_SQL)
        return float(cursor.fetchone()[0])


def _close(alias: str) -> None:
    with contextlib.suppress(DatabaseError, InterfaceError, OSError):
        connections[alias].close()


def _mark_down(alias: str, reason: str) -> None:
    with _lock:
        _health[alias] = (time.monotonic(), False)
    _count(f"fallback:{reason}")
    _close(alias)


def _usable(alias: str) -> bool:
    now = time.monotonic()
    checked = _health.get(alias)
    if checked is not None and now - checked[0] < settings.REPLICA_CHECK_SECONDS:
        return checked[1]
    try:
        lag = replica_lag(alias)
    except DatabaseError as exc:
        logger.warning("replica unavailable: reads go to the primary", extra={"replica": alias})
        _mark_down(alias, "down")
        logger.debug("replica error: %s", exc)
        return False
    usable = lag <= settings.REPLICA_MAX_LAG_SECONDS
    if not usable:
        logger.warning(
            "replica lagging: reads go to the primary", extra={"replica": alias, "lag_s": lag}
        )
        _count("fallback:lag")
    with _lock:
        _health[alias] = (now, usable)
    return usable


def choose_replica() -> str | None:
    """A usable replica, or None for the primary."""
    aliases = replica_aliases()
    random.shuffle(aliases)
    for alias in aliases:
        if _usable(alias):
            return alias
    return None


# ROUTING
# ------------------------------------------------------------------------------
def _in_task() -> bool:
    from celery import current_task

    return bool(current_task) and not current_task.request.called_directly


class ReplicaRouter:
    """Reads of a request that chose a replica go there; everything else is the primary's."""

    def db_for_read(self, model, **hints) -> str:
        alias = _chosen.get()
        if alias is None or connections[PRIMARY].in_atomic_block or _in_task():
            alias = PRIMARY
        _count(alias)
        return alias

    def db_for_write(self, model, **hints) -> str:
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # Replicas hold the primary's rows: an object read from one relates to any other.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool | None:
        # Replicas replay the primary's schema; nothing migrates them directly.
        return False if db.startswith(REPLICA_PREFIX) else None


class use_primary:
    """Within this block this thread reads from the primary, whatever its request chose."""

    def __enter__(self) -> None:
        self._token = _chosen.set(None)

    def __exit__(self, *exc) -> None:
        _chosen.reset(self._token)


# MIDDLEWARE
# ------------------------------------------------------------------------------
def _sticky(request: HttpRequest) -> bool:
    value = request.get_signed_cookie(
        STICKY_COOKIE,
        default=None,
        salt=STICKY_SALT,
        max_age=settings.REPLICA_STICKY_SECONDS,
    )
    return value is not None


class ReplicaMiddleware:
    """Choose the database a request reads from, keep a writer on the primary for a while, and run
    a safe request again on the primary when its replica fails under it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_aliases():
            return self.get_response(request)
        if request.method not in SAFE_METHODS:
            response = self.get_response(request)
            response.set_signed_cookie(
                STICKY_COOKIE,
                "1",
                salt=STICKY_SALT,
                max_age=settings.REPLICA_STICKY_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
            return response
        alias = None if _sticky(request) else choose_replica()
        if alias is None:
            return self.get_response(request)
        request.database_alias = alias
        token = _chosen.set(alias)
        try:
            _count(f"requests:{alias}")
            response = self.get_response(request)
        finally:
            _chosen.reset(token)
        error = getattr(request, "_database_error", None)
        if error is not None:
            # Failed outside the view (a middleware read): the whole request again, on the primary.
            _mark_down(alias, "error")
            request._database_error = None
            request.database_alias = PRIMARY
            return self.get_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        alias = getattr(request, "database_alias", PRIMARY)
        if alias == PRIMARY or not isinstance(exception, REPLICA_ERRORS):
            return None
        # The view failed on its replica: the same view once more, reading from the primary.
        _mark_down(alias, "error")
        request.database_alias = PRIMARY
        match = request.resolver_match
        with use_primary():
            response = match.func(request, *match.args, **match.kwargs)
            # A template response renders after this hook: render it here, on the primary.
            if callable(getattr(response, "render", None)) and not response.is_rendered:
                response.render()
            return response
