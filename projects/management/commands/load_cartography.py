from django.core.management.base import BaseCommand

from projects.seed import SEED_FILE, load_cartography, read_seed


class Command(BaseCommand):
    help = (
        "Load reference data (countries, ISO 639-3 languages, SPDX and model licences) and the "
        "seeded cartography of open LLM projects. Safe to run again: it only adds what is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(SEED_FILE), help="The seed YAML file.")

    def handle(self, *args, file: str, **options):
        from pathlib import Path

        reports = load_cartography(read_seed(Path(file)))
        for kind, report in reports.items():
            self.stdout.write(f"{kind:>15}: {report}")
        self.stdout.write(self.style.SUCCESS("Cartography loaded."))
