"""The Model Openness Framework class of a release under two readings, as pure functions:

- `mof_class_reference`: the Model Openness Tool's own rules, reproduced exactly (including its
  quirks), so our class for an imported MOT file is the class the tool publishes.
- `mof_class_strict`: the framework's type rule: a component counts only under a licence fit for
  its type. It explains, per component, where it parts from the tool.

One algorithm (ModelEvaluator::evaluate), two status rules (projects.openness.facts). Every
verdict carries reasons as stable codes plus a sentence for people.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from projects.choices import MOFComponent
from projects.openness.facts import (
    ComponentStatus,
    Reason,
    ReleaseFacts,
    Status,
    component_statuses,
    mot_rule,
    strict_rule,
)
from projects.openness.frameworks import (
    CLASS_LABELS,
    MOF_COMPONENTS,
    ROMAN,
    ComponentType,
    component_name,
    required_for,
)
from projects.openness.licences import LicenceFacts, LicenceLookup


@dataclass(frozen=True)
class ClassResult:
    """One class: its progress and, cumulatively, what meets it and what blocks it."""

    mof_class: int
    progress: float
    met: tuple[MOFComponent, ...]
    missing: tuple[MOFComponent, ...]
    unlicensed: tuple[MOFComponent, ...]
    not_open: tuple[MOFComponent, ...]
    research_paper_stands_in: bool = False

    @property
    def qualified(self) -> bool:
        return self.progress == 100.0

    @property
    def blockers(self) -> tuple[MOFComponent, ...]:
        return self.missing + self.unlicensed + self.not_open


@dataclass(frozen=True)
class Difference:
    """Why the strict reading and the tool disagree on one component (or on the class)."""

    code: str
    message: str
    component: MOFComponent | None = None
    licence: str | None = None
    reference_status: Status | None = None
    strict_status: Status | None = None


@dataclass(frozen=True)
class MOFVerdict:
    reading: str  # "reference" or "strict"
    mof_class: int  # 0 (unclassified), 1, 2 or 3
    progress: Mapping[int, float]
    classes: Mapping[int, ClassResult]
    components: tuple[ComponentStatus, ...]
    reasons: tuple[Reason, ...]  # why each class is not met (blockers new at that class)
    warnings: tuple[Reason, ...] = ()  # never change the class
    notes: tuple[Reason, ...] = ()  # e.g. the research paper standing in for the report
    differences: tuple[Difference, ...] = ()  # strict reading only

    @property
    def label(self) -> str:
        return CLASS_LABELS[self.mof_class]

    def status_of(self, component: MOFComponent) -> ComponentStatus:
        return next(c for c in self.components if c.component == component)

    def reasons_for(self, mof_class: int) -> tuple[Reason, ...]:
        """Everything that keeps the release out of a class (cumulative)."""
        return tuple(
            r for r in self.reasons if r.mof_class is not None and r.mof_class >= mof_class
        )


def _classes(statuses: Mapping[MOFComponent, ComponentStatus]) -> dict[int, ClassResult]:
    """ModelEvaluator::evaluate, handleTechnicalReportOmission and getProgress, step by step."""
    lists: dict[int, dict[Status, list[MOFComponent]]] = {}
    for k in (3, 2, 1):
        lists[k] = {status: [] for status in Status}
        for component in required_for(k):
            lists[k][statuses[component].status].append(component)

    # The technical report may be omitted when a research paper is listed (whatever its licence):
    # the report stops counting as missing, and the paper, with its status, joins Classes III, II.
    report = statuses[MOFComponent.TECHNICAL_REPORT].status
    paper = statuses[MOFComponent.RESEARCH_PAPER]
    stands_in = report is not Status.MET and paper.listed
    if stands_in:
        for k in (3, 2, 1):
            if MOFComponent.TECHNICAL_REPORT in lists[k][Status.MISSING]:
                lists[k][Status.MISSING].remove(MOFComponent.TECHNICAL_REPORT)
        for k in (3, 2):
            lists[k][paper.status].append(MOFComponent.RESEARCH_PAPER)

    results = {}
    for k in (3, 2, 1):
        results[k] = ClassResult(
            mof_class=k,
            progress=_progress(k, lists, statuses),
            met=tuple(lists[k][Status.MET]),
            missing=tuple(lists[k][Status.MISSING]),
            unlicensed=tuple(lists[k][Status.UNLICENSED]),
            not_open=tuple(lists[k][Status.NOT_OPEN]),
            research_paper_stands_in=stands_in and k in (3, 2),
        )
    return results


def _progress(
    mof_class: int,
    lists: Mapping[int, Mapping[Status, list[MOFComponent]]],
    statuses: Mapping[MOFComponent, ComponentStatus],
) -> float:
    # getProgress: walk down from Class III; if a higher class is not complete, a lower class's
    # progress is 0. Otherwise met / required (cumulative), with one fewer required for Class I
    # when the paper is met and the report is not, capped at 100.
    total = 0
    met = 0
    broke_at = None
    for k in range(3, mof_class - 1, -1):
        total += sum(1 for s in MOF_COMPONENTS if s.required and s.mof_class == k)
        met = len(lists[k][Status.MET])
        if met < total:
            broke_at = k
            break
    if broke_at is not None and broke_at > mof_class:
        return 0
    if (
        mof_class == 1
        and statuses[MOFComponent.TECHNICAL_REPORT].status is not Status.MET
        and statuses[MOFComponent.RESEARCH_PAPER].status is Status.MET
    ):
        total -= 1
    return min((met / total) * 100, 100)


def _class_reasons(
    classes: Mapping[int, ClassResult],
    statuses: Mapping[MOFComponent, ComponentStatus],
    strict: bool,
) -> tuple[Reason, ...]:
    reasons = []
    seen: set[MOFComponent] = set()
    # A report the met research paper stands in for blocks nothing, whatever the tool's lists say.
    if (
        classes[3].research_paper_stands_in
        and statuses[MOFComponent.RESEARCH_PAPER].status is Status.MET
    ):
        seen.add(MOFComponent.TECHNICAL_REPORT)
    for k in (3, 2, 1):
        result = classes[k]
        if result.qualified:
            continue
        name = f"Class {ROMAN[k]}"
        for component in result.blockers:
            if component in seen:  # reported at the higher class already
                continue
            seen.add(component)
            st = statuses[component]
            label = component_name(component)
            if st.status is Status.MISSING:
                reasons.append(
                    Reason(
                        "component_missing",
                        f"{name} needs the {label}, which the release does not include.",
                        component,
                        None,
                        k,
                    )
                )
            elif st.status is Status.UNLICENSED:
                reasons.append(
                    Reason(
                        "component_unlicensed",
                        f"{name} needs an open licence on the {label}, which has none.",
                        component,
                        None,
                        k,
                    )
                )
            elif strict and st.facts is not None and st.facts.is_open_mot:
                reasons.append(
                    Reason(
                        "licence_not_fit_for_type",
                        f"{name}: the {label} is under {st.licence}, which is open but not "
                        f"{_FIT_REQUIREMENT[st.type]}.",
                        component,
                        st.licence,
                        k,
                        st.type.value,
                    )
                )
            else:
                reader = "the strict reading" if strict else "the Model Openness Tool"
                reasons.append(
                    Reason(
                        "licence_not_open",
                        f"{name}: the {label} is under '{st.licence}', which {reader} does not "
                        "count as an open licence.",
                        component,
                        st.licence,
                        k,
                    )
                )
    return tuple(reasons)


_FIT_REQUIREMENT = {
    ComponentType.CODE: "OSI-approved, as code needs",
    ComponentType.DATA: "an open data licence, as data and parameters need",
    ComponentType.DOCUMENT: "an open content licence, as documents need",
}


def _stand_in_notes(classes: Mapping[int, ClassResult]) -> tuple[Reason, ...]:
    if not classes[3].research_paper_stands_in:
        return ()
    return (
        Reason(
            "research_paper_stands_in",
            "The research paper stands in for the technical report (Classes III and II), and "
            "Class I then needs 13 components instead of 14.",
            MOFComponent.RESEARCH_PAPER,
        ),
    )


def _verdict(
    reading: str,
    statuses: Mapping[MOFComponent, ComponentStatus],
    warnings: tuple[Reason, ...] = (),
) -> MOFVerdict:
    classes = _classes(statuses)
    # getClassification: the lowest-numbered class at exactly 100 %.
    mof_class = min((k for k in (3, 2, 1) if classes[k].qualified), default=0)
    return MOFVerdict(
        reading=reading,
        mof_class=mof_class,
        progress={k: classes[k].progress for k in (1, 2, 3)},
        classes=classes,
        components=tuple(statuses.values()),
        reasons=_class_reasons(classes, statuses, strict=reading == "strict"),
        warnings=warnings,
        notes=_stand_in_notes(classes),
    )


def mof_class_reference(release: ReleaseFacts, licence_lookup: LicenceLookup) -> MOFVerdict:
    """The Model Openness Tool's class, progress and warnings for a release, exactly as it computes
    them (tests/samples/mot/README.md)."""
    statuses = component_statuses(release, licence_lookup, mot_rule)
    warnings = tuple(
        Reason(
            "licence_not_type_appropriate",
            f"The {component_name(st.component)} has an open licence ({st.licence}) but should "
            f"have a type-appropriate open licence for {st.type.value}.",
            st.component,
            st.licence,
            detail=st.type.value,
        )
        for st in statuses.values()
        if st.status is Status.MET
        and st.facts is not None
        and st.type.value not in st.facts.content_types
    )
    return _verdict("reference", statuses, warnings)


def mof_class_strict(release: ReleaseFacts, licence_lookup: LicenceLookup) -> MOFVerdict:
    """The framework's type rule: code under OSI-approved licences, data and parameters under open
    data licences, documents under open content licences. Same resolution, same classes, same
    research-paper rule as the tool; `differences` says where and why the two part."""
    statuses = component_statuses(release, licence_lookup, strict_rule)
    verdict = _verdict("strict", statuses)
    reference = mof_class_reference(release, licence_lookup)
    differences = []
    for ref, st in zip(reference.components, verdict.components, strict=True):
        if ref.status == st.status:
            continue
        label = component_name(st.component)
        if ref.status is Status.MET:
            why = _why_open_for_mot(ref.facts)
            differences.append(
                Difference(
                    "open_but_not_fit_for_type",
                    f"{label} ({st.type.value}) is under {st.licence}: the tool counts it as open "
                    f"({why}), but it is not {_FIT_REQUIREMENT[st.type]}.",
                    st.component,
                    st.licence,
                    ref.status,
                    st.status,
                )
            )
        else:
            differences.append(
                Difference(
                    "fit_but_not_open_for_tool",
                    f"{label} ({st.type.value}) is under {st.licence}, which is "
                    f"{_FIT_REQUIREMENT[st.type].split(',')[0]}, but the tool does not count it "
                    "(not OSI-approved, not FSF libre, not on its open list).",
                    st.component,
                    st.licence,
                    ref.status,
                    st.status,
                )
            )
    if reference.mof_class != verdict.mof_class:
        differences.append(
            Difference(
                "class_differs",
                f"The tool gives {reference.label}; the strict reading gives {verdict.label}.",
            )
        )
    return MOFVerdict(
        reading=verdict.reading,
        mof_class=verdict.mof_class,
        progress=verdict.progress,
        classes=verdict.classes,
        components=verdict.components,
        reasons=verdict.reasons,
        warnings=(),
        notes=verdict.notes,
        differences=tuple(differences),
    )


def _why_open_for_mot(facts: LicenceFacts | None) -> str:
    if facts is None:
        return "unknown"
    if facts.osi_approved:
        return "OSI-approved"
    if facts.fsf_libre:
        return "FSF libre"
    return "on its open list"
