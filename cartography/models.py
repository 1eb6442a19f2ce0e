"""Site-level records: the runs of the importers (credit lists and model cards).

An import run lives here, above the registry and the ledger it writes to: the importers themselves
(`contributions.importers.services`) are plain services that know nothing of runs, and the job in
`cartography.tasks` joins the two: it reads the run, calls the importer with a progress callback,
and stores the report.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


class ImportRun(models.Model):
    class Kind(models.TextChoices):
        ALL_CONTRIBUTORS = "allcontributors", "All Contributors credit list (.all-contributorsrc)"
        MODEL_CARD = "model_card", "Hugging Face model or dataset card (README.md)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    FINISHED = (Status.SUCCEEDED, Status.FAILED)

    project = models.ForeignKey(
        "projects.Project",
        verbose_name="project",
        on_delete=models.CASCADE,
        related_name="import_runs",
    )
    kind = models.CharField("kind", max_length=20, choices=Kind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="requested by",
        on_delete=models.PROTECT,
        related_name="import_runs",
        help_text="The maintainer (or staff member) whose approval the imported credits carry.",
    )
    filename = models.CharField("file name", max_length=255)
    content = models.TextField(
        "file content",
        help_text="The uploaded file, kept so that the job re-reads it by id and the run can be "
        "repeated.",
    )
    source_url = models.URLField(
        "source", max_length=500, blank=True, help_text="Where the file comes from, if public."
    )
    project_mismatch_confirmed = models.BooleanField(
        "confirmed for this project",
        default=False,
        help_text="The importer confirmed that a credit list naming another project belongs to "
        "this one; without it such a list is refused.",
    )
    status = models.CharField(
        "status", max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField("items to import", default=0)
    done = models.PositiveIntegerField("items processed", default=0)
    created_count = models.PositiveIntegerField("created", default=0)
    skipped_count = models.PositiveIntegerField("skipped (already there)", default=0)
    report = models.JSONField(
        "report",
        default=dict,
        blank=True,
        help_text="What was created and skipped and why; problems with their line numbers.",
    )
    created_at = models.DateTimeField("requested at", auto_now_add=True)
    started_at = models.DateTimeField("started at", null=True, blank=True)
    finished_at = models.DateTimeField("finished at", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "import run"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["allcontributors", "model_card"]),
                name="import_run_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "succeeded", "failed"]),
                name="import_run_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")) | Q(total=0),
                name="import_run_progress_within_total",
            ),
        ]
        indexes = [models.Index(fields=["project", "-created_at"], name="import_run_project")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import into {self.project_id} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("import_run_detail", kwargs={"pk": self.pk})

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
