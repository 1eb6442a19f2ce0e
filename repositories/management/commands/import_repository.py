"""Add a repository (URL or local path) to a project, if it is not there yet, and sync it now.

manage.py import_repository --project SLUG URL_OR_PATH [--branch B] [--path docs/]
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from contributions.models import Contribution
from projects.models import Project
from repositories.choices import SyncStatus
from repositories.models import RepositorySource
from repositories.services import (
    repository_source_add,
    repository_sync_execute,
    repository_sync_request,
)
from repositories.validation import validate_target


class Command(BaseCommand):
    help = "Read a git repository's history into a project's ledger (incremental on re-runs)."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="The project's slug.")
        parser.add_argument("repository", help="An https:// git URL or a local path.")
        parser.add_argument("--branch", default="", help="Default: the repository's default.")
        parser.add_argument("--path", default="", help="Count only commits touching this path.")

    def handle(self, *args, **options):
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project with the slug {options['project']!r}.")
        try:
            target = validate_target(options["repository"], allow_local=True)
            source = RepositorySource.objects.filter(
                project=project,
                url=target.url,
                branch=options["branch"].strip(),
                path_filter=options["path"].strip(),
            ).first()
            if source is None:
                source = repository_source_add(
                    project=project,
                    url=options["repository"],
                    branch=options["branch"],
                    path_filter=options["path"],
                    allow_local=True,
                )
            sync = repository_sync_request(source=source)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        # The job was queued for after the commit; when no worker took it yet, run it here.
        sync.refresh_from_db()
        if sync.status == SyncStatus.QUEUED:
            repository_sync_execute(sync_id=sync.pk)
        sync.refresh_from_db()
        self.stdout.write(
            f"{source.label}: {sync.get_status_display().lower()}; {sync.commits_done} commits "
            f"read, {sync.credits_recorded} credits, {sync.cells_created} entries created, "
            f"{sync.cells_updated} updated, {sync.cells_withdrawn} withdrawn."
        )
        if sync.message:
            self.stdout.write(sync.message)
        totals = {}
        for type_, commits in Contribution.objects.filter(
            project=project, external_id__startswith=f"repo:{source.pk}:", status="approved"
        ).values_list("type", "quantity"):
            totals[type_] = totals.get(type_, 0) + int(commits)
        for type_, commits in sorted(totals.items(), key=lambda item: -item[1]):
            self.stdout.write(f"  {type_:<22} {commits:>8} commits")
        if sync.status == SyncStatus.FAILED:
            raise CommandError("The sync failed.")
