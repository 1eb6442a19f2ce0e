"""Importing Hugging Face model and dataset cards: every real sample, re-imports, broken cards.

Expected values are read from each card's front matter with PyYAML, not with the parser under test.
"""

from pathlib import Path

import pytest
import yaml
from django.core.exceptions import PermissionDenied

from projects.card_import import hub_slug, model_card_import, repo_id_from_filename
from projects.choices import ArtifactKind, FactSource, MOFComponent
from projects.models import Artifact, Licence, Project
from projects.models.openness import ArtifactComponent
from tests import factories

pytestmark = pytest.mark.django_db

CARDS = Path(__file__).resolve().parents[1] / "samples" / "model-cards"
FILES = sorted(CARDS.glob("*.md"))
# The seeded project each card's artifact belongs to.
PROJECT_OF = {
    "CohereForAI__aya-101.md": "aya",
    "EleutherAI__pythia-1.4b.md": "pythia",
    "HuggingFaceTB__SmolLM-1.7B-Instruct.md": "smollm",
    "allenai__OLMo-2-1124-13B-Instruct.md": "olmo",
    "bigcode__starcoder2-15b.md": "bigcode",
    "bigscience__P3.md": "bloom",
    "bigscience__bloom.md": "bloom",
    "speakleash__Bielik-4.5B-v3.0-Instruct.md": "bielik",
}
# Base models the seed holds (the others are not in the registry).
PARENT_OF = {
    "HuggingFaceTB__SmolLM-1.7B-Instruct.md": "smollm-1-7b",
    "speakleash__Bielik-4.5B-v3.0-Instruct.md": "bielik-4-5b-v3",
}


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---", 2)[1])


def expected_languages(meta: dict) -> int:
    values = meta.get("language") or []
    values = values if isinstance(values, list) else [values]
    # Pseudo-codes such as "code" name no language.
    return len({str(v).lower() for v in values if str(v).lower() not in ("code", "multilingual")})


def expected_licence(meta: dict) -> str:
    licence = meta["license"]
    licence = licence[0] if isinstance(licence, list) else licence
    return meta.get("license_name", licence) if licence == "other" else licence


def counts():
    return (Artifact.objects.count(), ArtifactComponent.objects.count(), Licence.objects.count())


def import_card(path: Path, project: Project, editor):
    return model_card_import(
        project=project, text=path.read_text(encoding="utf-8"), editor=editor, filename=path.name
    )


def test_all_eight_cards_are_here():
    assert sorted(p.name for p in FILES) == sorted(PROJECT_OF)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_card_updates_its_seeded_artifact_and_reimports_to_nothing(path, staff, seeded):
    project = Project.objects.get(slug=PROJECT_OF[path.name])
    meta = front_matter(path)
    slug = hub_slug(repo_id_from_filename(path.name))
    before = counts()

    report = import_card(path, project, staff)
    assert report.ok, report.problems
    assert (report.created, report.updated) == (0, 1)

    artifact = Artifact.objects.get(slug=slug)
    assert artifact.project == project
    assert artifact.licence.identifier.lower() == expected_licence(meta).lower()
    assert artifact.languages.count() == expected_languages(meta)
    assert artifact.source == FactSource.IMPORT
    is_dataset = "task_categories" in meta
    assert artifact.kind == (ArtifactKind.DATASET if is_dataset else ArtifactKind.MODEL)
    if path.name in PARENT_OF:
        assert artifact.derived_from.slug == PARENT_OF[path.name]
        assert artifact.derivation_relation == "finetune"
    if not is_dataset:
        recorded = set(artifact.components.values_list("component", flat=True))
        assert recorded == {MOFComponent.MODEL_CARD, MOFComponent.FINAL_PARAMETERS}
    # Every licence in the cards is known to the seeded registry: no new licence row.
    assert counts()[2] == before[2]

    after = counts()
    again = import_card(path, project, staff)
    assert again.ok and again.created == 0
    assert counts() == after


def test_cards_create_artifacts_in_a_fresh_registry(staff, reference_data):
    project = factories.ProjectFactory(slug="fresh")
    for path in FILES:
        report = import_card(path, project, staff)
        assert report.ok, (path.name, report.problems)
        assert report.created == 1
    assert Artifact.objects.filter(project=project).count() == len(FILES)
    # The custom model licences were not in the registry: recorded, marked as restricting use.
    for identifier in ("bigscience-bloom-rail-1.0", "bigcode-openrail-m"):
        licence = Licence.objects.get(identifier=identifier)
        assert not licence.is_spdx and licence.restricts_use
    # SmolLM's base is not imported yet, so its lineage waits; importing the base fills it later.
    smol = Artifact.objects.get(slug="smollm-1-7b-instruct")
    assert smol.derived_from is None
    assert smol.url == "https://huggingface.co/HuggingFaceTB/SmolLM-1.7B-Instruct"


def test_base_model_outside_the_registry_leaves_lineage_and_says_so(staff, seeded):
    path = CARDS / "allenai__OLMo-2-1124-13B-Instruct.md"
    report = import_card(path, Project.objects.get(slug="olmo"), staff)
    assert any("OLMo-2-1124-13B-Instruct-RLVR2 is not in the registry" in n for n in report.notes)
    assert Artifact.objects.get(slug="olmo-2-1124-13b-instruct").derived_from.slug == (
        "olmo-2-1124-13b"
    )


def test_other_licence_with_name_and_link_becomes_a_licence(staff, reference_data):
    project = factories.ProjectFactory(slug="house")
    card = (
        "---\nlicense: other\nlicense_name: house-model-licence\n"
        "license_link: https://example.org/LICENSE\nlanguage:\n- pl\n- yo\n---\n# House 7B\n"
    )
    report = model_card_import(project=project, text=card, editor=staff, repo_id="house/House-7B")
    assert report.ok, report.problems
    artifact = Artifact.objects.get(slug="house-7b")
    assert artifact.licence.identifier == "house-model-licence"
    assert artifact.licence.url == "https://example.org/LICENSE"
    assert sorted(artifact.languages.values_list("code", flat=True)) == ["pol", "yor"]


# BROKEN CARDS: clear errors with lines, nothing written
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# A card\n\nNo metadata at all.\n", "line 1: The card has no YAML front matter"),
        (
            "---\nlicense: apache-2.0\nlanguage: [en\n---\n# Broken\n",
            "line 3: The front matter is not valid",
        ),
        ("---\nlicense: apache-2.0\n# never closed\n", "line 1: The front matter opened"),
    ],
)
def test_broken_cards_write_nothing(staff, text, message):
    project = factories.ProjectFactory()
    before = counts()
    report = model_card_import(project=project, text=text, editor=staff, repo_id="org/broken")
    assert not report.ok
    assert report.problems[0].startswith(message), report.problems
    assert counts() == before


def test_an_artifact_of_another_project_is_refused(staff, seeded):
    report = import_card(CARDS / "bigscience__bloom.md", Project.objects.get(slug="olmo"), staff)
    assert not report.ok and "belongs to BLOOM" in report.problems[0]


def test_only_maintainers_and_staff_import_cards(project, contributor_user):
    with pytest.raises(PermissionDenied):
        import_card(CARDS / "bigscience__bloom.md", project, contributor_user)


EUROLLM_CARD = """---
license: apache-2.0
language: [en, pt]
---
# EuroLLM-9B-Instruct
"""


@pytest.mark.parametrize("typed", ["EuroLLM-9B-Instruct", "eurollm 9b  INSTRUCT"])
def test_a_release_entered_by_hand_is_matched_by_title_not_duplicated(typed, reference_data):
    project = factories.ProjectFactory(name="EuroLLM", slug="eurollm")
    maintainer = factories.UserFactory()
    factories.MaintainershipFactory(project=project, user=maintainer)
    by_hand = factories.ArtifactFactory(
        project=project, name=typed, slug="eurollm-entered-by-hand", kind=ArtifactKind.MODEL, url=""
    )
    report = model_card_import(
        project=project,
        text=EUROLLM_CARD,
        editor=maintainer,
        repo_id="utter-project/EuroLLM-9B-Instruct",
    )
    assert report.ok, report.problems
    assert (report.created, report.updated) == (0, 1)
    assert Artifact.objects.filter(project=project).count() == 1
    by_hand.refresh_from_db()
    assert by_hand.licence.identifier == "Apache-2.0"
    assert by_hand.url == "https://huggingface.co/utter-project/EuroLLM-9B-Instruct"
