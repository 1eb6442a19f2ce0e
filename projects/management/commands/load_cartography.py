from django.core.management.base import BaseCommand

from projects.seed import SEED_FILE, load_cartography, load_openness_data, read_seed


class Command(BaseCommand):
    help = (
        "Load reference data (countries, ISO 639-3 languages, SPDX and model licences), the "
        "seeded cartography of open LLM projects, and the bundled openness data (the Model "
        "Openness Tool's model files, MIT; the Open Source AI Index's entries, CC BY 4.0), "
        "offline. Safe to run again: it only adds what is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(SEED_FILE), help="The seed YAML file.")
        parser.add_argument(
            "--no-openness",
            action="store_true",
            help="Skip the bundled Model Openness Tool and Open Source AI Index data.",
        )

    def handle(self, *args, file: str, no_openness: bool, **options):
        from pathlib import Path

        reports = load_cartography(read_seed(Path(file)))
        if not no_openness:
            reports.update(load_openness_data())
        for kind, report in reports.items():
            self.stdout.write(f"{kind:>15}: {report}")
            for note in report.notes:
                self.stderr.write(f"{kind:>15}: {note}")
        self.stdout.write(self.style.SUCCESS("Cartography loaded."))
