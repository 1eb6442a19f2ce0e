"""THE openness adapter: the registry's rows in, every verdict a page, the API or the cache shows
out. The rules are pure (projects.openness.mof, .osaid, .index); this module only builds their
facts from an Artifact, gives them the one licence lookup, and keeps the verdict cache.

There is one path on purpose: the artifact page, the openness page, the compare view and the
cached verdicts the overview and the API read all come from `openness_for`, with the same facts
and the same lookup, so no two places can show two different MOF readings of one release.

Decisions recorded here:
- Licences (`licence_lookup`): the Model Openness Tool's own facts first (the bundled SPDX list,
  then the tool's mof-licenses.json overrides), keyed by the EXACT identifier, so the tool's class
  is the one it publishes (its 'apache-2.0' is not Apache-2.0); then the registry's Licence rows
  for what the tool does not list (the seeded model licences, whose curated `restricts_use`
  names the restriction). One query per call, however many artifacts it serves.
- A component's licence is the string as given (`licence_text`), falling back to its Licence row
  for components recorded before `licence_text` was kept. The distribution licence is the
  artifact's `licence_text`, or its Licence row's identifier; a component row without a licence
  inherits it, as a MOT file's components inherit its global licences.
- A model with no component rows is not "nothing released": its registry record still says it
  was published under a licence. The weights (and, on the Hugging Face Hub, the model card) are
  then taken as released under that licence, and the record says the components are *inferred*,
  so pages can mark the verdict as inferred until a maintainer records the components.
- Caveats follow lineage: the terms of an ancestor's weights bind its derivatives (a Llama or
  RAIL licence is passed on whatever the derivative's card says), and a base model's closed
  training data limits what any derivative can disclose.
- Verdicts are cached, not computed per row per request: `openness_refresh` runs after an import
  and after any change of components, global licences, the artifact's licence or its
  assessments (the registry's services call it). It writes only what changed, so a re-import
  changes nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from projects.choices import ArtifactKind, FactSource, MOFComponent
from projects.models import Artifact, Licence
from projects.models.openness import (
    ArtifactComponent,
    ArtifactLicence,
    ArtifactOpenness,
    AssessmentRating,
    Assessor,
    ThirdPartyAssessment,
)
from projects.openness.facts import ComponentFacts, Reason, ReleaseFacts, Status
from projects.openness.frameworks import COMPONENT_SPECS
from projects.openness.index import INDEX_DIMENSIONS, DerivedRating, osai_index_ratings
from projects.openness.index_file import CURRENT_DIMENSIONS, FROZEN_DIMENSIONS, FROZEN_TO_CURRENT
from projects.openness.licences import (
    LicenceFacts,
    LicenceLookup,
    UseRestriction,
    licence_facts_from_files,
    make_licence_facts,
    use_restriction,
)
from projects.openness.mof import Difference, MOFVerdict, mof_class_reference, mof_class_strict
from projects.openness.osaid import OSAIDVerdict, osaid_verdict

DIMENSION_NAMES = {d.ref: d.name for d in (*FROZEN_DIMENSIONS, *CURRENT_DIMENSIONS)}
# Where two formats name a dimension differently, the current index's name wins.
DIMENSION_NAMES.update({d.ref: d.name for d in CURRENT_DIMENSIONS})

STATUS_LABELS = {
    Status.MET: "Met",
    Status.MISSING: "Missing",
    Status.UNLICENSED: "Unlicensed",
    Status.NOT_OPEN: "Not open",
}

# Hosts whose model pages are the model card itself.
MODEL_CARD_HOSTS = ("huggingface.co",)


# LICENCES: THE ONE LOOKUP
# ------------------------------------------------------------------------------
@cache
def _mot_licence_table() -> dict[str, LicenceFacts]:
    """The tool's licence facts by exact identifier, built once per process from the two files."""
    return licence_facts_from_files()


def licence_facts(row: Licence) -> LicenceFacts:
    """A Licence row as verdict facts. The row's `restricts_use` (curated, e.g. for the seeded RAIL
    and Llama licences) wins over the name patterns when the patterns find nothing."""
    facts = make_licence_facts(
        identifier=row.identifier,
        name=row.name,
        osi_approved=row.osi_approved,
        fsf_libre=row.fsf_libre,
        deprecated=row.deprecated,
        kind=row.kind,
    )
    if row.restricts_use and not facts.restricts_use:
        facts = dataclasses.replace(
            facts,
            restricts_use=True,
            restriction=use_restriction(row.identifier, row.name) or UseRestriction.ACCEPTABLE_USE,
        )
    return facts


def licence_lookup(identifiers: Iterable[str]) -> LicenceLookup:
    """Licence facts by EXACT identifier for these licence strings: the tool's facts first, then
    the registry's Licence rows for the rest (one query)."""
    mot = _mot_licence_table()
    wanted = {i for i in identifiers if i}
    table = {i: mot[i] for i in wanted if i in mot}
    missing = wanted - set(table)
    if missing:
        for row in Licence.objects.filter(identifier__in=missing):
            table[row.identifier] = licence_facts(row)
    return table.get


def _licence_strings(release: ReleaseFacts, ancestors: Iterable[Artifact] = ()) -> set[str]:
    strings = {c.licence or "" for c in release.components}
    strings |= {release.distribution_licence or ""} | set(release.global_licences.values())
    strings |= {distribution_licence(a) or "" for a in ancestors}
    return strings


# RELEASE FACTS FROM THE REGISTRY
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ComponentSource:
    """Where one component fact came from, for the provenance column of the page."""

    component: MOFComponent
    source: str
    source_url: str
    location: str

    @property
    def source_label(self) -> str:
        return provenance_label(self.source)


def provenance_label(source: str) -> str:
    return FactSource(source).label if source in FactSource.values else source


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


def release_facts(artifact: Artifact) -> tuple[ReleaseFacts, bool, tuple[ComponentSource, ...]]:
    """(facts, inferred, sources) of a model release, read from `components` and
    `global_licences` (prefetch both with their licences: `artifacts_with_facts`)."""
    rows = sorted(artifact.components.all(), key=lambda r: (r.position, r.pk or 0))
    distribution = distribution_licence(artifact)
    if rows:
        facts = ReleaseFacts(
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
            distribution_licence=distribution,
        )
        sources = tuple(
            ComponentSource(MOFComponent(r.component), r.source, r.source_url, r.location)
            for r in rows
        )
        return facts, False, sources

    inferred: list[ComponentFacts] = []
    if distribution:
        inferred.append(ComponentFacts(MOFComponent.FINAL_PARAMETERS))
        host = urlsplit(artifact.url or "").netloc.lower()
        if host.endswith(MODEL_CARD_HOSTS):
            inferred.append(ComponentFacts(MOFComponent.MODEL_CARD))
    sources = tuple(
        ComponentSource(c.component, artifact.source, artifact.source_url, artifact.url)
        for c in inferred
    )
    facts = ReleaseFacts(components=tuple(inferred), distribution_licence=distribution)
    return facts, True, sources


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


# VERDICTS
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Caveat:
    """Something an ancestor passes on to this release."""

    code: str
    message: str
    ancestor: Artifact
    # The OSAID freedom the caveat withholds, if any ("use" for an inherited use restriction).
    freedom: str = ""


@dataclass(frozen=True)
class OpennessRecord:
    artifact: Artifact
    release: ReleaseFacts
    inferred: bool
    reference: MOFVerdict
    strict: MOFVerdict
    osaid: OSAIDVerdict
    index: Mapping[str, DerivedRating]
    caveats: tuple[Caveat, ...]
    sources: tuple[ComponentSource, ...]

    @property
    def withheld_by_lineage(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.freedom for c in self.caveats if c.freedom))

    @property
    def failed_freedoms(self) -> list[str]:
        return [f.freedom for f in self.osaid.freedoms.values() if not f.granted]

    @property
    def osaid_conforms(self) -> bool:
        """Own facts and inherited caveats together: the verdict a reader should take away."""
        return self.osaid.conforms and not self.withheld_by_lineage

    @property
    def component_rows(self) -> list[tuple]:
        """(strict status, {roman, required, label}) per component, in the framework's order."""
        return [
            (
                status,
                {
                    "roman": "I" * COMPONENT_SPECS[status.component].mof_class,
                    "required": COMPONENT_SPECS[status.component].required,
                    "label": STATUS_LABELS[status.status],
                },
            )
            for status in self.strict.components
        ]

    @property
    def class_rows(self) -> list[dict[str, Any]]:
        """Progress towards each class in both readings, Class III first, with what keeps the
        release out of it (cumulative for the strict reading, new at that class per reading)."""
        return [
            {
                "mof_class": k,
                "name": f"Class {'I' * k}",
                "reference": self.reference.progress[k],
                "strict": self.strict.progress[k],
                "reasons": self.strict.reasons_for(k),
                "reference_reasons": [r for r in self.reference.reasons if r.mof_class == k],
                "strict_reasons": [r for r in self.strict.reasons if r.mof_class == k],
            }
            for k in (3, 2, 1)
        ]


def openness_for(
    artifact: Artifact,
    *,
    ancestors: Iterable[Artifact] = (),
    lookup: LicenceLookup | None = None,
) -> OpennessRecord | None:
    """The verdicts of a model release with their reasons and inherited caveats; None for any
    other kind of artifact (the MOF is defined for models only).

    `ancestors` is the lineage from the direct parent up (`projects.selectors.artifact_lineage`);
    `lookup` lets a caller judging many releases share one `licence_lookup`."""
    if artifact.kind != ArtifactKind.MODEL:
        return None
    ancestors = list(ancestors)
    release, inferred, sources = release_facts(artifact)
    if lookup is None:
        lookup = licence_lookup(_licence_strings(release, ancestors))
    return OpennessRecord(
        artifact=artifact,
        release=release,
        inferred=inferred,
        reference=mof_class_reference(release, lookup),
        strict=mof_class_strict(release, lookup),
        osaid=osaid_verdict(release, lookup),
        index=osai_index_ratings(release, lookup),
        caveats=tuple(lineage_caveats(artifact, ancestors, lookup)),
        sources=sources,
    )


def lineage_caveats(
    artifact: Artifact, ancestors: list[Artifact], lookup: LicenceLookup
) -> list[Caveat]:
    """What each ancestor passes on: use restrictions on its weights, and closed training data."""
    caveats: list[Caveat] = []
    restricted: set[str] = set()
    own = lookup(distribution_licence(artifact) or "")
    for ancestor in ancestors:
        facts = lookup(distribution_licence(ancestor) or "")
        # One caveat per licence: the nearest ancestor under it says it for all above it.
        if facts is not None and facts.restricts_use and facts.identifier not in restricted:
            restricted.add(facts.identifier)
            family = facts.restriction or UseRestriction.ACCEPTABLE_USE
            note = (
                ""
                if own is not None and own.identifier == facts.identifier
                else f" whatever this release's own licence ({artifact.licence or 'none given'}) "
                "says"
            )
            caveats.append(
                Caveat(
                    "inherited_use_restriction",
                    f"Derived from {ancestor} under {facts.identifier}, {family.description}: "
                    f"its terms bind derivatives{note}, so the freedom to use for any purpose is "
                    "not granted.",
                    ancestor,
                    freedom="use",
                )
            )
        released = {c.component for c in ancestor.components.all() if c.released}
        if MOFComponent.DATASETS not in released:
            caveats.append(
                Caveat(
                    "upstream_data_not_released",
                    f"No release of the training data of {ancestor} is recorded: what this "
                    "model learned before its own training cannot be studied.",
                    ancestor,
                )
            )
    return caveats


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


def verdict_values(record: OpennessRecord) -> dict[str, Any]:
    """The fields of an artifact's ArtifactOpenness row (without computed_at); the assessments
    are read from the artifact (prefetched by `artifacts_with_facts`)."""
    reference, strict, ours = record.reference, record.strict, record.index
    summaries = []
    for assessment in record.artifact.assessments.all():
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
        # Recorded components: 0 when the verdicts are inferred from the distribution licence.
        "component_count": 0 if record.inferred else len(record.release.components),
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
    releases = {a.pk: release_facts(a)[0] for a in artifacts}
    lookup = licence_lookup(s for r in releases.values() for s in _licence_strings(r))
    existing = ArtifactOpenness.objects.in_bulk([a.pk for a in artifacts], field_name="artifact_id")
    now = timezone.now()
    report = RefreshReport()
    to_create, to_update = [], []
    for artifact in artifacts:
        values = verdict_values(openness_for(artifact, lookup=lookup))
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
