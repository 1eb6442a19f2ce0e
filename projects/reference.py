"""Reference data loaders: countries, ISO 639-3 languages and licences (SPDX plus model licences).

Each loader compares the wanted rows with what the table holds and writes only the difference, in
bulk, inside one transaction: a second run changes nothing and takes a fraction of a second.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pycountry
from django.db import transaction

from projects.choices import LicenceKind, ResourceLevel
from projects.geo import load_countries
from projects.models import Country, Language, Licence

DATA_DIR = Path(__file__).resolve().parent / "data"
SPDX_FILE = DATA_DIR / "spdx_licenses.json"

# Resource levels after Joshi et al. (2020), "The State and Fate of Linguistic Diversity": class 5
# ("the winners") is high; class 4 ("the underdogs") is medium. Everything else living is low, so it
# is shown as underrepresented; extinct, ancient, historical and special codes are unknown.
HIGH_RESOURCE = {"eng", "spa", "deu", "jpn", "fra", "ara", "arb", "zho", "cmn"}
MEDIUM_RESOURCE = {
    "rus", "hun", "vie", "nld", "kor", "ita", "por", "pol", "ces", "swe", "fin", "fas", "pes",
    "hin", "tur", "cat", "heb", "ron", "ukr", "dan", "nor", "nob", "ell", "srp", "hrv", "bul",
    "ind", "tha", "slk", "slv", "lit", "lav", "est", "ben", "tam", "urd", "msa", "zsm", "eus",
}  # fmt: skip

# Licence kinds by SPDX id prefix: open data and content licences are told apart from code ones.
DATA_PREFIXES = ("CDLA-", "ODC-", "ODbL-", "PDDL-", "C-UDA-", "OGL-", "O-UDA-", "CDL-")
CONTENT_PREFIXES = ("CC-", "CC0-", "GFDL-", "FreeBSD-DOC", "CC-PDDC")


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)

    def __add__(self, other: LoadReport) -> LoadReport:
        return LoadReport(
            self.created + other.created,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
            self.notes + other.notes,
        )

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def sync_rows(model, key: str, wanted: dict[str, dict], *, update: bool = True) -> LoadReport:
    """Create missing rows and (optionally) update changed ones; never delete."""
    report = LoadReport()
    existing = model.objects.in_bulk(list(wanted), field_name=key)
    to_create, to_update, changed_fields = [], [], set()
    for value, attrs in wanted.items():
        row = existing.get(value)
        if row is None:
            to_create.append(model(**{key: value}, **attrs))
            continue
        diff = {name: v for name, v in attrs.items() if getattr(row, name) != v}
        if diff and update:
            for name, v in diff.items():
                setattr(row, name, v)
            to_update.append(row)
            changed_fields.update(diff)
        else:
            report.unchanged += 1
    model.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        model.objects.bulk_update(to_update, sorted(changed_fields), batch_size=500)
    report.created, report.updated = len(to_create), len(to_update)
    return report


@transaction.atomic
def load_countries_table() -> LoadReport:
    wanted = {
        row["alpha_2"]: {
            "name": row["name"],
            "continent": row["continent"],
            "numeric": row["numeric"],
        }
        for row in load_countries()
    }
    return sync_rows(Country, "code", wanted)


def _resource_level(language) -> str:
    code = language.alpha_3
    if code in HIGH_RESOURCE:
        return ResourceLevel.HIGH
    if code in MEDIUM_RESOURCE:
        return ResourceLevel.MEDIUM
    if getattr(language, "type", "") in ("L", "C"):
        return ResourceLevel.LOW
    return ResourceLevel.UNKNOWN


@transaction.atomic
def load_languages_table() -> LoadReport:
    wanted = {
        language.alpha_3: {"name": language.name[:150], "resource_level": _resource_level(language)}
        for language in pycountry.languages
    }
    return sync_rows(Language, "code", wanted)


def spdx_licence_kind(identifier: str) -> str:
    if identifier.startswith(DATA_PREFIXES):
        return LicenceKind.DATA
    if identifier.startswith(CONTENT_PREFIXES):
        return LicenceKind.CONTENT
    return LicenceKind.CODE


def spdx_restricts_use(identifier: str) -> bool:
    """Non-commercial terms restrict the purposes of use (the OSAID's first freedom)."""
    return "-NC" in identifier


@transaction.atomic
def load_licences_table(custom: list[dict] | None = None) -> LoadReport:
    """The SPDX list, then the custom model licences (RAIL, Llama, ...) from the seed file."""
    spdx = json.loads(SPDX_FILE.read_text(encoding="utf-8"))
    wanted: dict[str, dict] = {}
    for entry in spdx["licenses"]:
        identifier = entry["licenseId"]
        wanted[identifier] = {
            "name": entry["name"][:255],
            "url": (entry.get("seeAlso") or [entry.get("reference", "")])[0][:500],
            "is_spdx": True,
            "osi_approved": bool(entry.get("isOsiApproved")),
            "fsf_libre": bool(entry.get("isFsfLibre")),
            "deprecated": bool(entry.get("isDeprecatedLicenseId")),
            "kind": spdx_licence_kind(identifier),
            "restricts_use": spdx_restricts_use(identifier),
            "source_url": "https://spdx.org/licenses/",
        }
    for entry in custom or []:
        wanted[entry["id"]] = {
            "name": entry["name"][:255],
            "url": entry.get("url") or "",
            "is_spdx": False,
            "osi_approved": False,
            "fsf_libre": False,
            "deprecated": False,
            "kind": entry.get("kind", LicenceKind.MODEL_WEIGHTS),
            "restricts_use": bool(entry.get("restricts_use", True)),
            "source_url": entry.get("source_url") or "",
        }
    return sync_rows(Licence, "identifier", wanted)
