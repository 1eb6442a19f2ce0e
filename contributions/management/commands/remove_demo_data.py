"""`manage.py remove_demo_data` (`make demo-clean`): take every row `generate_demo_data` made out
again, and leave the statistics exact.

What goes: synthetic contributions (with their language links and any moderation of them), the
synthetic contributors, the organisations and projects the generator made (both marked twice: a
`demo-` slug and the synthetic name or summary; projects of older versions of the generator, which
put synthetic projects on the map, are removed the same way), and the demo moderator account once
it has nothing left to answer for. The rollups of every project that had synthetic work are then
recomputed from the ledger, and the global ones after them: what remains is what the seed and the
real contributions give, to the number.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from contributions import stats
from contributions.choices import ContributionSource
from contributions.management.commands.generate_demo_data import (
    MODERATOR,
    ORGANISATION_SUFFIX,
    SLUG_PREFIX,
    SUMMARY,
)
from contributions.models import Contribution, Contributor, ModerationEvent
from projects.models import Organisation, Project


def demo_data_remove() -> dict[str, int]:
    """Delete every synthetic row; recompute the statistics of the projects it touched."""
    with transaction.atomic():
        synthetic = Contribution.objects.filter(source=ContributionSource.SYNTHETIC)
        touched = set(synthetic.values_list("project_id", flat=True).distinct())
        counts = {"contributions": synthetic.count()}
        synthetic.delete()
        people = Contributor.objects.filter(is_synthetic=True, contributions__isnull=True)
        counts["contributors"] = people.count()
        people.delete()
        projects = Project.objects.filter(slug__startswith=SLUG_PREFIX, summary=SUMMARY)
        touched -= set(projects.values_list("pk", flat=True))
        counts["projects"] = projects.count()
        for project in projects:
            project.delete()
        organisations = Organisation.objects.filter(
            slug__startswith=SLUG_PREFIX, name__endswith=ORGANISATION_SUFFIX
        ).exclude(project_roles__isnull=False)
        counts["organisations"] = organisations.count()
        organisations.delete()
        counts["moderator"] = remove_moderator()
    # The rollups, after the commit (the refresh reads the ledger version the deletes moved).
    for project_id in sorted(touched):
        stats.refresh_project(project_id)
    stats.refresh_global()
    counts["projects_recomputed"] = len(touched)
    return counts


def remove_moderator() -> int:
    """The demo moderator goes once nothing refers to it (a real moderation keeps it)."""
    user = get_user_model().objects.filter(username=MODERATOR).first()
    if user is None:
        return 0
    if (
        Contribution.objects.filter(moderated_by=user).exists()
        or ModerationEvent.objects.filter(actor=user).exists()
        or Contributor.objects.filter(user=user).exists()
    ):
        return 0
    user.delete()
    return 1


class Command(BaseCommand):
    help = "Remove every synthetic row generate_demo_data made; recompute the statistics."

    def handle(self, *args, **options):
        counts = demo_data_remove()
        self.stdout.write(
            f"Removed {counted(counts['contributions'], 'synthetic contribution')}, "
            f"{counted(counts['contributors'], 'synthetic contributor')}, "
            f"{counted(counts['organisations'], 'demo organisation')} and "
            f"{counted(counts['projects'], 'demo project')}; statistics recomputed for "
            f"{counted(counts['projects_recomputed'], 'project')}."
        )


def counted(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
