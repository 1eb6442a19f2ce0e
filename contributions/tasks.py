"""Background jobs of the ledger. Each takes ids, re-reads state and is idempotent."""

import logging

from celery import shared_task
from django.core.mail import send_mail

from contributions.choices import ContributionStatus

logger = logging.getLogger(__name__)

DECISION_WORDS = {
    ContributionStatus.APPROVED: "approved",
    ContributionStatus.REJECTED: "rejected",
    ContributionStatus.CHANGES_REQUESTED: "sent back with a request for changes",
}


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), max_retries=3, retry_backoff=True)
def refresh_project_stats(project_id: int) -> None:
    """Recompute one project's rollups from the ledger (idempotent: a full recompute)."""
    from contributions import stats

    stats.refresh_project(project_id)


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
