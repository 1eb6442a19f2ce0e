"""Repository jobs: each takes an id, re-reads state, and calls a service (idempotent)."""

from celery import shared_task
from django.conf import settings

from repositories import services


@shared_task(
    acks_late=True,
    soft_time_limit=settings.REPOSITORY_SYNC_SECONDS + 60,
    time_limit=settings.REPOSITORY_SYNC_SECONDS + 120,
)
def sync_repository(sync_id: int) -> None:
    services.repository_sync_execute(sync_id=sync_id)


@shared_task(acks_late=True)
def refresh_source_totals(source_id: int) -> None:
    source = services.RepositorySource.objects.filter(pk=source_id).first()
    if source is not None:
        services.repository_source_refresh_totals(source=source)
