"""The model and dataset card parser, on the eight real cards in tests/samples and on made-up
cards for the cases the samples don't cover."""

from pathlib import Path

import pycountry
import pytest
import yaml

from projects.model_cards import iso639_3, parse_model_card

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "model-cards"

OLMO = "allenai__OLMo-2-1124-13B-Instruct.md"
BLOOM = "bigscience__bloom.md"
PYTHIA = "EleutherAI__pythia-1.4b.md"
STARCODER = "bigcode__starcoder2-15b.md"
SMOLLM = "HuggingFaceTB__SmolLM-1.7B-Instruct.md"
AYA = "CohereForAI__aya-101.md"
BIELIK = "speakleash__Bielik-4.5B-v3.0-Instruct.md"
P3 = "bigscience__P3.md"
ALL_CARDS = sorted([OLMO, BLOOM, PYTHIA, STARCODER, SMOLLM, AYA, BIELIK, P3])
CRLF_CARDS = {BLOOM, STARCODER, SMOLLM, AYA}


def read(name: str) -> str:
    # newline="" keeps CRLF as it is in the file, so the parser sees what an upload gives it.
    with (SAMPLES / name).open(encoding="utf-8", newline="") as handle:
        return handle.read()


def front_matter(name: str) -> dict:
    """The front matter by other means: split on the second '---' line, yaml.safe_load."""
    lines = read(name).replace("\r\n", "\n").split("\n")
    end = lines.index("---", 1)
    return yaml.safe_load("\n".join(lines[1:end]))


# licences, language count, skipped languages, base models, relation, pipeline tag, library, name
EXPECTED = {
    OLMO: (
        ["apache-2.0"],
        1,
        [],
        ["allenai/OLMo-2-1124-13B-Instruct-RLVR2"],
        "finetune",
        "text-generation",
        "transformers",
        "OLMo-2-1124-13B-Instruct",
    ),
    BLOOM: (["bigscience-bloom-rail-1.0"], 45, ["code"], [], "", "text-generation", "", "bloom"),
    PYTHIA: (["apache-2.0"], 1, [], [], "", "", "", "Pythia-1.4B"),
    STARCODER: (
        ["bigcode-openrail-m"],
        0,
        [],
        [],
        "",
        "text-generation",
        "transformers",
        "starcoder2-15b",
    ),
    SMOLLM: (
        ["apache-2.0"],
        1,
        [],
        ["HuggingFaceTB/SmolLM-1.7B"],
        "finetune",
        "",
        "transformers",
        "SmolLM-1.7B-Instruct",
    ),
    AYA: (["apache-2.0"], 101, [], [], "", "", "", "Aya 101"),
    BIELIK: (
        ["apache-2.0"],
        1,
        [],
        ["speakleash/Bielik-4.5B-v3"],
        "finetune",
        "",
        "transformers",
        "Bielik-4.5B-v3-Instruct",
    ),
    P3: (["apache-2.0"], 1, [], [], "", "", "", "P3"),
}


@pytest.mark.parametrize("name", ALL_CARDS)
def test_every_sample_card(name):
    card = parse_model_card(read(name))
    licences, languages, skipped, bases, relation, pipeline, library, title = EXPECTED[name]
    assert card.has_front_matter
    assert card.licences == licences
    assert len(card.languages) == languages
    assert card.skipped_languages == skipped
    assert card.base_models == bases
    assert card.base_model_relation == relation
    assert card.relation_inferred is bool(bases)
    assert (card.pipeline_tag, card.library_name, card.model_name) == (pipeline, library, title)
    assert card.metadata == front_matter(name)
    # Only BLOOM's 'code' pseudo-language could not be mapped.
    assert len(card.problems) == len(skipped)


@pytest.mark.parametrize("name", ALL_CARDS)
def test_datasets_are_read_as_written(name):
    datasets = front_matter(name).get("datasets") or []
    assert parse_model_card(read(name)).datasets == datasets


def test_dataset_counts_and_legacy_ids():
    assert len(parse_model_card(read(SMOLLM)).datasets) == 4
    assert len(parse_model_card(read(AYA)).datasets) == 5
    assert parse_model_card(read(PYTHIA)).datasets == ["the_pile"]
    assert parse_model_card(read(STARCODER)).datasets == ["bigcode/the-stack-v2-train"]


def test_bloom_languages_are_iso_639_3_with_code_skipped():
    raw = front_matter(BLOOM)["language"]
    card = parse_model_card(read(BLOOM))
    assert len(raw) == 46
    assert "code" in raw
    expected = [
        (
            pycountry.languages.get(alpha_2=code)
            if len(code) == 2
            else pycountry.languages.get(alpha_3=code)
        ).alpha_3
        for code in raw
        if code != "code"
    ]
    assert card.languages == expected
    assert {"aka", "twi", "fon", "nso", "tum", "zho", "zul"} <= set(card.languages)
    assert all(len(code) == 3 for code in card.languages)
    problem = card.problems[0]
    assert "'code'" in problem.message
    assert read(BLOOM).replace("\r\n", "\n").split("\n")[problem.line - 1] == "language:"


def test_aya_three_letter_codes_are_kept():
    raw = front_matter(AYA)["language"]
    card = parse_model_card(read(AYA))
    assert len(raw) == 101
    assert all(len(code) == 3 for code in raw)
    assert card.languages == raw


def test_base_model_scalar_and_list():
    assert isinstance(front_matter(SMOLLM)["base_model"], str)
    assert isinstance(front_matter(OLMO)["base_model"], list)
    assert parse_model_card(read(SMOLLM)).base_models == ["HuggingFaceTB/SmolLM-1.7B"]
    assert parse_model_card(read(OLMO)).base_models == ["allenai/OLMo-2-1124-13B-Instruct-RLVR2"]


def test_p3_dataset_card_has_a_licence_list():
    assert front_matter(P3)["license"] == ["apache-2.0"]
    card = parse_model_card(read(P3))
    assert card.licences == ["apache-2.0"]
    assert card.licence == "apache-2.0"
    assert card.metadata["size_categories"] == ["100M<n<1B"]


@pytest.mark.parametrize("name", sorted(CRLF_CARDS))
def test_crlf_cards_parse_like_their_lf_copies(name):
    text = read(name)
    assert "\r\n" in text
    crlf = parse_model_card(text)
    lf = parse_model_card(text.replace("\r\n", "\n"))
    assert "\r" not in crlf.body
    assert crlf == lf
    assert crlf.metadata


def test_body_is_the_markdown_after_the_front_matter():
    card = parse_model_card(read(OLMO))
    lines = read(OLMO).split("\n")
    end = lines.index("---", 1)
    assert card.body == "\n".join(lines[end + 1 :])
    assert "license:" not in card.body.split("\n", 3)[0]


# Made-up cards for what the samples don't show.


def card(front: str, body: str = "# A model\n") -> str:
    return f"---\n{front}\n---\n{body}"


def test_malformed_yaml_is_a_problem_with_its_line():
    text = read(OLMO).replace("pipeline_tag: text-generation", "pipeline_tag: text: generation")
    parsed = parse_model_card(text)
    expected = read(OLMO).split("\n").index("pipeline_tag: text-generation") + 1
    assert [p.line for p in parsed.problems] == [expected]
    assert "not valid YAML" in parsed.problems[0].message
    assert parsed.licences == []
    assert parsed.model_name == "OLMo-2-1124-13B-Instruct"


@pytest.mark.parametrize(
    ("front", "relation", "inferred"),
    [
        ("base_model: a/b\nbase_model_relation: adapter", "adapter", False),
        ("base_model: a/b\ntags: [gguf]", "quantized", True),
        ("base_model: a/b\ntags: [GPTQ, 4-bit]", "quantized", True),
        ("base_model: [a/b, c/d]\ntags: [mergekit, merge]", "merge", True),
        ("base_model: [a/b, c/d]", "merge", True),
        ("base_model: a/b\nlibrary_name: peft", "adapter", True),
        ("base_model: a/b\ntags: [lora]", "adapter", True),
        ("base_model: a/b\ntags: [sft]", "finetune", True),
        ("tags: [gguf]", "", False),
    ],
)
def test_base_model_relation(front, relation, inferred):
    parsed = parse_model_card(card("license: mit\n" + front))
    assert parsed.base_model_relation == relation
    assert parsed.relation_inferred is inferred
    assert parsed.problems == []


def test_unknown_relation_is_reported_and_inferred():
    parsed = parse_model_card(card("license: mit\nbase_model: a/b\nbase_model_relation: cousin"))
    assert parsed.base_model_relation == "finetune"
    assert [p.line for p in parsed.problems] == [4]


def test_other_licence_uses_its_name():
    parsed = parse_model_card(
        card("license: other\nlicense_name: llama3.1\nlicense_link: https://example.org/LICENSE")
    )
    assert parsed.licences == ["llama3.1"]
    assert parsed.licence_link == "https://example.org/LICENSE"
    nameless = parse_model_card(card("license: other"))
    assert nameless.licences == []
    assert [p.line for p in nameless.problems] == [2]
    assert parse_model_card(card("language: en")).problems[0].message.endswith("no licence.")


def test_language_forms():
    parsed = parse_model_card(
        card("license: mit\nlanguage:\n- en\n- eng\n- no\n- pt-BR\n- fre\n- multilingual")
    )
    assert parsed.languages == ["eng", "nor", "por", "fra"]
    assert parsed.skipped_languages == ["multilingual"]
    assert [p.line for p in parsed.problems] == [3]
    assert parse_model_card(card("license: mit\nlanguage: pl")).languages == ["pol"]
    assert iso639_3("zh-Hans") == "zho"
    assert iso639_3("code") is None


def test_missing_or_odd_front_matter():
    bare = parse_model_card("# Just a heading\n\nText.\n")
    assert not bare.has_front_matter
    assert bare.model_name == "Just a heading"
    assert bare.problems[0].line == 1

    unclosed = parse_model_card("---\nlicense: mit\n# Title\n")
    assert not unclosed.has_front_matter
    assert "never closed" in unclosed.problems[0].message

    listed = parse_model_card(card("- a\n- b"))
    assert listed.problems[0].line == 2
    assert listed.model_name == "A model"

    empty = parse_model_card("---\n---\n# Empty\n")
    assert empty.metadata == {}
    assert empty.model_name == "Empty"


def test_heading_inside_code_is_not_the_name():
    body = "```bash\n# pip install x\n```\n# Real Name\n"
    assert parse_model_card(card("license: mit", body)).model_name == "Real Name"
    assert parse_model_card(card("license: mit", "# Dataset Card for Stuff\n")).model_name == (
        "Stuff"
    )


def test_bom_is_tolerated():
    assert parse_model_card("\ufeff" + read(PYTHIA)) == parse_model_card(read(PYTHIA))
