"""The seeded cartography with a small approved ledger on top, its rollups computed: what the
public pages show on a fresh `make demo`, small enough to count by hand."""

import pytest
from django.utils import timezone

from contributions.choices import ContributionStatus
from projects.models import Artifact, Project
from tests import factories
from tests.cartography.seeding import reference_data, seeded  # noqa: F401 (fixtures)

# (project, artifact or None, type, phase, how many): 9 approved entries, 6 of them non-code.
LEDGER = [
    ("bielik", "bielik-4-5b-v3", "data_annotation", "post_training", 3),
    ("bielik", None, "code", "pre_training", 2),
    ("bielik", "bielik-4-5b-v3", "evaluation", "post_release", 1),
    ("olmo", None, "documentation", "post_release", 1),
    ("olmo", None, "code", "pre_training", 1),
    ("llama", "llama-3-1-8b-instruct", "evaluation_feedback", "post_release", 1),
]
APPROVED = sum(row[-1] for row in LEDGER)
NON_CODE = sum(row[-1] for row in LEDGER if row[2] != "code")


@pytest.fixture
def ledger(seeded, django_capture_on_commit_callbacks):  # noqa: F811
    """The LEDGER above, approved, with the statistics refreshed by the jobs the writes enqueue."""
    moderator = factories.StaffFactory(username="moderator")
    with django_capture_on_commit_callbacks(execute=True):
        for slug, artifact_slug, type_, phase, count in LEDGER:
            project = Project.objects.get(slug=slug)
            artifact = Artifact.objects.get(slug=artifact_slug) if artifact_slug else None
            for _ in range(count):
                factories.ContributionFactory(
                    project=project,
                    artifact=artifact,
                    type=type_,
                    phase=phase,
                    status=ContributionStatus.APPROVED,
                    moderated_by=moderator,
                    moderated_at=timezone.now(),
                )
    from contributions import stats

    for slug in {row[0] for row in LEDGER}:
        stats.refresh_project(Project.objects.get(slug=slug).pk)
    stats.refresh_global()
    return LEDGER
