"""Model Openness Tool (MOT) files: parse one into a dataclass, write one back.

A MOT file (lfai/model_openness_tool `models/*.yml`, format in tests/samples/mot/README.md)
describes one model release: who made it, its global licences and the MOF components it includes,
each with the licence as given. Parsing never raises on content: what cannot be mapped (an unknown
component name, a missing required key, a value of the wrong shape) is kept where possible and
reported in `problems`, so an importer can show the maintainer what to fix. `export_mot` writes the
same structure back, and parse(export(parse(file))) == parse(file).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from core.limits import InputRefused, check_size, load_yaml
from projects.choices import MOFComponent
from projects.openness.facts import ComponentFacts, ReleaseFacts
from projects.openness.frameworks import ComponentType, component_from_mot_name

RELEASE_TYPES = (
    "",
    "language",
    "vision",
    "image",
    "audio",
    "video",
    "3d",
    "code",
    "multimodal",
    "other",
)
GLOBAL_LICENCE_KEYS = ("distribution", *(t.value for t in ComponentType))
_RELEASE_TEXT_FIELDS = (
    "name",
    "version",
    "date",
    "type",
    "architecture",
    "origin",
    "producer",
    "contact",
    "repository",
    "huggingface",
)
_COMPONENT_TEXT_FIELDS = ("name", "description", "license", "license_path", "component_path")
_REQUIRED_RELEASE_KEYS = ("name", "producer", "license", "components")


@dataclass(frozen=True)
class MotFramework:
    name: str | None = None
    version: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class MotLicence:
    """A global licence: `name` is free text (may be empty), `path` is informational."""

    name: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class MotComponent:
    name: str  # as given
    component: MOFComponent | None  # None when the name is not one of the 17
    description: str | None = None
    # None: inherit the global licence. "" or "unlicensed": included with no licence.
    license: str | None = None
    license_path: str | None = None
    component_path: str | None = None


@dataclass(frozen=True)
class MotRelease:
    """One MOT file. Text fields are None when the key is absent or null."""

    source_file: str = ""
    framework: MotFramework | None = None
    name: str = ""
    version: str | None = None
    date: str | None = None
    type: str | None = None
    architecture: str | None = None
    origin: str | None = None
    producer: str | None = None
    contact: str | None = None
    repository: str | None = None
    huggingface: str | None = None
    # Global licences by key (distribution, code, data, document), in file order.
    licences: Mapping[str, MotLicence] = field(default_factory=dict)
    components: tuple[MotComponent, ...] = ()
    problems: tuple[str, ...] = ()
    # The limit the file broke (core.limits), if any: such a file is refused whole.
    refusal: str | None = None

    @property
    def distribution_licence(self) -> str | None:
        entry = self.licences.get("distribution")
        return entry.name if entry else None


def _text(value: Any) -> str | None:
    """Scalars as text: a YAML loader turns unquoted 2024-01-01 into a date and 1.0 into a float."""
    if value is None:
        return None
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_mot(text: str, *, source: str = "") -> MotRelease:
    """Parse the text of one MOT file; `source` is its file name, the key an importer should use
    (release names repeat across files)."""
    problems: list[str] = []
    try:
        document = load_yaml(text.removeprefix("\ufeff"))
    except InputRefused as refused:
        return MotRelease(source_file=source, problems=(refused.message,), refusal=refused.message)
    except yaml.YAMLError as error:
        return MotRelease(source_file=source, problems=(f"not valid YAML: {error}",))
    if not isinstance(document, dict) or not isinstance(document.get("release"), dict):
        return MotRelease(source_file=source, problems=("no 'release' mapping at the top level",))
    for key in document:
        if key not in ("framework", "release"):
            problems.append(f"unknown top-level key '{key}' ignored")

    framework = None
    if isinstance(document.get("framework"), dict):
        fw = document["framework"]
        framework = MotFramework(
            _text(fw.get("name")), _text(fw.get("version")), _text(fw.get("date"))
        )
    elif "framework" in document:
        problems.append("'framework' is not a mapping; ignored")

    release = document["release"]
    # An empty producer or contact is allowed (4 files have producer: ''); an absent key is not.
    for key in _REQUIRED_RELEASE_KEYS:
        if release.get(key) is None:
            problems.append(f"release.{key} is missing")
    if release.get("name") == "":
        problems.append("release.name is empty")
    known = {*_RELEASE_TEXT_FIELDS, "license", "components"}
    for key in release:
        if key not in known:
            problems.append(f"unknown key release.{key} ignored")

    values = {key: _text(release.get(key)) for key in _RELEASE_TEXT_FIELDS}
    for key in _RELEASE_TEXT_FIELDS:
        if isinstance(release.get(key), dict | list):
            problems.append(f"release.{key} is not text; ignored")
            values[key] = None
    if values["type"] is not None and values["type"] not in RELEASE_TYPES:
        problems.append(f"release.type '{values['type']}' is not one of the tool's types")

    return MotRelease(
        source_file=source,
        framework=framework,
        licences=_licences(release.get("license"), problems),
        components=_components(release.get("components"), problems),
        problems=tuple(problems),
        **{**values, "name": values["name"] or ""},
    )


def _licences(value: Any, problems: list[str]) -> dict[str, MotLicence]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append("release.license is not a mapping; ignored")
        return {}
    licences = {}
    for key, entry in value.items():
        key = str(key)
        if key not in GLOBAL_LICENCE_KEYS:
            problems.append(f"release.license.{key} is not distribution, code, data or document")
        if isinstance(entry, dict):
            licences[key] = MotLicence(_text(entry.get("name")), _text(entry.get("path")))
        elif entry is None or isinstance(entry, list):
            problems.append(f"release.license.{key} has no name")
            licences[key] = MotLicence()
        else:  # a bare licence string where a {name, path} mapping belongs
            problems.append(f"release.license.{key} is a bare value, read as its name")
            licences[key] = MotLicence(_text(entry))
    return licences


def _components(value: Any, problems: list[str]) -> tuple[MotComponent, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.append("release.components is not a list; ignored")
        return ()
    components = []
    seen: set[MOFComponent] = set()
    for position, entry in enumerate(value, start=1):
        if not isinstance(entry, dict):
            problems.append(f"component {position} is not a mapping; ignored")
            continue
        for key in entry:
            if key not in _COMPONENT_TEXT_FIELDS:
                problems.append(f"component {position}: unknown key '{key}' ignored")
        fields = {key: _text(entry.get(key)) for key in _COMPONENT_TEXT_FIELDS}
        name = fields.pop("name") or ""
        component = component_from_mot_name(name)
        if component is None:
            problems.append(f"component {position}: unknown component name '{name}'")
        elif component in seen:
            problems.append(f"component {position}: '{name}' is listed twice (the last one wins)")
        else:
            seen.add(component)
        components.append(MotComponent(name=name, component=component, **fields))
    return tuple(components)


def parse_mot_file(path: Path) -> MotRelease:
    """A MOT file on disk, under the same limits as an upload (its size before it is read)."""
    path = Path(path)
    try:
        check_size(path.stat().st_size, "mot_file")
    except InputRefused as refused:
        return MotRelease(
            source_file=path.name, problems=(refused.message,), refusal=refused.message
        )
    return parse_mot(path.read_text(encoding="utf-8"), source=path.name)


def release_facts(release: MotRelease) -> ReleaseFacts:
    """The facts the openness verdicts need; unknown components are left out (never guessed)."""
    return ReleaseFacts(
        components=tuple(
            ComponentFacts(component=c.component, released=True, licence=c.license)
            for c in release.components
            if c.component is not None
        ),
        global_licences={
            t.value: release.licences[t.value].name or ""
            for t in ComponentType
            if t.value in release.licences
        },
        distribution_licence=release.distribution_licence,
    )


def _drop_none(mapping: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if value is not None}


def export_mot(release: MotRelease) -> str:
    """Write a release as a MOT file (same keys as the tool's schema; absent values left out)."""
    document: dict[str, Any] = {}
    if release.framework is not None:
        document["framework"] = _drop_none(
            {
                "name": release.framework.name,
                "version": release.framework.version,
                "date": release.framework.date,
            }
        )
    body = _drop_none({key: getattr(release, key) for key in _RELEASE_TEXT_FIELDS})
    body["name"] = release.name
    body["license"] = {
        key: _drop_none({"name": entry.name, "path": entry.path})
        for key, entry in release.licences.items()
    }
    body["components"] = [
        _drop_none(
            {
                "name": c.name,
                "description": c.description,
                "license": c.license,
                "license_path": c.license_path,
                "component_path": c.component_path,
            }
        )
        for c in release.components
    ]
    document["release"] = body
    return yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )
