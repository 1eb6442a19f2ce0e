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

from contributions.choices import CREATION_OUTCOMES, MODERATED_STATUSES, transition_between

if TYPE_CHECKING:
    from django.http import HttpRequest

    from contributions.models import ModerationEvent

logger = logging.getLogger("cartography.audit")

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
    # Outcomes are named by the status machine (contributions.choices.TRANSITIONS): a moderator's
    # action is a decision, a contributor's own is not. Logging an entry creates it pending; an
    # import records credit the project already gives, created approved by the importer.
    if event.from_status:
        transition = transition_between(event.from_status, event.to_status)
        decision = transition is not None and transition.by_moderator
        outcome = transition.outcome if transition is not None else event.to_status
    else:
        decision = event.to_status in MODERATED_STATUSES
        outcome = CREATION_OUTCOMES.get(event.to_status, event.to_status)
    if decision:
        logger.info(
            "moderation decision",
            extra={"event": "moderation.decision", "outcome": outcome, **fields},
        )
    else:
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


def credit_claimed(
    *,
    user_id: int,
    contributor_id: int,
    kind: str,
    credits: int,
    placeholder_id: int | None,
    merged: bool,
) -> None:
    """A person proved a key (a connected account, a verified address) and received the credit
    imported under it. The key itself is not logged: an e-mail address is personal data."""
    logger.info(
        "credit claimed",
        extra={
            "event": "credit.claimed",
            "actor_id": user_id,
            "object": f"contributions.contributor:{contributor_id}",
            "kind": kind,
            "credits": credits,
            "placeholder_id": placeholder_id,
            "merged": merged,
        },
    )


def credit_claim_refused(*, user_id: int, kind: str, holder_user_id: int | None) -> None:
    """A proven key is held by another account that signs in: the accounts were not merged."""
    logger.warning(
        "credit claim refused",
        extra={
            "event": "credit.claim_refused",
            "actor_id": user_id,
            "kind": kind,
            "holder_user_id": holder_user_id,
        },
    )


def identity_changed(*, user_id: int, provider: str, connected: bool) -> None:
    """A GitHub, Hugging Face or ORCID account connected to (or disconnected from) an account."""
    logger.info(
        "identity connected" if connected else "identity disconnected",
        extra={
            "event": "auth.identity_connected" if connected else "auth.identity_disconnected",
            "actor_id": user_id,
            "provider": provider,
        },
    )
