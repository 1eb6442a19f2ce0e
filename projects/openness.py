"""Openness verdicts on a model release, as pure functions over small frozen facts.

Four readings of the same facts (the Model Openness Framework components of a release, each with
the licence string as given):

- `mof_class_reference`: the Model Openness Tool's own rules, reproduced exactly (including its
  quirks), so our class for an imported MOT file is the class the tool publishes.
- `mof_class_strict`: the framework's type rule (DOMAIN.md): a component counts only under a licence
  fit for its type. It explains, per component, where it parts from the tool.
- `osaid_verdict`: the four freedoms of the Open Source AI Definition 1.0.
- `osai_index_ratings`: open / partial / closed per dimension of the European Open Source AI Index.

Nothing here touches the ORM: licence facts come from a lookup callable, so the importers (fed by
the sample files), the seed loader and the model pages (fed by Licence rows) share one
implementation. Every verdict carries reasons as stable codes plus a sentence for people.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path

from projects.choices import LicenceKind, MOFComponent

DATA_DIR = Path(__file__).resolve().parent / "data"
SPDX_LICENCES_PATH = DATA_DIR / "spdx_licenses.json"
MOF_LICENCES_PATH = DATA_DIR / "mof_licences.json"


# ---------------------------------------------------------------------------------------------
# The framework: components, their types and classes
# ---------------------------------------------------------------------------------------------


class ComponentType(StrEnum):
    """MOT's content types; also the keys of a release's type-specific global licences."""

    CODE = "code"
    DATA = "data"
    DOCUMENT = "document"


@dataclass(frozen=True)
class ComponentSpec:
    component: MOFComponent
    mot_id: int  # the tool's component id (mof.settings.yml), used in its badges and API
    type: ComponentType
    mof_class: int  # the class that introduces the component (3, 2 or 1)
    required: bool


# The table of rules/mof.settings.yml. Kept as code, not read at runtime: it is the definition the
# analysis depends on, and a test checks it against the tool's file.
MOF_COMPONENTS: tuple[ComponentSpec, ...] = (
    ComponentSpec(MOFComponent.MODEL_ARCHITECTURE, 9, ComponentType.CODE, 3, True),
    ComponentSpec(MOFComponent.FINAL_PARAMETERS, 10, ComponentType.DATA, 3, True),
    ComponentSpec(MOFComponent.EVALUATION_RESULTS, 12, ComponentType.DOCUMENT, 3, True),
    ComponentSpec(MOFComponent.MODEL_CARD, 13, ComponentType.DOCUMENT, 3, True),
    ComponentSpec(MOFComponent.DATA_CARD, 14, ComponentType.DOCUMENT, 3, True),
    ComponentSpec(MOFComponent.TECHNICAL_REPORT, 11, ComponentType.DOCUMENT, 3, True),
    ComponentSpec(MOFComponent.SAMPLE_OUTPUTS, 20, ComponentType.DOCUMENT, 3, False),
    ComponentSpec(MOFComponent.TRAINING_CODE, 7, ComponentType.CODE, 2, True),
    ComponentSpec(MOFComponent.INFERENCE_CODE, 8, ComponentType.CODE, 2, True),
    ComponentSpec(MOFComponent.EVALUATION_CODE, 18, ComponentType.CODE, 2, True),
    ComponentSpec(MOFComponent.EVALUATION_DATA, 19, ComponentType.DATA, 2, True),
    ComponentSpec(MOFComponent.SUPPORTING_LIBRARIES, 22, ComponentType.CODE, 2, False),
    ComponentSpec(MOFComponent.DATASETS, 15, ComponentType.DATA, 1, True),
    ComponentSpec(MOFComponent.PREPROCESSING_CODE, 16, ComponentType.CODE, 1, True),
    ComponentSpec(MOFComponent.INTERMEDIATE_PARAMETERS, 24, ComponentType.DATA, 1, True),
    ComponentSpec(MOFComponent.RESEARCH_PAPER, 21, ComponentType.DOCUMENT, 1, True),
    ComponentSpec(MOFComponent.MODEL_METADATA, 17, ComponentType.DATA, 1, False),
)
COMPONENT_SPECS: dict[MOFComponent, ComponentSpec] = {s.component: s for s in MOF_COMPONENTS}

CLASS_LABELS = {
    0: "Unclassified",
    1: "Class I - Open Science Model",
    2: "Class II - Open Tooling Model",
    3: "Class III - Open Model",
}
_ROMAN = {1: "I", 2: "II", 3: "III"}


def required_for(mof_class: int) -> tuple[MOFComponent, ...]:
    """The required components of a class, cumulative: Class II needs Class III's too."""
    return tuple(s.component for s in MOF_COMPONENTS if s.required and s.mof_class >= mof_class)


def component_from_mot_name(name: str) -> MOFComponent | None:
    """Map a MOT component name to our code; None for an unknown name (MOT would silently file it
    under Datasets, which we refuse to do)."""
    for component in MOFComponent:
        if component.label == name:
            return component
    return None


def _name(component: MOFComponent) -> str:
    return str(component.label)


# ---------------------------------------------------------------------------------------------
# Licences
# ---------------------------------------------------------------------------------------------

UNLICENSED = "unlicensed"  # MOT's word for "included, but no licence"

# LicenseHandler::OPEN_DATA_LICENSES of the tool, verbatim (including 'ODC-PDDL-1.0', which is not
# the SPDX id 'PDDL-1.0' and so never matches a real entry).
MOT_OPEN_DATA_LICENCES = frozenset(
    {
        "CC0-1.0",
        "CC-BY-1.0",
        "CC-BY-2.0",
        "CC-BY-2.5",
        "CC-BY-2.5-AU",
        "CC-BY-3.0",
        "CC-BY-3.0-AT",
        "CC-BY-3.0-AU",
        "CC-BY-3.0-DE",
        "CC-BY-3.0-IGO",
        "CC-BY-3.0-NL",
        "CC-BY-3.0-US",
        "CC-BY-4.0",
        "CC-BY-SA-1.0",
        "CC-BY-SA-2.0",
        "CC-BY-SA-2.0-UK",
        "CC-BY-SA-2.1-JP",
        "CC-BY-SA-2.5",
        "CC-BY-SA-3.0",
        "CC-BY-SA-3.0-AT",
        "CC-BY-SA-4.0",
        "CDLA-Permissive-1.0",
        "CDLA-Permissive-2.0",
        "CDLA-Sharing-1.0",
        "ODC-PDDL-1.0",
        "ODC-By-1.0",
        "ODbL-1.0",
        "GFDL-1.3",
        "OGL-Canada-2.0",
        "OGL-UK-2.0",
        "OGL-UK-3.0",
    }
)
OPENMDW = "OpenMDW-1.0"  # open for the tool whatever the flags say

# The strict reading's open data licences: the tool's list, the SPDX id of the Public Domain
# Dedication the tool misspells, and OpenMDW (written for models and data). C-UDA-1.0, which the
# tool lists as a data licence, is left out: it limits use to computational analysis.
STRICT_OPEN_DATA_LICENCES = MOT_OPEN_DATA_LICENCES | {"PDDL-1.0", OPENMDW}

# The strict reading's open content licences for documents: the Creative Commons and GNU FDL entries
# of the tool's open list, plus the tool's own document licences (mof-licenses.json, ContentType
# "document", which include Apache-2.0).
STRICT_OPEN_CONTENT_LICENCES = frozenset(
    {x for x in MOT_OPEN_DATA_LICENCES if x.startswith(("CC0-", "CC-BY-", "GFDL-"))}
    | {"Apache-2.0", "CC-BY-4.0", "CC-BY-SA-3.0", "CC-BY-SA-4.0", "FreeBSD-DOC", "CC-PDDC"}
    | {"CC0-1.0", OPENMDW}
)


class UseRestriction(StrEnum):
    """Why a licence does not grant the freedom to use for any purpose."""

    RAIL = "rail"
    LLAMA = "llama"
    GEMMA = "gemma"
    NON_COMMERCIAL = "non_commercial"
    RESEARCH_ONLY = "research_only"
    COMPUTATIONAL_USE = "computational_use"
    ACCEPTABLE_USE = "acceptable_use"

    @property
    def description(self) -> str:
        return _RESTRICTION_DESCRIPTIONS[self]


_RESTRICTION_DESCRIPTIONS = {
    UseRestriction.RAIL: "a Responsible AI Licence (RAIL family) with use-based restrictions",
    UseRestriction.LLAMA: "a Llama community licence (acceptable use policy, user threshold)",
    UseRestriction.GEMMA: "the Gemma terms of use (prohibited use policy)",
    UseRestriction.NON_COMMERCIAL: "non-commercial terms",
    UseRestriction.RESEARCH_ONLY: "research-only terms",
    UseRestriction.COMPUTATIONAL_USE: "terms limited to computational use",
    UseRestriction.ACCEPTABLE_USE: (
        "a model licence with use restrictions or an acceptable use policy"
    ),
}


# Order matters: the first match names the family. The patterns run on free text as sources spell
# it ('Llama 2 Community License', 'bigscience-bloom-rail-1.0', 'CC-BY-NC-4.0', 'tongyi-qianwen').
_RESTRICTION_PATTERNS: tuple[tuple[re.Pattern[str], UseRestriction], ...] = (
    (re.compile(r"(?<![a-z])(open)?rail(?![a-z])|ai sweden", re.I), UseRestriction.RAIL),
    (re.compile(r"llama", re.I), UseRestriction.LLAMA),
    (re.compile(r"gemma", re.I), UseRestriction.GEMMA),
    (
        re.compile(r"(?<![a-z])nc(?![a-z])|non[- ]?commercial|commercial use restr", re.I),
        UseRestriction.NON_COMMERCIAL,
    ),
    (re.compile(r"research", re.I), UseRestriction.RESEARCH_ONLY),
    (re.compile(r"^c-uda", re.I), UseRestriction.COMPUTATIONAL_USE),
    (
        re.compile(
            r"deepseek|qwen|tongyi|falcon|(?<![a-z])tii(?![a-z])|databricks|baichuan|chatglm"
            r"|aquila|codefuse|telechat|hippocratic|^json$",
            re.I,
        ),
        UseRestriction.ACCEPTABLE_USE,
    ),
)


def use_restriction(*texts: str | None) -> UseRestriction | None:
    """The use-restriction family a licence text (identifier or name) belongs to, if any."""
    for text in texts:
        if not text:
            continue
        for pattern, family in _RESTRICTION_PATTERNS:
            if pattern.search(text.strip()):
                return family
    return None


@dataclass(frozen=True)
class LicenceFacts:
    """What the verdicts need to know about one licence identifier."""

    identifier: str
    name: str = ""
    osi_approved: bool = False
    fsf_libre: bool = False
    deprecated: bool = False
    kind: str = LicenceKind.CODE
    restricts_use: bool = False
    restriction: UseRestriction | None = None
    # On the tool's hard-coded open list (OPEN_DATA_LICENSES or OpenMDW-1.0).
    on_mot_open_list: bool = False
    # Fit for data and parameters / for documents in the strict reading.
    is_open_data: bool = False
    is_open_content: bool = False
    # The tool's type-appropriate content types (mof-licenses.json "ContentType"); warnings only.
    content_types: frozenset[str] = frozenset()

    @property
    def is_open_mot(self) -> bool:
        """LicenseHandler::isOpenSourceLicense: OSI-approved, FSF libre, or on the open list."""
        return self.osi_approved or self.fsf_libre or self.on_mot_open_list

    def fit_for(self, component_type: ComponentType) -> bool:
        """The strict reading: OSI for code, open data for data, open content for documents."""
        if self.restricts_use:
            return False
        if component_type is ComponentType.CODE:
            return self.osi_approved
        if component_type is ComponentType.DATA:
            return self.is_open_data
        return self.is_open_content


LicenceLookup = Callable[[str], "LicenceFacts | None"]


def _licence_kind(identifier: str) -> str:
    lowered = identifier.lower()
    if lowered.startswith(("cc0-", "cc-by", "cc-pddc", "gfdl", "freebsd-doc", "fdl")):
        return LicenceKind.CONTENT
    if lowered.startswith(("cdla-", "odc-", "odbl", "pddl", "ogl-", "c-uda", "ncgl", "dl-de")):
        return LicenceKind.DATA
    if lowered.startswith("openmdw") or use_restriction(identifier) in {
        UseRestriction.RAIL,
        UseRestriction.LLAMA,
        UseRestriction.GEMMA,
    }:
        return LicenceKind.MODEL_WEIGHTS
    return LicenceKind.CODE


def make_licence_facts(
    *,
    identifier: str,
    name: str = "",
    osi_approved: bool = False,
    fsf_libre: bool = False,
    deprecated: bool = False,
    content_types: Iterable[str] | None = None,
    kind: str | None = None,
) -> LicenceFacts:
    """Build facts, deriving the list-based flags from the identifier (for the ORM and the loader).

    Content types default to the tool's bundled mof-licenses.json, so a Licence row needs no column
    for them."""
    restriction = None
    if not (osi_approved or fsf_libre):  # an OSI/FSF licence never restricts use
        restriction = use_restriction(identifier, name)
    if content_types is None:
        content_types = bundled_mof_content_types().get(identifier, frozenset())
    return LicenceFacts(
        identifier=identifier,
        name=name,
        osi_approved=osi_approved,
        fsf_libre=fsf_libre,
        deprecated=deprecated,
        kind=kind or _licence_kind(identifier),
        restricts_use=restriction is not None,
        restriction=restriction,
        on_mot_open_list=identifier in MOT_OPEN_DATA_LICENCES or identifier == OPENMDW,
        is_open_data=identifier in STRICT_OPEN_DATA_LICENCES,
        is_open_content=identifier in STRICT_OPEN_CONTENT_LICENCES,
        content_types=frozenset(content_types),
    )


def _content_types(entry: Mapping) -> frozenset[str]:
    value = entry.get("ContentType") or ()
    return frozenset([value] if isinstance(value, str) else value)


def licence_facts_from_files(
    spdx_path: Path = SPDX_LICENCES_PATH, mof_path: Path = MOF_LICENCES_PATH
) -> dict[str, LicenceFacts]:
    """Licence facts keyed by exact identifier, as the Model Openness Tool loads them.

    The SPDX list first, then the tool's mof-licenses.json, whose entries replace whole entries of
    the same id (so a flag the tool's entry leaves out becomes false, and of CC0-1.0's two entries,
    data then document, the second wins). The seed loader fills the Licence table the same way."""
    entries: dict[str, Mapping] = {}
    for path in (spdx_path, mof_path):
        for entry in json.loads(Path(path).read_text(encoding="utf-8"))["licenses"]:
            entries[entry["licenseId"]] = entry
    return {
        identifier: make_licence_facts(
            identifier=identifier,
            name=entry.get("name", ""),
            osi_approved=bool(entry.get("isOsiApproved")),
            fsf_libre=bool(entry.get("isFsfLibre")),
            deprecated=bool(entry.get("isDeprecatedLicenseId")),
            content_types=_content_types(entry),
        )
        for identifier, entry in entries.items()
    }


@cache
def bundled_mof_content_types() -> dict[str, frozenset[str]]:
    """The tool's type-appropriate content types per licence id (the last entry wins, as there)."""
    entries = json.loads(MOF_LICENCES_PATH.read_text(encoding="utf-8"))["licenses"]
    return {entry["licenseId"]: _content_types(entry) for entry in entries}


# ---------------------------------------------------------------------------------------------
# Release facts
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentFacts:
    component: MOFComponent
    released: bool = True
    # The licence string exactly as given. None: inherit the release's global licence.
    # "" or "unlicensed": included with no licence, no fallback (the tool's rule).
    licence: str | None = None


@dataclass(frozen=True)
class ReleaseFacts:
    components: tuple[ComponentFacts, ...] = ()
    # Type-specific global licences: ComponentType value -> licence string (may be "").
    global_licences: Mapping[str, str] = field(default_factory=dict)
    distribution_licence: str | None = None

    def listed(self) -> dict[MOFComponent, ComponentFacts]:
        """Released components; on duplicates the last one wins, as in the tool's licence map."""
        return {c.component: c for c in self.components if c.released}


def resolve_licence(release: ReleaseFacts, component: MOFComponent) -> tuple[str | None, str]:
    """ModelEvaluator::resolveLicense: (licence or None, where it came from).

    Own licence first (an empty one means none, without fallback), then the global licence for the
    component's type, then the distribution licence. Nothing is normalised: the tool compares ids
    exactly, so 'Apache 2.0' stays 'Apache 2.0' and is not open."""
    facts = release.listed().get(component)
    if facts is not None and facts.licence is not None:
        return (facts.licence or None), "component"
    type_key = COMPONENT_SPECS[component].type.value
    if release.global_licences.get(type_key):
        return release.global_licences[type_key], f"global:{type_key}"
    if release.distribution_licence:
        return release.distribution_licence, "distribution"
    return None, ""


# ---------------------------------------------------------------------------------------------
# Verdict structures
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """One machine-readable reason (a stable code) with its sentence for people."""

    code: str
    message: str
    component: MOFComponent | None = None
    licence: str | None = None
    mof_class: int | None = None
    detail: str | None = None


class Status(StrEnum):
    MET = "met"  # listed, under a licence the reading accepts
    MISSING = "missing"  # not listed (not released)
    UNLICENSED = "unlicensed"  # listed, no licence
    NOT_OPEN = "not_open"  # listed, under a licence the reading does not accept


@dataclass(frozen=True)
class ComponentStatus:
    component: MOFComponent
    type: ComponentType
    listed: bool
    licence: str | None
    licence_source: str
    status: Status
    facts: LicenceFacts | None = None


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


# ---------------------------------------------------------------------------------------------
# The MOF engine (one algorithm, two readings)
# ---------------------------------------------------------------------------------------------

StatusRule = Callable[[ComponentSpec, str, "LicenceFacts | None"], Status]


def _mot_rule(spec: ComponentSpec, licence: str, facts: LicenceFacts | None) -> Status:
    # isOpenSourceLicense on the exact string, whatever the component's type.
    if facts is not None and facts.is_open_mot:
        return Status.MET
    if licence == UNLICENSED:
        return Status.UNLICENSED
    return Status.NOT_OPEN


def _strict_rule(spec: ComponentSpec, licence: str, facts: LicenceFacts | None) -> Status:
    if facts is not None and facts.fit_for(spec.type):
        return Status.MET
    if licence == UNLICENSED:
        return Status.UNLICENSED
    return Status.NOT_OPEN


def _component_statuses(
    release: ReleaseFacts, lookup: LicenceLookup, rule: StatusRule
) -> dict[MOFComponent, ComponentStatus]:
    listed = release.listed()
    statuses = {}
    for spec in MOF_COMPONENTS:
        if spec.component not in listed:
            statuses[spec.component] = ComponentStatus(
                spec.component, spec.type, False, None, "", Status.MISSING
            )
            continue
        licence, source = resolve_licence(release, spec.component)
        licence = UNLICENSED if licence is None else licence
        facts = lookup(licence)
        statuses[spec.component] = ComponentStatus(
            spec.component, spec.type, True, licence, source, rule(spec, licence, facts), facts
        )
    return statuses


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
        name = f"Class {_ROMAN[k]}"
        for component in result.blockers:
            if component in seen:  # reported at the higher class already
                continue
            seen.add(component)
            st = statuses[component]
            label = _name(component)
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
    statuses = _component_statuses(release, licence_lookup, _mot_rule)
    warnings = tuple(
        Reason(
            "licence_not_type_appropriate",
            f"The {_name(st.component)} has an open licence ({st.licence}) but should have a "
            f"type-appropriate open licence for {st.type.value}.",
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
    statuses = _component_statuses(release, licence_lookup, _strict_rule)
    verdict = _verdict("strict", statuses)
    reference = mof_class_reference(release, licence_lookup)
    differences = []
    for ref, st in zip(reference.components, verdict.components, strict=True):
        if ref.status == st.status:
            continue
        label = _name(st.component)
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


# ---------------------------------------------------------------------------------------------
# Open Source AI Definition 1.0
# ---------------------------------------------------------------------------------------------

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
    label = _name(st.component)
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
    statuses = _component_statuses(release, licence_lookup, _mot_rule)
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
                f"The data information ({_name(st.component)}) is not under an open licence "
                f"('{st.licence}').",
                st.component,
                None if st.licence == UNLICENSED else st.licence,
            )
        )

    for component in OSAID_CODE:
        st = statuses[component]
        if not st.listed:
            reason = Reason(
                "code_missing",
                f"The {_name(component)} is not released.",
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


# ---------------------------------------------------------------------------------------------
# European Open Source AI Index, derived from the components
# ---------------------------------------------------------------------------------------------


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
    names = ", ".join(_name(st.component) for st in statuses)
    if all(st.status is Status.MET for st in statuses):
        return DerivedRating(
            dimension,
            IndexRating.OPEN,
            Reason("released_open", f"{what}: {names} released under open licences."),
        )
    if any(st.listed for st in statuses):
        blocked = ", ".join(_name(st.component) for st in statuses if st.status is not Status.MET)
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
    s = _component_statuses(release, licence_lookup, _mot_rule)
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
        names = ", ".join(_name(st.component) for st in open_core)
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
