"""The All Contributors parser and exporter, on the six real files in tests/samples and on broken
copies of them. Expected counts come from json.load and plain counting, not from the parser."""

import codecs
import json
from collections import Counter
from pathlib import Path

import pytest

from contributions.choices import (
    ALL_CONTRIBUTORS_KEY_TO_TYPE,
    ALL_CONTRIBUTORS_KEYS,
    ContributionType,
)
from contributions.importers.allcontributors import (
    export_allcontributorsrc,
    is_github_login,
    parse_allcontributorsrc,
)

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "all-contributors"

ETHEREUM = "ethereum__ethereum-org-website.all-contributorsrc.json"
AEON = "aeon-toolkit__aeon.all-contributorsrc.json"
ML5 = "ml5js__ml5-next-gen.all-contributorsrc.json"
GUIDE = "pyOpenSci__python-package-guide.all-contributorsrc.json"
BIDS = "bids-standard__bids-specification.all-contributorsrc.json"
PYOSMETA = "pyOpenSci__pyosMeta.all-contributorsrc.json"

# Figures from tests/samples/README.md: contributor objects in the file, distinct keys.
README_FIGURES = {
    ETHEREUM: (1356, 18),
    AEON: (297, 25),
    ML5: (161, 24),
    GUIDE: (114, 13),
    BIDS: (401, 24),
    PYOSMETA: (25, 6),
}
ALL_FILES = sorted(README_FIGURES)


def raw(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def independent_merge(name: str) -> dict[str, set[str]]:
    """Lowercased login -> union of its keys, straight from json.load."""
    merged: dict[str, set[str]] = {}
    for entry in json.loads(raw(name))["contributors"]:
        merged.setdefault(entry["login"].lower(), set()).update(entry["contributions"])
    return merged


def raw_key_counts(name: str) -> Counter:
    return Counter(
        key for entry in json.loads(raw(name))["contributors"] for key in entry["contributions"]
    )


@pytest.mark.parametrize("name", ALL_FILES)
def test_every_sample_parses_with_independent_counts(name):
    parsed = parse_allcontributorsrc(raw(name))
    merged = independent_merge(name)

    assert parsed.is_valid, parsed.problems
    assert parsed.entry_count == README_FIGURES[name][0]
    assert len(parsed.contributors) == len(merged)
    assert {c.login.lower() for c in parsed.contributors} == set(merged)
    assert {c.login.lower(): set(c.keys) for c in parsed.contributors} == merged
    assert len(parsed.entries) == sum(len(keys) for keys in merged.values())
    assert len(parsed.key_counts) == README_FIGURES[name][1]
    assert parsed.key_counts == Counter(key for keys in merged.values() for key in keys)


@pytest.mark.parametrize("name", ALL_FILES)
def test_platform_type_counts_follow_the_key_table(name):
    parsed = parse_allcontributorsrc(raw(name))
    custom = {"communityManagement": "community_support", "license": "governance"}
    expected = Counter(
        custom.get(key) or ALL_CONTRIBUTORS_KEY_TO_TYPE[key]
        for keys in independent_merge(name).values()
        for key in keys
    )
    assert parsed.type_counts == expected
    assert all(entry.platform_type in ContributionType.values for entry in parsed.entries)


def test_ethereum_large_file_matches_the_readme_per_key():
    parsed = parse_allcontributorsrc(raw(ETHEREUM))
    assert len(parsed.contributors) == 1356
    assert dict(parsed.key_counts) == {
        "content": 521,
        "doc": 460,
        "bug": 243,
        "code": 176,
        "ideas": 127,
        "translation": 98,
        "maintenance": 23,
        "tool": 21,
        "review": 15,
        "design": 10,
        "a11y": 6,
        "projectManagement": 6,
        "tutorial": 4,
        "question": 3,
        "infra": 2,
        "eventOrganizing": 2,
        "data": 1,
        "security": 1,
    }
    # content and doc both credit documentation: the non-code work dominates this file.
    assert parsed.type_counts["documentation"] == 521 + 460 + 4


def test_small_and_documentation_heavy_files_match_the_readme():
    small = parse_allcontributorsrc(raw(PYOSMETA)).key_counts
    assert dict(small) == {"review": 24, "code": 23, "design": 3, "doc": 1, "infra": 1, "bug": 1}
    guide = parse_allcontributorsrc(raw(GUIDE)).key_counts
    assert (guide["review"], guide["code"]) == (79, 74)
    assert guide.most_common(1)[0][0] == "review"
    assert raw_key_counts(BIDS)["doc"] == 335
    assert parse_allcontributorsrc(raw(BIDS)).key_counts.most_common(1)[0][0] == "doc"


def test_ml5_duplicate_logins_are_merged_and_custom_types_mapped():
    parsed = parse_allcontributorsrc(raw(ML5))
    entries = json.loads(raw(ML5))["contributors"]
    by_login = {c.login.lower(): c for c in parsed.contributors}

    assert len(parsed.contributors) == 161 - 4
    for login in ("garym140", "wenqili", "hx2a", "tezzutezzu"):
        occurrences = [e for e in entries if e["login"].lower() == login]
        assert len(occurrences) == 2
        union = set(occurrences[0]["contributions"]) | set(occurrences[1]["contributions"])
        assert set(by_login[login].keys) == union
        assert len(by_login[login].keys) == len(union)
        assert any(
            login in note.message.lower() and "merged" in note.message for note in parsed.notes
        )
    assert parsed.custom_types == {
        "communityManagement": "community_support",
        "license": "governance",
    }
    external_ids = [entry.external_id for entry in parsed.entries]
    assert len(external_ids) == len(set(external_ids))


def test_aeon_commit_string_is_read_as_false():
    parsed = parse_allcontributorsrc(raw(AEON))
    assert json.loads(raw(AEON))["commit"] == "false"
    assert parsed.is_valid
    assert parsed.commit is False
    assert any('"commit"' in note.message for note in parsed.notes)
    assert parsed.project_name == "aeon"


def test_bids_missing_urls_and_non_github_logins():
    parsed = parse_allcontributorsrc(raw(BIDS))
    entries = json.loads(raw(BIDS))["contributors"]
    assert sum("avatar_url" not in e for e in entries) == 175
    assert parsed.is_valid
    no_avatar = {e["login"].lower() for e in entries if "avatar_url" not in e}
    with_avatar = {e["login"].lower() for e in entries if "avatar_url" in e}
    for contributor in parsed.contributors:
        if contributor.login.lower() in no_avatar - with_avatar:
            assert contributor.avatar_url == ""
        else:
            assert contributor.avatar_url.startswith("http")
    aaron = next(c for c in parsed.contributors if c.login == "aaron_oliver-taylor")
    assert (aaron.avatar_url, aaron.profile_url, aaron.is_github_login) == ("", "", False)
    # Some avatar URLs are wrapped in a one-element list: the URL is used.
    listed = [e for e in entries if isinstance(e.get("avatar_url"), list)]
    assert listed
    first = next(c for c in parsed.contributors if c.login == listed[0]["login"])
    assert first.avatar_url == listed[0]["avatar_url"][0]
    non_github = {c.login for c in parsed.contributors if not c.is_github_login}
    assert non_github == {c.login for c in parsed.contributors if "_" in c.login}


@pytest.mark.parametrize("name", ALL_FILES)
def test_contributor_lines_point_at_their_entry(name):
    lines = raw(name).decode("utf-8").split("\n")
    for contributor in parse_allcontributorsrc(raw(name)).contributors:
        start = contributor.line - 1
        assert lines[start].strip() == "{"
        first_login = next(line for line in lines[start:] if '"login"' in line)
        assert json.loads("{" + first_login.strip().rstrip(",") + "}")["login"] == contributor.login


def test_reimport_gives_the_same_external_ids():
    first = parse_allcontributorsrc(raw(ETHEREUM))
    second = parse_allcontributorsrc(raw(ETHEREUM))
    assert [e.external_id for e in first.entries] == [e.external_id for e in second.entries]
    entry = first.entries[0]
    assert entry.external_id == f"allcontributors:{entry.login.lower()}:{entry.key}"


def test_utf8_bom_is_tolerated():
    plain = parse_allcontributorsrc(raw(PYOSMETA))
    with_bom = parse_allcontributorsrc(codecs.BOM_UTF8 + raw(PYOSMETA))
    assert with_bom.is_valid
    assert with_bom.entries == plain.entries


# Broken inputs: each is a clear problem with a line, never an exception, and the file is invalid.


def line_number(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), start=1) if needle in line)


def test_malformed_json_reports_line_and_column():
    text = raw(PYOSMETA).decode("utf-8")
    # Drop the comma after the first contributor object.
    broken = text.replace("    },\n", "    }\n", 1)
    parsed = parse_allcontributorsrc(broken.encode("utf-8"))
    expected_line = line_number(text, '"login": "meerkatters"') - 1
    assert not parsed.is_valid
    assert parsed.entries == []
    assert [p.line for p in parsed.problems] == [expected_line]
    assert "Not valid JSON" in parsed.problems[0].message
    assert "column" in parsed.problems[0].message


def test_contributor_without_login():
    text = raw(PYOSMETA).decode("utf-8")
    broken = text.replace('      "login": "meerkatters",\n', "", 1)
    assert broken != text
    parsed = parse_allcontributorsrc(broken.encode("utf-8"))
    assert not parsed.is_valid
    assert len(parsed.problems) == 1
    assert parsed.problems[0].line == line_number(text, '"login": "meerkatters"') - 1
    assert "no login" in parsed.problems[0].message
    # The other 24 are still read, for the preview, but the whole file is refused.
    assert len(parsed.contributors) == 24


def test_unknown_key_is_a_problem_on_its_contributor():
    text = raw(PYOSMETA).decode("utf-8")
    broken = text.replace('"design"', '"designz"', 1)
    parsed = parse_allcontributorsrc(broken.encode("utf-8"))
    assert not parsed.is_valid
    assert [p.line for p in parsed.problems] == [line_number(text, '"login": "xmnlab"') - 1]
    assert "designz" in parsed.problems[0].message
    assert '"types"' in parsed.problems[0].message


def generated(contributors, **extra) -> tuple[bytes, list[int]]:
    """A file as the CLI writes it (indent 2), and the line where each contributor starts."""
    text = json.dumps(
        {"projectName": "x", **extra, "contributors": contributors}, indent=2, ensure_ascii=False
    )
    starts = [n for n, line in enumerate(text.split("\n"), start=1) if line == "    {"]
    return text.encode("utf-8"), starts


def test_non_list_contributions_and_bad_fields():
    data, starts = generated(
        [
            {"login": "ok", "contributions": ["code"]},
            {"login": "single", "contributions": "code"},
            {"login": "numbers", "contributions": [1, 2]},
            {"login": "named", "name": 42, "contributions": ["doc"]},
            {"contributions": ["doc"]},
            {"login": "", "contributions": ["doc"]},
        ]
    )
    parsed = parse_allcontributorsrc(data)
    assert not parsed.is_valid
    assert [p.line for p in parsed.problems] == starts[1:]
    messages = [p.message for p in parsed.problems]
    assert "not a list" in messages[0]
    assert "string" in messages[1]
    assert "name must be a string" in messages[2]
    assert "no login" in messages[3]
    assert "login" in messages[4]


def test_contributor_that_is_not_an_object_and_top_level_shapes():
    data, _ = generated([{"login": "ok", "contributions": ["code"]}, "stray"])
    parsed = parse_allcontributorsrc(data)
    assert parsed.problems[0].line == len(data.decode().split("\n")) - 2
    assert "not an object" in parsed.problems[0].message

    assert "JSON object" in parse_allcontributorsrc(b"[1, 2]").problems[0].message
    assert (
        'no "contributors"' in parse_allcontributorsrc(b'{"projectName": "x"}').problems[0].message
    )
    not_a_list = parse_allcontributorsrc(b'{\n"projectName": "x",\n"contributors": {}\n}')
    assert not_a_list.problems[0].line == 3


def test_utf16_is_a_problem_not_an_exception():
    text = raw(PYOSMETA).decode("utf-8")
    for encoded in (text.encode("utf-16"), text.encode("utf-16-be"), text.encode("utf-32")):
        parsed = parse_allcontributorsrc(encoded)
        assert not parsed.is_valid
        assert parsed.problems[0].line == 1
        assert "UTF-8" in parsed.problems[0].message


def test_latin1_bytes_are_reported_with_their_line():
    data, _ = generated(
        [
            {"login": "ok", "contributions": ["code"]},
            {"login": "jose", "name": "José Núñez", "contributions": ["doc"]},
        ]
    )
    latin1 = data.decode("utf-8").encode("latin-1")
    parsed = parse_allcontributorsrc(latin1)
    assert not parsed.is_valid
    assert parsed.problems[0].line == line_number(data.decode("utf-8"), "José")
    assert "UTF-8" in parsed.problems[0].message


def test_unmappable_custom_type_refuses_the_file():
    data, _ = generated(
        [{"login": "ok", "contributions": ["code", "vibes"]}],
        types={"vibes": {"symbol": "x", "description": "Good vibes"}},
    )
    parsed = parse_allcontributorsrc(data)
    assert not parsed.is_valid
    assert parsed.custom_types == {"vibes": None}
    assert parsed.problems[0].line == line_number(data.decode(), '"vibes": {')


@pytest.mark.parametrize(
    ("login", "expected"),
    [
        ("a", True),
        ("octo-cat", True),
        ("P1X3L0V4", True),
        ("x" * 39, True),
        ("x" * 40, False),
        ("-lead", False),
        ("trail-", False),
        ("double--hyphen", False),
        ("aaron_oliver-taylor", False),
        ("dot.name", False),
        ("", False),
    ],
)
def test_github_login_rule(login, expected):
    assert is_github_login(login) is expected


# Export


def test_export_covers_every_platform_type_and_round_trips():
    all_types = list(ContributionType.values)
    document = export_allcontributorsrc(
        "Bielik",
        "https://github.com/speakleash/bielik",
        [
            ("alice", "Alice", "https://example.org/a.png", "https://example.org", all_types),
            ("bob", "", "", "", ["evaluation", "code"]),
            ("Alice", "Alice again", "", "", ["code", "red_teaming"]),
        ],
    )
    assert document["commit"] is False
    assert (document["projectOwner"], document["repoHost"]) == ("speakleash", "https://github.com")
    keyless = [t for t, keys in ALL_CONTRIBUTORS_KEYS.items() if not keys]
    assert len(document["types"]) == len(keyless) == 5
    assert all({"symbol", "description"} <= set(v) for v in document["types"].values())
    assert len(document["contributors"]) == 2
    bob = document["contributors"][1]
    assert "avatar_url" not in bob and bob["name"] == "bob"

    parsed = parse_allcontributorsrc(json.dumps(document, ensure_ascii=False).encode("utf-8"))
    assert parsed.is_valid, parsed.problems
    types = {c.login: set() for c in parsed.contributors}
    for entry in parsed.entries:
        types[entry.login].add(entry.platform_type)
    assert types == {"alice": set(all_types), "bob": {"evaluation", "code"}}


def test_export_without_keyless_types_has_no_types_block():
    document = export_allcontributorsrc("x", "", [("a", "A", "", "", ["code", "documentation"])])
    assert "types" not in document
    assert document["contributors"][0]["contributions"] == ["code", "doc"]


def test_export_rejects_unknown_types():
    with pytest.raises(ValueError, match="nonsense"):
        export_allcontributorsrc("x", "", [("a", "A", "", "", ["nonsense"])])


@pytest.mark.parametrize("name", ALL_FILES)
def test_real_files_round_trip_through_export(name):
    parsed = parse_allcontributorsrc(raw(name))
    per_login: dict[str, list[str]] = {}
    for entry in parsed.entries:
        per_login.setdefault(entry.login, []).append(entry.platform_type)
    rows = [
        (c.login, c.name, c.avatar_url, c.profile_url, per_login.get(c.login, []))
        for c in parsed.contributors
    ]
    again = parse_allcontributorsrc(
        json.dumps(export_allcontributorsrc(name, "", rows)).encode("utf-8")
    )
    assert again.is_valid
    assert len(again.contributors) == len(parsed.contributors)
    assert set(again.type_counts) == set(parsed.type_counts)
    for before, after in zip(parsed.contributors, again.contributors, strict=True):
        assert (before.login, before.avatar_url, before.profile_url) == (
            after.login,
            after.avatar_url,
            after.profile_url,
        )
        assert {e.platform_type for e in again.entries if e.login == after.login} == set(
            per_login.get(before.login, [])
        )
