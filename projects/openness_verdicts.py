"""The openness verdicts of model artifacts as the registry stores them: facts read from the ORM,
verdicts cached per artifact (ArtifactOpenness), third-party assessments compared dimension by
dimension, and the reads of the overview page and its API.

Decisions recorded here:
- The licence facts are the Model Openness Tool's own (the bundled SPDX list, then the tool's
  mof-licenses.json overrides), keyed by the EXACT identifier. A Licence row is never consulted:
  a case-insensitive lookup would turn the tool's 'apache-2.0' (not open for the tool) into
  Apache-2.0 and change the class the tool publishes. Both readings use the same facts; the strict
  reading differs only in its type rule (projects.openness).
- A component's licence is the string as given (`licence_text`), falling back to its Licence row
  for components recorded on the web before `licence_text` was kept. The distribution licence is
  the artifact's `licence_text`, or its Licence row's identifier.
- Verdicts are cached, not computed per row per request: `openness_refresh` runs after an import
  and must run after any change of components, global licences, the artifact's licence or its
  assessments. It writes only what changed, so a re-import changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from projects import selectors
from projects.choices import ArtifactKind, MOFComponent
from projects.models import (
    Artifact,
    ArtifactComponent,
    ArtifactLicence,
    ArtifactOpenness,
    AssessmentRating,
    ThirdPartyAssessment,
)
from projects.models.openness import Assessor
from projects.openness import (
    COMPONENT_SPECS,
    INDEX_DIMENSIONS,
    ComponentFacts,
    DerivedRating,
    Difference,
    LicenceFacts,
    MOFVerdict,
    Reason,
    ReleaseFacts,
    licence_facts_from_files,
    mof_class_reference,
    mof_class_strict,
    osai_index_ratings,
)
from projects.osai_index import CURRENT_DIMENSIONS, FROZEN_DIMENSIONS, FROZEN_TO_CURRENT

DIMENSION_NAMES = {d.ref: d.name for d in (*FROZEN_DIMENSIONS, *CURRENT_DIMENSIONS)}
# Where two formats name a dimension differently, the current index's name wins.
DIMENSION_NAMES.update({d.ref: d.name for d in CURRENT_DIMENSIONS})


# LICENCE FACTS
# ------------------------------------------------------------------------------
@cache
def _mot_licence_table() -> dict[str, LicenceFacts]:
    return licence_facts_from_files()


def mot_licence_lookup(identifier: str) -> LicenceFacts | None:
    """The tool's licence facts for an exact identifier (built once per process from the two
    bundled files)."""
    return _mot_licence_table().get(identifier)


# RELEASE FACTS FROM THE REGISTRY
# ------------------------------------------------------------------------------
def _component_licence(row: ArtifactComponent) -> str | None:
    """None inherits the global licences; 'unlicensed' is included with no licence."""
    if row.licence_text:
        return row.licence_text
    if row.licence_id is not None:
        return row.licence.identifier
    return None


def distribution_licence(artifact: Artifact) -> str | None:
    if artifact.licence_text:
        return artifact.licence_text
    if artifact.licence_id is not None:
        return artifact.licence.identifier
    return None


def release_facts_of(artifact: Artifact) -> ReleaseFacts:
    """The facts of a release, read from `components` and `global_licences` (prefetch both with
    their licences: `artifacts_with_facts`)."""
    rows = sorted(artifact.components.all(), key=lambda r: (r.position, r.pk or 0))
    return ReleaseFacts(
        components=tuple(
            ComponentFacts(
                component=MOFComponent(row.component),
                released=row.released,
                licence=_component_licence(row),
            )
            for row in rows
        ),
        global_licences={
            g.scope: g.licence_text or (g.licence.identifier if g.licence_id else "")
            for g in artifact.global_licences.all()
        },
        distribution_licence=distribution_licence(artifact),
    )


def artifacts_with_facts(queryset: QuerySet[Artifact] | None = None) -> QuerySet[Artifact]:
    """Artifacts with everything the verdicts read, in four queries whatever their number."""
    queryset = Artifact.objects.all() if queryset is None else queryset
    return queryset.select_related("licence", "project").prefetch_related(
        Prefetch(
            "components",
            queryset=ArtifactComponent.objects.select_related("licence").order_by("position", "pk"),
        ),
        Prefetch(
            "global_licences",
            queryset=ArtifactLicence.objects.select_related("licence").order_by("scope"),
        ),
        Prefetch(
            "assessments",
            queryset=ThirdPartyAssessment.objects.prefetch_related(
                Prefetch("ratings", queryset=AssessmentRating.objects.order_by("position", "pk"))
            ).order_by("assessor", "source_file", "id"),
        ),
    )


# COMPARING WITH THIRD-PARTY ASSESSMENTS
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class RatingRow:
    """One dimension of an assessment beside the platform's own rating."""

    dimension: str  # as the assessment names it
    name: str
    theirs: str  # open / partial / closed, or "" when they give none
    ours: str  # "" when the platform derives no rating for this dimension
    our_reason: str
    links: tuple[str, ...]
    notes: str

    @property
    def disagrees(self) -> bool:
        return bool(self.theirs and self.ours and self.theirs != self.ours)


def current_dimension(assessment: ThirdPartyAssessment, dimension: str) -> str | None:
    """The current index's name of a dimension (None for the frozen package and api)."""
    if assessment.assessor == Assessor.OPENING_UP_CHATGPT:
        return FROZEN_TO_CURRENT.get(dimension)
    return dimension if dimension in INDEX_DIMENSIONS else None


def rating_rows(
    assessment: ThirdPartyAssessment, ours: Mapping[str, DerivedRating]
) -> list[RatingRow]:
    rows = []
    for rating in assessment.ratings.all():
        current = current_dimension(assessment, rating.dimension)
        mine = ours.get(current) if current else None
        rows.append(
            RatingRow(
                dimension=rating.dimension,
                name=DIMENSION_NAMES.get(rating.dimension, rating.dimension),
                theirs=rating.rating,
                ours=mine.rating.value if mine else "",
                our_reason=mine.reason.message if mine else "",
                links=tuple(rating.links or ()),
                notes=rating.notes,
            )
        )
    return rows


# CACHED VERDICTS
# ------------------------------------------------------------------------------
def _reason(reason: Reason | Difference) -> dict[str, Any]:
    data = {
        "code": reason.code,
        "message": reason.message,
        "component": reason.component.value if reason.component else None,
        "licence": reason.licence,
    }
    if isinstance(reason, Reason):
        data["mof_class"] = reason.mof_class
    return data


def _progress(verdict: MOFVerdict) -> dict[str, float]:
    return {str(k): verdict.progress[k] for k in (1, 2, 3)}


def verdict_values(artifact: Artifact) -> dict[str, Any]:
    """The fields of an artifact's ArtifactOpenness row (without computed_at)."""
    release = release_facts_of(artifact)
    reference = mof_class_reference(release, mot_licence_lookup)
    strict = mof_class_strict(release, mot_licence_lookup)
    ours = osai_index_ratings(release, mot_licence_lookup)
    summaries = []
    for assessment in artifact.assessments.all():
        rows = rating_rows(assessment, ours)
        summaries.append(
            {
                "id": assessment.pk,
                "assessor": assessment.assessor,
                "model_name": assessment.model_name,
                "score": float(assessment.openness_score),
                "ratings": {row.dimension: row.theirs for row in rows},
                "disagreements": [row.dimension for row in rows if row.disagrees],
            }
        )
    return {
        "reference_class": reference.mof_class,
        "strict_class": strict.mof_class,
        "reference_progress": _progress(reference),
        "strict_progress": _progress(strict),
        "reasons": {
            "reference": [_reason(r) for r in reference.reasons],
            "strict": [_reason(r) for r in strict.reasons],
        },
        "warnings": [_reason(r) for r in reference.warnings],
        "differences": [_reason(d) for d in strict.differences],
        "index_ratings": {
            key: {"rating": r.rating.value, "reason": r.reason.message} for key, r in ours.items()
        },
        "assessments": summaries,
        "component_count": len(release.components),
        "classes_differ": reference.mof_class != strict.mof_class,
        "disagrees_with_index": any(s["disagreements"] for s in summaries),
    }


VERDICT_FIELDS = (
    "reference_class",
    "strict_class",
    "reference_progress",
    "strict_progress",
    "reasons",
    "warnings",
    "differences",
    "index_ratings",
    "assessments",
    "component_count",
    "classes_differ",
    "disagrees_with_index",
)


@dataclass
class RefreshReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@transaction.atomic
def openness_refresh(*, artifact_ids: Iterable[int] | None = None) -> RefreshReport:
    """Recompute the cached verdicts of model artifacts (all of them when `artifact_ids` is None);
    rows whose verdicts did not change are left untouched, computed_at included."""
    queryset = Artifact.objects.filter(kind=ArtifactKind.MODEL)
    if artifact_ids is not None:
        queryset = queryset.filter(pk__in=list(artifact_ids))
    artifacts = list(artifacts_with_facts(queryset).order_by("pk"))
    existing = ArtifactOpenness.objects.in_bulk([a.pk for a in artifacts], field_name="artifact_id")
    now = timezone.now()
    report = RefreshReport()
    to_create, to_update = [], []
    for artifact in artifacts:
        values = verdict_values(artifact)
        row = existing.get(artifact.pk)
        if row is None:
            to_create.append(ArtifactOpenness(artifact=artifact, computed_at=now, **values))
            continue
        if all(getattr(row, name) == value for name, value in values.items()):
            report.unchanged += 1
            continue
        for name, value in values.items():
            setattr(row, name, value)
        row.computed_at = now
        to_update.append(row)
    ArtifactOpenness.objects.bulk_create(to_create, batch_size=500)
    ArtifactOpenness.objects.bulk_update(to_update, [*VERDICT_FIELDS, "computed_at"], 500)
    report.created, report.updated = len(to_create), len(to_update)
    return report


# READS
# ------------------------------------------------------------------------------
def openness_overview(user) -> QuerySet[Artifact]:
    """Model artifacts the user may see, with their cached verdicts: one query per page."""
    return (
        Artifact.objects.filter(
            kind=ArtifactKind.MODEL, project__in=selectors.projects_visible_to(user)
        )
        .select_related("project", "licence", "openness")
        .order_by("name", "version", "id")
    )


@dataclass(frozen=True)
class AssessmentView:
    assessment: ThirdPartyAssessment
    rows: list[RatingRow]

    @property
    def disagreements(self) -> list[RatingRow]:
        return [row for row in self.rows if row.disagrees]


@dataclass(frozen=True)
class OpennessPanel:
    """Everything the `_assessments.html` partial shows for one model artifact."""

    artifact: Artifact
    reference: MOFVerdict
    strict: MOFVerdict
    ours: Mapping[str, DerivedRating]
    assessments: list[AssessmentView]

    @property
    def class_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "mof_class": k,
                "name": f"Class {'I' * k}",
                "reference": self.reference.progress[k],
                "strict": self.strict.progress[k],
                "reference_reasons": [r for r in self.reference.reasons if r.mof_class == k],
                "strict_reasons": [r for r in self.strict.reasons if r.mof_class == k],
            }
            for k in (3, 2, 1)
        ]

    @property
    def our_ratings(self) -> list[tuple[str, DerivedRating]]:
        return [(DIMENSION_NAMES.get(key, key), rating) for key, rating in self.ours.items()]

    @property
    def component_types(self) -> dict[str, str]:
        return {c.value: COMPONENT_SPECS[c].type.value for c in MOFComponent}


def openness_panel(artifact: Artifact) -> OpennessPanel | None:
    """Both MOF readings and the third-party assessments of one model artifact (None for other
    kinds). Computed live: one artifact costs a handful of queries."""
    if artifact.kind != ArtifactKind.MODEL:
        return None
    artifact = artifacts_with_facts(Artifact.objects.filter(pk=artifact.pk)).get()
    release = release_facts_of(artifact)
    ours = osai_index_ratings(release, mot_licence_lookup)
    return OpennessPanel(
        artifact=artifact,
        reference=mof_class_reference(release, mot_licence_lookup),
        strict=mof_class_strict(release, mot_licence_lookup),
        ours=ours,
        assessments=[AssessmentView(a, rating_rows(a, ours)) for a in artifact.assessments.all()],
    )
