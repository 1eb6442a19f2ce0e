from .ledger import (
    CONTENT_FIELDS,
    HAS_EXTERNAL_ID,
    OCCURRED_SORT,
    Contribution,
    Contributor,
    ContributorEmail,
    ModerationEvent,
)
from .rollups import (
    GlobalMonthlyRollup,
    GlobalStatsState,
    ProjectContributorRollup,
    ProjectLedgerVersion,
    ProjectMonthlyRollup,
    ProjectSourceRollup,
    ProjectStatsSummary,
    StatsBreakdown,
    StatsDelta,
)

__all__ = [
    "CONTENT_FIELDS",
    "HAS_EXTERNAL_ID",
    "OCCURRED_SORT",
    "Contribution",
    "Contributor",
    "ContributorEmail",
    "GlobalMonthlyRollup",
    "GlobalStatsState",
    "ModerationEvent",
    "ProjectContributorRollup",
    "ProjectLedgerVersion",
    "ProjectMonthlyRollup",
    "ProjectSourceRollup",
    "ProjectStatsSummary",
    "StatsBreakdown",
    "StatsDelta",
]
