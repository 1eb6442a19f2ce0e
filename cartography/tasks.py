"""Background jobs of the site: import runs.

`run_import` is the job behind the importer pages: it takes the run's id, re-reads the run, and
does nothing unless the run is still queued (so a redelivered message cannot import twice). The
import itself is one transaction, so its progress cannot be read from the database while it runs:
the job publishes it in the cache (shared by every process in production), and the run row holds
the outcome once the job ends.
"""

import logging

from celery import shared_task
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from core.limits import InputRefused, cap_line

logger = logging.getLogger(__name__)

PROGRESS_TTL = 60 * 60


def progress_key(run_id: int) -> str:
    return f"import-run:{run_id}:progress"


def read_progress(run_id: int) -> tuple[int, int] | None:
    value = cache.get(progress_key(run_id))
    return tuple(value) if value else None


@shared_task(acks_late=True)
def run_import(run_id: int) -> None:
    from cartography.models import ImportRun
    from contributions.importers.services import credit_list_import
    from projects.card_import import model_card_import

    with transaction.atomic():
        run = (
            ImportRun.objects.select_for_update()
            .select_related("project", "requested_by")
            .filter(pk=run_id, status=ImportRun.Status.QUEUED)
            .first()
        )
        if run is None:  # already taken or finished: idempotent on redelivery
            return
        run.status = ImportRun.Status.RUNNING
        run.started_at = timezone.now()
        run.save(update_fields=["status", "started_at"])

    def progress(done: int, total: int) -> None:
        cache.set(progress_key(run.pk), (done, total), PROGRESS_TTL)

    try:
        if run.kind == ImportRun.Kind.ALL_CONTRIBUTORS:
            report = credit_list_import(
                project=run.project,
                data=run.content,
                importer=run.requested_by,
                filename=run.filename,
                progress=progress,
                confirm_project_mismatch=run.project_mismatch_confirmed,
            )
        else:
            report = model_card_import(
                project=run.project,
                text=run.content,
                editor=run.requested_by,
                filename=run.filename,
                source_url=run.source_url,
                progress=progress,
            )
    except InputRefused as refused:  # a limit (core.limits) the upload check did not see
        run.status = ImportRun.Status.FAILED
        run.report = {"ok": False, "problems": [cap_line(refused.message)], "problems_total": 1}
    except Exception:  # the run must end visibly, whatever went wrong
        logger.exception("import run %s failed", run.pk)
        run.status = ImportRun.Status.FAILED
        run.report = {
            "ok": False,
            "problems": [
                "The import stopped on an unexpected error and wrote nothing; the error is "
                f"logged for the site's administrators (import run {run.pk})."
            ],
            "problems_total": 1,
        }
    else:
        run.status = ImportRun.Status.SUCCEEDED if report.ok else ImportRun.Status.FAILED
        run.report = report.as_dict()
        run.total = report.total
        run.done = report.total if report.ok else 0
        run.created_count = report.created
        run.skipped_count = report.skipped
    run.finished_at = timezone.now()
    run.save(
        update_fields=[
            "status",
            "report",
            "total",
            "done",
            "created_count",
            "skipped_count",
            "finished_at",
        ]
    )
    cache.delete(progress_key(run.pk))
