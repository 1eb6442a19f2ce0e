"""Import an `.all-contributorsrc` credit list into a project, with a progress bar."""

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from contributions.importers.services import credit_list_import
from core.limits import InputRefused, capped_with_summary, read_file
from projects.models import Project


class Command(BaseCommand):
    help = (
        "Import an .all-contributorsrc file into a project: each listed contributor and type "
        "becomes an approved contribution, credited to a placeholder the person can claim. A file "
        "with problems imports nothing; importing the same file again adds only what is new."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the .all-contributorsrc file.")
        parser.add_argument("--project", required=True, help="The project's slug.")
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            help="A maintainer of the project (or staff): the imported credits carry their "
            "approval.",
        )
        parser.add_argument(
            "--confirm-project-mismatch",
            action="store_true",
            help="Import the list even though its projectName (or repository) names another "
            "project: you confirm that it belongs to this one. Without it, such a list is refused.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(
        self,
        *args,
        file: str,
        project: str,
        username: str,
        no_progress: bool,
        confirm_project_mismatch: bool = False,
        **opts,
    ):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        target = Project.objects.filter(slug=project).first()
        if target is None:
            raise CommandError(f"No project with the slug {project!r}.")
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")

        bar = tqdm(
            total=0, unit="credit", disable=no_progress, file=self.stderr, desc=path.name[:40]
        )

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        started = time.perf_counter()
        try:
            # The same limits as an upload (core.limits): the size before the file is read.
            data = read_file(path, "credit_list")
            report = credit_list_import(
                project=target,
                data=data,
                importer=user,
                filename=path.name,
                progress=progress,
                confirm_project_mismatch=confirm_project_mismatch,
            )
        except InputRefused as refused:
            raise CommandError(f"Nothing imported: {refused.message}") from refused
        except PermissionDenied as error:
            raise CommandError(str(error)) from error
        finally:
            bar.close()
        seconds = time.perf_counter() - started

        for note in capped_with_summary(report.notes):
            self.stdout.write(f"note: {note}")
        if not report.ok:
            for problem in capped_with_summary(report.problems):
                self.stderr.write(f"problem: {problem}")
            if report.details.get("names_other_project"):
                raise CommandError(
                    f"Nothing imported: {path} names {report.details['file_project']}, not "
                    f"{target.name}. Add --confirm-project-mismatch if it belongs to {target.name}."
                )
            raise CommandError(f"Nothing imported: {len(report.problems)} problem(s) in {path}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.created} contribution(s) created, {report.skipped} already there; "
                f"{report.contributors_created} placeholder contributor(s) created, "
                f"{report.contributors_reused} known; {seconds:.2f} s."
            )
        )
