"""European Open Source AI Index files: both formats, checked against the published table."""

import csv
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
import yaml

from projects.openness.index import INDEX_DIMENSIONS, IndexRating
from projects.openness.index_file import (
    CURRENT_DIMENSIONS,
    FROZEN_DIMENSIONS,
    FROZEN_TO_CURRENT,
    IndexFormat,
    load_parameters,
    parse_frozen_project,
    parse_index_entry,
    parse_index_file,
)

INDEX = Path(__file__).resolve().parents[1] / "samples" / "osai-index"
FROZEN_FILES = sorted((INDEX / "projects").glob("*.yaml"))
CURRENT_FILES = sorted((INDEX / "main-database").glob("*.yaml"))


@cache
def frozen():
    return {path.name: parse_index_file(path) for path in FROZEN_FILES}


@cache
def current():
    return {path.name: parse_index_file(path) for path in CURRENT_FILES}


@cache
def raw(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def raw_classes(paths, dimensions):
    """Counted straight from the YAML, independently of the parser."""
    return Counter(raw(path)[d.ref]["class"] for path in paths for d in dimensions)


def test_file_counts_and_formats():
    assert len(FROZEN_FILES) == 48 and len(CURRENT_FILES) == 194
    assert {a.source_format for a in frozen().values()} == {IndexFormat.FROZEN}
    assert {a.source_format for a in current().values()} == {IndexFormat.CURRENT}


def test_parameters_file_defines_the_current_dimensions():
    text = (INDEX / "main-database" / "_parameters.yml").read_text(encoding="utf-8")
    assert load_parameters(text) == CURRENT_DIMENSIONS
    assert tuple(d.ref for d in CURRENT_DIMENSIONS) == INDEX_DIMENSIONS
    assert set(FROZEN_TO_CURRENT.values()) == set(INDEX_DIMENSIONS)


def test_frozen_class_counts():
    counts = Counter(r.rating.value for a in frozen().values() for r in a.ratings.values())
    assert counts == raw_classes(FROZEN_FILES, FROZEN_DIMENSIONS)
    assert counts == {"closed": 304, "partial": 193, "open": 175}


def test_current_class_counts():
    counts = Counter(r.rating.value for a in current().values() for r in a.ratings.values())
    assert counts == raw_classes(CURRENT_FILES, CURRENT_DIMENSIONS)
    assert counts == {"closed": 981, "open": 908, "partial": 439}
    licences = Counter(a.ratings["licenses"].rating.value for a in current().values())
    assert licences == {"closed": 72, "open": 66, "partial": 56}


def test_only_known_quirks_are_reported():
    problems = {name: a.problems for name, a in {**frozen(), **current()}.items() if a.problems}
    assert set(problems) == {
        "A_sample.yaml",
        "text-generation-webui.yaml",
        "a_submission_template.yaml",
        "GANSynth.yaml",
        "MusicLDM.yaml",
        "Rave.yaml",
        "StableAudio.yaml",
        "koala.yaml",
    }
    assert problems["koala.yaml"] == ("unknown key 'system.datasources_endmodel' ignored",)


def test_templates_have_no_model_name():
    templates = sorted(n for n, a in {**frozen(), **current()}.items() if a.is_template)
    assert templates == [
        "A_sample.yaml",
        "a_submission_template.yaml",
        "text-generation-webui.yaml",
    ]


def test_links_come_as_string_null_or_list():
    shapes = Counter()
    urls = 0
    for path in CURRENT_FILES:
        document = raw(path)
        for d in CURRENT_DIMENSIONS:
            link = document[d.ref].get("link", ...)
            shapes["absent" if link is ... else type(link).__name__] += 1
            urls += len(link) if isinstance(link, list) else isinstance(link, str)
    # The README's 831 nulls include Zephyr.yaml's licenses, which has no link key at all.
    assert shapes == {"str": 1369, "NoneType": 830, "list": 128, "absent": 1}
    ratings = [r for a in current().values() for r in a.ratings.values()]
    assert sum(not r.links for r in ratings) == shapes["NoneType"] + shapes["absent"]
    assert sum(len(r.links) for r in ratings) == urls


def test_misspelled_licence_key_is_read():
    for name in ("GANSynth.yaml", "MusicLDM.yaml", "Rave.yaml", "StableAudio.yaml"):
        document = raw(INDEX / "main-database" / name)
        assert current()[name].licence_text == str(document["system"]["endmodel license"]).strip()


def test_comment_tags_are_kept():
    origins = Counter(a.national_origin for a in current().values() if a.national_origin)
    assert sum(origins.values()) == 191
    olmo = current()["OLMo.yaml"]
    assert (olmo.national_origin, olmo.contributor_type) == (
        "United States",
        "Academic (Research institution)",
    )
    # CRLF files give the same values as LF ones.
    assert "Non-academic (Company)\r" not in {a.contributor_type for a in current().values()}


def test_current_entry_fields():
    olmo = current()["OLMo.yaml"]
    assert (olmo.model_name, olmo.organisation, olmo.date) == ("OLMo", "Ai2", "2025-12")
    assert olmo.end_model == "Olmo-3.1-32B-Think"
    assert olmo.licence_text == "Apache-2.0"
    assert len(olmo.ratings["datasheet"].links) == 9
    assert olmo.ratings["paper"].rating is IndexRating.PARTIAL


def test_frozen_entry_fields():
    amber = frozen()["amber.yaml"]
    assert (amber.model_name, amber.organisation, amber.licence_text) == (
        "AmberChat",
        "LLM360",
        "Apache 2.0",
    )
    assert amber.date is None
    assert amber.ratings["paper"].links == ()
    assert set(amber.current_ratings()) == set(INDEX_DIMENSIONS)
    assert amber.current_ratings()["trainingcode"] == amber.ratings["opencode"]


@cache
def published_table():
    with (INDEX / "docs" / "df.csv").open(encoding="utf-8", newline="") as handle:
        return {row["source.file"]: row for row in csv.DictReader(handle)}


def test_published_table_has_a_row_per_named_model():
    named = {f"/projects/{n}" for n, a in frozen().items() if not a.is_template}
    assert set(published_table()) == named
    assert len(named) == 46


@pytest.mark.parametrize("path", FROZEN_FILES, ids=lambda p: p.stem)
def test_openness_and_classes_reproduce_the_published_table(path):
    row = published_table().get(f"/projects/{path.name}")
    assessment = frozen()[path.name]
    if row is None:  # the build script drops rows without a model name
        assert assessment.is_template
        return
    assert assessment.openness == float(row["openness"])
    for dimension in FROZEN_DIMENSIONS:
        assert assessment.ratings[dimension.ref].rating.value == row[f"{dimension.ref}.class"]


def test_missing_and_odd_values_are_reported():
    text = (
        "system:\n  name: X\norg: {name: Y}\n"
        "code: {class: Open, link: [a, b]}\npaper: {class: meh}\n"
    )
    assessment = parse_index_entry(text, source="x.yaml")
    assert assessment.ratings["code"].rating is IndexRating.OPEN  # case tolerated
    assert assessment.ratings["code"].links == ("a", "b")
    assert assessment.ratings["paper"].rating is None
    problems = "\n".join(assessment.problems)
    assert "paper.class 'meh' is not open, partial or closed" in problems
    assert problems.count("is missing") == len(CURRENT_DIMENSIONS) - 2
    assert assessment.openness == 1.0


@pytest.mark.parametrize("text", ["", ": :", "- 1", "project: 3"])
def test_unreadable_files_do_not_raise(text):
    assert parse_frozen_project(text).problems
    assert parse_index_entry(text).problems
