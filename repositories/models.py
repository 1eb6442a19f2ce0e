"""Repository sources of a project, their syncs, and the per-commit credits read from them.

`CommitCredit` is the fact table: one row per person credited by one commit for one type of work.
The ledger's cells (one contribution per person x repository x month x type) are always
recomputed from these facts, never incremented, so a sync repeated, resumed after a crash or run
after a force-push gives the same ledger as one clean run.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from repositories.choices import (
    CreditRole,
    RepositoryHost,
    RepositoryKind,
    SyncStatus,
)


class RepositorySource(models.Model):
    project = models.ForeignKey(
        "projects.Project",
        verbose_name="project",
        on_delete=models.CASCADE,
        related_name="repository_sources",
    )
    url = models.CharField(
        "repository",
        max_length=500,
        help_text="An https:// git URL on an allowed host; staff and the command line may also "
        "give a local path.",
    )
    branch = models.CharField(
        "branch", max_length=200, blank=True, help_text="Empty: the repository's default branch."
    )
    path_filter = models.CharField(
        "path filter",
        max_length=300,
        blank=True,
        help_text="Only commits touching this folder or file count (e.g. docs/).",
    )
    host = models.CharField("host", max_length=12, choices=RepositoryHost.choices)
    kind = models.CharField(
        "kind", max_length=10, choices=RepositoryKind.choices, default=RepositoryKind.CODE
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="added by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("added", auto_now_add=True)
    resolved_branch = models.CharField(
        "branch read", max_length=200, blank=True, help_text="The branch the last sync read."
    )
    last_seen_commit = models.CharField(
        "last commit read",
        max_length=40,
        blank=True,
        help_text="The branch tip the last complete sync read; the next sync starts after it.",
    )
    last_synced_at = models.DateTimeField("last synced", null=True, blank=True)
    # ROLLUP of the credited work read from this source, kept by the sync job (and after a hide),
    # so that pages and the API show it without aggregating the ledger.
    entries = models.PositiveIntegerField("credited entries", default=0)
    non_code_entries = models.PositiveIntegerField("non-code entries", default=0)
    people = models.PositiveIntegerField("people credited", default=0)
    commits = models.PositiveIntegerField("commits credited", default=0)
    lines_added = models.PositiveBigIntegerField("lines added", default=0)
    lines_removed = models.PositiveBigIntegerField("lines removed", default=0)
    by_type = models.JSONField("commits by type", default=dict, blank=True)
    totals_updated_at = models.DateTimeField("totals computed", null=True, blank=True)

    class Meta:
        ordering = ["project", "url", "id"]
        verbose_name = "repository source"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "url", "branch", "path_filter"],
                name="repository_source_unique_per_project",
            ),
            models.CheckConstraint(condition=~Q(url=""), name="repository_source_url_set"),
            models.CheckConstraint(
                condition=Q(host__in=RepositoryHost.values), name="repository_source_host_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=RepositoryKind.values), name="repository_source_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("repositories:source_detail", kwargs={"pk": self.pk})

    @property
    def label(self) -> str:
        """A short name: owner/name on a host, the folder name for a local path."""
        text = self.url.rstrip("/").removesuffix(".git")
        if self.host == RepositoryHost.LOCAL:
            name = text.rsplit("/", 1)[-1]
        else:
            name = text.split("://", 1)[-1].split("/", 1)[-1]
        return name + (f" ({self.path_filter})" if self.path_filter else "")


class RepositorySync(models.Model):
    """One run of the importer over a source: its progress while it runs, its outcome after."""

    source = models.ForeignKey(
        RepositorySource, verbose_name="source", on_delete=models.CASCADE, related_name="syncs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="requested by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        "status", max_length=10, choices=SyncStatus.choices, default=SyncStatus.QUEUED
    )
    from_commit = models.CharField("from commit", max_length=40, blank=True)
    to_commit = models.CharField("to commit", max_length=40, blank=True)
    force_push = models.BooleanField(
        "force-push detected",
        default=False,
        help_text="The last commit read is no longer in the branch: the history was re-read and "
        "credit for commits that disappeared was withdrawn.",
    )
    commits_total = models.PositiveIntegerField("commits to read", default=0)
    commits_done = models.PositiveIntegerField("commits read", default=0)
    credits_recorded = models.PositiveIntegerField("credits recorded", default=0)
    cells_created = models.PositiveIntegerField("ledger entries created", default=0)
    cells_updated = models.PositiveIntegerField("ledger entries updated", default=0)
    cells_withdrawn = models.PositiveIntegerField("ledger entries withdrawn", default=0)
    message = models.TextField("message", blank=True)
    created_at = models.DateTimeField("requested", auto_now_add=True)
    started_at = models.DateTimeField("started", null=True, blank=True)
    finished_at = models.DateTimeField("finished", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "repository sync"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=SyncStatus.values), name="repository_sync_status_valid"
            ),
            # One sync at a time per source: requesting another while one waits or runs returns
            # that one (the job is idempotent, and two would only race on the same clone).
            models.UniqueConstraint(
                fields=["source"],
                condition=Q(status__in=["queued", "running"]),
                name="repository_sync_one_active_per_source",
            ),
        ]

    def __str__(self) -> str:
        return f"sync #{self.pk} of {self.source}"

    @property
    def is_active(self) -> bool:
        return self.status in (SyncStatus.QUEUED, SyncStatus.RUNNING)


class CommitCredit(models.Model):
    """One person credited by one commit for one type of work (the facts behind the ledger)."""

    source = models.ForeignKey(
        RepositorySource,
        verbose_name="source",
        on_delete=models.CASCADE,
        related_name="commit_credits",
        db_index=False,  # the unique constraint's index starts with the source
    )
    sha = models.CharField("commit", max_length=40)
    identity = models.CharField(
        "identity key",
        max_length=70,
        help_text="gh:<login>, or em:/nm: and a digest (never an address).",
    )
    role = models.CharField("role", max_length=10, choices=CreditRole.choices)
    type = models.CharField("type", max_length=30)
    day = models.DateField("authored on")
    lines_added = models.PositiveIntegerField("lines added", default=0)
    lines_removed = models.PositiveIntegerField("lines removed", default=0)
    cell = models.CharField(
        "ledger entry",
        max_length=200,
        help_text="The external id of the contribution it counts in.",
    )

    class Meta:
        verbose_name = "commit credit"
        constraints = [
            models.UniqueConstraint(
                fields=["source", "sha", "identity", "type"], name="commit_credit_unique"
            ),
        ]
        indexes = [models.Index(fields=["source", "cell"], name="commit_credit_cell")]

    def __str__(self) -> str:
        return f"{self.sha[:10]} {self.role} {self.type}"


class RepositoryIdentity(models.Model):
    """Which contributor an identity key credits. A claim may merge the contributor away; the
    link is then empty and the next sync finds the key's new owner by GitHub login or e-mail."""

    key = models.CharField("identity key", max_length=70, unique=True)
    contributor = models.ForeignKey(
        "contributions.Contributor",
        verbose_name="contributor",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "repository identity"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"identity #{self.pk}"
