"""The openness verdicts on hand-made releases: every class boundary and every failure reason."""

import json
from functools import cache
from pathlib import Path

import pytest
import yaml

from projects.choices import MOFComponent
from projects.openness.facts import ComponentFacts, ReleaseFacts, Status, resolve_licence
from projects.openness.frameworks import (
    COMPONENT_SPECS,
    MOF_COMPONENTS,
    ComponentType,
    component_from_mot_name,
    required_for,
)
from projects.openness.index import IndexRating, osai_index_ratings
from projects.openness.licences import (
    MOT_OPEN_DATA_LICENCES,
    UseRestriction,
    licence_facts_from_files,
    use_restriction,
)
from projects.openness.mof import mof_class_reference, mof_class_strict
from projects.openness.osaid import osaid_verdict

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SPDX = SAMPLES / "spdx" / "licenses.json"
MOF_LICENCES = SAMPLES / "mot" / "rules" / "mof-licenses.json"
C = MOFComponent


@cache
def table():
    return licence_facts_from_files(SPDX, MOF_LICENCES)


def lookup(identifier):
    return table().get(identifier)


# Every licence below is fit for its component's type, so both readings agree on these sets.
CLASS_III = {
    C.MODEL_ARCHITECTURE: "MIT",
    C.FINAL_PARAMETERS: "CDLA-Permissive-2.0",
    C.EVALUATION_RESULTS: "CC-BY-4.0",
    C.MODEL_CARD: "CC-BY-4.0",
    C.DATA_CARD: "CC-BY-4.0",
    C.TECHNICAL_REPORT: "CC-BY-4.0",
}
CLASS_II = {
    C.TRAINING_CODE: "Apache-2.0",
    C.INFERENCE_CODE: "Apache-2.0",
    C.EVALUATION_CODE: "Apache-2.0",
    C.EVALUATION_DATA: "CDLA-Permissive-2.0",
}
CLASS_I = {
    C.DATASETS: "CC-BY-4.0",
    C.PREPROCESSING_CODE: "Apache-2.0",
    C.INTERMEDIATE_PARAMETERS: "CDLA-Permissive-2.0",
    C.RESEARCH_PAPER: "CC-BY-4.0",
}
ALL_REQUIRED = {**CLASS_III, **CLASS_II, **CLASS_I}


def release(components, *, distribution=None, **global_licences):
    return ReleaseFacts(
        components=tuple(
            ComponentFacts(component=c, licence=licence) for c, licence in components.items()
        ),
        global_licences=global_licences,
        distribution_licence=distribution,
    )


def without(components, *removed):
    return {c: licence for c, licence in components.items() if c not in removed}


# --- the framework table -------------------------------------------------------------------


def test_component_table_matches_the_tools_settings_file():
    settings = yaml.safe_load((SAMPLES / "mot/rules/mof.settings.yml").read_text())["components"]
    assert len(settings) == len(MOF_COMPONENTS) == len(MOFComponent) == 17
    for row in settings:
        component = component_from_mot_name(row["name"])
        assert component is not None, row["name"]
        spec = COMPONENT_SPECS[component]
        assert (spec.mot_id, spec.type.value, spec.mof_class, spec.required) == (
            row["id"],
            row["content_type"],
            row["class"],
            row["required"],
        )


def test_required_components_are_cumulative():
    assert len(required_for(3)) == 6
    assert len(required_for(2)) == 10
    assert len(required_for(1)) == 14
    assert set(required_for(3)) < set(required_for(2)) < set(required_for(1))
    assert C.SAMPLE_OUTPUTS not in required_for(1)


def test_unknown_component_names_are_not_guessed():
    assert component_from_mot_name("Model parameters (Final)") is C.FINAL_PARAMETERS
    assert component_from_mot_name("Model weights") is None
    assert component_from_mot_name("model card") is None  # exact, as the tool compares


# --- licence facts, loaded as the tool loads them ------------------------------------------


def test_licence_table_is_spdx_then_the_tools_overrides():
    spdx = {e["licenseId"] for e in json.loads(SPDX.read_text())["licenses"]}
    mof = json.loads(MOF_LICENCES.read_text())["licenses"]
    assert set(table()) == spdx | {e["licenseId"] for e in mof}
    assert table()["OpenMDW-1.0"].content_types == {"code", "data", "document"}
    # Whole entries are replaced, the last one winning: CC0-1.0 ends up a document licence only.
    assert table()["CC0-1.0"].content_types == {"document"}
    assert table()["CC-PDDC"].content_types == {"document"}
    assert table()["Apache-2.0"].content_types == {"code", "document"}
    assert table()["MulanPSL-1.0"].osi_approved is False


def test_type_appropriate_lists_are_those_the_readme_gives():
    by_type = {t.value: set() for t in ComponentType}
    for identifier, facts in table().items():
        for content_type in facts.content_types:
            by_type[content_type].add(identifier)
    assert by_type["code"] == {
        "0BSD", "AFL-1.1", "AFL-1.2", "AFL-2.0", "AFL-2.1", "AFL-3.0", "Apache-1.0", "Apache-1.1",
        "Apache-2.0", "ECL-1.0", "ECL-2.0", "ISC", "MIT", "MIT-0", "MulanPSL-1.0", "MulanPSL-2.0",
        "NCSA", "UPL-1.0", "OpenMDW-1.0",
    }  # fmt: skip
    assert by_type["data"] == {
        "CDLA-Permissive-1.0", "CDLA-Permissive-2.0", "C-UDA-1.0", "PDDL-1.0", "OpenMDW-1.0",
    }  # fmt: skip
    assert by_type["document"] == {
        "Apache-2.0", "CC-BY-4.0", "CC-BY-SA-3.0", "CC-BY-SA-4.0", "FreeBSD-DOC", "CC-PDDC",
        "CC0-1.0", "OpenMDW-1.0",
    }  # fmt: skip


def test_open_for_the_tool():
    assert len(MOT_OPEN_DATA_LICENCES) == 31
    assert lookup("Apache-2.0").is_open_mot  # OSI
    assert lookup("Apache-1.0").is_open_mot  # FSF libre only
    assert lookup("CC-BY-4.0").is_open_mot  # on the open list
    assert lookup("OpenMDW-1.0").is_open_mot  # named by the tool
    assert lookup("GPL-3.0").is_open_mot  # deprecated ids still count
    assert not lookup("CC-BY-NC-4.0").is_open_mot
    assert not lookup("C-UDA-1.0").is_open_mot
    assert lookup("Apache 2.0") is None  # not normalised


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("bigscience-bloom-rail-1.0", UseRestriction.RAIL),
        ("OpenRAIL", UseRestriction.RAIL),
        ("BigCode OpenRAIL-M v1 license agreement", UseRestriction.RAIL),
        ("Llama 2 Community License", UseRestriction.LLAMA),
        ("Meta Llama 3 Community License Agreement", UseRestriction.LLAMA),
        ("Gemma Terms of Use", UseRestriction.GEMMA),
        ("CC-BY-NC-4.0", UseRestriction.NON_COMMERCIAL),
        ("Creative Commons Attribution Non Commercial 4.0", UseRestriction.NON_COMMERCIAL),
        ("tongyi-qianwen-research", UseRestriction.RESEARCH_ONLY),
        ("DeepSeek License Agreement", UseRestriction.ACCEPTABLE_USE),
        (" Falcon-180B TII License", UseRestriction.ACCEPTABLE_USE),
        ("Apache-2.0", None),
        ("NCSA", None),
        ("Proprietary", None),
    ],
)
def test_use_restriction_families(text, family):
    assert use_restriction(text) == family


def test_spdx_non_commercial_licences_restrict_use():
    assert lookup("CC-BY-NC-SA-4.0").restriction is UseRestriction.NON_COMMERCIAL
    assert lookup("PolyForm-Noncommercial-1.0.0").restricts_use
    assert not any(f.restricts_use for f in table().values() if f.osi_approved)


# --- licence resolution ---------------------------------------------------------------------


def test_resolution_order_component_then_type_then_distribution():
    facts = release(
        {C.MODEL_CARD: None, C.MODEL_ARCHITECTURE: None, C.DATASETS: "CC0-1.0", C.DATA_CARD: ""},
        distribution="Apache-2.0",
        document="CC-BY-4.0",
        code="",
    )
    assert resolve_licence(facts, C.DATASETS) == ("CC0-1.0", "component")
    assert resolve_licence(facts, C.MODEL_CARD) == ("CC-BY-4.0", "global:document")
    assert resolve_licence(facts, C.MODEL_ARCHITECTURE) == ("Apache-2.0", "distribution")
    assert resolve_licence(facts, C.DATA_CARD) == (None, "component")  # '' never falls back


def test_unlicensed_component_does_not_inherit():
    verdict = mof_class_reference(
        release({**CLASS_III, C.MODEL_CARD: "unlicensed"}, distribution="Apache-2.0"), lookup
    )
    assert verdict.mof_class == 0
    assert verdict.classes[3].unlicensed == (C.MODEL_CARD,)
    assert [(r.code, r.component, r.mof_class) for r in verdict.reasons_for(3)] == [
        ("component_unlicensed", C.MODEL_CARD, 3)
    ]


def test_inherited_global_licence_makes_a_class():
    verdict = mof_class_reference(
        release(dict.fromkeys(CLASS_III), distribution="Apache-2.0"), lookup
    )
    assert verdict.mof_class == 3
    # Apache-2.0 suits code and documents for the tool, not the final parameters: a warning only.
    assert [(w.code, w.component) for w in verdict.warnings] == [
        ("licence_not_type_appropriate", C.FINAL_PARAMETERS)
    ]


# --- class boundaries -----------------------------------------------------------------------


def test_class_i():
    verdict = mof_class_reference(release(ALL_REQUIRED), lookup)
    assert (verdict.mof_class, verdict.label) == (1, "Class I - Open Science Model")
    assert verdict.progress == {1: 100, 2: 100, 3: 100}
    assert verdict.reasons == ()
    # The tool files CC-BY-4.0 under documents only, so it warns on datasets (never demotes).
    assert [(w.code, w.component) for w in verdict.warnings] == [
        ("licence_not_type_appropriate", C.DATASETS)
    ]


def test_class_ii():
    verdict = mof_class_reference(release({**CLASS_III, **CLASS_II}), lookup)
    assert verdict.mof_class == 2
    assert verdict.progress == {1: 10 / 14 * 100, 2: 100, 3: 100}
    assert {r.component for r in verdict.reasons} == set(CLASS_I)
    assert {r.mof_class for r in verdict.reasons} == {1}


def test_class_iii():
    verdict = mof_class_reference(release(CLASS_III), lookup)
    assert verdict.mof_class == 3
    # Class II is 6/10; Class I is 0 because Class II is not complete (the tool's rule).
    assert verdict.progress == {1: 0, 2: 60, 3: 100}
    assert verdict.classes[2].missing == tuple(CLASS_II)


def test_missing_required_component_means_no_class():
    verdict = mof_class_reference(release(without(ALL_REQUIRED, C.MODEL_CARD)), lookup)
    assert verdict.mof_class == 0
    assert verdict.progress == {1: 0, 2: 0, 3: 5 / 6 * 100}
    assert [(r.code, r.component, r.mof_class) for r in verdict.reasons] == [
        ("component_missing", C.MODEL_CARD, 3)
    ]
    assert "Model card" in verdict.reasons[0].message


def test_non_open_licence_blocks_the_class():
    verdict = mof_class_reference(
        release({**CLASS_III, C.FINAL_PARAMETERS: "Llama 2 Community License"}), lookup
    )
    assert verdict.mof_class == 0
    assert verdict.classes[3].not_open == (C.FINAL_PARAMETERS,)
    reason = verdict.reasons[0]
    assert (reason.code, reason.licence) == ("licence_not_open", "Llama 2 Community License")


@pytest.mark.parametrize("spelling", ["Apache 2.0", "apache-2.0", "MIT License", "BSD-3"])
def test_licence_ids_are_compared_exactly(spelling):
    verdict = mof_class_reference(release({**CLASS_III, C.MODEL_ARCHITECTURE: spelling}), lookup)
    assert verdict.mof_class == 0
    assert verdict.status_of(C.MODEL_ARCHITECTURE).status is Status.NOT_OPEN


def test_optional_components_never_change_the_class():
    optional = {C.SAMPLE_OUTPUTS: "Proprietary", C.SUPPORTING_LIBRARIES: "unlicensed"}
    assert mof_class_reference(release({**CLASS_III, **optional}), lookup).mof_class == 3
    assert mof_class_reference(release(optional), lookup).mof_class == 0


def test_unreleased_component_counts_as_missing():
    facts = ReleaseFacts(
        components=tuple(
            ComponentFacts(c, released=c is not C.DATA_CARD, licence=licence)
            for c, licence in CLASS_III.items()
        )
    )
    verdict = mof_class_reference(facts, lookup)
    assert verdict.classes[3].missing == (C.DATA_CARD,)


# --- the research paper standing in for the technical report -------------------------------


def test_research_paper_stands_in_for_class_iii():
    components = {**without(CLASS_III, C.TECHNICAL_REPORT), C.RESEARCH_PAPER: "CC-BY-4.0"}
    verdict = mof_class_reference(release(components), lookup)
    assert verdict.mof_class == 3
    assert verdict.classes[3].research_paper_stands_in
    assert [n.code for n in verdict.notes] == ["research_paper_stands_in"]
    assert C.TECHNICAL_REPORT not in verdict.classes[3].missing


def test_research_paper_stands_in_for_class_i_with_13_components():
    verdict = mof_class_reference(release(without(ALL_REQUIRED, C.TECHNICAL_REPORT)), lookup)
    assert verdict.mof_class == 1
    assert verdict.progress == {1: 100, 2: 100, 3: 100}


def test_a_research_paper_without_licence_stands_in_but_blocks():
    components = {**without(CLASS_III, C.TECHNICAL_REPORT), C.RESEARCH_PAPER: "unlicensed"}
    verdict = mof_class_reference(release(components), lookup)
    assert verdict.mof_class == 0
    assert verdict.progress[3] == 5 / 6 * 100
    assert [(r.code, r.component, r.mof_class) for r in verdict.reasons_for(3)] == [
        ("component_unlicensed", C.RESEARCH_PAPER, 3)
    ]


def test_a_technical_report_does_not_stand_in_for_the_research_paper():
    verdict = mof_class_reference(release(without(ALL_REQUIRED, C.RESEARCH_PAPER)), lookup)
    assert verdict.mof_class == 2
    assert verdict.progress[1] == 13 / 14 * 100
    assert [r.component for r in verdict.reasons] == [C.RESEARCH_PAPER]


def test_non_open_report_with_open_paper_is_not_a_blocker():
    components = {**CLASS_III, C.TECHNICAL_REPORT: "Proprietary", C.RESEARCH_PAPER: "CC-BY-4.0"}
    verdict = mof_class_reference(release(components), lookup)
    assert verdict.mof_class == 3
    assert C.TECHNICAL_REPORT in verdict.classes[3].not_open  # as the tool lists it
    assert all(r.component is not C.TECHNICAL_REPORT for r in verdict.reasons)


# --- the strict reading ---------------------------------------------------------------------


def test_strict_reading_agrees_when_licences_fit_their_types():
    for components in (CLASS_III, {**CLASS_III, **CLASS_II}, ALL_REQUIRED):
        facts = release(components)
        strict = mof_class_strict(facts, lookup)
        assert strict.mof_class == mof_class_reference(facts, lookup).mof_class
        assert strict.differences == ()


def test_strict_reading_refuses_a_code_licence_on_weights():
    facts = release({**CLASS_III, C.FINAL_PARAMETERS: "Apache-2.0"})
    assert mof_class_reference(facts, lookup).mof_class == 3
    strict = mof_class_strict(facts, lookup)
    assert strict.mof_class == 0
    assert [(d.code, d.component, d.licence) for d in strict.differences] == [
        ("open_but_not_fit_for_type", C.FINAL_PARAMETERS, "Apache-2.0"),
        ("class_differs", None, None),
    ]
    assert "open data licence" in strict.differences[0].message
    assert strict.reasons[0].code == "licence_not_fit_for_type"


@pytest.mark.parametrize(
    ("component", "licence"),
    [
        (C.MODEL_ARCHITECTURE, "CC-BY-4.0"),  # open content, not OSI-approved
        (C.MODEL_ARCHITECTURE, "Apache-1.0"),  # FSF libre, not OSI-approved
        (C.MODEL_CARD, "MIT"),  # a code licence on a document
    ],
)
def test_strict_reading_refuses_licences_unfit_for_their_type(component, licence):
    facts = release({**CLASS_III, component: licence})
    assert mof_class_reference(facts, lookup).mof_class == 3
    assert mof_class_strict(facts, lookup).mof_class == 0


def test_strict_reading_accepts_an_open_data_licence_the_tool_misses():
    facts = release({**CLASS_III, C.FINAL_PARAMETERS: "PDDL-1.0"})
    assert mof_class_reference(facts, lookup).mof_class == 0
    strict = mof_class_strict(facts, lookup)
    assert strict.mof_class == 3
    assert strict.differences[0].code == "fit_but_not_open_for_tool"


# --- Open Source AI Definition --------------------------------------------------------------


def freedom_codes(verdict):
    return {name: [r.code for r in f.reasons] for name, f in verdict.freedoms.items()}


def test_osaid_conforms_with_everything_open():
    verdict = osaid_verdict(release(ALL_REQUIRED), lookup)
    assert verdict.conforms
    assert verdict.reasons == ()
    assert verdict.freedoms["use"].clause.startswith("Use the system for any purpose")


def test_osaid_weights_not_released_fails_every_freedom():
    verdict = osaid_verdict(release(without(ALL_REQUIRED, C.FINAL_PARAMETERS)), lookup)
    assert not verdict.conforms
    assert all(codes == ["weights_not_released"] for codes in freedom_codes(verdict).values())


@pytest.mark.parametrize(
    ("licence", "family"),
    [
        ("bigscience-bloom-rail-1.0", "rail"),
        ("Llama 3.1 Community License", "llama"),
        ("CC-BY-NC-4.0", "non_commercial"),
        ("Gemma Terms of Use", "gemma"),
    ],
)
def test_osaid_use_restrictions_deny_use(licence, family):
    verdict = osaid_verdict(release({**ALL_REQUIRED, C.FINAL_PARAMETERS: licence}), lookup)
    use = verdict.freedoms["use"]
    assert not use.granted
    assert [(r.code, r.detail, r.licence) for r in use.reasons] == [
        ("licence_restricts_use", family, licence)
    ]
    assert verdict.freedoms["study"].granted  # everything is still there to study
    assert not verdict.freedoms["share"].granted


def test_osaid_unknown_licence_on_weights_is_not_open():
    verdict = osaid_verdict(release({**ALL_REQUIRED, C.FINAL_PARAMETERS: "Proprietary"}), lookup)
    assert freedom_codes(verdict)["use"] == ["licence_not_open"]


def test_osaid_unlicensed_weights():
    verdict = osaid_verdict(release({**ALL_REQUIRED, C.FINAL_PARAMETERS: "unlicensed"}), lookup)
    assert freedom_codes(verdict)["use"] == ["unlicensed"]


def test_osaid_training_code_missing_fails_study_and_modify():
    verdict = osaid_verdict(release(without(ALL_REQUIRED, C.TRAINING_CODE)), lookup)
    codes = freedom_codes(verdict)
    assert codes["study"] == ["code_missing"] and codes["modify"] == ["code_missing"]
    assert verdict.freedoms["use"].granted and verdict.freedoms["share"].granted


def test_osaid_data_information_missing_fails_study():
    verdict = osaid_verdict(release(without(ALL_REQUIRED, C.DATA_CARD, C.DATASETS)), lookup)
    assert freedom_codes(verdict)["study"] == ["data_information_missing"]
    assert [f for f, v in verdict.freedoms.items() if not v.granted] == ["study"]


def test_osaid_data_information_not_open_fails_share():
    components = {**ALL_REQUIRED, C.DATA_CARD: "unlicensed", C.DATASETS: "Proprietary"}
    verdict = osaid_verdict(release(components), lookup)
    assert freedom_codes(verdict)["share"] == ["data_information_not_open"]


def test_osaid_code_needs_an_osi_licence():
    verdict = osaid_verdict(release({**ALL_REQUIRED, C.TRAINING_CODE: "CC-BY-4.0"}), lookup)
    codes = freedom_codes(verdict)
    assert codes["share"] == ["code_licence_not_osi"]
    assert codes["modify"] == ["code_licence_not_osi"]


# --- index ratings --------------------------------------------------------------------------


def test_index_ratings_everything_open():
    ratings = osai_index_ratings(release(ALL_REQUIRED), lookup)
    assert len(ratings) == 12
    assert {r.rating for r in ratings.values()} == {IndexRating.OPEN}


def test_index_ratings_nothing_released():
    ratings = osai_index_ratings(release({}), lookup)
    assert {r.rating for r in ratings.values()} == {IndexRating.CLOSED}


def test_index_ratings_partial():
    components = {
        **ALL_REQUIRED,
        C.FINAL_PARAMETERS: "Llama 2 Community License",
        C.TRAINING_CODE: None,
    }
    ratings = osai_index_ratings(release(components), lookup)
    assert ratings["weights_endmodel"].rating is IndexRating.PARTIAL
    assert ratings["trainingcode"].rating is IndexRating.PARTIAL  # inherits no licence
    assert ratings["licenses"].rating is IndexRating.CLOSED  # only the data of the three is open
    assert ratings["datasources_basemodel"].rating is IndexRating.OPEN
    without_paper = osai_index_ratings(release(without(ALL_REQUIRED, C.RESEARCH_PAPER)), lookup)
    assert without_paper["paper"].rating is IndexRating.CLOSED
    assert without_paper["licenses"].rating is IndexRating.OPEN
