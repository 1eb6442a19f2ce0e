"""The registry: reference data (countries, languages, licences), organisations, projects,
their governance and history, maintainers, and artifacts with their lineage."""

import json
import re

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.text import capfirst

from projects.choices import (
    ARTIFACT_KIND_DOMAIN,
    ArtifactKind,
    Continent,
    ContributionAgreement,
    DerivationRelation,
    FactSource,
    GovernanceModel,
    LicenceKind,
    ListingStatus,
    Motivation,
    OrganisationKind,
    OrganisationRole,
    ResourceLevel,
)


def _in_choices(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": choices.values})


def version_in_name(version: str, name: str) -> bool:
    """Whether `name` already carries `version` ("v2" or "2" in "Bielik 11B v2", "3.1" in
    "Llama 3.1 8B", "2509" in "Apertus-8B-Instruct-2509", "2.5" in "Qwen2.5 7B"), never as part
    of another number ("1" and "3" are not in "Llama 3.1 8B")."""
    core = version[1:] if version[:1] in "vV" and version[1:2].isdigit() else version
    # A number may follow letters ("StarCoder2", "Qwen2.5"); a word may not ("beta" in "alphabeta").
    before = r"(?<![0-9.])" if core[:1].isdigit() else r"(?<![A-Za-z0-9.])"
    pattern = rf"{before}v?{re.escape(core)}(?![A-Za-z0-9]|\.[0-9])"
    return re.search(pattern, name, flags=re.IGNORECASE) is not None


class Country(models.Model):
    code = models.CharField(
        "code", max_length=2, primary_key=True, help_text="ISO 3166-1 alpha-2 code."
    )
    name = models.CharField("name", max_length=100)
    continent = models.CharField("continent", max_length=2, choices=Continent.choices)
    numeric = models.CharField(
        "numeric code", max_length=3, blank=True, help_text="ISO 3166-1 numeric code (map joins)."
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("continent", Continent), name="country_continent_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Language(models.Model):
    code = models.CharField(
        "code", max_length=3, primary_key=True, help_text="ISO 639-3 code, e.g. pol, tha, yor."
    )
    name = models.CharField("name", max_length=150)
    resource_level = models.CharField(
        "resource level",
        max_length=10,
        choices=ResourceLevel.choices,
        default=ResourceLevel.UNKNOWN,
        help_text="Low and unknown levels are shown as underrepresented.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("resource_level", ResourceLevel),
                name="language_resource_level_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_underrepresented(self) -> bool:
        return self.resource_level in (ResourceLevel.LOW, ResourceLevel.UNKNOWN)


class Licence(models.Model):
    identifier = models.CharField(
        "identifier",
        max_length=100,
        unique=True,
        help_text="SPDX id (Apache-2.0) or a custom id as model hubs spell it (llama3.1).",
    )
    name = models.CharField("name", max_length=255)
    url = models.URLField("URL", max_length=500, blank=True)
    is_spdx = models.BooleanField("in the SPDX list", default=False)
    osi_approved = models.BooleanField("OSI-approved", default=False)
    fsf_libre = models.BooleanField("FSF libre", default=False)
    deprecated = models.BooleanField("deprecated SPDX id", default=False)
    kind = models.CharField(
        "kind",
        max_length=20,
        choices=LicenceKind.choices,
        default=LicenceKind.CODE,
        help_text="What the licence is written for.",
    )
    restricts_use = models.BooleanField(
        "restricts use",
        default=False,
        help_text="Use restrictions (RAIL, Llama, non-commercial): no freedom of any-purpose use.",
    )
    source_url = models.URLField("source", max_length=500, blank=True)

    class Meta:
        ordering = ["identifier"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(identifier=""), name="licence_identifier_not_empty"
            ),
            models.CheckConstraint(
                condition=_in_choices("kind", LicenceKind), name="licence_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.identifier


class OrganisationQuerySet(models.QuerySet):
    def listed(self) -> "OrganisationQuerySet":
        """Organisations anyone may see and choose: not those that exist only for a pending
        proposal (`proposed_with`)."""
        return self.filter(proposed_with__isnull=True)


class Organisation(models.Model):
    slug = models.SlugField("slug", max_length=80, unique=True)
    name = models.CharField("name", max_length=200)
    kind = models.CharField("kind", max_length=30, choices=OrganisationKind.choices)
    country = models.ForeignKey(
        Country,
        verbose_name="country",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
    )
    website = models.URLField("website", max_length=500, blank=True)
    source_url = models.URLField("source", max_length=500, blank=True)
    # A proposer may name organisations the registry does not know yet: they exist only for
    # their proposal (listed nowhere, offered to nobody) until staff list it, and go with it when
    # it is declined (projects.services.project_review).
    proposed_with = models.ForeignKey(
        "Project",
        verbose_name="named by the proposal",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="proposed_organisations",
        help_text="Set while the organisation exists only because this pending proposal named "
        "it; cleared when staff list the proposal.",
    )
    created_at = models.DateTimeField("created", auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(slug=""), name="organisation_slug_not_empty"),
            models.CheckConstraint(
                condition=_in_choices("kind", OrganisationKind), name="organisation_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    slug = models.SlugField("slug", max_length=80, unique=True)
    name = models.CharField("name", max_length=200)
    summary = models.TextField("summary", blank=True)
    in_study = models.BooleanField(
        "in the study", default=False, help_text="Named in the study this platform builds on."
    )
    governance_model = models.CharField(
        "governance model",
        max_length=40,
        choices=GovernanceModel.choices,
        default=GovernanceModel.OTHER,
    )
    governance_confirmed = models.BooleanField(
        "governance model confirmed",
        default=False,
        help_text="False while the model is an inference; shown as inferred until confirmed.",
    )
    governance_reasoning = models.TextField(
        "governance reasoning", blank=True, help_text="Why this governance model was assigned."
    )
    governance_source_url = models.URLField("governance source", max_length=500, blank=True)
    decision_making_body = models.CharField("decision-making body", max_length=300, blank=True)
    governance_document_url = models.URLField("governance document", max_length=500, blank=True)
    motivations = models.JSONField(
        "motivations", default=list, blank=True, help_text="Codes from projects.choices.Motivation."
    )
    countries = models.ManyToManyField(
        Country, verbose_name="countries", related_name="projects", blank=True
    )
    languages = models.ManyToManyField(
        Language, verbose_name="target languages", related_name="projects", blank=True
    )
    organisations = models.ManyToManyField(
        Organisation,
        verbose_name="organisations",
        through="ProjectOrganisation",
        related_name="projects",
        blank=True,
    )
    website = models.URLField("website", max_length=500, blank=True)
    code_url = models.URLField("code repository", max_length=500, blank=True)
    model_hub_url = models.URLField("model hub", max_length=500, blank=True)
    forum_url = models.URLField("forum", max_length=500, blank=True)
    code_of_conduct_url = models.URLField("code of conduct", max_length=500, blank=True)
    contribution_agreement = models.CharField(
        "contribution agreement",
        max_length=10,
        choices=ContributionAgreement.choices,
        default=ContributionAgreement.NONE,
    )
    listing_status = models.CharField(
        "listing status",
        max_length=10,
        choices=ListingStatus.choices,
        default=ListingStatus.PENDING,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="proposed by",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposed_projects",
    )
    source = models.CharField("source", max_length=10, choices=FactSource.choices, default="web")
    source_url = models.URLField("source", max_length=500, blank=True)
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    # The fields whose every change is kept in GovernanceChange (docs/domain.md, governance).
    GOVERNANCE_FIELDS = (
        "governance_model",
        "governance_confirmed",
        "governance_reasoning",
        "governance_source_url",
        "decision_making_body",
        "governance_document_url",
        "motivations",
        "code_of_conduct_url",
        "contribution_agreement",
        "website",
        "code_url",
        "model_hub_url",
        "forum_url",
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(slug=""), name="project_slug_not_empty"),
            models.CheckConstraint(condition=~Q(name=""), name="project_name_not_empty"),
            models.CheckConstraint(
                condition=_in_choices("governance_model", GovernanceModel),
                name="project_governance_model_valid",
            ),
            models.CheckConstraint(
                condition=_in_choices("contribution_agreement", ContributionAgreement),
                name="project_contribution_agreement_valid",
            ),
            models.CheckConstraint(
                condition=_in_choices("listing_status", ListingStatus),
                name="project_listing_status_valid",
            ),
            # An unclassified project cannot claim its (absent) model is confirmed.
            models.CheckConstraint(
                condition=~Q(governance_model=GovernanceModel.OTHER, governance_confirmed=True)
                | ~Q(governance_source_url=""),
                name="project_confirmed_other_needs_source",
            ),
        ]
        indexes = [models.Index(fields=["listing_status", "governance_model"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:project_detail", kwargs={"slug": self.slug})


class ProjectOrganisation(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="organisation_roles"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="project_roles"
    )
    role = models.CharField("role", max_length=20, choices=OrganisationRole.choices)
    source_url = models.URLField("source", max_length=500, blank=True)

    class Meta:
        ordering = ["project", "role", "organisation"]
        verbose_name = "project organisation"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "organisation", "role"], name="project_organisation_role_unique"
            ),
            models.CheckConstraint(
                condition=_in_choices("role", OrganisationRole), name="project_org_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()}) in {self.project}"


class Maintainership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="maintainerships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="maintainerships"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("since", auto_now_add=True)

    class Meta:
        ordering = ["project", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="maintainership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} maintains {self.project}"


class GovernanceChange(models.Model):
    """Append-only history of a project's governance fields: who changed what, when, from what."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="governance_changes"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the change came from a loader.",
    )
    changed_at = models.DateTimeField("changed at", auto_now_add=True)
    field = models.CharField("field", max_length=50)
    old_value = models.TextField("old value", blank=True)
    new_value = models.TextField("new value", blank=True)
    note = models.CharField("note", max_length=300, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(field=""), name="governance_change_field_set"),
        ]

    def __str__(self) -> str:
        return f"{self.project}: {self.field} changed"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Governance history is append-only.")
        super().save(*args, **kwargs)

    # How the history reads on the project page: the field's name and the values' labels, never
    # the stored codes ("Governance model: Non-profit-sponsored grassroots project").
    @property
    def field_label(self) -> str:
        try:
            return capfirst(Project._meta.get_field(self.field).verbose_name)
        except FieldDoesNotExist:
            return self.field.replace("_", " ").capitalize()

    @property
    def old_display(self) -> str:
        return self._display(self.old_value)

    @property
    def new_display(self) -> str:
        return self._display(self.new_value)

    def _display(self, value: str) -> str:
        if value == "":
            return ""
        try:
            field = Project._meta.get_field(self.field)
        except FieldDoesNotExist:
            return value
        if isinstance(field, models.BooleanField):
            return {"True": "Yes", "False": "No"}.get(value, value)
        if self.field == "motivations":
            try:
                codes = json.loads(value)
            except ValueError:
                return value
            labels = dict(Motivation.choices)
            return "; ".join(str(labels.get(code, code)) for code in codes) or "None"
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        return value


class Artifact(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="artifacts")
    slug = models.SlugField("slug", max_length=120, unique=True)
    kind = models.CharField("kind", max_length=20, choices=ArtifactKind.choices)
    name = models.CharField("name", max_length=200)
    version = models.CharField("version or release", max_length=100, blank=True)
    url = models.URLField("URL", max_length=500, blank=True)
    licence = models.ForeignKey(
        Licence, on_delete=models.PROTECT, null=True, blank=True, related_name="artifacts"
    )
    licence_text = models.CharField(
        "licence as given",
        max_length=200,
        blank=True,
        help_text="The distribution licence exactly as the source gave it ('Apache 2.0'); the "
        "licence above is set only when this is exactly a known identifier.",
    )
    languages = models.ManyToManyField(Language, related_name="artifacts", blank=True)
    release_date = models.DateField("release date", null=True, blank=True)
    derived_from = models.ForeignKey(
        "self",
        verbose_name="derived from",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="derivatives",
    )
    derivation_relation = models.CharField(
        "relation", max_length=30, choices=DerivationRelation.choices, blank=True
    )
    source = models.CharField("source", max_length=10, choices=FactSource.choices, default="web")
    source_url = models.URLField("source", max_length=500, blank=True)
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        ordering = ["project", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(slug=""), name="artifact_slug_not_empty"),
            models.CheckConstraint(
                condition=_in_choices("kind", ArtifactKind), name="artifact_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(derived_from=F("pk")), name="artifact_not_derived_from_itself"
            ),
            # A derivation always says how: both set, or neither.
            models.CheckConstraint(
                condition=Q(derived_from__isnull=True, derivation_relation="")
                | Q(derived_from__isnull=False, derivation_relation__in=DerivationRelation.values),
                name="artifact_derivation_has_relation",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("projects:artifact_detail", kwargs={"slug": self.slug})

    @property
    def display_name(self) -> str:
        """The name with its version, unless the name already says it: model hubs name releases
        "Bielik 11B v2" or "Apertus-8B-Instruct-2509" and record the version too."""
        name, version = self.name.strip(), self.version.strip()
        if not version or version_in_name(version, name):
            return name
        return f"{name} {version}"

    @property
    def domain(self) -> str:
        return ARTIFACT_KIND_DOMAIN[self.kind]
