"""Reads of the openness pages: the overview (cached verdicts, one query per page) and one
artifact's panel (its record from the adapter, with the third-party assessments beside it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from projects import selectors
from projects.choices import ArtifactKind, MOFComponent
from projects.models import Artifact
from projects.models.openness import ThirdPartyAssessment
from projects.openness.frameworks import COMPONENT_SPECS
from projects.openness.index import DerivedRating
from projects.openness.mof import MOFVerdict
from projects.openness.verdicts import (
    DIMENSION_NAMES,
    OpennessRecord,
    RatingRow,
    artifacts_with_facts,
    openness_for,
    rating_rows,
)


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
    """Everything the `_assessments.html` partial shows for one model artifact: its record (the
    same `openness_for` the other pages read) and the third-party assessments beside it."""

    record: OpennessRecord
    assessments: list[AssessmentView]

    @property
    def artifact(self) -> Artifact:
        return self.record.artifact

    @property
    def reference(self) -> MOFVerdict:
        return self.record.reference

    @property
    def strict(self) -> MOFVerdict:
        return self.record.strict

    @property
    def class_rows(self) -> list[dict[str, Any]]:
        return self.record.class_rows

    @property
    def our_ratings(self) -> list[tuple[str, DerivedRating]]:
        return [(DIMENSION_NAMES.get(k, k), rating) for k, rating in self.record.index.items()]

    @property
    def component_types(self) -> dict[str, str]:
        return {c.value: COMPONENT_SPECS[c].type.value for c in MOFComponent}


def openness_panel(artifact: Artifact) -> OpennessPanel | None:
    """The record of one model artifact with the third-party assessments beside it (None for
    other kinds). Computed live: one artifact costs a handful of queries."""
    if artifact.kind != ArtifactKind.MODEL:
        return None
    artifact = artifacts_with_facts(Artifact.objects.filter(pk=artifact.pk)).get()
    record = openness_for(artifact)
    assessments = [
        AssessmentView(a, rating_rows(a, record.index)) for a in artifact.assessments.all()
    ]
    return OpennessPanel(record=record, assessments=assessments)
