"""Licence facts and the licence-fitness rules the readings share: the Model Openness Tool's open
list, the strict reading's open data and open content lists, the use-restriction families, and
the facts of one identifier (`LicenceFacts`) built from the bundled SPDX list and the tool's
mof-licenses.json. Pure: a caller passes a `LicenceLookup`; the registry's one lookup over these
facts and its Licence rows is `projects.openness.verdicts.licence_lookup`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from projects.choices import LicenceKind
from projects.openness.frameworks import ComponentType

DATA_DIR = Path(__file__).resolve().parents[1] / "data"  # projects/data, shared with the loaders
SPDX_LICENCES_PATH = DATA_DIR / "spdx_licenses.json"
MOF_LICENCES_PATH = DATA_DIR / "mof_licences.json"


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
