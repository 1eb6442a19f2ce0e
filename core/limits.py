"""The limits every importer applies to untrusted input, and the readers that enforce them.

One set of numbers for the web pages, the API and the management commands alike (docs/operations.md,
"Import limits", names them). Files a person uploads, or hands to a command, are read here:

- `check_size` refuses a file larger than its kind's limit, before it is read.
- `check_text` refuses NUL and the other control characters (tab, newline and carriage return
  excepted), naming the first line that has one: PostgreSQL cannot store a NUL in text at all.
- `load_yaml` is a safe YAML loader that refuses anchors and aliases (&anchor / *alias), nesting
  deeper than MAX_DEPTH, more than MAX_ITEMS values, text values longer than MAX_STRING_CHARS and
  integers of more than MAX_INT_DIGITS digits, all while the document is composed, so a "billion
  laughs" file or ten thousand `[` are refused before anything is expanded.
- `load_json` applies the same bounds to JSON (a linear scan first: Python's json would recurse
  into deep nesting and convert any integer, however long).
- `cap_lines` keeps a report's list of lines to MAX_REPORT_LINES, with the total counted.

Decision: anchors and aliases are refused outright in untrusted YAML, not bounded. None of the
real files these importers read (model cards, Model Openness Tool files, the Open Source AI Index)
uses them; a bound on count and expanded size would still let a small file cost a multiple of its
size wherever its data is walked or written out, and an outright refusal is one sentence a person
can act on. Only the seed bundled with the code (written by PyYAML's dumper, which shares repeated
lists as &id001) is read with `trusted=True`, which accepts aliases under every other limit.

Every refusal is an `InputRefused` with a message meant for the person who sent the file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, MappingStartEvent, ScalarEvent, SequenceStartEvent
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

MB = 1024 * 1024

# Largest file of each kind, in bytes. The largest real credit list (ethereum.org, 1,356
# contributors) is 338 KB and the largest Model Openness Tool file under 10 KB: margins of 10x+.
MAX_UPLOAD_BYTES = {
    "credit_list": 4 * MB,
    "model_card": 4 * MB,
    "mot_file": 1 * MB,
    "index_file": 1 * MB,
}
KIND_NAMES = {
    "credit_list": "a credit list",
    "model_card": "a model card",
    "mot_file": "a Model Openness Tool file",
    "index_file": "an Open Source AI Index file",
}
# Anchors and aliases in untrusted YAML: none (see the decision above).
MAX_YAML_ALIASES = 0
# Mappings and lists inside one another; real files go 6 deep (a card's model-index).
MAX_DEPTH = 32
# Values in one document (keys, items, scalars, collections): the largest real credit list has
# about 20,000; composing 100,000 YAML values takes about two seconds.
MAX_ITEMS = 100_000
# Characters in one text value (a licence name, a description, a note).
MAX_STRING_CHARS = 64 * 1024
# Digits in one integer: 20 hold any 64-bit number; Python refuses to convert more than 4,300.
MAX_INT_DIGITS = 20
# Lines of problems or notes a stored import report keeps (and a page shows); the total is
# counted, and each line is cut to MAX_REPORT_LINE_CHARS characters.
MAX_REPORT_LINES = 100
MAX_REPORT_LINE_CHARS = 500
# Problems a page lists per file where several files are shown at once (a bulk upload), or as
# messages kept in the session after one upload.
MAX_SHOWN_PROBLEMS = 20

# C0 controls except tab, newline and carriage return; DEL; C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class InputRefused(ValueError):
    """A file refused by a limit; `message` says which and, where known, on which line."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return self.message


def size_text(limit: int) -> str:
    return f"{limit // MB} MB" if limit >= MB else f"{limit // 1024} KB"


def check_size(size: int, kind: str) -> None:
    limit = MAX_UPLOAD_BYTES[kind]
    if size > limit:
        raise InputRefused(
            f"The file is larger than {size_text(limit)}, the limit for {KIND_NAMES[kind]}."
        )


def read_file(path: Path | str, kind: str) -> bytes:
    """A file's bytes for a command-line import: refused by size (from the file system, before it
    is read) as an upload of the same kind would be."""
    path = Path(path)
    check_size(path.stat().st_size, kind)
    return path.read_bytes()


def read_text_file(path: Path | str, kind: str) -> str:
    """A file's text for a command-line import: size, UTF-8 and control characters checked."""
    text = read_file(path, kind).decode("utf-8-sig")
    check_text(text)
    return text


def control_character_message(line: int, char: str) -> str:
    return (
        f"Line {line} contains a control character (U+{ord(char):04X}); remove it and upload again."
    )


def check_text(text: str, *, first_line: int = 1) -> None:
    """Refuse NUL and other control characters, naming the first line with one."""
    found = _CONTROL.search(text)
    if found is not None:
        line = text.count("\n", 0, found.start()) + first_line
        raise InputRefused(control_character_message(line, found.group()), line)


def _too_many_items(line: int | None) -> InputRefused:
    return InputRefused(
        f"The file holds more than {MAX_ITEMS:,} values (past line {line}); split it and upload "
        "again.",
        line,
    )


def _too_deep(line: int | None) -> InputRefused:
    return InputRefused(f"Nesting deeper than {MAX_DEPTH} levels (line {line}).", line)


def _too_long(line: int | None) -> InputRefused:
    return InputRefused(
        f"The text value on line {line} is longer than {MAX_STRING_CHARS:,} characters.", line
    )


def _too_large_number(line: int | None) -> InputRefused:
    return InputRefused(
        f"The number on line {line} is too large (more than {MAX_INT_DIGITS} digits).", line
    )


ALIAS_MESSAGE = (
    "The file uses YAML aliases (&anchor / *alias), first on line {line}; they are not accepted "
    "in uploads."
)


# YAML
# ------------------------------------------------------------------------------
_INT_TAG = "tag:yaml.org,2002:int"


class _BoundedComposer(Composer):
    """Composes a document node by node and refuses it as soon as a limit is passed."""

    first_line = 1
    aliases_allowed = False

    def __init__(self) -> None:
        super().__init__()
        self._depth = 0
        self._items = 0

    def _line(self, event) -> int | None:
        mark = getattr(event, "start_mark", None)
        return mark.line + self.first_line if mark is not None else None

    def compose_node(self, parent, index):
        event = self.peek_event()
        line = self._line(event)
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
            if not self.aliases_allowed:
                raise InputRefused(ALIAS_MESSAGE.format(line=line), line)
            if isinstance(event, AliasEvent):  # a shared node, composed once already
                return super().compose_node(parent, index)
        self._items += 1
        if self._items > MAX_ITEMS:
            raise _too_many_items(line)
        if isinstance(event, ScalarEvent):
            if len(event.value) > MAX_STRING_CHARS:
                raise _too_long(line)
            found = _CONTROL.search(event.value)
            if found is not None:  # written as an escape ("\0", "\x07") in a quoted string
                raise InputRefused(control_character_message(line, found.group()), line)
            node = super().compose_node(parent, index)
            if (
                isinstance(node, ScalarNode)
                and node.tag == _INT_TAG
                and len(node.value.lstrip("+-").replace("_", "")) > MAX_INT_DIGITS
            ):
                raise _too_large_number(line)
            return node
        if isinstance(event, SequenceStartEvent | MappingStartEvent):
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _too_deep(line)
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1
        return super().compose_node(parent, index)


def _loader_class():
    """libyaml's parser (a third of an import is YAML parsing) under the bounded composer;
    the pure-Python parser when libyaml is absent. Either way composing and constructing are
    PyYAML's safe ones."""
    try:
        from yaml._yaml import CParser as c_parser
    except ImportError:
        c_parser = None
    if c_parser is not None:

        class Loader(_BoundedComposer, c_parser, SafeConstructor, Resolver):
            def __init__(self, stream):
                c_parser.__init__(self, stream)
                _BoundedComposer.__init__(self)
                SafeConstructor.__init__(self)
                Resolver.__init__(self)

        return Loader

    class PureLoader(
        _BoundedComposer,
        yaml.reader.Reader,
        yaml.scanner.Scanner,
        yaml.parser.Parser,
        SafeConstructor,
        Resolver,
    ):
        def __init__(self, stream):
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            _BoundedComposer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    return PureLoader


BoundedSafeLoader = _loader_class()


def load_yaml(text: str, *, first_line: int = 1, trusted: bool = False) -> Any:
    """One YAML document, read safely within the limits. Raises InputRefused for a limit (line
    numbers counted from `first_line`, for front matter inside a larger file) and yaml.YAMLError
    for a file that is not YAML.

    `trusted` is for the files bundled with the code (the seed), which PyYAML's own dumper wrote
    with anchors for repeated lists: their aliases are read, every other limit still holds."""
    check_text(text, first_line=first_line)
    loader = BoundedSafeLoader(text)
    loader.first_line = first_line
    loader.aliases_allowed = trusted
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


# JSON
# ------------------------------------------------------------------------------
_JSON_TOKEN = re.compile(
    r'"[^"\\]*(?:\\.[^"\\]*)*"'  # a string
    r"|[\[{]|[\]}]|,"  # structure
    r"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"  # a number
)


def load_json(text: str) -> Any:
    """One JSON document within the limits. Raises InputRefused for a limit and
    json.JSONDecodeError for a text that is not JSON."""
    check_text(text)
    depth = 0
    items = 0

    def line_of(offset: int) -> int:
        return text.count("\n", 0, offset) + 1

    for token in _JSON_TOKEN.finditer(text):
        first = token.group()[0]
        if first in "[{":
            depth += 1
            items += 1
            if depth > MAX_DEPTH:
                raise _too_deep(line_of(token.start()))
        elif first in "]}":
            depth -= 1
        elif first == ",":
            items += 1
        elif first == '"':
            value = token.group()
            if len(value) - 2 > MAX_STRING_CHARS:
                raise _too_long(line_of(token.start()))
            if "\\u" in value:
                try:
                    decoded = json.loads(value)
                except ValueError:
                    continue  # json.loads below says what is wrong with it
                found = _CONTROL.search(decoded)
                if found is not None:
                    line = line_of(token.start())
                    raise InputRefused(control_character_message(line, found.group()), line)
        else:
            digits = token.group().removeprefix("-")
            if digits.isdigit() and len(digits) > MAX_INT_DIGITS:  # an integer, not a float
                raise _too_large_number(line_of(token.start()))
        if items > MAX_ITEMS:
            raise _too_many_items(line_of(token.start()))
    return json.loads(text)


# REPORTS
# ------------------------------------------------------------------------------
def cap_line(line: str) -> str:
    line = str(line)
    if len(line) <= MAX_REPORT_LINE_CHARS:
        return line
    return line[: MAX_REPORT_LINE_CHARS - 1] + "…"


def cap_lines(lines, limit: int = MAX_REPORT_LINES) -> tuple[list[str], int]:
    """(at most `limit` lines, each cut to MAX_REPORT_LINE_CHARS, and how many there were)."""
    lines = list(lines)
    return [cap_line(line) for line in lines[:limit]], len(lines)


def capped_with_summary(lines, limit: int = MAX_REPORT_LINES) -> list[str]:
    """At most `limit` lines, the last one saying how many more were left out."""
    kept, total = cap_lines(lines, limit)
    if total > limit:
        kept = [*kept[: limit - 1], f"… and {total - limit + 1:,} more ({total:,} in all)."]
    return kept
