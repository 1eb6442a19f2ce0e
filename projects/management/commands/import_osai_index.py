"""Import Open Source AI Index files as third-party assessments."""

from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core.limits import InputRefused
from projects.openness.importers.index import (
    current_dimensions,
    index_files,
    index_import_many,
    parse_index_path,
)
from projects.openness.index_file import IndexFormat


class Command(BaseCommand):
    help = (
        "Import European Open Source AI Index files: a folder holding `projects/` (the frozen "
        "'Opening up ChatGPT' files) and/or `main-database/` (the current index, with its "
        "_parameters.yml), or one of those folders. Each named model becomes a third-party "
        "assessment, matched to a model artifact where one fits. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", help="The folder to import.")
        parser.add_argument(
            "--frozen-commit", default="", help="Commit of the frozen repository's files."
        )
        parser.add_argument(
            "--index-commit", default="", help="Commit of the current index's files."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, folder: str, no_progress: bool, **options):
        root = Path(folder)
        if not root.is_dir():
            raise CommandError(f"{folder}: no such folder.")
        files = index_files(root)
        if not files:
            raise CommandError(f"{folder}: no index files found.")
        try:
            dimensions = current_dimensions(root)
        except InputRefused as refused:
            raise CommandError(f"Nothing imported: _parameters.yml: {refused.message}") from refused
        with tqdm(total=len(files), unit="file", disable=no_progress) as bar:
            parsed, unreadable = [], []
            for path, index_format in files:
                try:
                    parsed.append(parse_index_path(path, index_format, dimensions))
                except UnicodeDecodeError as error:  # reported; the other files go on
                    unreadable.append(f"{path.name}: not UTF-8 text (byte {error.start}).")
                bar.update()
        for message in unreadable:
            self.stderr.write(f"{message} The file was skipped.")
        if not parsed:
            raise CommandError(f"Nothing imported: all {len(unreadable)} file(s) were refused.")
        commits = {
            IndexFormat.FROZEN: options["frozen_commit"],
            IndexFormat.CURRENT: options["index_commit"],
        }
        results = index_import_many(assessments=parsed, commits=commits)
        for result in results:
            if result.status == "refused":
                self.stderr.write(f"{result.source_file}: {'; '.join(result.problems)}")
        statuses = Counter(r.status for r in results)
        stored = [r for r in results if r.assessment is not None]
        matched = sum(r.assessment.artifact_id is not None for r in stored)
        self.stdout.write(
            f"files: {len(results)} ({statuses['created']} created, {statuses['updated']} "
            f"updated, {statuses['unchanged']} unchanged, {statuses['skipped']} skipped: "
            f"templates and unnamed entries, {statuses['refused']} refused: above)"
        )
        self.stdout.write(f"matched to a model artifact: {matched} of {len(stored)}")
        self.stdout.write(f"files with something odd: {sum(bool(r.problems) for r in results)}")
        if options["verbosity"] > 1:
            for result in results:
                if result.problems:
                    self.stdout.write(f"{result.source_file}: {'; '.join(result.problems)}")
        if statuses["refused"] == len(results):
            raise CommandError(f"Nothing imported: all {len(results)} file(s) were refused.")
        self.stdout.write(self.style.SUCCESS("Open Source AI Index files imported."))
