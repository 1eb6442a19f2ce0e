from .ledger import CONTENT_FIELDS, Contribution, Contributor, ContributorEmail, ModerationEvent
from .rollups import (
    GlobalMonthlyRollup,
    GlobalStatsState,
    ProjectLedgerVersion,
    ProjectMonthlyRollup,
    ProjectStatsSummary,
    StatsBreakdown,
)

__all__ = [
    "CONTENT_FIELDS",
    "Contribution",
    "Contributor",
    "ContributorEmail",
    "GlobalMonthlyRollup",
    "GlobalStatsState",
    "ModerationEvent",
    "ProjectLedgerVersion",
    "ProjectMonthlyRollup",
    "ProjectStatsSummary",
    "StatsBreakdown",
]
