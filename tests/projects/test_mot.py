"""Model Openness Tool files: the tool's own expected classes, and all 273 real models."""

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
import yaml

from projects.choices import MOFComponent
from projects.openness.licences import licence_facts_from_files
from projects.openness.mof import mof_class_reference, mof_class_strict
from projects.openness.mot_file import (
    MotRelease,
    export_mot,
    parse_mot,
    parse_mot_file,
    release_facts,
)

MOT = Path(__file__).resolve().parents[1] / "samples" / "mot"
MODEL_FILES = sorted((MOT / "models").glob("*.yml"))
TEST_FILES = sorted((MOT / "test-data").glob("*.yml"))


@cache
def lookup():
    table = licence_facts_from_files(
        MOT.parent / "spdx" / "licenses.json", MOT / "rules" / "mof-licenses.json"
    )
    return table.get


@cache
def raw_models():
    return {path.name: yaml.safe_load(path.read_text(encoding="utf-8")) for path in MODEL_FILES}


@cache
def parsed_models():
    return {path.name: parse_mot_file(path) for path in MODEL_FILES}


def expected_results():
    # An API dump with trailing commas: not strict JSON.
    text = (MOT / "test-data" / "expected_results.json").read_text(encoding="utf-8")
    data = json.loads(re.sub(r",(\s*[}\]])", r"\1", text))
    return {model["release"]["name"]: model["classification"] for model in data["models"]}


# --- the tool's expected results ------------------------------------------------------------


def test_there_are_27_test_files_with_one_expected_result_each():
    expected = expected_results()
    assert len(TEST_FILES) == len(expected) == 27
    assert {parse_mot_file(path).name for path in TEST_FILES} == set(expected)


@pytest.mark.parametrize("path", TEST_FILES, ids=lambda p: p.stem[:40])
def test_reference_class_and_progress_match_the_tools_expected_results(path):
    release = parse_mot_file(path)
    expected = expected_results()[release.name]
    verdict = mof_class_reference(release_facts(release), lookup())
    assert verdict.mof_class == expected["class"]
    assert {str(k): v for k, v in verdict.progress.items()} == expected["progress"]


def test_expected_results_cover_every_class():
    assert {c["class"] for c in expected_results().values()} == {0, 1, 2, 3}


# --- the 273 real models --------------------------------------------------------------------


def test_all_273_models_parse_without_problems():
    assert len(MODEL_FILES) == 273
    assert {name: r.problems for name, r in parsed_models().items() if r.problems} == {}


def test_component_and_field_counts_match_the_files():
    raw = raw_models()
    parsed = parsed_models()
    raw_components = [c for d in raw.values() for c in d["release"]["components"]]
    components = [c for r in parsed.values() for c in r.components]
    assert len(components) == len(raw_components) == 1834
    assert all(c.component is not None for c in components)
    for key in ("license", "license_path", "component_path"):
        assert sum(getattr(c, key) is not None for c in components) == sum(
            key in c for c in raw_components
        )
    assert sum(c.license is not None for c in components) == 1425
    assert Counter(c.license for c in components)["unlicensed"] == 844
    for key in ("version", "repository", "huggingface", "type"):
        assert sum(getattr(r, key) is not None for r in parsed.values()) == sum(
            key in d["release"] for d in raw.values()
        )
    assert sum(not r.licences for r in parsed.values()) == 221
    keys = Counter(k for r in parsed.values() for k in r.licences)
    assert keys == Counter(k for d in raw.values() for k in (d["release"]["license"] or {}))


def test_names_are_kept_as_given_and_file_names_are_the_key():
    parsed = parsed_models()
    assert parsed["PanGu-a.yml"].name == "PanGu-\N{GREEK SMALL LETTER ALPHA}"
    assert parsed["Granite-4-1.yml"].name == "Granite-4.1"
    names = Counter(r.name for r in parsed.values())
    assert sorted(n for n, count in names.items() if count > 1) == [
        "Meta-Llama-3-70B-Instruct",
        "Meta-Llama-3-8B-Instruct",
        "Qwen2.5-32B-Instruct",
    ]
    assert all(r.source_file == name for name, r in parsed.items())


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: p.stem)
def test_export_round_trips(path):
    release = parsed_models()[path.name]
    exported = export_mot(release)
    assert parse_mot(exported, source=path.name) == release
    # The exported file says the same as the original, key for key.
    assert yaml.safe_load(exported) == raw_models()[path.name]


def test_release_facts_keep_the_licences_as_given():
    facts = release_facts(parsed_models()["Amber.yml"])
    assert facts.distribution_licence == "Apache-2.0"
    assert facts.global_licences == {}
    licences = {c.component: c.licence for c in facts.components}
    assert licences[MOFComponent.DATASETS] == "MIT"
    assert licences[MOFComponent.MODEL_CARD] is None  # inherits
    assert len(facts.components) == 16


def test_empty_type_licences_fall_through_to_distribution():
    # Arkim.yml has code, data and document licences with empty names, and a distribution licence.
    facts = release_facts(parsed_models()["Arkim.yml"])
    assert facts.global_licences == {"code": "", "data": "", "document": ""}
    assert facts.distribution_licence == "3D-Slicer-1.0"
    assert all(c.licence is None for c in facts.components)
    verdict = mof_class_reference(facts, lookup())
    listed = [c for c in verdict.components if c.listed]
    assert len(listed) == len(facts.components) > 0
    assert {(c.licence, c.licence_source) for c in listed} == {("3D-Slicer-1.0", "distribution")}


def test_granite_4_1_is_class_iii_as_its_published_badge_says():
    # The Hugging Face cards of Granite-4.1 show MOT's badge_class3_qualified (mot/README.md).
    verdict = mof_class_reference(release_facts(parsed_models()["Granite-4-1.yml"]), lookup())
    assert verdict.mof_class == 3


def test_every_model_gets_a_verdict_under_both_readings():
    classes = Counter()
    for release in parsed_models().values():
        facts = release_facts(release)
        reference = mof_class_reference(facts, lookup())
        strict = mof_class_strict(facts, lookup())
        classes[reference.mof_class] += 1
        if reference.mof_class != strict.mof_class:
            assert strict.differences[-1].code == "class_differs"
        if reference.mof_class == 0:
            assert reference.reasons_for(3)  # an unclassified model always says why
    assert sum(classes.values()) == 273
    assert classes[3] >= 1  # Granite-4.1 at least


# --- tolerance ------------------------------------------------------------------------------

BROKEN = """\
release:
  name: Broken
  version: 1.0
  date: 2025-01-02
  type: spaceship
  treatment: yes
  license:
    distribution: Apache-2.0
    proprietary: {name: x}
  components:
    - name: Model weights
      license: MIT
    - name: Model card
    - name: Model card
    - just a string
"""


def test_unmappable_values_are_reported_not_raised():
    release = parse_mot(BROKEN, source="broken.yml")
    assert release.name == "Broken"
    assert release.version == "1.0" and release.date == "2025-01-02"
    assert release.distribution_licence == "Apache-2.0"
    problems = "\n".join(release.problems)
    for fragment in (
        "release.producer is missing",
        "unknown key release.treatment",
        "'spaceship' is not one of the tool's types",
        "release.license.distribution is a bare value",
        "release.license.proprietary is not distribution, code, data or document",
        "unknown component name 'Model weights'",
        "'Model card' is listed twice",
        "component 4 is not a mapping",
    ):
        assert fragment in problems
    assert [c.component for c in release.components] == [
        None,
        MOFComponent.MODEL_CARD,
        MOFComponent.MODEL_CARD,
    ]
    # Unknown components are kept for the maintainer but never reach a verdict.
    assert [c.component for c in release_facts(release).components] == [
        MOFComponent.MODEL_CARD,
        MOFComponent.MODEL_CARD,
    ]


@pytest.mark.parametrize("text", ["", "release: [1, 2]", "release: {name: [unclosed", "- a\n- b"])
def test_unreadable_files_give_an_empty_release_with_a_problem(text):
    release = parse_mot(text, source="bad.yml")
    assert isinstance(release, MotRelease)
    assert release.components == () and len(release.problems) == 1


def test_null_version_and_empty_licence_mapping():
    release = parse_mot(
        "release:\n  name: X\n  version: null\n  producer: Y\n  license: {  }\n"
        "  components:\n    - name: Model card\n      license: ''\n",
    )
    assert release.problems == ()
    assert release.version is None and release.licences == {}
    assert release.components[0].license == ""
    assert parse_mot(export_mot(release)) == release
