"""The four freedoms of the Open Source AI Definition 1.0 for a release, as a pure function of its
facts and a licence lookup (`osaid_verdict`), each freedom with the reasons it fails."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from projects.choices import MOFComponent
from projects.openness.facts import (
    ComponentStatus,
    Reason,
    ReleaseFacts,
    component_statuses,
    mot_rule,
)
from projects.openness.frameworks import component_name
from projects.openness.licences import UNLICENSED, LicenceLookup, UseRestriction, use_restriction

OSAID_CLAUSES = {
    "use": "Use the system for any purpose and without having to ask for permission.",
    "study": "Study how the system works and inspect its components.",
    "modify": "Modify the system for any purpose, including to change its output.",
    "share": "Share the system for others to use with or without modifications, for any purpose.",
}

# The definition's "Code": the complete source code used to train and run the system, i.e. data
# processing, training, validation and testing, inference and the architecture. Supporting
# libraries count only where used, so they are checked only when listed.
OSAID_CODE = (
    MOFComponent.PREPROCESSING_CODE,
    MOFComponent.TRAINING_CODE,
    MOFComponent.EVALUATION_CODE,
    MOFComponent.INFERENCE_CODE,
    MOFComponent.MODEL_ARCHITECTURE,
)
# The definition's "Data Information": the MOF records it as the data card, or the datasets
# themselves when they are released.
OSAID_DATA_INFORMATION = (MOFComponent.DATA_CARD, MOFComponent.DATASETS)


@dataclass(frozen=True)
class FreedomVerdict:
    freedom: str
    clause: str
    granted: bool
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class OSAIDVerdict:
    freedoms: Mapping[str, FreedomVerdict]

    @property
    def conforms(self) -> bool:
        return all(f.granted for f in self.freedoms.values())

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return tuple(r for f in self.freedoms.values() for r in f.reasons)


def _restriction_of(st: ComponentStatus) -> UseRestriction | None:
    """Known licences carry their restriction (a Licence row may only say restricts_use); free text
    such as 'Llama 2 Community License' is recognised by its family name."""
    if st.facts is None:
        return use_restriction(st.licence)
    if st.facts.restriction is not None or not st.facts.restricts_use:
        return st.facts.restriction
    return use_restriction(st.licence, st.facts.name) or UseRestriction.ACCEPTABLE_USE


def _licence_problem(st: ComponentStatus, *, need_osi: bool, freedom: str) -> Reason | None:
    """Why a listed component's licence does not grant a freedom (None when it does)."""
    label = component_name(st.component)
    if st.licence == UNLICENSED:
        return Reason(
            "unlicensed",
            f"The {label} has no licence, so {freedom} needs permission.",
            st.component,
            None,
            detail=freedom,
        )
    family = _restriction_of(st)
    if family is not None:
        return Reason(
            "licence_restricts_use",
            f"The {label} is under {st.licence}, {family.description}: no freedom to {freedom} "
            "for any purpose.",
            st.component,
            st.licence,
            detail=family.value,
        )
    if need_osi:
        if st.facts is None or not st.facts.osi_approved:
            return Reason(
                "code_licence_not_osi",
                f"The {label} is under '{st.licence}', which is not an OSI-approved licence.",
                st.component,
                st.licence,
                detail=freedom,
            )
        return None
    if st.facts is None or not st.facts.is_open_mot:
        return Reason(
            "licence_not_open",
            f"The {label} is under '{st.licence}', which is not a known open licence, so the "
            f"freedom to {freedom} is not granted.",
            st.component,
            st.licence,
            detail=freedom,
        )
    return None


def osaid_verdict(release: ReleaseFacts, licence_lookup: LicenceLookup) -> OSAIDVerdict:
    """The four freedoms of the Open Source AI Definition 1.0, each with the reasons it fails.

    use: the weights are released under a licence that is open and restricts no use.
    study: Data Information, the complete Code and the Parameters are available (listed).
    modify: the weights and the training code are available, the weights under open terms without
        use restrictions and the training code under an OSI-approved licence.
    share: the weights under open unrestricted terms, every listed code component under an
        OSI-approved licence, the data information under an open licence."""
    statuses = component_statuses(release, licence_lookup, mot_rule)
    weights = statuses[MOFComponent.FINAL_PARAMETERS]
    found: dict[str, list[Reason]] = {freedom: [] for freedom in OSAID_CLAUSES}

    if not weights.listed:
        for freedom in OSAID_CLAUSES:
            found[freedom].append(
                Reason(
                    "weights_not_released",
                    "The final model parameters (weights) are not released.",
                    MOFComponent.FINAL_PARAMETERS,
                    detail=freedom,
                )
            )
    else:
        for freedom in ("use", "modify", "share"):
            problem = _licence_problem(weights, need_osi=False, freedom=freedom)
            if problem is not None:
                found[freedom].append(problem)

    info = [statuses[c] for c in OSAID_DATA_INFORMATION if statuses[c].listed]
    if not info:
        found["study"].append(
            Reason(
                "data_information_missing",
                "No data information: neither a data card nor the datasets are released.",
                MOFComponent.DATA_CARD,
            )
        )
    elif all(_licence_problem(st, need_osi=False, freedom="share") for st in info):
        st = info[0]
        found["share"].append(
            Reason(
                "data_information_not_open",
                f"The data information ({component_name(st.component)}) is not under an open "
                f"licence ('{st.licence}').",
                st.component,
                None if st.licence == UNLICENSED else st.licence,
            )
        )

    for component in OSAID_CODE:
        st = statuses[component]
        if not st.listed:
            reason = Reason(
                "code_missing",
                f"The {component_name(component)} is not released.",
                component,
            )
            found["study"].append(reason)
            if component is MOFComponent.TRAINING_CODE:
                found["modify"].append(reason)
    for component in (*OSAID_CODE, MOFComponent.SUPPORTING_LIBRARIES):
        st = statuses[component]
        if not st.listed:
            continue
        problem = _licence_problem(st, need_osi=True, freedom="share")
        if problem is not None:
            found["share"].append(problem)
            if component is MOFComponent.TRAINING_CODE:
                found["modify"].append(problem)

    return OSAIDVerdict(
        freedoms={
            freedom: FreedomVerdict(freedom, clause, not found[freedom], tuple(found[freedom]))
            for freedom, clause in OSAID_CLAUSES.items()
        }
    )
