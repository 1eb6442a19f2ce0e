from .ledger import CONTENT_FIELDS, Contribution, Contributor, ModerationEvent
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
    "GlobalMonthlyRollup",
    "GlobalStatsState",
    "ModerationEvent",
    "ProjectLedgerVersion",
    "ProjectMonthlyRollup",
    "ProjectStatsSummary",
    "StatsBreakdown",
]
