"""The vocabulary of repository sources."""

from django.db import models


class RepositoryHost(models.TextChoices):
    GITHUB = "github", "GitHub"
    GITLAB = "gitlab", "GitLab"
    CODEBERG = "codeberg", "Codeberg"
    HUGGINGFACE = "huggingface", "Hugging Face"
    OTHER = "other", "Other git host"
    LOCAL = "local", "Local path (staff and command line only)"


class RepositoryKind(models.TextChoices):
    """What the repository holds; the classification reads some files differently per kind."""

    CODE = "code", "Code"
    MODEL = "model", "Model (Hugging Face)"
    DATASET = "dataset", "Dataset (Hugging Face)"
    SPACE = "space", "Space (Hugging Face)"


class SyncStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


ACTIVE_SYNC_STATUSES = (SyncStatus.QUEUED, SyncStatus.RUNNING)


class CreditRole(models.TextChoices):
    AUTHOR = "author", "Author"
    CO_AUTHOR = "co_author", "Co-author (Co-authored-by)"
    REVIEWER = "reviewer", "Reviewer (Reviewed-by)"
    TESTER = "tester", "Tester (Tested-by)"
    REPORTER = "reporter", "Reporter (Reported-by)"


TRAILER_ROLES = {
    "Co-authored-by": CreditRole.CO_AUTHOR,
    "Reviewed-by": CreditRole.REVIEWER,
    "Tested-by": CreditRole.TESTER,
    "Reported-by": CreditRole.REPORTER,
}
