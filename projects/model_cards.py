"""Read Hugging Face model and dataset cards (README.md with YAML front matter).

Pure: text in, plain data out, no database. What the card says about an artifact (licence,
languages, datasets, lineage) becomes fields the registry can fill in; anything that cannot be
mapped becomes a `Problem` with a line number, never an exception, so a maintainer can see what to
fix in the card or set by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pycountry
import yaml

from core.limits import InputRefused, check_text, load_yaml

# Hugging Face's values for base_model_relation (hub docs, "Specifying a base model").
BASE_MODEL_RELATIONS = ("adapter", "merge", "quantized", "finetune")

# Tags (and library names) from which the Hub itself infers the relation when the card is silent;
# checked in this order, because a quantized merge is still published as a quantization of it.
_MERGE_TAGS = frozenset({"merge", "mergekit"})
_QUANTIZED_TAGS = frozenset({"gguf", "quantized", "gptq", "awq", "exl2"})
_ADAPTER_TAGS = frozenset({"peft", "lora", "adapter"})

_CARD_TITLE_PREFIX = re.compile(r"^(?:model|dataset)\s+card\s+(?:for|of)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    """What could not be read or mapped; `line` is 1-based in the card, None if unknown."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class ParsedCard:
    has_front_matter: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    # The Markdown after the front matter, with line endings normalised to "\n".
    body: str = ""
    # Licence ids as the card writes them (HF ids such as apache-2.0, not always SPDX); for
    # `license: other` the card's license_name stands in.
    licences: list[str] = field(default_factory=list)
    licence_link: str = ""
    # ISO 639-3 codes, deduplicated, in the card's order.
    languages: list[str] = field(default_factory=list)
    skipped_languages: list[str] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    base_models: list[str] = field(default_factory=list)
    base_model_relation: str = ""
    relation_inferred: bool = False
    pipeline_tag: str = ""
    library_name: str = ""
    tags: list[str] = field(default_factory=list)
    model_name: str = ""
    problems: list[Problem] = field(default_factory=list)
    # The limit the card broke (core.limits), if any: such a card is refused whole.
    refusal: Problem | None = None

    @property
    def licence(self) -> str:
        return self.licences[0] if self.licences else ""


def parse_model_card(text: str) -> ParsedCard:
    """Parse a model or dataset card; never raises on bad input, reports problems instead."""
    card = ParsedCard()
    # Cards saved on Windows (the hf-readme mirror) come with CRLF; YAML and headings don't care
    # once normalised, and line numbers stay the same.
    text = text.removeprefix("\ufeff")
    try:
        check_text(text)
    except InputRefused as refused:
        return _refused(card, refused)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")

    if not lines or lines[0].rstrip() != "---":
        card.body = text
        card.problems.append(Problem(1, "The card has no YAML front matter (no metadata)."))
        card.model_name = _first_heading(text)
        return card
    closing = next(
        (i for i in range(1, len(lines)) if lines[i].rstrip() in {"---", "..."}),
        None,
    )
    if closing is None:
        card.body = text
        card.problems.append(Problem(1, "The front matter opened on line 1 is never closed."))
        return card

    card.has_front_matter = True
    front_lines = lines[1:closing]
    card.body = "\n".join(lines[closing + 1 :])
    try:
        # The front matter starts on the card's line 2.
        metadata = load_yaml("\n".join(front_lines), first_line=2)
    except InputRefused as refused:
        return _refused(card, refused)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        # The mark counts from 0 within the front matter, which starts on the card's line 2;
        # libyaml marks an error at the end of the text one line past it.
        line = min(mark.line + 2, len(front_lines) + 1) if mark is not None else None
        reason = getattr(error, "problem", None) or str(error)
        card.problems.append(Problem(line, f"The front matter is not valid YAML: {reason}."))
        card.model_name = _first_heading(card.body)
        return card
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        card.problems.append(Problem(2, "The front matter must be a mapping of keys to values."))
        card.model_name = _first_heading(card.body)
        return card

    card.metadata = metadata

    def line_of(key: str) -> int | None:
        pattern = re.compile(rf"^{re.escape(key)}\s*:")
        for number, line in enumerate(front_lines, start=2):
            if pattern.match(line):
                return number
        return None

    _read_licences(card, metadata, line_of)
    _read_languages(card, metadata, line_of)
    card.datasets = _strings(card, metadata, "datasets", line_of)
    card.base_models = _strings(card, metadata, "base_model", line_of)
    card.tags = _strings(card, metadata, "tags", line_of)
    card.pipeline_tag = _string(card, metadata, "pipeline_tag", line_of)
    card.library_name = _string(card, metadata, "library_name", line_of)
    _read_relation(card, metadata, line_of)
    card.model_name = (
        _model_index_name(metadata)
        or _string(card, metadata, "pretty_name", line_of)
        or _first_heading(card.body)
    )
    return card


def _refused(card: ParsedCard, refused: InputRefused) -> ParsedCard:
    card.refusal = Problem(None, refused.message)  # the message names the line
    card.problems = [card.refusal]
    card.has_front_matter = False
    card.metadata = {}
    card.body = ""
    return card


def _string(card: ParsedCard, metadata: dict[str, Any], key: str, line_of) -> str:
    value = metadata.get(key)
    if value is None:
        return ""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value).strip()
    card.problems.append(Problem(line_of(key), f"{key} should be a single value; ignored."))
    return ""


def _strings(card: ParsedCard, metadata: dict[str, Any], key: str, line_of) -> list[str]:
    """A scalar or a list of scalars, as the Hub accepts either for most keys."""
    value = metadata.get(key)
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    found: list[str] = []
    for item in items:
        if isinstance(item, str | int | float) and not isinstance(item, bool) and str(item):
            if str(item).strip() not in found:
                found.append(str(item).strip())
        else:
            card.problems.append(
                Problem(line_of(key), f"{key} has an entry that is not a name: {item!r}.")
            )
    return found


def _read_licences(card: ParsedCard, metadata: dict[str, Any], line_of) -> None:
    licences = _strings(card, metadata, "license", line_of)
    if not licences:
        card.problems.append(Problem(None, "The card declares no licence."))
    name = _string(card, metadata, "license_name", line_of)
    card.licence_link = _string(card, metadata, "license_link", line_of)
    for licence in licences:
        if licence.lower() != "other":
            card.licences.append(licence)
        elif name:
            card.licences.append(name)
        else:
            card.problems.append(
                Problem(
                    line_of("license"),
                    "license is 'other' but the card gives no license_name"
                    + (f" (link: {card.licence_link})." if card.licence_link else "."),
                )
            )


def iso639_3(code: str) -> str | None:
    """ISO 639-3 code for a 2-letter (639-1) or 3-letter (639-3 or 639-2/B) code, or a BCP 47 tag
    such as zh-Hans or pt-BR (its language subtag); None when it is not a language code."""
    primary = re.split(r"[-_]", code.strip(), maxsplit=1)[0].lower()
    language = None
    if len(primary) == 2:
        language = pycountry.languages.get(alpha_2=primary)
    elif len(primary) == 3:
        language = pycountry.languages.get(alpha_3=primary) or pycountry.languages.get(
            bibliographic=primary
        )
    return language.alpha_3 if language is not None else None


def _read_languages(card: ParsedCard, metadata: dict[str, Any], line_of) -> None:
    key = "language" if "language" in metadata else "languages"
    value = metadata.get(key)
    if value is None:
        return
    items = value if isinstance(value, list) else [value]
    for item in items:
        # YAML 1.1 reads an unquoted `no` (Norwegian) as false.
        code = "no" if item is False else item
        iso = iso639_3(code) if isinstance(code, str) else None
        if iso is None:
            card.skipped_languages.append(str(code))
            card.problems.append(
                Problem(
                    line_of(key),
                    f"Language {code!r} is not an ISO 639 language code (for example a "
                    f"pseudo-code such as 'code' or 'multilingual'); skipped.",
                )
            )
        elif iso not in card.languages:
            card.languages.append(iso)


def _read_relation(card: ParsedCard, metadata: dict[str, Any], line_of) -> None:
    declared = _string(card, metadata, "base_model_relation", line_of).lower()
    if declared and declared not in BASE_MODEL_RELATIONS:
        card.problems.append(
            Problem(
                line_of("base_model_relation"),
                f"base_model_relation {declared!r} is not one of "
                f"{', '.join(BASE_MODEL_RELATIONS)}; inferred instead.",
            )
        )
        declared = ""
    if not card.base_models:
        if declared:
            card.problems.append(
                Problem(
                    line_of("base_model_relation"),
                    "base_model_relation is set but the card names no base_model.",
                )
            )
        return
    if declared:
        card.base_model_relation = declared
        return
    card.relation_inferred = True
    signals = {tag.lower() for tag in card.tags} | {card.library_name.lower()}
    if signals & _MERGE_TAGS:
        card.base_model_relation = "merge"
    elif signals & _QUANTIZED_TAGS:
        card.base_model_relation = "quantized"
    elif signals & _ADAPTER_TAGS:
        card.base_model_relation = "adapter"
    elif len(card.base_models) > 1:
        # Several parents and no other signal: the Hub treats that as a merge too.
        card.base_model_relation = "merge"
    else:
        card.base_model_relation = "finetune"


def _model_index_name(metadata: dict[str, Any]) -> str:
    index = metadata.get("model-index")
    if isinstance(index, list):
        for entry in index:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                return entry["name"].strip()
    return ""


def _first_heading(markdown: str) -> str:
    """The first level-1 heading outside code blocks, without a "Model card for" preamble."""
    fenced = False
    for line in markdown.split("\n"):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and stripped.startswith("# "):
            title = stripped[2:].strip().rstrip("#").strip()
            return _CARD_TITLE_PREFIX.sub("", title)
    return ""
