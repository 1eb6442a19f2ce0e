"""Open / partial / closed per dimension of the European Open Source AI Index, derived from a
release's MOF components (`osai_index_ratings`), so the platform's own ratings stand beside the
index's published ones. Pure; the index's files are parsed in projects.openness.index_file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from projects.choices import MOFComponent
from projects.openness.facts import (
    ComponentStatus,
    Reason,
    ReleaseFacts,
    Status,
    component_statuses,
    mot_rule,
)
from projects.openness.frameworks import component_name
from projects.openness.licences import LicenceLookup


class IndexRating(StrEnum):
    OPEN = "open"
    PARTIAL = "partial"
    CLOSED = "closed"


# The current index's 12 dimensions, in its order (main-database/_parameters.yml).
INDEX_DIMENSIONS = (
    "datasources_basemodel",
    "datasources_endmodel",
    "weights_basemodel",
    "weights_endmodel",
    "trainingcode",
    "code",
    "hardware_architecture",
    "preprint",
    "paper",
    "modelcard",
    "datasheet",
    "licenses",
)


@dataclass(frozen=True)
class DerivedRating:
    dimension: str
    rating: IndexRating
    reason: Reason


def _availability(dimension: str, statuses: Iterable[ComponentStatus], what: str) -> DerivedRating:
    """open: all released under open licences; partial: some released; closed: none released."""
    statuses = list(statuses)
    names = ", ".join(component_name(st.component) for st in statuses)
    if all(st.status is Status.MET for st in statuses):
        return DerivedRating(
            dimension,
            IndexRating.OPEN,
            Reason("released_open", f"{what}: {names} released under open licences."),
        )
    if any(st.listed for st in statuses):
        blocked = ", ".join(
            component_name(st.component) for st in statuses if st.status is not Status.MET
        )
        return DerivedRating(
            dimension,
            IndexRating.PARTIAL,
            Reason(
                "released_partly",
                f"{what}: released only in part or not under an open licence ({blocked}).",
            ),
        )
    return DerivedRating(
        dimension, IndexRating.CLOSED, Reason("not_released", f"{what}: {names} not released.")
    )


def _documented(dimension: str, full: Iterable[ComponentStatus], what: str) -> DerivedRating:
    """Documentation is rated on availability alone, as the index does: licence does not matter."""
    full = list(full)
    if all(st.listed for st in full):
        return DerivedRating(
            dimension, IndexRating.OPEN, Reason("documented", f"{what}: available.")
        )
    if any(st.listed for st in full):
        return DerivedRating(
            dimension, IndexRating.PARTIAL, Reason("documented_partly", f"{what}: in part.")
        )
    return DerivedRating(
        dimension, IndexRating.CLOSED, Reason("not_documented", f"{what}: not available.")
    )


def osai_index_ratings(
    release: ReleaseFacts, licence_lookup: LicenceLookup
) -> dict[str, DerivedRating]:
    """Open / partial / closed per dimension, in the style of the European Open Source AI Index.

    The MOF does not tell base from end model, so each base/end pair mirrors (as the index does
    where the distinction does not apply). "Open licence" means open for the Model Openness Tool."""
    s = component_statuses(release, licence_lookup, mot_rule)
    c = MOFComponent
    ratings = [
        # Training data: the datasets, released and openly licensed.
        _availability("datasources_basemodel", [s[c.DATASETS]], "Training data"),
        _availability("datasources_endmodel", [s[c.DATASETS]], "Training data"),
        # Weights: the final parameters; partial when released under restrictive terms.
        _availability("weights_basemodel", [s[c.FINAL_PARAMETERS]], "Weights"),
        _availability("weights_endmodel", [s[c.FINAL_PARAMETERS]], "Weights"),
        # Training code: data processing and training code.
        _availability(
            "trainingcode", [s[c.PREPROCESSING_CODE], s[c.TRAINING_CODE]], "Training code"
        ),
        # Code documentation: the MOF records availability, not documentation quality, so the
        # released training, inference and processing code stands in for its documentation.
        _documented(
            "code",
            [s[c.PREPROCESSING_CODE], s[c.TRAINING_CODE], s[c.INFERENCE_CODE]],
            "Code",
        ),
        # Architecture: the architecture code and a technical report or paper that describes it.
        _documented(
            "hardware_architecture",
            [s[c.MODEL_ARCHITECTURE], _either(s[c.TECHNICAL_REPORT], s[c.RESEARCH_PAPER])],
            "Architecture",
        ),
        # Preprint: the technical report; peer-reviewed paper: the research paper.
        _documented("preprint", [s[c.TECHNICAL_REPORT]], "Technical report (preprint)"),
        _documented("paper", [s[c.RESEARCH_PAPER]], "Research paper"),
        _documented("modelcard", [s[c.MODEL_CARD]], "Model card"),
        _documented("datasheet", [s[c.DATA_CARD]], "Data card (datasheet)"),
        _licences_rating(s),
    ]
    return {r.dimension: r for r in ratings}


def _either(a: ComponentStatus, b: ComponentStatus) -> ComponentStatus:
    return a if a.listed or not b.listed else b


def _licences_rating(s: Mapping[MOFComponent, ComponentStatus]) -> DerivedRating:
    # The index's current rule: open = everything, including data and training code, under open
    # licences; partial = at least two of weights, training code and training data openly licensed.
    core = [
        s[MOFComponent.FINAL_PARAMETERS],
        s[MOFComponent.TRAINING_CODE],
        s[MOFComponent.DATASETS],
    ]
    listed = [st for st in s.values() if st.listed]
    if all(st.status is Status.MET for st in core) and all(
        st.status is Status.MET for st in listed
    ):
        return DerivedRating(
            "licenses",
            IndexRating.OPEN,
            Reason("all_open", "Weights, training code, data and every listed component are open."),
        )
    open_core = [st for st in core if st.status is Status.MET]
    if len(open_core) >= 2:
        names = ", ".join(component_name(st.component) for st in open_core)
        return DerivedRating(
            "licenses",
            IndexRating.PARTIAL,
            Reason("two_of_three_open", f"Open licences on {names}, not on everything."),
        )
    return DerivedRating(
        "licenses",
        IndexRating.CLOSED,
        Reason(
            "fewer_than_two_open",
            "Fewer than two of weights, training code and training data are openly licensed.",
        ),
    )
