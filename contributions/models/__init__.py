from .ledger import Contribution, Contributor, ModerationEvent
from .rollups import (
    GlobalMonthlyRollup,
    GlobalStatsState,
    ProjectLedgerVersion,
    ProjectMonthlyRollup,
    ProjectStatsSummary,
    StatsBreakdown,
)

__all__ = [
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
