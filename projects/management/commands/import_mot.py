"""Import a folder of Model Openness Tool files (lfai/model_openness_tool `models/*.yml`)."""

from collections import Counter
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from projects.openness.importers.mot import MotImportResult, mot_files, mot_import_many
from projects.openness.mot_file import parse_mot_file
from projects.services import SyncCounts


class Command(BaseCommand):
    help = (
        "Import Model Openness Tool model files: each becomes a model artifact with its MOF "
        "components and licences (matched by file, Hugging Face URL, or name and version; created "
        "under its producer's project otherwise). Safe to run again: unchanged files change "
        "nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Folders of .yml files, or single files.")
        parser.add_argument(
            "--commit",
            default="",
            help="The tool repository's commit the files come from (kept as their source).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, paths: list[str], commit: str, no_progress: bool, **options):
        files: list[Path] = []
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                files.extend(mot_files(path))
            elif path.is_file():
                files.append(path)
            else:
                raise CommandError(f"{raw}: no such file or folder.")
        if not files:
            raise CommandError(f"No .yml files in {', '.join(paths)}.")
        releases, unreadable = [], []
        for path in files:
            try:
                releases.append(parse_mot_file(path))
            except UnicodeDecodeError as error:  # one bad file is reported, the others go on
                unreadable.append(
                    ValidationError(
                        f"{path.name}: not UTF-8 text (byte {error.start}); the file was skipped."
                    )
                )
        with tqdm(total=len(releases), unit="file", disable=no_progress) as bar:
            results = mot_import_many(
                files=releases, source_commit=commit, progress=lambda _: bar.update()
            )
        results = [*results, *unreadable]
        self._summary(results, options["verbosity"])
        if not any(isinstance(r, MotImportResult) for r in results):
            raise CommandError(f"Nothing imported: all {len(results)} file(s) were refused.")

    def _summary(self, results, verbosity: int) -> None:
        imported = [r for r in results if isinstance(r, MotImportResult)]
        failed = [r for r in results if isinstance(r, ValidationError)]
        components, licences = SyncCounts(), SyncCounts()
        for result in imported:
            components.add(result.components)
            licences.add(result.licences)
        matches = Counter(r.match or "created" for r in imported)
        with_problems = [r for r in imported if r.problems]
        lines = [
            f"files: {len(results)} ({len(imported)} imported, {len(failed)} refused)",
            f"artifacts: {sum(r.artifact_created for r in imported)} created, "
            f"{sum(r.changed and not r.artifact_created for r in imported)} updated, "
            f"{sum(not r.changed for r in imported)} unchanged",
            f"projects created: {sum(r.project_created for r in imported)}",
            f"matched by: {', '.join(f'{k} {v}' for k, v in sorted(matches.items()))}",
            f"components: {components.created} created, {components.updated} updated, "
            f"{components.deleted} removed, {components.unchanged} unchanged",
            f"global licences: {licences.created} created, {licences.updated} updated, "
            f"{licences.deleted} removed, {licences.unchanged} unchanged",
            f"files with something not mapped: {len(with_problems)}",
        ]
        for line in lines:
            self.stdout.write(line)
        for error in failed:
            self.stderr.write(" ".join(error.messages))
        if verbosity > 1:
            for result in with_problems:
                self.stdout.write(f"{result.source_file}: {'; '.join(result.problems)}")
        if not imported:
            return  # the caller says it failed
        if failed:
            self.stdout.write(
                self.style.WARNING(
                    f"Model Openness Tool files imported, except {len(failed)} refused (above)."
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS("Model Openness Tool files imported."))
