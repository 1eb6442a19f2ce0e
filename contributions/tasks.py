"""Background jobs of the ledger. Each takes ids, re-reads state and is idempotent."""

import logging
import time

from celery import shared_task
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import OperationalError
from django.urls import reverse

from contributions.choices import DECISION_ACTIONS, TRANSITIONS

logger = logging.getLogger(__name__)

# The decision mail names the status as the deciding action does ("... was approved").
DECISION_WORDS = {TRANSITIONS[a].to: TRANSITIONS[a].done for a in DECISION_ACTIONS}


# Statistics jobs are idempotent (a delta is folded once and deleted with the fold; a recompute
# is a recompute), so running one twice is harmless: they
# acknowledge late (a worker killed mid-job leaves the message to be redelivered) and retry
# database hiccups a few times with backoff. Anything still lost is the reconciliation's to find.
STATS_TASK_OPTIONS = {
    "acks_late": True,
    "autoretry_for": (ConnectionError, OperationalError),
    "max_retries": 3,
    "retry_backoff": True,
    "retry_backoff_max": 60,
}
# How long project refreshes may pile up before the (costlier) global refresh runs once for all:
# at least this long, and at least this many times the last global refresh's own duration, so
# that under a steady stream of approvals the global refresh keeps at most about a sixth of one
# core busy whatever the ledger's size (at 1M entries it takes about 15 s: a refresh every 75 s).
GLOBAL_REFRESH_DELAY = 30
GLOBAL_REFRESH_COST_FACTOR = 5
GLOBAL_REFRESH_QUEUED = "contributions:stats:global-refresh-queued"
GLOBAL_REFRESH_SECONDS = "contributions:stats:global-refresh-seconds"


def global_refresh_delay() -> float:
    """Seconds the next global refresh waits (see GLOBAL_REFRESH_COST_FACTOR)."""
    last = cache.get(GLOBAL_REFRESH_SECONDS) or 0
    return max(GLOBAL_REFRESH_DELAY, GLOBAL_REFRESH_COST_FACTOR * float(last))


# Projects one reconciliation run rebuilds at most; the next run, minutes later, takes the rest.
RECONCILE_BATCH = 200


@shared_task(**STATS_TASK_OPTIONS)
def refresh_project_stats(project_id: int) -> None:
    """Bring one project's rollups to its ledger version: fold the deltas its writes recorded, or
    recompute it from the ledger when they cannot (a bulk write, no rollups yet); then ask for
    the global rollups to follow."""
    from contributions import stats

    if stats.apply_deltas(project_id) or stats.refresh_project(project_id):
        request_global_refresh()


def request_global_refresh() -> None:
    """Enqueue one global refresh per delay window, however many projects changed meanwhile.

    The window is kept in the cache (shared by every worker in production); a request lost to a
    cold cache or a lost message only delays the numbers until the next reconciliation. Eager mode
    (the embedded default, no broker) runs it at once: there is no beat there to catch up.
    """
    if refresh_global_stats.app.conf.task_always_eager:
        refresh_global_stats.delay()
        return
    delay = global_refresh_delay()
    if cache.add(GLOBAL_REFRESH_QUEUED, 1, timeout=delay):
        refresh_global_stats.apply_async(countdown=delay)


@shared_task(**STATS_TASK_OPTIONS)
def refresh_global_stats() -> None:
    """Recompute the global and per-dimension rollups when the ledger moved since the last time."""
    from contributions import stats

    if stats.global_is_stale():
        started = time.monotonic()
        stats.refresh_global()
        cache.set(GLOBAL_REFRESH_SECONDS, time.monotonic() - started, timeout=None)


@shared_task(**STATS_TASK_OPTIONS)
def reconcile_stats() -> dict:
    """The periodic safety net (beat, every few minutes): rebuild every project whose rollups are
    behind its ledger, and the global rollups when stale. A job lost to a broker outage or a
    killed worker costs minutes of freshness, never a wrong number."""
    from contributions import stats

    result = stats.reconcile(limit=RECONCILE_BATCH)
    if result["projects"] or result["global"]:
        logger.info("Reconciled statistics: %s", result)
    return result


@shared_task(**STATS_TASK_OPTIONS)
def rebuild_stats() -> dict:
    """The full rebuild as a job (what `manage.py rebuild_stats` runs in the foreground)."""
    from contributions import stats

    return stats.rebuild_all()


@shared_task(autoretry_for=(OSError,), max_retries=3, retry_backoff=True)
def send_pending_digest() -> int:
    """Mail each maintainer the pending entries waiting in their projects (daily, by beat).

    Entries they logged themselves are left out: nobody moderates their own work. Maintainers with
    nothing waiting, no address or an inactive account get no mail. Returns the mails sent.
    """
    from django.contrib.auth import get_user_model

    from contributions.selectors import moderation_queue
    from contributions.services import site_url

    sent = 0
    maintainers = (
        get_user_model()
        .objects.filter(maintainerships__isnull=False, is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    for user in maintainers:
        pending = list(moderation_queue(user)[: DIGEST_MAX_ENTRIES + 1])
        if not pending:
            continue
        lines = [
            f'- {c.project.name}: "{c.title}" by {c.contributor.display_name} '
            f"({site_url(c.get_absolute_url())})"
            for c in pending[:DIGEST_MAX_ENTRIES]
        ]
        if len(pending) > DIGEST_MAX_ENTRIES:
            lines.append(f"... and more: {site_url(reverse('contributions:moderation_queue'))}")
        send_mail(
            subject=f"{len(pending[:DIGEST_MAX_ENTRIES])} contribution(s) wait for your review"
            if len(pending) <= DIGEST_MAX_ENTRIES
            else f"More than {DIGEST_MAX_ENTRIES} contributions wait for your review",
            message=(
                "These contributions to the projects you maintain wait for a decision:\n\n"
                + "\n".join(lines)
                + f"\n\nReview them at {site_url(reverse('contributions:moderation_queue'))}"
            ),
            from_email=None,
            recipient_list=[user.email],
        )
        sent += 1
    return sent


DIGEST_MAX_ENTRIES = 50


@shared_task(autoretry_for=(OSError,), max_retries=3, retry_backoff=True)
def notify_contributor_of_decision(contribution_id: int, status: str) -> None:
    """Mail the contributor a moderator's decision. Skips silently when the entry has moved on
    (a later decision sends its own mail) or the contributor has no address."""
    from contributions.models import Contribution
    from contributions.services import site_url

    contribution = (
        Contribution.objects.select_related("contributor__user", "project")
        .filter(pk=contribution_id)
        .first()
    )
    if contribution is None or contribution.status != status:
        return
    user = contribution.contributor.user
    if user is None or not user.email or not user.is_active:
        return
    last_event = contribution.events.order_by("-at", "-id").first()
    note = (
        f"\n\nThe maintainer's note:\n{last_event.note}" if last_event and last_event.note else ""
    )
    send_mail(
        subject=f"Your contribution to {contribution.project.name} was {DECISION_WORDS[status]}",
        message=(
            f'Your contribution "{contribution.title}" was {DECISION_WORDS[status]}.{note}\n\n'
            f"See it at {site_url(contribution.get_absolute_url())}"
        ),
        from_email=None,
        recipient_list=[user.email],
    )
