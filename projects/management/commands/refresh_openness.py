"""Recompute the cached openness verdicts of every model artifact."""

from django.core.management.base import BaseCommand

from projects.openness.verdicts import openness_refresh


class Command(BaseCommand):
    help = (
        "Recompute the cached MOF classes (both readings) and index comparisons of all model "
        "artifacts. Only changed verdicts are written; safe to run at any time."
    )

    def handle(self, *args, **options):
        report = openness_refresh()
        self.stdout.write(
            f"verdicts: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged"
        )
