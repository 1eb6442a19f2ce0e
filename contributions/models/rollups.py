"""Statistics rollups: written only by the jobs in `contributions.stats`, read by the stats pages
and endpoints, so their cost does not grow with the ledger.

Freshness is decided by versions, not clocks. Database triggers (migration
`0003_ledger_version_triggers`) bump a project's `ProjectLedgerVersion` in the same transaction as
any write that can move its statistics: an approved entry inserted, updated or deleted, an entry
entering or leaving approved, an approved entry's languages changed. A trigger, not a service call,
because every path (services, admin, importers, bulk loads, a hand-written UPDATE) must move the
version, and because the bump must commit or roll back with the change itself. A project whose
summary records another version than its ledger is stale; the reconciliation finds those with one
indexed query and rebuilds them.
"""

from django.db import models
from django.db.models import Q

from contributions.choices import ContributionType, LifecyclePhase


class ProjectLedgerVersion(models.Model):
    """How many statistics-relevant writes a project's ledger has seen. Maintained by triggers."""

    project = models.OneToOneField(
        "projects.Project",
        verbose_name="project",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="ledger_version",
    )
    version = models.BigIntegerField(
        "version", default=0, help_text="Bumped by a database trigger on every relevant write."
    )

    class Meta:
        verbose_name = "project ledger version"

    def __str__(self) -> str:
        return f"{self.project_id}@{self.version}"


class ProjectStatsSummary(models.Model):
    """One project's health metrics, as of `ledger_version` and the day `computed_on`."""

    project = models.OneToOneField(
        "projects.Project",
        verbose_name="project",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="stats_summary",
    )
    ledger_version = models.BigIntegerField(
        "ledger version",
        default=-1,
        help_text="The ledger version these numbers reflect; -1 marks them for a rebuild.",
    )
    computed_at = models.DateTimeField("computed at")
    computed_on = models.DateField(
        "computed on", help_text="The day the 30 and 90 day activity windows end."
    )
    contributions = models.PositiveIntegerField("approved contributions", default=0)
    contributors = models.PositiveIntegerField("distinct contributors", default=0)
    non_code_contributions = models.PositiveIntegerField("non-code contributions", default=0)
    synthetic_contributions = models.PositiveIntegerField(
        "synthetic contributions",
        default=0,
        help_text="Generated demo data included in the counts.",
    )
    active_30 = models.PositiveIntegerField("active in 30 days", default=0)
    active_90 = models.PositiveIntegerField("active in 90 days", default=0)
    absence_factor = models.PositiveIntegerField("contributor absence factor", default=0)
    absence_factor_by_type = models.JSONField(
        "absence factor by type", default=dict, help_text="{type: factor}."
    )
    elephant_factor = models.PositiveIntegerField(
        "elephant factor", null=True, blank=True, help_text="Empty with no affiliated work."
    )
    affiliated_contributions = models.PositiveIntegerField("affiliated contributions", default=0)
    organisations = models.PositiveIntegerField("distinct affiliations", default=0)
    language_tagged_contributions = models.PositiveIntegerField(
        "contributions naming a language", default=0
    )
    underrepresented_language_contributions = models.PositiveIntegerField(
        "contributions serving an underrepresented language", default=0
    )
    by_type = models.JSONField("contributions by type", default=dict)
    by_domain = models.JSONField("contributions by domain", default=dict)
    by_phase = models.JSONField("contributions by phase", default=dict)
    by_compensation = models.JSONField("contributions by compensation", default=dict)
    by_artifact_domain = models.JSONField("contributions by artifact domain", default=dict)
    new_contributors_by_month = models.JSONField(
        "new contributors by month", default=dict, help_text='{"YYYY-MM": count}.'
    )
    languages = models.JSONField(
        "languages served",
        default=list,
        help_text="[{code, name, contributions, underrepresented}], most served first.",
    )
    quantities = models.JSONField(
        "quantities by unit", default=dict, help_text='{unit: "decimal"}.'
    )

    class Meta:
        verbose_name = "project statistics summary"
        verbose_name_plural = "project statistics summaries"
        indexes = [models.Index(fields=["computed_on"], name="stats_summary_computed_on")]

    def __str__(self) -> str:
        return f"statistics of project {self.project_id}"


class ProjectMonthlyRollup(models.Model):
    """One cell of project x month x type x phase x unit.

    The month is that of the work's date, or of its logging when it has no date. Counts and
    quantities add up across cells; `contributors` is distinct within the cell only (distinct
    counts over wider scopes live in the summaries and breakdowns).
    """

    project = models.ForeignKey(
        "projects.Project",
        verbose_name="project",
        on_delete=models.CASCADE,
        related_name="monthly_rollups",
    )
    month = models.DateField("month", help_text="The first day of the month.")
    type = models.CharField("type", max_length=30, choices=ContributionType.choices)
    phase = models.CharField("lifecycle phase", max_length=20, choices=LifecyclePhase.choices)
    unit = models.CharField(
        "unit", max_length=40, blank=True, help_text="Empty for entries without a quantity."
    )
    contributions = models.PositiveIntegerField("approved contributions")
    contributors = models.PositiveIntegerField("distinct contributors")
    quantity = models.DecimalField(
        "quantity", max_digits=20, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = "project monthly rollup"
        ordering = ["project", "month", "type", "phase", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "month", "type", "phase", "unit"],
                name="project_monthly_rollup_cell_unique",
            ),
            models.CheckConstraint(
                condition=Q(contributions__gte=1), name="project_monthly_rollup_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.month:%Y-%m} {self.type} {self.phase} {self.unit}"


class GlobalMonthlyRollup(models.Model):
    """month x type x phase x unit over every project: the timeseries without a project filter."""

    month = models.DateField("month", help_text="The first day of the month.")
    type = models.CharField("type", max_length=30, choices=ContributionType.choices)
    phase = models.CharField("lifecycle phase", max_length=20, choices=LifecyclePhase.choices)
    unit = models.CharField("unit", max_length=40, blank=True)
    contributions = models.PositiveIntegerField("approved contributions")
    contributors = models.PositiveIntegerField("distinct contributors")
    quantity = models.DecimalField(
        "quantity", max_digits=20, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = "global monthly rollup"
        ordering = ["month", "type", "phase", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "type", "phase", "unit"], name="global_monthly_rollup_cell_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.type} {self.phase} {self.unit}"


class StatsBreakdown(models.Model):
    """Global totals (dimension "all") and one row per value of a breakdown dimension."""

    class Dimension(models.TextChoices):
        ALL = "all", "All projects"
        GOVERNANCE_MODEL = "governance_model", "Governance model"
        CONTINENT = "continent", "Continent"
        ARTIFACT_DOMAIN = "artifact_domain", "Artifact domain"
        DOMAIN = "domain", "Contribution domain"
        PHASE = "phase", "Lifecycle phase"
        TYPE = "type", "Contribution type"
        COMPENSATION = "compensation", "Compensation"
        SOURCE = "source", "Source"

    dimension = models.CharField("dimension", max_length=20, choices=Dimension.choices)
    key = models.CharField(
        "key", max_length=40, blank=True, help_text='The value\'s code; "unspecified" when unset.'
    )
    contributions = models.PositiveIntegerField("approved contributions")
    contributors = models.PositiveIntegerField("distinct contributors")
    projects = models.PositiveIntegerField("projects")
    non_code_contributions = models.PositiveIntegerField("non-code contributions")
    synthetic_contributions = models.PositiveIntegerField(
        "synthetic contributions", help_text="Generated demo data included in the counts."
    )

    class Meta:
        verbose_name = "statistics breakdown"
        ordering = ["dimension", "key"]
        constraints = [
            models.UniqueConstraint(fields=["dimension", "key"], name="stats_breakdown_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}={self.key}"


class GlobalStatsState(models.Model):
    """The one row saying which ledger state the global rollups reflect."""

    fingerprint = models.CharField(
        "fingerprint",
        max_length=200,
        blank=True,
        help_text="Sum of ledger versions and the registry's shape when the numbers were read.",
    )
    computed_at = models.DateTimeField("computed at", null=True, blank=True)

    class Meta:
        verbose_name = "global statistics state"

    def __str__(self) -> str:
        return f"global statistics as of {self.computed_at}"


class ProjectContributorRollup(models.Model):
    """A project's approved work by contributor x type x affiliation: how much, first and last day.

    The compact table the metrics that cannot move by a delta (contributors, absence and elephant
    factors, activity windows, new contributors by month) are recomputed from after each approval,
    instead of from the ledger. Written by the full refresh and by the delta fold in
    `contributions.stats`, which rewrites the few rows an entry's change touches.
    """

    project = models.ForeignKey(
        "projects.Project",
        verbose_name="project",
        on_delete=models.CASCADE,
        related_name="contributor_rollups",
    )
    # No database constraints: a merged-away contributor or a deleted organisation must not block
    # its deletion; the fold rewrites the row from the ledger when its work moves.
    contributor = models.ForeignKey(
        "contributions.Contributor",
        verbose_name="contributor",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    type = models.CharField("type", max_length=30, choices=ContributionType.choices)
    affiliation = models.ForeignKey(
        "projects.Organisation",
        verbose_name="affiliation at the time",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    contributions = models.PositiveIntegerField("approved contributions")
    first_day = models.DateField("first day")
    last_day = models.DateField("last day")

    class Meta:
        verbose_name = "project contributor rollup"
        indexes = [
            models.Index(fields=["project", "contributor"], name="stats_contributor_rollup_key")
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.contributor_id} {self.type} {self.affiliation_id}"


class StatsDelta(models.Model):
    """What one ledger version of a project changed: written by the ledger-version triggers in the
    same statement as the bump (migration `0009_statistics_deltas`), folded into the rollups by the
    job that follows the commit, then deleted. `changes` lists [sign, footprint] pairs: -1 with an
    approved row as it was, +1 with it as it became. A bulk statement (over 1,000 rows) records
    no delta, so the fold meets a gap in the versions and recomputes the project instead."""

    project = models.ForeignKey(
        "projects.Project",
        verbose_name="project",
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
    )
    version = models.BigIntegerField("ledger version")
    changes = models.JSONField("changes", default=list)

    class Meta:
        verbose_name = "statistics delta"
        indexes = [models.Index(fields=["project", "version"], name="stats_delta_project_version")]

    def __str__(self) -> str:
        return f"{self.project_id}@{self.version}"


class ProjectSourceRollup(models.Model):
    """A project's approved work by where it comes from (the entry's source: the web form, the
    API, an import such as a credit list or a model card, a repository's history, generated demo
    data), so every page can say which numbers rest on what. Written beside the project's other
    rollups by `contributions.stats` (recomputed with them, folded from the same deltas)."""

    project = models.ForeignKey(
        "projects.Project",
        verbose_name="project",
        on_delete=models.CASCADE,
        related_name="source_rollups",
    )
    source = models.CharField("source", max_length=10)
    contributions = models.PositiveIntegerField("approved contributions")
    contributors = models.PositiveIntegerField("distinct contributors")
    non_code_contributions = models.PositiveIntegerField("non-code contributions")
    commits = models.PositiveBigIntegerField(
        "commits", default=0, help_text="Commits behind the entries (repository history only)."
    )
    lines_added = models.PositiveBigIntegerField("lines added", default=0)
    lines_removed = models.PositiveBigIntegerField("lines removed", default=0)

    class Meta:
        verbose_name = "project source rollup"
        ordering = ["project", "source"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "source"], name="project_source_rollup_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.source}"
