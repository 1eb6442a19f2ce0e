"""The ledger: who contributed what to which project, and every moderation decision on it."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse

from contributions.choices import (
    MODERATED_STATUSES,
    TYPE_DOMAIN,
    Compensation,
    ContributionSource,
    ContributionStatus,
    ContributionType,
    LifecyclePhase,
    VerificationKind,
)


class Contributor(models.Model):
    """A person's public identity in the ledger.

    `user` is empty for a placeholder created by an importer (a credit-list entry), which the person
    claims later by proving the key it was imported under: signing in with that GitHub handle, or
    verifying that e-mail address (see contributions.identities). On an account's record the
    GitHub, Hugging Face and ORCID fields are copied from its connected accounts, never typed.
    A deleted account keeps its contributor row with personal data removed: it is shown as
    "former contributor".
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contributor",
    )
    display_name = models.CharField("display name", max_length=150)
    affiliation = models.ForeignKey(
        "projects.Organisation",
        verbose_name="affiliation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="affiliated_contributors",
    )
    country = models.ForeignKey(
        "projects.Country",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contributors",
    )
    languages = models.ManyToManyField(
        "projects.Language", verbose_name="languages", related_name="contributors", blank=True
    )
    orcid = models.CharField(
        "ORCID iD",
        max_length=19,
        blank=True,
        help_text="Like 0000-0002-1825-0097. On an account: from its connected ORCID account.",
    )
    github = models.CharField(
        "GitHub handle",
        max_length=39,
        blank=True,
        help_text="On an account: from its connected GitHub account. On a placeholder: the login "
        "its credits were imported under.",
    )
    huggingface = models.CharField(
        "Hugging Face handle",
        max_length=96,
        blank=True,
        help_text="On an account: from its connected Hugging Face account.",
    )
    is_public = models.BooleanField(
        "public profile", default=True, help_text="Private profiles are credited by name only."
    )
    is_former = models.BooleanField("former contributor", default=False)
    is_synthetic = models.BooleanField(
        "synthetic", default=False, help_text="Generated demo data, never a real person."
    )
    created_at = models.DateTimeField("created", auto_now_add=True)

    class Meta:
        ordering = ["display_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(display_name=""), name="contributor_display_name_set"
            ),
            models.CheckConstraint(
                condition=Q(orcid="")
                | Q(orcid__regex=r"^[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]$"),
                name="contributor_orcid_format",
            ),
            models.UniqueConstraint(
                Lower("github"),
                condition=~Q(github=""),
                name="contributor_github_unique_ci",
                violation_error_message="This GitHub handle already belongs to a contributor.",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("contributions:contributor_detail", kwargs={"pk": self.pk})

    @property
    def is_placeholder(self) -> bool:
        return self.user_id is None and not self.is_former


# The content of a contribution: what its contributor writes and may edit (its languages, a
# many-to-many, travel beside these). The service validates exactly these; the web form, the API
# input serializer, the admin and the edit page's initial values all take this list.
CONTENT_FIELDS: tuple[str, ...] = (
    "artifact",
    "type",
    "phase",
    "title",
    "description",
    "evidence_urls",
    "occurred_on",
    "quantity",
    "unit",
    "compensation",
)


class ContributorEmail(models.Model):
    """An e-mail address credits were imported under (a commit author's, say), kept on a
    placeholder until the person who verifies that address on their account claims them; the row
    is deleted by the claim (the account's own addresses live in allauth's EmailAddress)."""

    contributor = models.ForeignKey(
        Contributor,
        verbose_name="contributor",
        on_delete=models.CASCADE,
        related_name="emails",
    )
    email = models.EmailField(
        "e-mail address", max_length=254, help_text="Lowercased; one placeholder per address."
    )
    created_at = models.DateTimeField("created", auto_now_add=True)

    class Meta:
        verbose_name = "placeholder e-mail address"
        verbose_name_plural = "placeholder e-mail addresses"
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                fields=["email"],
                name="contributor_email_unique",
                violation_error_message="Credits are already waiting under this address.",
            ),
            models.CheckConstraint(
                condition=Q(email=Lower("email")) & ~Q(email=""),
                name="contributor_email_lowercase",
            ),
        ]

    def __str__(self) -> str:
        return self.email


# How lists order by date: an entry without one sorts as the earliest (a cursor cannot step over
# NULLs). The same expression is indexed, so the list reads it from the index.
OCCURRED_SORT = Coalesce(F("occurred_on"), Value(dt.date(1, 1, 1)))


# The condition of the unique index on (project, source, external_id). A lookup by external ids
# repeats it: PostgreSQL proves a partial index usable from a list of values only up to 100 of
# them, and otherwise scans every entry of the project.
HAS_EXTERNAL_ID = ~Q(external_id="")


class Contribution(models.Model):
    # No index of their own on `project` and `contributor`: the composite indexes below start with
    # them, and every index is paid on each write to the ledger (a repository import writes
    # tens of thousands of rows).
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        related_name="contributions",
        db_index=False,
    )
    artifact = models.ForeignKey(
        "projects.Artifact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contributions",
    )
    contributor = models.ForeignKey(
        Contributor, on_delete=models.PROTECT, related_name="contributions", db_index=False
    )
    type = models.CharField("type", max_length=30, choices=ContributionType.choices)
    phase = models.CharField(
        "lifecycle phase",
        max_length=20,
        choices=LifecyclePhase.choices,
        default=LifecyclePhase.NOT_SPECIFIC,
    )
    title = models.CharField("title", max_length=200)
    description = models.TextField("description", blank=True, help_text="Markdown.")
    evidence_urls = models.JSONField("evidence links", default=list, blank=True)
    occurred_on = models.DateField("date", null=True, blank=True)
    quantity = models.DecimalField(
        "quantity", max_digits=14, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField("unit", max_length=40, blank=True)
    languages = models.ManyToManyField(
        "projects.Language", related_name="contributions", blank=True
    )
    compensation = models.CharField(
        "compensation",
        max_length=20,
        choices=Compensation.choices,
        default=Compensation.UNDISCLOSED,
    )
    affiliation = models.ForeignKey(
        "projects.Organisation",
        verbose_name="affiliation at the time",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The contributor's affiliation when the work was done (Elephant Factor).",
    )
    status = models.CharField(
        "status",
        max_length=20,
        choices=ContributionStatus.choices,
        default=ContributionStatus.PENDING,
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    moderated_at = models.DateTimeField("moderated at", null=True, blank=True)
    source = models.CharField(
        "source", max_length=10, choices=ContributionSource.choices, default=ContributionSource.WEB
    )
    external_id = models.CharField(
        "external id",
        max_length=200,
        blank=True,
        help_text="The id in the imported source, so that re-importing creates no duplicates.",
    )
    verification = models.CharField(
        "verified by",
        max_length=20,
        choices=VerificationKind.choices,
        default=VerificationKind.MODERATION,
        db_default=VerificationKind.MODERATION.value,
        help_text="What an approved entry rests on: a maintainer's decision, or the history of "
        "a repository (then no moderator is recorded).",
    )
    lines_added = models.PositiveBigIntegerField(
        "lines added",
        null=True,
        blank=True,
        help_text="For work read from a repository: lines added by the commits counted.",
    )
    lines_removed = models.PositiveBigIntegerField(
        "lines removed",
        null=True,
        blank=True,
        help_text="For work read from a repository: lines removed by the commits counted.",
    )
    # Database defaults as well, so that bulk loaders writing SQL (COPY) need not name them.
    is_hidden = models.BooleanField(
        "hidden",
        default=False,
        db_default=False,
        help_text="A maintainer hid this repository-derived entry as wrongly attributed.",
    )
    hidden_reason = models.TextField("why it is hidden", blank=True, default="", db_default="")
    created_at = models.DateTimeField("created", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=ContributionType.values), name="contribution_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(phase__in=LifecyclePhase.values), name="contribution_phase_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ContributionStatus.values), name="contribution_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(compensation__in=Compensation.values),
                name="contribution_compensation_valid",
            ),
            models.CheckConstraint(
                condition=Q(source__in=ContributionSource.values), name="contribution_source_valid"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="contribution_title_set"),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gte=0),
                name="contribution_quantity_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | ~Q(unit=""),
                name="contribution_quantity_has_unit",
            ),
            # A decided entry always records who decided and when, or, for work read from a
            # repository, that the history itself is the evidence (approved, with the time it was
            # read, and no moderator: nobody is named as having decided what nobody decided).
            models.CheckConstraint(
                condition=~Q(status__in=MODERATED_STATUSES)
                | Q(moderated_by__isnull=False, moderated_at__isnull=False)
                | Q(
                    status=ContributionStatus.APPROVED,
                    verification=VerificationKind.REPOSITORY_HISTORY,
                    moderated_by__isnull=True,
                    moderated_at__isnull=False,
                ),
                name="contribution_moderated_has_moderator",
            ),
            models.CheckConstraint(
                condition=Q(verification__in=VerificationKind.values),
                name="contribution_verification_valid",
            ),
            models.CheckConstraint(
                condition=~Q(verification=VerificationKind.REPOSITORY_HISTORY)
                | Q(source=ContributionSource.REPOSITORY),
                name="contribution_history_verified_from_repository",
            ),
            # Hiding is a maintainer's decision with its reason: the entry leaves every count.
            models.CheckConstraint(
                condition=Q(is_hidden=False)
                | (
                    Q(status=ContributionStatus.REJECTED, moderated_by__isnull=False)
                    & ~Q(hidden_reason="")
                ),
                name="contribution_hidden_has_reason",
            ),
            models.UniqueConstraint(
                fields=["project", "source", "external_id"],
                condition=HAS_EXTERNAL_ID,
                name="contribution_external_id_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["project", "status", "occurred_on"], name="contrib_project_status"
            ),
            models.Index(fields=["status", "type"], name="contrib_status_type"),
            models.Index(fields=["contributor", "status"], name="contrib_contributor_status"),
            models.Index(fields=["status", "-created_at", "-id"], name="contrib_status_created"),
            # A project's approved entries in the orders its page and its filtered list read them:
            # the first rows of an index, whatever the size of the project.
            models.Index(
                fields=["project", "-moderated_at", "-id"],
                condition=Q(status="approved"),
                name="contrib_approved_recent",
            ),
            models.Index(
                fields=["project", "-created_at", "-id"],
                condition=Q(status="approved"),
                name="contrib_approved_new",
            ),
            # The public list's other orderings (by date, by title), read from either end.
            models.Index(
                OCCURRED_SORT.desc(),
                F("id").desc(),
                condition=Q(status="approved"),
                name="contrib_approved_date",
            ),
            models.Index(
                fields=["title", "id"],
                condition=Q(status="approved"),
                name="contrib_approved_title",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("contributions:contribution_detail", kwargs={"pk": self.pk})

    @property
    def domain(self) -> str:
        return TYPE_DOMAIN[self.type]

    @property
    def is_synthetic(self) -> bool:
        """Generated demo data (`generate_demo_data`), never real work."""
        return self.source == ContributionSource.SYNTHETIC


class ModerationEvent(models.Model):
    """Append-only audit trail: one row for every status change, by any path."""

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for changes made by the system (an import).",
    )
    from_status = models.CharField(
        "from", max_length=20, choices=ContributionStatus.choices, blank=True
    )
    to_status = models.CharField("to", max_length=20, choices=ContributionStatus.choices)
    note = models.TextField("note", blank=True)
    at = models.DateTimeField("at", auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_status__in=ContributionStatus.values),
                name="moderation_event_to_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Moderation events are append-only.")
        super().save(*args, **kwargs)
