"""`manage.py rebuild_stats`: recompute every statistics rollup from the ledger."""

import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from contributions import stats


class Command(BaseCommand):
    help = (
        "Recompute every project's statistics rollups and the global ones from the ledger. "
        "On PostgreSQL, set-based: one snapshot, every project at once, memory bounded by one "
        "project's contributors. Safe to run while the site is up, and safe to interrupt (the "
        "projects stay marked stale, and the reconciliation finishes the job)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, no_progress: bool, **options):
        started = time.perf_counter()
        total = len(stats.project_ids_with_contributions())
        with tqdm(total=total, unit="project", disable=no_progress) as bar:
            result = stats.rebuild_all(progress=bar.update)
        self.stdout.write(
            f"Rebuilt statistics of {result['projects']} projects "
            f"in {time.perf_counter() - started:.1f} s."
        )
