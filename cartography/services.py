"""Writes of the site-level records: starting an import run."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from cartography.models import ImportRun
from core.jobs import enqueue_on_commit
from projects import permissions
from projects.models import Project

# The large real credit list (ethereum.org, 1,356 contributors) is 338 KB: a tenfold margin.
MAX_IMPORT_BYTES = 4 * 1024 * 1024


@transaction.atomic
def import_run_start(
    *, project: Project, user, kind: str, filename: str, content: str, source_url: str = ""
) -> ImportRun:
    """Queue an import of `content` into `project`; the job runs after commit."""
    if not permissions.can_import_into_project(user, project):
        raise PermissionDenied("Only this project's maintainers and staff import into it.")
    if kind not in ImportRun.Kind.values:
        raise ValidationError({"kind": "Choose what kind of file this is."})
    if len(content.encode("utf-8")) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": "The file is larger than 4 MB."})
    run = ImportRun(
        project=project,
        kind=kind,
        requested_by=user,
        filename=(filename or "upload")[:255],
        content=content,
        source_url=source_url,
    )
    run.full_clean()
    run.save()
    from cartography import tasks

    enqueue_on_commit(tasks.run_import, run.pk)
    return run
