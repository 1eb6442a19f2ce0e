"""Signal receivers of the site, connected in CartographyConfig.ready().

Two jobs: the audit log (moderation decisions, failed sign-ins, credit claims, connected
accounts) without touching the services, and carrying the request id from a web request into
the Celery jobs it enqueues.
"""

from __future__ import annotations

from typing import Any

from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.db.models.signals import post_save

from cartography import audit
from cartography.logging import (
    TASK_HEADER,
    configure_celery_logging,
    request_id_var,
    task_var,
)


def connect() -> None:
    from allauth.socialaccount.signals import social_account_added, social_account_removed

    from contributions.models import ModerationEvent
    from contributions.signals import credit_claim_refused, credit_claimed

    post_save.connect(
        moderation_event_saved, sender=ModerationEvent, dispatch_uid="audit.moderation_event"
    )
    user_login_failed.connect(login_failed, dispatch_uid="audit.login_failed")
    credit_claimed.connect(claimed, dispatch_uid="audit.credit_claimed")
    credit_claim_refused.connect(claim_refused, dispatch_uid="audit.credit_claim_refused")
    social_account_added.connect(identity_connected, dispatch_uid="audit.identity_connected")
    social_account_removed.connect(
        identity_disconnected, dispatch_uid="audit.identity_disconnected"
    )
    before_task_publish.connect(add_request_id_header, dispatch_uid="request_id.publish")
    task_prerun.connect(enter_task_context, dispatch_uid="request_id.prerun")
    task_postrun.connect(leave_task_context, dispatch_uid="request_id.postrun")
    # The worker and beat then log through Django's LOGGING (JSON, request ids), not Celery's.
    setup_logging.connect(configure_celery_logging, dispatch_uid="logging.celery", weak=False)


# AUDIT
# ------------------------------------------------------------------------------
def moderation_event_saved(sender, instance, created: bool, **kwargs: Any) -> None:
    # Logged when the decision commits: a rolled-back decision never happened. A named function,
    # not functools.partial: Django's robust on_commit names a failing callback by __qualname__,
    # which a partial lacks (the error handler itself would raise).
    if created:

        def log_decision() -> None:
            audit.moderation_event(instance)

        transaction.on_commit(log_decision, robust=True)


def login_failed(sender, credentials: dict[str, Any], request=None, **kwargs: Any) -> None:
    # Django has already replaced the password in `credentials` with stars; only the name is used.
    audit.login_failed(username=str(credentials.get("username", "")), request=request)


def claimed(sender, user, contributor, kind: str, credits: int, **kwargs: Any) -> None:
    # Sent by the claim service after its commit.
    audit.credit_claimed(
        user_id=user.pk,
        contributor_id=contributor.pk,
        kind=kind,
        credits=credits,
        placeholder_id=kwargs.get("placeholder_id"),
        merged=bool(kwargs.get("merged")),
    )


def claim_refused(sender, user, kind: str, holder_user_id: int | None, **kwargs: Any) -> None:
    audit.credit_claim_refused(user_id=user.pk, kind=kind, holder_user_id=holder_user_id)


def identity_connected(sender, sociallogin, **kwargs: Any) -> None:
    audit.identity_changed(
        user_id=sociallogin.user.pk, provider=sociallogin.account.provider, connected=True
    )


def identity_disconnected(sender, socialaccount, **kwargs: Any) -> None:
    audit.identity_changed(
        user_id=socialaccount.user_id, provider=socialaccount.provider, connected=False
    )


# REQUEST ID INTO JOBS
# ------------------------------------------------------------------------------
_task_tokens: dict[str, tuple[Any, Any]] = {}


def add_request_id_header(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """Stamp the publishing request's id on the message (protocol 2 headers)."""
    request_id = request_id_var.get()
    if headers is not None and request_id and not headers.get(TASK_HEADER):
        headers[TASK_HEADER] = request_id


def enter_task_context(task_id: str, task, **kwargs: Any) -> None:
    """In the worker: the message's request id (custom headers become task.request attributes)
    becomes the context's. An eager task has no header and keeps the caller's id."""
    request_id = getattr(task.request, TASK_HEADER, None) or request_id_var.get()
    _task_tokens[task_id] = (
        request_id_var.set(request_id or ""),
        task_var.set((task_id, task.name)),
    )


def leave_task_context(task_id: str, **kwargs: Any) -> None:
    tokens = _task_tokens.pop(task_id, None)
    if tokens is None:
        return
    request_token, task_token = tokens
    try:
        task_var.reset(task_token)
        request_id_var.reset(request_token)
    except ValueError:  # set in another context (a thread pool): nothing to restore
        task_var.set(("", ""))
        request_id_var.set("")
