"""Every write about repository sources: add, remove, request a sync, run one.

The ledger itself is written by the contributions services (`contribution_record_repository_cells`
and friends), called from the importer; nothing here writes a contribution directly.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from contributions.choices import CODE_TYPES, ContributionSource, ContributionStatus
from contributions.models import Contribution
from contributions.services import (
    contribution_hide,
    contribution_unhide,
    contribution_withdraw_repository_cells,
)
from core.jobs import enqueue_on_commit
from projects.models import Project
from repositories import cache, permissions
from repositories.choices import ACTIVE_SYNC_STATUSES, RepositoryHost, SyncStatus
from repositories.importer import run_sync
from repositories.models import RepositorySource, RepositorySync
from repositories.validation import (
    check_public_addresses,
    validate_branch,
    validate_path_filter,
    validate_target,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def repository_source_add(
    *,
    project: Project,
    url: str,
    user=None,
    branch: str = "",
    path_filter: str = "",
    allow_local: bool = False,
) -> RepositorySource:
    """Add a repository to a project. `user` is the maintainer or staff member asking (web, API);
    None only for the command line, the one caller that may also give a local path."""
    if user is not None and not permissions.can_manage_sources(user, project):
        raise PermissionDenied("Only this project's maintainers and staff add its repositories.")
    if user is not None and allow_local:
        raise PermissionDenied("Local paths are accepted on the command line only.")
    target = validate_target(url, allow_local=allow_local)
    branch = validate_branch(branch)
    path_filter = validate_path_filter(path_filter)
    if RepositorySource.objects.filter(
        project=project, url=target.url, branch=branch, path_filter=path_filter
    ).exists():
        raise ValidationError({"url": "This repository is already a source of the project."})
    source = RepositorySource(
        project=project,
        url=target.url,
        host=target.host,
        kind=target.kind,
        branch=branch,
        path_filter=path_filter,
        added_by=user,
    )
    source.save()
    logger.info(
        "repository source added",
        extra={"event": "repository_source_added", "project": project.slug, "source": source.pk},
    )
    return source


@transaction.atomic
def repository_source_remove(*, source: RepositorySource, user=None) -> None:
    """Remove a source: the credit read from it is withdrawn (each entry with its event), its
    facts and syncs go, and its clone is deleted after commit."""
    if user is not None and not permissions.can_manage_sources(user, source.project):
        raise PermissionDenied("Only this project's maintainers and staff remove repositories.")
    source = RepositorySource.objects.select_for_update().get(pk=source.pk)
    ids = list(
        Contribution.objects.filter(
            project_id=source.project_id,
            source=ContributionSource.REPOSITORY,
            external_id__startswith=f"repo:{source.pk}:",
        ).values_list("external_id", flat=True)
    )
    contribution_withdraw_repository_cells(
        project=source.project,
        external_ids=ids,
        note=f"The repository {source.label} was removed from the project.",
    )
    source_id = source.pk
    source.delete()
    transaction.on_commit(lambda: cache.remove_clone(source_id))


def repository_source_refresh_totals(*, source: RepositorySource) -> RepositorySource:
    """Recompute the source's rollup of credited work from its approved ledger entries."""
    cells = Contribution.objects.filter(
        project_id=source.project_id,
        source=ContributionSource.REPOSITORY,
        external_id__startswith=f"repo:{source.pk}:",
        status=ContributionStatus.APPROVED,
    )
    totals = cells.aggregate(
        entries=Count("id"),
        non_code=Count("id", filter=~Q(type__in=CODE_TYPES)),
        people=Count("contributor", distinct=True),
        commits=Sum("quantity"),
        added=Sum("lines_added"),
        removed=Sum("lines_removed"),
    )
    by_type = {
        row["type"]: int(row["commits"] or 0)
        for row in cells.values("type").annotate(commits=Sum("quantity")).order_by("type")
    }
    RepositorySource.objects.filter(pk=source.pk).update(
        entries=totals["entries"],
        non_code_entries=totals["non_code"],
        people=totals["people"],
        commits=int(totals["commits"] or 0),
        lines_added=totals["added"] or 0,
        lines_removed=totals["removed"] or 0,
        by_type=by_type,
        totals_updated_at=timezone.now(),
    )
    source.refresh_from_db()
    return source


def _source_of(entry: Contribution) -> RepositorySource | None:
    parts = entry.external_id.split(":")
    if len(parts) < 2 or parts[0] != "repo" or not parts[1].isdigit():
        return None
    return RepositorySource.objects.filter(pk=int(parts[1]), project_id=entry.project_id).first()


@transaction.atomic
def repository_work_hide(*, contribution: Contribution, user, reason: str) -> Contribution:
    """Hide a wrongly attributed entry (the ledger's service) and refresh its source's totals."""
    hidden = contribution_hide(contribution=contribution, user=user, reason=reason)
    source = _source_of(hidden)
    if source is not None:
        repository_source_refresh_totals(source=source)
    return hidden


@transaction.atomic
def repository_work_unhide(*, contribution: Contribution, user, note: str = "") -> Contribution:
    shown = contribution_unhide(contribution=contribution, user=user, note=note)
    source = _source_of(shown)
    if source is not None:
        repository_source_refresh_totals(source=source)
    return shown


def _stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=2 * settings.REPOSITORY_SYNC_SECONDS + 300)


@transaction.atomic
def repository_sync_request(*, source: RepositorySource, user=None) -> RepositorySync:
    """Queue a sync of `source`, or return the one already queued or running (one at a time).
    A sync left running by a worker that died is closed as failed first."""
    if user is not None and not permissions.can_manage_sources(user, source.project):
        raise PermissionDenied("Only this project's maintainers and staff sync its repositories.")
    RepositorySource.objects.select_for_update().filter(pk=source.pk).values_list("pk").get()
    active = RepositorySync.objects.filter(source=source, status__in=ACTIVE_SYNC_STATUSES).first()
    if active is not None:
        since = active.started_at or active.created_at
        if timezone.now() - since < _stale_after():
            return active
        active.status = SyncStatus.FAILED
        active.message = "Interrupted: the worker stopped before it finished."
        active.finished_at = timezone.now()
        active.save(update_fields=["status", "message", "finished_at"])
    sync = RepositorySync.objects.create(source=source, requested_by=user)
    enqueue_on_commit("repositories.tasks.sync_repository", sync.pk)
    return sync


def repository_sync_execute(*, sync_id: int) -> RepositorySync | None:
    """Run a queued sync (the job's body; the command line calls it directly). Does nothing
    unless the sync is still queued, so a redelivered job cannot run twice."""
    with transaction.atomic():
        sync = (
            RepositorySync.objects.select_for_update()
            .select_related("source", "source__project")
            .filter(pk=sync_id, status=SyncStatus.QUEUED)
            .first()
        )
        if sync is None:
            return None
        sync.status = SyncStatus.RUNNING
        sync.started_at = timezone.now()
        sync.save(update_fields=["status", "started_at"])
    try:
        if sync.source.host != RepositoryHost.LOCAL:
            hostname = sync.source.url.split("://", 1)[1].split("/", 1)[0]
            check_public_addresses(hostname)
        outcome = run_sync(sync)
    except ValidationError as error:
        sync.status = SyncStatus.FAILED
        sync.message = "; ".join(error.messages)
        outcome = None
    except IntegrityError:
        logger.exception("repository sync %s failed", sync.pk)
        sync.status = SyncStatus.FAILED
        sync.message = "Another sync wrote the same people at the same time; sync again."
        outcome = None
    except Exception:  # the sync must end visibly, whatever went wrong
        logger.exception("repository sync %s failed", sync.pk)
        sync.status = SyncStatus.FAILED
        sync.message = "The sync failed unexpectedly; the error is in the site's logs."
        outcome = None
    sync.finished_at = timezone.now()
    sync.save(update_fields=["status", "message", "finished_at"])
    # The source's totals are a rollup over its whole ledger part: a job of their own.
    enqueue_on_commit("repositories.tasks.refresh_source_totals", sync.source_id)
    logger.info(
        "repository synced",
        extra={
            "event": "repository_synced",
            "source": sync.source_id,
            "status": sync.status,
            "commits": outcome.commits if outcome else 0,
        },
    )
    return sync
