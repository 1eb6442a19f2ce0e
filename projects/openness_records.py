"""Openness verdicts of a model artifact, read from the registry (the ORM side of
`projects.openness`).

`projects.openness` holds the verdicts as pure functions over frozen facts; this module only
builds those facts from an Artifact's `components` (ArtifactComponent rows) and Licence rows, runs
the verdicts, and adds the caveats a derived model inherits from its ancestors. Keep it that way:
a rule about openness belongs in `projects.openness`, where it is tested without a database.

Decisions recorded here:
- The artifact's own licence is the release's distribution licence: a component row without a
  licence inherits it, as a Model Openness Tool file's components inherit its global licences.
- A model with no component rows is not "nothing released": its registry record still says it was
  published under a licence. The weights (and, on the Hugging Face Hub, the model card) are then
  taken as released under that licence, and the record says the components are *inferred*, so the
  page can mark the verdict as inferred until a maintainer records the components.
- Caveats follow lineage: the terms of an ancestor's weights bind its derivatives (a Llama or RAIL
  licence is passed on whatever the derivative's card says), and a base model's closed training
  data limits what any derivative can disclose.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from projects.choices import ArtifactKind, FactSource, MOFComponent
from projects.models import Artifact, Licence
from projects.openness import (
    COMPONENT_SPECS,
    ComponentFacts,
    DerivedRating,
    LicenceFacts,
    MOFVerdict,
    OSAIDVerdict,
    ReleaseFacts,
    Status,
    UseRestriction,
    make_licence_facts,
    mof_class_reference,
    mof_class_strict,
    osai_index_ratings,
    osaid_verdict,
    use_restriction,
)

STATUS_LABELS = {
    Status.MET: "Met",
    Status.MISSING: "Missing",
    Status.UNLICENSED: "Unlicensed",
    Status.NOT_OPEN: "Not open",
}

# Hosts whose model pages are the model card itself.
MODEL_CARD_HOSTS = ("huggingface.co",)


@dataclass(frozen=True)
class Caveat:
    """Something an ancestor passes on to this release."""

    code: str
    message: str
    ancestor: Artifact
    # The OSAID freedom the caveat withholds, if any ("use" for an inherited use restriction).
    freedom: str = ""


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
    def class_rows(self) -> list[dict]:
        """Progress towards each class in both readings, Class III first, for the page table."""
        return [
            {
                "mof_class": k,
                "name": f"Class {'I' * k}",
                "reference": self.reference.progress[k],
                "strict": self.strict.progress[k],
                "reasons": self.strict.reasons_for(k),
            }
            for k in (3, 2, 1)
        ]


# LICENCES
# ------------------------------------------------------------------------------
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


def licence_lookup(identifiers: Iterable[str]):
    """Licence facts by EXACT identifier: the Model Openness Tool's own facts first (as
    `openness_verdicts` reads them, so the tool's class is the one it publishes: its 'apache-2.0'
    is not Apache-2.0), then the registry's Licence rows for what the tool does not list (the
    seeded model licences, whose curated `restricts_use` names the restriction). One query."""
    from projects.openness_verdicts import mot_licence_lookup

    wanted = {i for i in identifiers if i}
    table = {i: facts for i in wanted if (facts := mot_licence_lookup(i)) is not None}
    missing = wanted - set(table)
    if missing:
        for row in Licence.objects.filter(identifier__in=missing):
            table[row.identifier] = licence_facts(row)
    return table.get


# RELEASE FACTS
# ------------------------------------------------------------------------------
def release_facts(artifact: Artifact) -> tuple[ReleaseFacts, bool, tuple[ComponentSource, ...]]:
    """(facts, inferred, sources). Recorded components are read exactly as the cached verdicts
    read them (`openness_verdicts.release_facts_of`: licences as given, global licences, the
    distribution licence), so the two never disagree on the facts; prefetch with
    `openness_verdicts.artifacts_with_facts` to keep it to a fixed number of queries."""
    from projects.openness_verdicts import distribution_licence, release_facts_of

    rows = list(artifact.components.all())
    if rows:
        sources = tuple(
            ComponentSource(MOFComponent(r.component), r.source, r.source_url, r.location)
            for r in rows
        )
        return release_facts_of(artifact), False, sources

    distribution = distribution_licence(artifact)
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
    return (
        ReleaseFacts(components=tuple(inferred), distribution_licence=distribution),
        True,
        sources,
    )


# VERDICTS
# ------------------------------------------------------------------------------
def openness_for(
    artifact: Artifact, *, ancestors: Iterable[Artifact] = ()
) -> OpennessRecord | None:
    """The verdicts of a model release with their reasons and inherited caveats; None for any
    other kind of artifact (the MOF is defined for models only).

    `ancestors` is the lineage from the direct parent up (`projects.selectors.artifact_lineage`)."""
    if artifact.kind != ArtifactKind.MODEL:
        return None
    ancestors = list(ancestors)
    release, inferred, sources = release_facts(artifact)
    strings = {c.licence for c in release.components if c.licence}
    strings |= {release.distribution_licence or ""} | set(release.global_licences.values())
    strings |= {_licence_of(a) or "" for a in ancestors}
    lookup = licence_lookup(strings)
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


def _licence_of(artifact: Artifact) -> str | None:
    from projects.openness_verdicts import distribution_licence

    return distribution_licence(artifact)


def lineage_caveats(artifact: Artifact, ancestors: list[Artifact], lookup) -> list[Caveat]:
    """What each ancestor passes on: use restrictions on its weights, and closed training data."""
    caveats: list[Caveat] = []
    restricted: set[str] = set()
    own = lookup(_licence_of(artifact) or "")
    for ancestor in ancestors:
        facts = lookup(_licence_of(ancestor) or "")
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


def provenance_label(source: str) -> str:
    return FactSource(source).label if source in FactSource.values else source
