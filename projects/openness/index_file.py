"""European Open Source AI Index files: parse both formats into one assessment dataclass.

Two formats (tests/samples/osai-index/README.md): the frozen "Opening up ChatGPT" `projects/*.yaml`
(14 dimensions, 2023-2024) and the live index's `main-database/*.yaml` (12 dimensions, defined in
`_parameters.yml`). Both rate a model family open / partial / closed per dimension with evidence
links and notes. Parsing never raises on content; what is missing or odd goes into `problems`.
These are third-party assessments: the platform stores them next to its own verdicts
(projects.openness.index), it does not overwrite one with the other.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from core.limits import InputRefused, load_yaml
from projects.openness.index import IndexRating


class IndexFormat(StrEnum):
    FROZEN = "opening_up_chatgpt"  # the frozen "Opening up ChatGPT" projects/, 14 dimensions
    CURRENT = "osai_index"  # the live European Open Source AI Index main-database/, 12 dimensions


@dataclass(frozen=True)
class IndexDimension:
    ref: str
    name: str
    group: str


# The frozen format's dimensions, in file order, with the group its comments give them.
FROZEN_DIMENSIONS: tuple[IndexDimension, ...] = (
    IndexDimension("opencode", "Open code", "availability"),
    IndexDimension("llmdata", "LLM data", "availability"),
    IndexDimension("llmweights", "LLM weights", "availability"),
    IndexDimension("rldata", "RL data", "availability"),
    IndexDimension("rlweights", "RL weights", "availability"),
    IndexDimension("license", "Licence", "availability"),
    IndexDimension("code", "Code documentation", "documentation"),
    IndexDimension("architecture", "Architecture", "documentation"),
    IndexDimension("preprint", "Preprint", "documentation"),
    IndexDimension("paper", "Paper", "documentation"),
    IndexDimension("modelcard", "Model card", "documentation"),
    IndexDimension("datasheet", "Datasheet", "documentation"),
    IndexDimension("package", "Package", "access"),
    IndexDimension("api", "API", "access"),
)

# The current index's dimensions as its _parameters.yml defines them (a test checks the file);
# their refs are projects.openness.INDEX_DIMENSIONS, which the derived ratings use.
CURRENT_DIMENSIONS: tuple[IndexDimension, ...] = (
    IndexDimension("datasources_basemodel", "Base Model Data", "availability"),
    IndexDimension("datasources_endmodel", "End User Model Data", "availability"),
    IndexDimension("weights_basemodel", "Base Model Weights", "availability"),
    IndexDimension("weights_endmodel", "End User Model Weights", "availability"),
    IndexDimension("trainingcode", "Training Code", "availability"),
    IndexDimension("code", "Code Documentation", "documentation"),
    IndexDimension("hardware_architecture", "Hardware Architecture", "documentation"),
    IndexDimension("preprint", "Preprint", "documentation"),
    IndexDimension("paper", "Paper", "documentation"),
    IndexDimension("modelcard", "Modelcard", "documentation"),
    IndexDimension("datasheet", "Datasheet", "documentation"),
    IndexDimension("licenses", "Licenses", "access"),
)

# How the frozen dimensions became the current ones (package and api were dropped).
FROZEN_TO_CURRENT = {
    "opencode": "trainingcode",
    "llmdata": "datasources_basemodel",
    "rldata": "datasources_endmodel",
    "llmweights": "weights_basemodel",
    "rlweights": "weights_endmodel",
    "license": "licenses",
    "code": "code",
    "architecture": "hardware_architecture",
    "preprint": "preprint",
    "paper": "paper",
    "modelcard": "modelcard",
    "datasheet": "datasheet",
}

# Organisation facts the current index keeps only in comments, which a YAML loader drops.
_COMMENT_TAGS = {
    "national_origin": re.compile(r"^#\s*-\s*National origin:\s*(.+?)\s*$", re.M),
    "contributor_type": re.compile(r"^#\s*-\s*Contributor type:\s*(.+?)\s*$", re.M),
}
_SYSTEM_KEYS = (
    "name",
    "link",
    "type",
    "performanceclass",
    "basemodelname",
    "endmodelname",
    "endmodellicense",
    "releasedate",
    "notes",
)
_PROJECT_KEYS = ("name", "link", "notes", "llmbase", "rlbase", "license")
_SCORE = {IndexRating.OPEN: 1.0, IndexRating.PARTIAL: 0.5, IndexRating.CLOSED: 0.0}


@dataclass(frozen=True)
class DimensionRating:
    dimension: str
    rating: IndexRating | None  # None when the class is absent or not open/partial/closed
    links: tuple[str, ...] = ()
    notes: str = ""
    raw_class: str | None = None


@dataclass(frozen=True)
class IndexAssessment:
    source_format: IndexFormat
    source_file: str
    model_name: str = ""
    model_link: str | None = None
    organisation: str = ""
    organisation_link: str | None = None
    organisation_notes: str = ""
    date: str | None = None  # system.releasedate (YYYY-MM) in the current index; none in the frozen
    licence_text: str | None = None  # free text, not SPDX; the "licenses" rating is what compares
    base_model: str | None = None
    end_model: str | None = None
    system_type: str | None = None
    performance_class: str | None = None
    notes: str = ""
    national_origin: str | None = None
    contributor_type: str | None = None
    ratings: Mapping[str, DimensionRating] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    # The limit the file broke (core.limits), if any: such a file is refused whole.
    refusal: str | None = None

    @property
    def is_template(self) -> bool:
        """Submission templates (and non-LLM entries) have no model name; the index drops them."""
        return not self.model_name

    @property
    def openness(self) -> float:
        """The published score: open 1, partial 0.5, closed or anything else 0."""
        return sum(_SCORE.get(r.rating, 0.0) for r in self.ratings.values())

    def current_ratings(self) -> dict[str, DimensionRating]:
        """Ratings keyed by the current index's dimension names, whatever the source format."""
        if self.source_format is IndexFormat.CURRENT:
            return dict(self.ratings)
        return {
            FROZEN_TO_CURRENT[key]: rating
            for key, rating in self.ratings.items()
            if key in FROZEN_TO_CURRENT
        }


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.date):  # an unquoted 2024-11-05; YYYY-MM stays a string
        return value.isoformat()
    return str(value).strip()


def _links(value: Any) -> tuple[str, ...]:
    """A link is a URL, null or a list of URLs; kept as given (typos like 'hhttps' included)."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(str(item).strip() for item in items if item not in (None, ""))


def _rating(key: str, value: Any, problems: list[str]) -> DimensionRating:
    if not isinstance(value, dict):
        problems.append(f"{key} is not a mapping with class, link and notes")
        return DimensionRating(key, None)
    raw = _text(value.get("class"))
    try:
        rating = IndexRating((raw or "").lower())
    except ValueError:
        rating = None
        problems.append(f"{key}.class {raw!r} is not open, partial or closed")
    return DimensionRating(
        dimension=key,
        rating=rating,
        links=_links(value.get("link")),
        notes=_text(value.get("notes")) or "",
        raw_class=raw,
    )


def _load(text: str, problems: list[str]) -> dict[str, Any]:
    """The document, or {} with a problem; InputRefused (core.limits) goes to the caller."""
    try:
        document = load_yaml(text.removeprefix("\ufeff"))
    except yaml.YAMLError as error:
        problems.append(f"not valid YAML: {error}")
        return {}
    if not isinstance(document, dict):
        problems.append("not a mapping at the top level")
        return {}
    return document


def _section(document: Mapping[str, Any], key: str, problems: list[str]) -> dict[str, Any]:
    value = document.get(key)
    if value is None:
        problems.append(f"'{key}' is missing")
        return {}
    if not isinstance(value, dict):
        problems.append(f"'{key}' is not a mapping")
        return {}
    return value


def _ratings(
    document: Mapping[str, Any], dimensions: tuple[IndexDimension, ...], problems: list[str]
) -> dict[str, DimensionRating]:
    ratings = {}
    for dimension in dimensions:
        if dimension.ref not in document:
            problems.append(f"dimension '{dimension.ref}' is missing")
            continue
        ratings[dimension.ref] = _rating(dimension.ref, document[dimension.ref], problems)
    return ratings


def _unknown_keys(
    document: Mapping[str, Any], known: set[str], problems: list[str], prefix: str = ""
) -> None:
    for key in document:
        if key not in known:
            problems.append(f"unknown key '{prefix}{key}' ignored")


def _refused(index_format: IndexFormat, source: str, refused: InputRefused) -> IndexAssessment:
    return IndexAssessment(
        source_format=index_format,
        source_file=source,
        problems=(refused.message,),
        refusal=refused.message,
    )


def parse_frozen_project(text: str, *, source: str = "") -> IndexAssessment:
    """One `projects/*.yaml` file of the frozen "Opening up ChatGPT" repository."""
    problems: list[str] = []
    try:
        document = _load(text, problems)
    except InputRefused as refused:
        return _refused(IndexFormat.FROZEN, source, refused)
    project = _section(document, "project", problems) if document else {}
    org = _section(document, "org", problems) if document else {}
    _unknown_keys(document, {"project", "org", *(d.ref for d in FROZEN_DIMENSIONS)}, problems)
    _unknown_keys(project, set(_PROJECT_KEYS), problems, "project.")
    ratings = _ratings(document, FROZEN_DIMENSIONS, problems) if document else {}
    name = _text(project.get("name")) or ""
    if document and not name:
        problems.append("no model name (a template or a non-LLM entry)")
    return IndexAssessment(
        source_format=IndexFormat.FROZEN,
        source_file=source,
        model_name=name,
        model_link=_text(project.get("link")),
        organisation=_text(org.get("name")) or "",
        organisation_link=_text(org.get("link")),
        organisation_notes=_text(org.get("notes")) or "",
        licence_text=_text(project.get("license")),
        base_model=_text(project.get("llmbase")),
        end_model=_text(project.get("rlbase")),
        notes=_text(project.get("notes")) or "",
        ratings=ratings,
        problems=tuple(problems),
    )


def parse_index_entry(
    text: str, *, source: str = "", dimensions: tuple[IndexDimension, ...] = CURRENT_DIMENSIONS
) -> IndexAssessment:
    """One `main-database/*.yaml` file of the current index."""
    problems: list[str] = []
    try:
        document = _load(text, problems)
    except InputRefused as refused:
        return _refused(IndexFormat.CURRENT, source, refused)
    system = _section(document, "system", problems) if document else {}
    org = _section(document, "org", problems) if document else {}
    _unknown_keys(document, {"system", "org", *(d.ref for d in dimensions)}, problems)

    licence = system.get("endmodellicense")
    if "endmodellicense" not in system and "endmodel license" in system:
        problems.append("'system.endmodel license' read as system.endmodellicense")
        licence = system["endmodel license"]
    _unknown_keys(system, {*_SYSTEM_KEYS, "endmodel license"}, problems, "system.")

    name = _text(system.get("name")) or ""
    if document and not name:
        problems.append("no model name (a template)")
    tags = {key: pattern.search(text) for key, pattern in _COMMENT_TAGS.items()}
    return IndexAssessment(
        source_format=IndexFormat.CURRENT,
        source_file=source,
        model_name=name,
        model_link=_text(system.get("link")),
        organisation=_text(org.get("name")) or "",
        organisation_link=_text(org.get("link")),
        organisation_notes=_text(org.get("notes")) or "",
        date=_text(system.get("releasedate")),
        licence_text=_text(licence),
        base_model=_text(system.get("basemodelname")),
        end_model=_text(system.get("endmodelname")),
        system_type=_text(system.get("type")),
        performance_class=_text(system.get("performanceclass")),
        notes=_text(system.get("notes")) or "",
        national_origin=tags["national_origin"].group(1) if tags["national_origin"] else None,
        contributor_type=tags["contributor_type"].group(1) if tags["contributor_type"] else None,
        ratings=_ratings(document, dimensions, problems) if document else {},
        problems=tuple(problems),
    )


def load_parameters(text: str) -> tuple[IndexDimension, ...]:
    """The current index's dimension definitions (`_parameters.yml`): groups and display names."""
    dimensions = []
    for group in load_yaml(text) or ():
        for param in group.get("params") or ():
            dimensions.append(
                IndexDimension(
                    ref=str(param["ref"]),
                    name=str(param.get("name", "")).strip(),
                    group=str(group.get("ref", "")),
                )
            )
    return tuple(dimensions)


def parse_index_file(
    path: Path, *, dimensions: tuple[IndexDimension, ...] = CURRENT_DIMENSIONS
) -> IndexAssessment:
    """Either format, told apart by its top-level keys ('project' or 'system')."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        document = load_yaml(text)
    except (yaml.YAMLError, InputRefused):
        document = None  # the parse below reports it
    if isinstance(document, dict) and "project" in document and "system" not in document:
        return parse_frozen_project(text, source=path.name)
    return parse_index_entry(text, source=path.name, dimensions=dimensions)
