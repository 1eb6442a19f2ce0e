"""The facts of one release and how a reading judges each component: the frozen `ReleaseFacts`
every verdict takes, the licence each component resolves to (ModelEvaluator::resolveLicense),
the reasons verdicts carry, and the two status rules (the tool's and the strict reading's)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from projects.choices import MOFComponent
from projects.openness.frameworks import (
    COMPONENT_SPECS,
    MOF_COMPONENTS,
    ComponentSpec,
    ComponentType,
)
from projects.openness.licences import UNLICENSED, LicenceFacts, LicenceLookup


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


StatusRule = Callable[[ComponentSpec, str, "LicenceFacts | None"], Status]


def mot_rule(spec: ComponentSpec, licence: str, facts: LicenceFacts | None) -> Status:
    # isOpenSourceLicense on the exact string, whatever the component's type.
    if facts is not None and facts.is_open_mot:
        return Status.MET
    if licence == UNLICENSED:
        return Status.UNLICENSED
    return Status.NOT_OPEN


def strict_rule(spec: ComponentSpec, licence: str, facts: LicenceFacts | None) -> Status:
    if facts is not None and facts.fit_for(spec.type):
        return Status.MET
    if licence == UNLICENSED:
        return Status.UNLICENSED
    return Status.NOT_OPEN


def component_statuses(
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
