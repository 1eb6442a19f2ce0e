"""Helpers shared by the statistics tests (the SQLite run and the service run alike)."""

from __future__ import annotations

from collections.abc import Iterable

from contributions import stats
from contributions.models import Contribution, ProjectLedgerVersion


def assert_rollups_exact(project_ids: Iterable[int] | None = None) -> None:
    """Every project's stored rollups, and the global ones, equal the oracle's from-scratch
    computation over the ledger (the oracle walks rows in Python; the refresh uses GROUP BY)."""
    if project_ids is None:
        project_ids = set(Contribution.objects.values_list("project_id", flat=True))
        project_ids |= set(ProjectLedgerVersion.objects.values_list("project_id", flat=True))
    for project_id in sorted(project_ids):
        stored = stats.project_rollups(project_id)
        expected = stats.oracle_project(project_id)
        assert stored["summary"] == expected["summary"], f"project {project_id} summary"
        assert stored["cells"] == expected["cells"], f"project {project_id} cells"
    stored_global = stats.global_rollups()
    expected_global = stats.oracle_global()
    assert stored_global["breakdowns"] == expected_global["breakdowns"]
    assert stored_global["cells"] == expected_global["cells"]
    # Every project's summary records the ledger version it reflects: nothing is left for the
    # reconciliation (the global rollups may still await their max-age rebuild: their numbers,
    # compared above, are what counts).
    assert stats.stale_project_ids() == []
