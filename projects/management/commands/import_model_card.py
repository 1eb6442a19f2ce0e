"""Import Hugging Face model or dataset cards into a project, with a progress bar."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core.limits import InputRefused, capped_with_summary, read_file
from projects.card_import import model_card_import
from projects.models import Project


class Command(BaseCommand):
    help = (
        "Import model or dataset cards (README.md with YAML front matter): licence, languages "
        "and base model become the artifact's licence, languages and lineage. Name each file "
        "org__name.md or give --repo-id. Importing a card again creates nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="Card files.")
        parser.add_argument("--project", required=True, help="The project's slug.")
        parser.add_argument(
            "--as", dest="username", required=True, help="A maintainer of the project, or staff."
        )
        parser.add_argument(
            "--repo-id", default="", help="The Hub id (org/name) when importing a single card."
        )
        parser.add_argument("--source-url", default="", help="Where the card was read from.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, files, project, username, repo_id, source_url, no_progress, **opts):
        if repo_id and len(files) > 1:
            raise CommandError("--repo-id names one card; give one file with it.")
        target = Project.objects.filter(slug=project).first()
        if target is None:
            raise CommandError(f"No project with the slug {project!r}.")
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")

        failed = 0
        for file in tqdm(files, unit="card", disable=no_progress, file=self.stderr):
            path = Path(file)
            try:
                # The same limits as an upload (core.limits): the size before the file is read.
                text = read_file(path, "model_card").decode("utf-8-sig")
                report = model_card_import(
                    project=target,
                    text=text,
                    editor=user,
                    filename=path.name,
                    repo_id=repo_id,
                    source_url=source_url,
                )
            except PermissionDenied as error:
                raise CommandError(str(error)) from error
            except InputRefused as refused:
                self.stderr.write(f"{path.name}: problem: {refused.message}")
                failed += 1
                continue
            except (OSError, UnicodeDecodeError) as error:
                self.stderr.write(f"{path}: cannot read it ({error}).")
                failed += 1
                continue
            for note in capped_with_summary(report.notes):
                self.stdout.write(f"{path.name}: note: {note}")
            if not report.ok:
                failed += 1
                for problem in capped_with_summary(report.problems):
                    self.stderr.write(f"{path.name}: problem: {problem}")
                continue
            what = "created" if report.created else "updated"
            self.stdout.write(f"{path.name}: {report.details.get('artifact')} {what}.")
        if failed:
            raise CommandError(f"{failed} of {len(files)} card(s) not imported.")
        self.stdout.write(self.style.SUCCESS(f"{len(files)} card(s) imported."))
