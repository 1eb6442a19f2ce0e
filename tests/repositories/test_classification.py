"""The classification table and the identity rules, as pure functions."""

from pathlib import Path

import pytest

from repositories.classification import RULES, classify_commit, classify_path, rules_table_markdown
from repositories.identities import parse_person

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize(
    ("path", "kind", "expected"),
    [
        ("src/model.py", "code", "code"),
        ("tests/test_model.py", "code", "testing"),
        ("pkg/model_test.go", "code", "testing"),
        ("docs/index.rst", "code", "documentation"),
        ("README.md", "model", "documentation"),
        ("data/README.md", "dataset", "documentation"),
        ("train.jsonl", "dataset", "data_curation"),
        ("data/shard-00001.parquet", "code", "data_curation"),
        ("my_dataset.py", "dataset", "data_curation"),
        ("my_dataset.py", "code", "code"),
        ("evals/mmlu.yaml", "code", "evaluation"),
        ("results/leaderboard_results.json", "code", "evaluation"),
        ("lm_eval_config.yaml", "code", "evaluation"),
        (".github/workflows/ci.yml", "code", "infrastructure"),
        ("Dockerfile", "code", "infrastructure"),
        ("pyproject.toml", "code", "infrastructure"),
        ("model.safetensors", "model", "training"),
        ("config.json", "model", "training"),
        ("config.json", "code", "code"),
    ],
)
def test_files_are_classified_by_the_table(path, kind, expected):
    assert classify_path(path, kind) == expected


def test_a_commit_takes_the_type_of_most_of_its_files_ties_to_the_higher_rule():
    assert classify_commit(["docs/a.md", "docs/b.md", "src/c.py"]) == "documentation"
    assert classify_commit(["tests/test_a.py", "src/a.py"]) == "testing"
    assert classify_commit(["data/a.csv"]) == "data_curation"
    assert classify_commit(["evals/a.yaml", "results/b.json"]) == "evaluation"
    assert classify_commit([]) == "code"


def test_the_readme_shows_the_same_table():
    assert rules_table_markdown() in README.read_text(encoding="utf-8")
    assert RULES[-1].patterns == ("*",)


@pytest.mark.parametrize(
    ("person", "key_prefix", "github"),
    [
        ("Bob <12345+bob-gh@users.noreply.github.com>", "gh:bob-gh", "bob-gh"),
        ("Old Bob <bob-gh@users.noreply.github.com>", "gh:bob-gh", "bob-gh"),
        ("Ada <Ada@Example.org>", "em:", ""),
        ("Nameless <>", "nm:", ""),
    ],
)
def test_identities(person, key_prefix, github):
    identity = parse_person(person)
    assert identity.key.startswith(key_prefix)
    assert identity.github == github
    assert "@" not in identity.key


@pytest.mark.parametrize(
    "person",
    [
        "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>",
        "pre-commit-ci[bot] <66853113+pre-commit-ci[bot]@users.noreply.github.com>",
        "renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>",
        "GitHub <noreply@github.com>",
        "",
    ],
)
def test_bots_and_nobody_credit_no_one(person):
    assert parse_person(person) is None


def test_the_site_adds_its_own_bot_pattern(settings):
    settings.REPOSITORY_BOT_PATTERN = r"^release-bot\b"
    assert parse_person("release-bot <rb@example.org>") is None
    assert parse_person("Release Manager <rm@example.org>") is not None


@pytest.mark.parametrize(
    ("numstat", "path"),
    [
        ("src/a.py", "src/a.py"),
        ("old.md => new.md", "new.md"),
        ("src/{util.py => helpers.py}", "src/helpers.py"),
        ("{docs => guide}/index.md", "guide/index.md"),
        ("dir/{ => sub}/file.py", "dir/sub/file.py"),
    ],
)
def test_renamed_paths_are_read_as_their_new_path(numstat, path):
    from repositories.mining import renamed_path

    assert renamed_path(numstat) == path
