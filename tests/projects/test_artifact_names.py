"""One display-name rule for artifacts: the version is appended only when the name does not say it
already ("Bielik 11B v2 v2", "Llama 3.1 8B 3.1" were shown before)."""

from http import HTTPStatus

import pytest

from projects.models import Artifact
from tests import factories
from tests.cartography.seeding import seeded  # noqa: F401 (fixture)


@pytest.mark.parametrize(
    ("name", "version", "shown"),
    [
        ("Bielik 11B v2", "v2", "Bielik 11B v2"),
        ("Llama 3.1 8B", "3.1", "Llama 3.1 8B"),
        ("Apertus-8B-Instruct-2509", "2509", "Apertus-8B-Instruct-2509"),
        ("Qwen2.5 7B", "2.5", "Qwen2.5 7B"),
        ("StarCoder2-15B", "2", "StarCoder2-15B"),
        ("Bielik 11B v2", "2", "Bielik 11B v2"),
        ("Poro 2 8B Base", "2", "Poro 2 8B Base"),
        # Versions the name does not carry are appended.
        ("OLMo 2 7B", "1124", "OLMo 2 7B 1124"),
        ("Dolma", "1.7", "Dolma 1.7"),
        ("Llama 3.1 8B", "1", "Llama 3.1 8B 1"),
        ("Llama 3.1 8B", "3", "Llama 3.1 8B 3"),
        ("Alphabeta", "beta", "Alphabeta beta"),
        ("EuroLLM-9B", "", "EuroLLM-9B"),
    ],
)
def test_the_version_is_shown_once(name, version, shown):
    artifact = Artifact(name=name, version=version)
    assert artifact.display_name == shown
    assert str(artifact) == shown


@pytest.mark.django_db
def test_no_seeded_artifact_repeats_its_version(seeded):  # noqa: F811
    for artifact in Artifact.objects.exclude(version=""):
        shown = str(artifact)
        assert not shown.endswith(f" {artifact.version} {artifact.version}")
        if artifact.version in artifact.name:
            assert shown == artifact.name, shown


@pytest.mark.django_db
def test_a_release_without_version_or_date_shows_no_release_line(client):
    artifact = factories.ArtifactFactory(name="EuroLLM-9B", version="")
    page = client.get(artifact.get_absolute_url())
    assert page.status_code == HTTPStatus.OK
    html = page.content.decode()
    assert "<dt>Release</dt>" not in html
    assert "Release: -" not in html


@pytest.mark.django_db
def test_a_release_shows_its_version_once(client):
    artifact = factories.ArtifactFactory(name="Bielik 11B v2", version="v2")
    html = client.get(artifact.get_absolute_url()).content.decode()
    assert "<h1>Bielik 11B v2</h1>" in html
    assert "v2 v2" not in html
    assert "<dt>Release</dt><dd>Version v2</dd>" in html
