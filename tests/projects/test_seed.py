"""The seeded cartography: complete, sourced, marked as inferred, and idempotent."""

import pytest
import yaml
from django.core.management import call_command

from projects.choices import GovernanceModel, ListingStatus
from projects.models import (
    Artifact,
    Country,
    GovernanceChange,
    Language,
    Licence,
    Organisation,
    Project,
    ProjectOrganisation,
)
from projects.seed import SEED_FILE, load_cartography

pytestmark = pytest.mark.django_db

STUDY_ORGANISATIONS = {
    "Allen Institute for AI",
    "EleutherAI",
    "Cohere",
    "Hugging Face",
    "Meta",
    "Alibaba",
    "BigScience",
    "AI Singapore",
    "SpeakLeash",
    "SCB 10X",
    "(IAIS)",
    "National Library of Norway",
    "Ant Group",
}


@pytest.fixture(scope="module")
def seed() -> dict:
    return yaml.safe_load(SEED_FILE.read_text(encoding="utf-8"))


def table_counts() -> dict[str, int]:
    models = (Country, Language, Licence, Organisation, Project, ProjectOrganisation, Artifact)
    counts = {m.__name__: m.objects.count() for m in models}
    counts["GovernanceChange"] = GovernanceChange.objects.count()
    counts["lineage"] = Artifact.objects.filter(derived_from__isnull=False).count()
    return counts


def test_loader_creates_what_the_file_lists(seed):
    load_cartography(seed)
    assert Organisation.objects.count() == len(seed["organisations"])
    assert Project.objects.count() == len(seed["projects"])
    assert Artifact.objects.count() == sum(len(p["artifacts"]) for p in seed["projects"])
    expected_lineage = sum(1 for p in seed["projects"] for a in p["artifacts"] if a["derived_from"])
    assert Artifact.objects.filter(derived_from__isnull=False).count() == expected_lineage
    assert Country.objects.filter(code="PL", continent="EU").exists()
    assert Language.objects.get(code="pol").name == "Polish"
    assert Language.objects.count() > 7000


def test_second_run_changes_nothing(seed):
    load_cartography(seed)
    before = table_counts()
    reports = load_cartography(seed)
    assert table_counts() == before
    assert all(r.created == 0 and r.updated == 0 for r in reports.values()), reports


def test_management_command_is_idempotent(capsys):
    call_command("load_cartography")
    first = table_counts()
    call_command("load_cartography")
    assert table_counts() == first
    assert "0 created, 0 updated" in capsys.readouterr().out


def test_every_study_organisation_is_seeded_with_a_flagship_project(seed):
    load_cartography(seed)
    names = list(Organisation.objects.values_list("name", flat=True))
    for wanted in STUDY_ORGANISATIONS:
        assert any(wanted.lower() in name.lower() for name in names), wanted
    assert Project.objects.filter(in_study=True).count() >= 13


def test_seeded_governance_is_an_inference_with_reasoning_and_source(seed):
    load_cartography(seed)
    for project in Project.objects.all():
        assert project.governance_model in GovernanceModel.values
        assert project.governance_confirmed is False, project.slug
        assert project.governance_reasoning, project.slug
        assert project.listing_status == ListingStatus.LISTED
        assert project.source_url.startswith("https://"), project.slug
        assert project.governance_changes.filter(field="governance_model").exists()


def test_licences_belong_to_releases_and_every_fact_has_a_source(seed):
    load_cartography(seed)
    for artifact in Artifact.objects.select_related("licence"):
        assert artifact.source_url.startswith("https://"), artifact.slug
    bloom = Licence.objects.get(identifier="bigscience-bloom-rail-1.0")
    assert bloom.restricts_use and not bloom.osi_approved and not bloom.is_spdx
    assert Licence.objects.get(identifier="Apache-2.0").osi_approved
    assert Licence.objects.get(identifier="CC-BY-NC-4.0").restricts_use
    # Licences differ between releases of one family (Aya 101 vs Aya Expanse).
    aya = Artifact.objects.filter(project__slug__icontains="aya").values_list(
        "licence__identifier", flat=True
    )
    assert {"Apache-2.0", "CC-BY-NC-4.0"} <= set(aya)


def test_custom_model_licences_of_seed_facts_exist(seed):
    load_cartography(seed)
    for identifier in (
        "bigscience-bloom-rail-1.0",
        "bigcode-openrail-m",
        "creativeml-openrail-m",
        "llama2",
        "llama3",
        "llama3.1",
        "llama3.2",
        "llama3.3",
        "gemma",
        "qwen",
        "falcon-180b-tii-license-1.0",
    ):
        licence = Licence.objects.get(identifier=identifier)
        assert licence.restricts_use, identifier
