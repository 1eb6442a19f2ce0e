"""Openness records of model artifacts: the Model Openness Framework components of a release, what
a Model Openness Tool file says beyond them, third-party assessments, and the cached verdicts.

The choices of this module live here rather than in projects/choices.py because they describe
only these tables (where an import came from, the scopes of a global licence, an index rating).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from projects.choices import FactSource, MOFComponent


class LicenceScope(models.TextChoices):
    """The type-specific global licences of a Model Openness Tool file (`release.license`). The
    distribution licence is the artifact's own licence (Artifact.licence / licence_text)."""

    CODE = "code", "Code"
    DATA = "data", "Data"
    DOCUMENT = "document", "Document"


class Assessor(models.TextChoices):
    """Who published a third-party openness assessment."""

    OPENING_UP_CHATGPT = "opening_up_chatgpt", "Opening up ChatGPT (frozen, 2023-2024)"
    OSAI_INDEX = "osai_index", "European Open Source AI Index"


class IndexRatingValue(models.TextChoices):
    OPEN = "open", "Open"
    PARTIAL = "partial", "Partial"
    CLOSED = "closed", "Closed"


MOF_CLASSES = ((0, "Unclassified"), (1, "Class I"), (2, "Class II"), (3, "Class III"))


class ArtifactComponent(models.Model):
    """One MOF component of a model release: whether it is released, where, under which licence."""

    artifact = models.ForeignKey(
        "projects.Artifact", on_delete=models.CASCADE, related_name="components"
    )
    component = models.CharField("component", max_length=40, choices=MOFComponent.choices)
    released = models.BooleanField("released", default=True)
    # Not a URLField: the Model Openness Tool's component_path holds paths and notes too
    # ('arxiv license'), and an import must keep what the source said.
    location = models.CharField(
        "location",
        max_length=500,
        blank=True,
        help_text="Where the component is published: a URL, or a path or note as given.",
    )
    licence = models.ForeignKey(
        "projects.Licence",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="components",
        help_text="Set when the licence string is exactly a known licence identifier.",
    )
    licence_text = models.CharField(
        "licence as given",
        max_length=200,
        blank=True,
        help_text="The licence string exactly as the source gave it (e.g. 'unlicensed'); empty "
        "when the component inherits the release's global licence.",
    )
    licence_path = models.CharField(
        "licence location", max_length=500, blank=True, help_text="Where the licence text is."
    )
    description = models.TextField("description", blank=True)
    position = models.PositiveSmallIntegerField(
        "position",
        default=0,
        help_text="Order in the source file, so an export lists the components as it did.",
    )
    source = models.CharField(
        "source", max_length=10, choices=FactSource.choices, default=FactSource.WEB
    )
    source_url = models.CharField("source reference", max_length=500, blank=True)

    class Meta:
        ordering = ["artifact", "component"]
        verbose_name = "MOF component"
        constraints = [
            models.UniqueConstraint(
                fields=["artifact", "component"], name="artifact_component_unique"
            ),
            models.CheckConstraint(
                condition=Q(component__in=MOFComponent.values), name="artifact_component_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.artifact}: {self.get_component_display()}"

    @property
    def location_url(self) -> str:
        """The location when it is a web link (imported paths may be plain text): only such
        values are ever rendered as links."""
        return self.location if self.location.startswith(("https://", "http://")) else ""


class ArtifactLicence(models.Model):
    """A global licence of a release for one type of component (code, data or document): a
    component without its own licence inherits it before the distribution licence."""

    artifact = models.ForeignKey(
        "projects.Artifact", on_delete=models.CASCADE, related_name="global_licences"
    )
    scope = models.CharField("applies to", max_length=10, choices=LicenceScope.choices)
    licence = models.ForeignKey(
        "projects.Licence",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="global_uses",
        help_text="Set when the licence string is exactly a known licence identifier.",
    )
    licence_text = models.CharField(
        "licence as given",
        max_length=200,
        blank=True,
        help_text="Exactly as the source gave it; may be empty (then the distribution licence "
        "applies).",
    )
    path = models.CharField("licence location", max_length=500, blank=True)
    source = models.CharField(
        "source", max_length=10, choices=FactSource.choices, default=FactSource.WEB
    )
    source_url = models.CharField("source reference", max_length=500, blank=True)

    class Meta:
        ordering = ["artifact", "scope"]
        verbose_name = "global licence"
        constraints = [
            models.UniqueConstraint(fields=["artifact", "scope"], name="artifact_licence_unique"),
            models.CheckConstraint(
                condition=Q(scope__in=LicenceScope.values), name="artifact_licence_scope_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.artifact}: {self.scope} under {self.licence_text or '-'}"


class MotRecord(models.Model):
    """What a Model Openness Tool file says about a release beyond the registry's own fields, so
    that an export writes the file back as it was given.

    The text fields are nullable on purpose: None means the key was absent from the file and ''
    means it was given empty. Both occur in the tool's data, and the round trip keeps them apart."""

    artifact = models.OneToOneField(
        "projects.Artifact", on_delete=models.CASCADE, related_name="mot_record"
    )
    source_file = models.CharField(
        "source file",
        max_length=255,
        blank=True,
        help_text="The file name: the import key, since release names repeat across files.",
    )
    source_commit = models.CharField("source commit", max_length=64, blank=True)
    source_url = models.CharField("source reference", max_length=500, blank=True)
    framework = models.JSONField(
        "framework", null=True, blank=True, help_text="The file's framework block, as given."
    )
    name = models.CharField(  # noqa: DJ001
        "release name",
        max_length=200,
        null=True,
        blank=True,
        help_text=(
            "release.name as given: the tool updates by name, so an export keeps it even when the "
            "artifact it matched is named otherwise here."
        ),
    )
    version = models.CharField("version", max_length=100, null=True, blank=True)  # noqa: DJ001
    date = models.CharField("date as given", max_length=30, null=True, blank=True)  # noqa: DJ001
    release_type = models.CharField("type", max_length=30, null=True, blank=True)  # noqa: DJ001
    architecture = models.CharField(  # noqa: DJ001
        "architecture", max_length=100, null=True, blank=True
    )
    origin = models.CharField("origin", max_length=200, null=True, blank=True)  # noqa: DJ001
    producer = models.CharField("producer", max_length=200, null=True, blank=True)  # noqa: DJ001
    contact = models.CharField("contact", max_length=300, null=True, blank=True)  # noqa: DJ001
    repository = models.CharField(  # noqa: DJ001
        "repository", max_length=500, null=True, blank=True
    )
    huggingface = models.CharField(  # noqa: DJ001
        "Hugging Face", max_length=500, null=True, blank=True
    )
    distribution_path = models.CharField(  # noqa: DJ001
        "distribution licence location",
        max_length=500,
        null=True,
        blank=True,
        help_text="None when the file gives no distribution licence at all.",
    )
    problems = models.JSONField(
        "problems", default=list, blank=True, help_text="What the last import could not map."
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the command line imported it.",
    )
    imported_at = models.DateTimeField("imported at")

    class Meta:
        ordering = ["source_file", "id"]
        verbose_name = "Model Openness Tool record"
        constraints = [
            models.UniqueConstraint(
                fields=["source_file"],
                condition=~Q(source_file=""),
                name="mot_record_source_file_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.source_file or f"MOT record of {self.artifact}"


class ThirdPartyAssessment(models.Model):
    """A peer's openness assessment of a model (family), stored beside the platform's own verdicts,
    never instead of them."""

    artifact = models.ForeignKey(
        "projects.Artifact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assessments",
        help_text="Empty when no artifact of the registry matched.",
    )
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assessments",
    )
    assessor = models.CharField("assessor", max_length=30, choices=Assessor.choices)
    source_file = models.CharField("source file", max_length=255)
    source_commit = models.CharField("source commit", max_length=64, blank=True)
    source_url = models.CharField("source reference", max_length=500, blank=True)
    model_name = models.CharField("model name", max_length=200)
    model_link = models.CharField("model link", max_length=500, blank=True)
    organisation_name = models.CharField("organisation", max_length=200, blank=True)
    organisation_link = models.CharField("organisation link", max_length=500, blank=True)
    release_date_text = models.CharField(
        "release date as given", max_length=30, blank=True, help_text="YYYY-MM in the index."
    )
    licence_text = models.CharField(
        "licence as given", max_length=300, blank=True, help_text="Free text, not an SPDX id."
    )
    base_model = models.CharField("base model", max_length=300, blank=True)
    end_model = models.CharField("end model", max_length=300, blank=True)
    national_origin = models.CharField("national origin", max_length=100, blank=True)
    contributor_type = models.CharField("contributor type", max_length=100, blank=True)
    notes = models.TextField("notes", blank=True)
    openness_score = models.DecimalField(
        "openness score",
        max_digits=4,
        decimal_places=1,
        help_text="Open 1, partial 0.5, closed 0, summed over the dimensions (as published).",
    )
    problems = models.JSONField("problems", default=list, blank=True)
    match_note = models.CharField(
        "match", max_length=300, blank=True, help_text="How the artifact was matched, or why not."
    )
    retrieved_at = models.DateTimeField("retrieved at")

    class Meta:
        ordering = ["assessor", "model_name", "id"]
        verbose_name = "third-party assessment"
        constraints = [
            models.UniqueConstraint(
                fields=["assessor", "source_file", "source_commit"],
                name="assessment_source_unique",
            ),
            models.CheckConstraint(
                condition=Q(assessor__in=Assessor.values), name="assessment_assessor_valid"
            ),
            models.CheckConstraint(
                condition=~Q(model_name=""), name="assessment_model_name_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_assessor_display()}: {self.model_name}"


class AssessmentRating(models.Model):
    """One dimension of a third-party assessment: open, partial or closed, with its evidence."""

    assessment = models.ForeignKey(
        ThirdPartyAssessment, on_delete=models.CASCADE, related_name="ratings"
    )
    dimension = models.CharField("dimension", max_length=40)
    position = models.PositiveSmallIntegerField("position", default=0)
    rating = models.CharField(
        "rating",
        max_length=10,
        choices=IndexRatingValue.choices,
        blank=True,
        help_text="Empty when the source gives no valid rating (see the value as given).",
    )
    raw_class = models.CharField("rating as given", max_length=50, blank=True)
    links = models.JSONField("links", default=list, blank=True)
    notes = models.TextField("notes", blank=True)

    class Meta:
        ordering = ["assessment", "position", "dimension"]
        verbose_name = "assessment rating"
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "dimension"], name="assessment_rating_unique"
            ),
            models.CheckConstraint(
                condition=Q(rating__in=[*IndexRatingValue.values, ""]),
                name="assessment_rating_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment}: {self.dimension} {self.rating or '-'}"


class ArtifactOpenness(models.Model):
    """The verdicts of a model release, computed when its facts change (import, component edits)
    so that list pages read one row per artifact instead of recomputing per request."""

    artifact = models.OneToOneField(
        "projects.Artifact", on_delete=models.CASCADE, related_name="openness"
    )
    reference_class = models.PositiveSmallIntegerField(
        "class (Model Openness Tool)", choices=MOF_CLASSES, default=0
    )
    strict_class = models.PositiveSmallIntegerField(
        "class (strict reading)", choices=MOF_CLASSES, default=0
    )
    reference_progress = models.JSONField("progress (tool)", default=dict)
    strict_progress = models.JSONField("progress (strict)", default=dict)
    reasons = models.JSONField(
        "reasons", default=dict, help_text="Per reading, why each class is not met."
    )
    warnings = models.JSONField("warnings", default=list, help_text="The tool's warnings.")
    differences = models.JSONField(
        "differences", default=list, help_text="Where and why the strict reading parts."
    )
    index_ratings = models.JSONField(
        "index-style ratings", default=dict, help_text="The platform's own, per dimension."
    )
    assessments = models.JSONField(
        "third-party assessments",
        default=list,
        help_text="Per assessment: assessor, score and the dimensions where it disagrees.",
    )
    component_count = models.PositiveSmallIntegerField("components recorded", default=0)
    classes_differ = models.BooleanField("the readings differ", default=False)
    disagrees_with_index = models.BooleanField(
        "disagrees with a third-party assessment", default=False
    )
    computed_at = models.DateTimeField("computed at")

    class Meta:
        ordering = ["artifact"]
        verbose_name = "openness verdict"
        constraints = [
            models.CheckConstraint(
                condition=Q(reference_class__lte=3), name="artifact_openness_reference_class"
            ),
            models.CheckConstraint(
                condition=Q(strict_class__lte=3), name="artifact_openness_strict_class"
            ),
        ]
        indexes = [
            models.Index(fields=["reference_class", "strict_class"]),
        ]

    def __str__(self) -> str:
        return f"{self.artifact}: {self.reference_class}/{self.strict_class}"
