"""The audit log: structured records of decisions and refusals, on the `cartography.audit` logger.

Each record has an `event` name (stable: log queries and alerts select on it) and plain fields,
never a password, a token or a note's text. The request id is added by the log filter
(cartography.logging), so an audit line leads to the request line and the jobs of the same request.

Nothing here is called by the services: receivers in cartography/signals.py and the request
middleware call it, so the ledger stays unaware of logging policy.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.utils.functional import empty

from contributions.choices import MODERATED_STATUSES, ContributionStatus

if TYPE_CHECKING:
    from django.http import HttpRequest

    from contributions.models import ModerationEvent

logger = logging.getLogger("cartography.audit")

S = ContributionStatus
# A status change that is not a moderator's decision, named by what the contributor did.
_CONTRIBUTOR_ACTIONS = {
    ("", S.PENDING): "submitted",
    (S.CHANGES_REQUESTED, S.PENDING): "resubmitted",
    (S.PENDING, S.WITHDRAWN): "withdrawn",
    (S.CHANGES_REQUESTED, S.WITHDRAWN): "withdrawn",
}
# An import records credit the project already gives: created approved, by the importer.
_DECISION_OUTCOMES = {
    (S.PENDING, S.APPROVED): "approved",
    (S.PENDING, S.REJECTED): "rejected",
    (S.PENDING, S.CHANGES_REQUESTED): "changes_requested",
    (S.APPROVED, S.REJECTED): "revoked",
    ("", S.APPROVED): "imported_approved",
}
_MAX_USERNAME = 150


def _address(request: HttpRequest | None) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def loaded_user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id if the request already resolved it; never a new query (after a
    database failure that query would fail again, and anonymous requests need none)."""
    user = request.__dict__.get("user")
    wrapped = getattr(user, "_wrapped", user)
    if user is None or wrapped is empty:
        return None
    return getattr(wrapped, "pk", None)


def moderation_event(event: ModerationEvent) -> None:
    """One committed status change: a moderator's decision (actor, object, outcome) or a
    contributor's own action."""
    contribution = event.contribution
    key = (event.from_status or "", event.to_status)
    fields: dict[str, Any] = {
        "actor_id": event.actor_id,
        "actor": event.actor.get_username() if event.actor_id else "system",
        "object": f"contributions.contribution:{contribution.pk}",
        "contribution_id": contribution.pk,
        "project_id": contribution.project_id,
        "from_status": event.from_status or None,
        "to_status": event.to_status,
        "has_note": bool(event.note.strip()),
        "moderation_event_id": event.pk,
    }
    if event.to_status in MODERATED_STATUSES and key in _DECISION_OUTCOMES:
        logger.info(
            "moderation decision",
            extra={"event": "moderation.decision", "outcome": _DECISION_OUTCOMES[key], **fields},
        )
    else:
        outcome = _CONTRIBUTOR_ACTIONS.get(key, event.to_status)
        logger.info(
            "contribution status changed",
            extra={"event": "contribution.status_changed", "outcome": outcome, **fields},
        )


def login_failed(*, username: str, request: HttpRequest | None) -> None:
    """A sign-in refused: wrong password, unknown or inactive account, or rate-limited."""
    logger.warning(
        "sign-in failed",
        extra={
            "event": "auth.login_failed",
            "username": (username or "")[:_MAX_USERNAME],
            "address": _address(request),
            "path": request.path if request is not None else None,
        },
    )


def authorization_denied(*, request: HttpRequest, status: int) -> None:
    """A 401 or 403 answer: someone asked for what they may not do (or without credentials)."""
    logger.warning(
        "authorization denied",
        extra={
            "event": "auth.denied",
            "status": status,
            "method": request.method,
            "path": request.path,
            "user_id": loaded_user_id(request),
            "address": _address(request),
        },
    )


def rate_limited(*, request: HttpRequest) -> None:
    """A 429 answer: a throttle or the sign-in limit refused the request."""
    logger.warning(
        "rate limited",
        extra={
            "event": "abuse.rate_limited",
            "method": request.method,
            "path": request.path,
            "user_id": loaded_user_id(request),
            "address": _address(request),
        },
    )
