"""Read and write `.all-contributorsrc` files (the All Contributors specification, JSON).

Pure functions, no database: `parse_allcontributorsrc` turns the bytes of a file into credit lines
and problems; the import service writes nothing unless `ParsedCreditFile.is_valid`, so a file is
imported whole or not at all. `export_allcontributorsrc` writes the platform's credits back out as a
file the All Contributors tooling accepts.
"""

from __future__ import annotations

import bisect
import codecs
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from contributions.choices import (
    ALL_CONTRIBUTORS_KEY_TO_TYPE,
    ALL_CONTRIBUTORS_KEYS,
    ContributionType,
)
from core.limits import InputRefused, check_size, load_json

T = ContributionType

EXTERNAL_ID_PREFIX = "allcontributors"

# GitHub's rules for a user name: 1-39 characters, ASCII letters, digits and single hyphens, neither
# first nor last. Some files (bids) credit people who have no GitHub account under made-up logins.
_GITHUB_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")

# Types with no key in the emoji key are exported as custom types, declared in a `types` block as
# the specification allows (ml5js does the same), so the written file stays valid.
_CUSTOM_TYPE_SYMBOLS: dict[str, str] = {
    T.DATA_ANNOTATION: "🏷️",
    T.EVALUATION: "📊",
    T.RED_TEAMING: "🛡️",
    T.TRAINING: "🏋️",
    T.COMPUTE_DONATION: "🖥️",
}

# How a custom type found in someone else's file is credited, when neither its key nor its
# description names a platform type. Checked in order, against key and description lowercased;
# the narrow words come first ("data annotation" is annotation, not curation).
_CUSTOM_TYPE_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("red team", "redteam", "safety"), T.RED_TEAMING),
    (("annotat", "labelling", "labeling"), T.DATA_ANNOTATION),
    (("evaluat", "benchmark"), T.EVALUATION),
    (("fine-tun", "finetun", "training"), T.TRAINING),
    (("compute", "gpu"), T.COMPUTE_DONATION),
    (("licens", "governance", "policy", "roadmap"), T.GOVERNANCE),
    (("community", "moderat", "support"), T.COMMUNITY_SUPPORT),
    (("outreach", "event", "workshop"), T.EVENTS_OUTREACH),
    (("translat", "locali"), T.TRANSLATION),
    (("dataset", "data"), T.DATA_CURATION),
    (("document", "tutorial"), T.DOCUMENTATION),
)

_OPTIONAL_TEXT_FIELDS = ("name", "avatar_url", "profile")


@dataclass(frozen=True)
class Problem:
    """Something in the file that stops (problems) or qualifies (notes) an import.

    `line` is 1-based, in the uploaded file; None when no line can be named.
    """

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class CreditEntry:
    """One credit: one contributor for one All Contributors key."""

    login: str
    name: str
    profile_url: str
    avatar_url: str
    key: str
    platform_type: str | None
    external_id: str
    is_github_login: bool
    line: int | None = None


@dataclass(frozen=True)
class CreditContributor:
    """A contributor after duplicate logins were merged; `keys` in first-seen order."""

    login: str
    name: str
    profile_url: str
    avatar_url: str
    keys: tuple[str, ...]
    is_github_login: bool
    line: int | None = None


@dataclass
class ParsedCreditFile:
    project_name: str = ""
    project_owner: str = ""
    repo_type: str = ""
    repo_host: str = ""
    commit: bool | None = None
    # Custom key from the `types` block -> platform type (None when it could not be mapped).
    custom_types: dict[str, str | None] = field(default_factory=dict)
    contributors: list[CreditContributor] = field(default_factory=list)
    entries: list[CreditEntry] = field(default_factory=list)
    # Contributor objects in the file, before duplicate logins were merged.
    entry_count: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    # The limit the file broke (core.limits), if any: such a file is refused whole.
    refusal: Problem | None = None

    @property
    def is_valid(self) -> bool:
        return not self.problems

    @property
    def key_counts(self) -> Counter[str]:
        return Counter(entry.key for entry in self.entries)

    @property
    def type_counts(self) -> Counter[str]:
        """Credits per platform type; a contributor with two keys of one type counts twice."""
        return Counter(entry.platform_type for entry in self.entries if entry.platform_type)


def is_github_login(login: str) -> bool:
    return bool(_GITHUB_LOGIN.match(login))


def external_id_for(login: str, key: str) -> str:
    """Stable across re-imports: GitHub logins are case-insensitive, keys are not."""
    return f"{EXTERNAL_ID_PREFIX}:{login.lower()}:{key}"


def custom_type_key(platform_type: str) -> str:
    """The camelCase key a keyless platform type is exported under (data_annotation ->
    dataAnnotation), matching the style of the standard keys."""
    head, *rest = platform_type.split("_")
    return head + "".join(part.capitalize() for part in rest)


# --------------------------------------------------------------------------------------------
# Parsing


# NUL and other control characters, and the bidi controls that make a name display as another
# (U+202A-U+202E, U+2066-U+2069), are refused: they are never part of a person's name or login.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _has_hidden_characters(text: str) -> bool:
    return any(
        (unicodedata.category(char) == "Cc" and char not in "\t") or char in _BIDI_CONTROLS
        for char in text
    )


def parse_allcontributorsrc(data: bytes | str) -> ParsedCreditFile:
    """Parse an `.all-contributorsrc` file; never raises on bad input, reports problems instead."""
    result = ParsedCreditFile()
    text = data if isinstance(data, str) else _decode(data, result)
    if text is None:
        return result
    text = text.removeprefix("\ufeff")
    try:
        check_size(len(text.encode("utf-8", "surrogatepass")), "credit_list")
        document = load_json(text)
    except InputRefused as refused:
        result.refusal = Problem(None, refused.message)  # the message names the line
        result.problems.append(result.refusal)
        return result
    except json.JSONDecodeError as error:
        result.problems.append(
            Problem(
                error.lineno,
                f"Not valid JSON: {error.msg} (line {error.lineno}, column {error.colno}).",
            )
        )
        return result
    except RecursionError:
        result.problems.append(Problem(None, "Not valid JSON: nested too deeply."))
        return result

    if not isinstance(document, dict):
        result.problems.append(
            Problem(1, f"The file must hold a JSON object, not {_json_kind(document)}.")
        )
        return result

    positions = _locate(text)
    _read_settings(document, positions, result)
    _read_custom_types(document, positions, result)
    _read_contributors(document, positions, result)
    return result


def _decode(data: bytes, result: ParsedCreditFile) -> str | None:
    """UTF-8 (with or without BOM) as JSON requires; anything else is a problem, not an error."""
    hint = "Save the file as UTF-8 and upload it again."
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        result.problems.append(Problem(1, f"The file is UTF-32 encoded, not UTF-8. {hint}"))
        return None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        result.problems.append(Problem(1, f"The file is UTF-16 encoded, not UTF-8. {hint}"))
        return None
    # NUL bytes are valid UTF-8 but never appear in a JSON text: many of them mean UTF-16 or
    # UTF-32 without a BOM; a stray one is a control character, refused by the limits.
    nul = data.find(b"\x00")
    if nul >= 0 and data.count(b"\x00") * 4 >= len(data):
        result.problems.append(
            Problem(
                data.count(b"\n", 0, nul) + 1,
                f"The file contains NUL bytes, so it looks UTF-16 or UTF-32 encoded. {hint}",
            )
        )
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        result.problems.append(
            Problem(
                line,
                f"Not valid UTF-8 at line {line}, column {column} "
                f"(byte 0x{data[error.start]:02x}); the file may be Latin-1 or Windows-1252 "
                f"encoded. {hint}",
            )
        )
        return None


@dataclass
class _Positions:
    """Start lines of what `json` does not locate: top-level keys, contributors, custom types."""

    keys: dict[str, int] = field(default_factory=dict)
    contributors: list[int] = field(default_factory=list)
    types: dict[str, int] = field(default_factory=dict)

    def contributor(self, index: int) -> int | None:
        return self.contributors[index] if index < len(self.contributors) else None


def _locate(text: str) -> _Positions:
    """Walk the already-valid JSON text with the standard decoder to find where things start.

    raw_decode parses one value from an offset and says where it ends, so this agrees with
    json.loads about every value (strings with braces, escapes, odd whitespace). When keys repeat,
    the last one wins, as in json.loads. Any surprise leaves the positions found so far.
    """
    positions = _Positions()
    newlines = [i for i, char in enumerate(text) if char == "\n"]
    decoder = json.JSONDecoder()
    whitespace = re.compile(r"[ \t\n\r]*")

    def line_of(offset: int) -> int:
        return bisect.bisect_left(newlines, offset) + 1

    def skip(pos: int) -> int:
        return whitespace.match(text, pos).end()  # type: ignore[union-attr]

    def members(pos: int) -> list[tuple[str, int, int]]:
        """(key, key offset, value offset) of each member of the object starting at pos."""
        found = []
        pos = skip(pos + 1)
        while text[pos] != "}":
            key_start = pos
            key, pos = decoder.raw_decode(text, pos)
            value_start = skip(skip(pos) + 1)  # past the colon
            found.append((key, key_start, value_start))
            pos = skip(decoder.raw_decode(text, value_start)[1])
            if text[pos] == ",":
                pos = skip(pos + 1)
        return found

    def elements(pos: int) -> list[int]:
        """Offsets of the elements of the array starting at pos."""
        found = []
        pos = skip(pos + 1)
        while text[pos] != "]":
            found.append(pos)
            pos = skip(decoder.raw_decode(text, pos)[1])
            if text[pos] == ",":
                pos = skip(pos + 1)
        return found

    try:
        start = skip(0)
        if text[start] != "{":
            return positions
        for key, key_start, value_start in members(start):
            positions.keys[key] = line_of(key_start)
            if key == "contributors" and text[value_start] == "[":
                positions.contributors = [line_of(pos) for pos in elements(value_start)]
            elif key == "types" and text[value_start] == "{":
                positions.types = {
                    name: line_of(offset) for name, offset, _ in members(value_start)
                }
    except (ValueError, IndexError):
        pass
    return positions


def _read_settings(document: dict[str, Any], positions: _Positions, result: ParsedCreditFile):
    for attribute, key in (
        ("project_name", "projectName"),
        ("project_owner", "projectOwner"),
        ("repo_type", "repoType"),
        ("repo_host", "repoHost"),
    ):
        value = document.get(key)
        if isinstance(value, str):
            setattr(result, attribute, value)
        elif value is not None:
            result.notes.append(
                Problem(positions.keys.get(key), f"{key} should be a string; ignored.")
            )

    # The CLI writes a boolean, but hand-edited files (aeon) say "false": read it as meant.
    commit = document.get("commit")
    if isinstance(commit, bool):
        result.commit = commit
    elif isinstance(commit, str) and commit.strip().lower() in {"true", "false"}:
        result.commit = commit.strip().lower() == "true"
        result.notes.append(
            Problem(
                positions.keys.get("commit"),
                f'"commit" is the string "{commit}", not a boolean; read as {result.commit}.',
            )
        )
    elif commit is not None:
        result.notes.append(
            Problem(positions.keys.get("commit"), '"commit" is not a boolean; ignored.')
        )


def _map_custom_type(key: str, description: str) -> str | None:
    if key in ALL_CONTRIBUTORS_KEY_TO_TYPE:
        return ALL_CONTRIBUTORS_KEY_TO_TYPE[key]
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower().replace("-", "_")
    if snake in T.values:
        return snake
    for value, label in T.choices:
        if description.strip().lower() == str(label).lower():
            return value
    words = f"{snake.replace('_', ' ')} {description}".lower()
    for needles, platform_type in _CUSTOM_TYPE_WORDS:
        if any(needle in words for needle in needles):
            return platform_type
    return None


def _read_custom_types(document: dict[str, Any], positions: _Positions, result: ParsedCreditFile):
    types = document.get("types")
    if types is None:
        return
    if not isinstance(types, dict):
        result.problems.append(
            Problem(
                positions.keys.get("types"),
                f'"types" must be an object of custom types, not {_json_kind(types)}.',
            )
        )
        return
    for key, definition in types.items():
        line = positions.types.get(key, positions.keys.get("types"))
        if not isinstance(definition, dict):
            result.problems.append(
                Problem(
                    line,
                    f'Custom type "{key}" must be an object with a symbol and a description, '
                    f"not {_json_kind(definition)}.",
                )
            )
            continue
        description = definition.get("description")
        description = description if isinstance(description, str) else ""
        platform_type = _map_custom_type(key, description)
        result.custom_types[key] = platform_type
        if platform_type is None:
            # An unplaceable credit would have to be dropped or guessed: stop the import instead.
            result.problems.append(
                Problem(
                    line,
                    f'Custom type "{key}" ({description or "no description"}) matches no '
                    f"contribution type of the platform; rename it to a standard key or to a "
                    f"platform type (for example {custom_type_key(T.EVALUATION)}).",
                )
            )
        elif key not in ALL_CONTRIBUTORS_KEY_TO_TYPE:
            result.notes.append(
                Problem(
                    line,
                    f'Custom type "{key}" ({description or "no description"}) is credited as '
                    f'"{T(platform_type).label}".',
                )
            )


@dataclass
class _Merged:
    login: str
    line: int | None
    name: str = ""
    avatar_url: str = ""
    profile_url: str = ""
    keys: list[str] = field(default_factory=list)
    lines: list[int | None] = field(default_factory=list)


def _read_contributors(document: dict[str, Any], positions: _Positions, result: ParsedCreditFile):
    if "contributors" not in document:
        result.problems.append(Problem(1, 'The file has no "contributors" list.'))
        return
    contributors = document["contributors"]
    if not isinstance(contributors, list):
        result.problems.append(
            Problem(
                positions.keys.get("contributors"),
                f'"contributors" must be a list, not {_json_kind(contributors)}.',
            )
        )
        return
    result.entry_count = len(contributors)
    known = set(ALL_CONTRIBUTORS_KEY_TO_TYPE) | set(result.custom_types)
    merged: dict[str, _Merged] = {}

    for index, raw in enumerate(contributors):
        line = positions.contributor(index)
        where = f"Contributor {index + 1}"
        if not isinstance(raw, dict):
            result.problems.append(Problem(line, f"{where} is {_json_kind(raw)}, not an object."))
            continue
        login = raw.get("login")
        if not isinstance(login, str) or not login.strip():
            detail = (
                "has no login" if login is None else "has a login that is not a non-empty string"
            )
            result.problems.append(Problem(line, f"{where} {detail}."))
            continue
        login = login.strip()
        if _has_hidden_characters(login):
            result.problems.append(
                Problem(line, f"Contributor {index + 1}: the login has control characters.")
            )
            continue
        where = f'Contributor "{login}"'
        valid = True
        texts: dict[str, str] = {}
        for name in _OPTIONAL_TEXT_FIELDS:
            value = raw.get(name)
            # bids wraps some avatar URLs in a one-element list: take the URL, say so.
            if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                result.notes.append(
                    Problem(line, f"{where}: {name} is a list; its first value is used.")
                )
                value = value[0]
            if isinstance(value, str) and _has_hidden_characters(value):
                result.problems.append(
                    Problem(line, f"{where}: {name} has control or bidi-override characters.")
                )
                valid = False
            elif value is None or isinstance(value, str):
                texts[name] = (value or "").strip()
            else:
                result.problems.append(
                    Problem(line, f"{where}: {name} must be a string, not {_json_kind(value)}.")
                )
                valid = False
        keys = raw.get("contributions")
        if not isinstance(keys, list):
            detail = (
                "has no contributions list"
                if keys is None
                else (f"has contributions that are {_json_kind(keys)}, not a list of strings")
            )
            result.problems.append(Problem(line, f"{where} {detail}."))
            continue
        if not all(isinstance(key, str) for key in keys):
            result.problems.append(
                Problem(line, f"{where}: every contribution must be a string key.")
            )
            continue
        unknown = [key for key in keys if key not in known]
        if unknown:
            result.problems.append(
                Problem(
                    line,
                    f"{where}: unknown contribution type {', '.join(map(repr, unknown))}; use a "
                    f'key from the All Contributors emoji key or declare it in a "types" block.',
                )
            )
            valid = False
        if not keys:
            result.notes.append(Problem(line, f"{where} has an empty contributions list."))
        if not valid:
            continue

        record = merged.get(login.lower())
        if record is None:
            record = merged[login.lower()] = _Merged(login=login, line=line)
        record.lines.append(line)
        # The first non-empty value wins, so a later duplicate only fills gaps.
        record.name = record.name or texts["name"]
        record.avatar_url = record.avatar_url or texts["avatar_url"]
        record.profile_url = record.profile_url or texts["profile"]
        for key in keys:
            if key not in record.keys:
                record.keys.append(key)

    for record in merged.values():
        if len(record.lines) > 1:
            result.notes.append(
                Problem(
                    record.line,
                    f'Login "{record.login}" appears {len(record.lines)} times (lines '
                    f"{', '.join(str(n) for n in record.lines)}); their contributions were merged.",
                )
            )
        github = is_github_login(record.login)
        result.contributors.append(
            CreditContributor(
                login=record.login,
                name=record.name,
                profile_url=record.profile_url,
                avatar_url=record.avatar_url,
                keys=tuple(record.keys),
                is_github_login=github,
                line=record.line,
            )
        )
        for key in record.keys:
            platform_type = result.custom_types.get(key) or ALL_CONTRIBUTORS_KEY_TO_TYPE.get(key)
            result.entries.append(
                CreditEntry(
                    login=record.login,
                    name=record.name,
                    profile_url=record.profile_url,
                    avatar_url=record.avatar_url,
                    key=key,
                    platform_type=platform_type,
                    external_id=external_id_for(record.login, key),
                    is_github_login=github,
                    line=record.line,
                )
            )


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


# --------------------------------------------------------------------------------------------
# Export

ExportedContributor = tuple[str, str, str, str, Iterable[str]]


def export_allcontributorsrc(
    project_name: str,
    project_url: str,
    contributors: Iterable[ExportedContributor],
) -> dict[str, Any]:
    """Build an `.all-contributorsrc` structure from (login, name, avatar_url, profile, types).

    Each platform type becomes its first All Contributors key; keyless types become custom types
    declared in `types`. Logins repeated in any case are merged, as the parser merges them.
    """
    split = urlsplit(project_url or "")
    netloc = split.netloc.lower()
    repo_host = f"{split.scheme or 'https'}://{netloc}" if netloc else "https://github.com"
    path_parts = [part for part in split.path.split("/") if part]
    owner = path_parts[0] if path_parts else ""

    merged: dict[str, dict[str, Any]] = {}
    custom: dict[str, dict[str, str]] = {}
    for n, (login, name, avatar_url, profile, platform_types) in enumerate(contributors):
        entry = merged.setdefault(
            login.lower() if login else f"\0{n}",  # no login: a person of their own
            {"login": login, "name": name or login, "avatar_url": "", "profile": "", "keys": []},
        )
        entry["avatar_url"] = entry["avatar_url"] or avatar_url or ""
        entry["profile"] = entry["profile"] or profile or ""
        for platform_type in platform_types:
            key = _export_key(platform_type, custom)
            if key not in entry["keys"]:
                entry["keys"].append(key)

    exported: list[dict[str, Any]] = []
    for entry in merged.values():
        # No login for a person without a public GitHub handle: the spec's name stands alone.
        item: dict[str, Any] = {"login": entry["login"]} if entry["login"] else {}
        item["name"] = entry["name"]
        # Absent rather than empty, as in the bids file: the tooling treats "" as a broken URL.
        if entry["avatar_url"]:
            item["avatar_url"] = entry["avatar_url"]
        if entry["profile"]:
            item["profile"] = entry["profile"]
        item["contributions"] = entry["keys"]
        exported.append(item)

    document: dict[str, Any] = {
        "projectName": project_name,
        "projectOwner": owner,
        "repoType": "gitlab" if "gitlab" in netloc else "github",
        "repoHost": repo_host,
        "files": ["README.md"],
        "imageSize": 100,
        # The file is generated by the platform, not by the bot in a repository: nothing to commit.
        "commit": False,
        "commitConvention": "none",
    }
    if custom:
        document["types"] = custom
    document["contributors"] = exported
    document["contributorsPerLine"] = 7
    return document


def _export_key(platform_type: str, custom: dict[str, dict[str, str]]) -> str:
    if platform_type not in ALL_CONTRIBUTORS_KEYS:
        raise ValueError(f"Unknown contribution type {platform_type!r}.")
    keys = ALL_CONTRIBUTORS_KEYS[platform_type]
    if keys:
        return keys[0]
    key = custom_type_key(platform_type)
    custom.setdefault(
        key,
        {
            "symbol": _CUSTOM_TYPE_SYMBOLS.get(platform_type, "✨"),
            "description": str(T(platform_type).label),
        },
    )
    return key
