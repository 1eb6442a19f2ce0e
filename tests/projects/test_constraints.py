"""Every registry invariant is enforced by the database itself, whatever path writes the row."""

import pytest
from django.db import IntegrityError, transaction

from projects.models import Artifact, GovernanceChange, Licence, Project
from tests import factories

pytestmark = pytest.mark.django_db


def rejected_by_database(write) -> bool:
    try:
        with transaction.atomic():
            write()
    except IntegrityError:
        return True
    return False


def test_project_without_slug_is_rejected():
    assert rejected_by_database(lambda: Project.objects.create(name="No slug", slug=""))


def test_project_with_unknown_governance_model_is_rejected():
    assert rejected_by_database(
        lambda: Project.objects.create(name="X", slug="x", governance_model="dictatorship")
    )


def test_project_with_unknown_listing_status_is_rejected():
    assert rejected_by_database(
        lambda: Project.objects.create(name="X", slug="x", listing_status="hidden")
    )


def test_project_slug_is_unique():
    factories.ProjectFactory(slug="olmo")
    assert rejected_by_database(lambda: Project.objects.create(name="Again", slug="olmo"))


def test_confirmed_unclassified_governance_needs_a_source():
    assert rejected_by_database(
        lambda: Project.objects.create(
            name="X", slug="x", governance_model="other", governance_confirmed=True
        )
    )
    Project.objects.create(
        name="Y",
        slug="y",
        governance_model="other",
        governance_confirmed=True,
        governance_source_url="https://example.org/governance",
    )


def test_artifact_cannot_derive_from_itself():
    artifact = factories.ArtifactFactory()
    artifact.derived_from = artifact
    artifact.derivation_relation = "finetune"
    assert rejected_by_database(artifact.save)


def test_derivation_needs_a_relation_and_a_relation_needs_a_parent():
    parent = factories.ArtifactFactory()
    assert rejected_by_database(
        lambda: Artifact.objects.create(
            project=parent.project, slug="child", kind="model", name="Child", derived_from=parent
        )
    )
    assert rejected_by_database(
        lambda: Artifact.objects.create(
            project=parent.project,
            slug="orphan",
            kind="model",
            name="Orphan",
            derivation_relation="merge",
        )
    )
    child = Artifact.objects.create(
        project=parent.project,
        slug="ok",
        kind="model",
        name="Child",
        derived_from=parent,
        derivation_relation="quantized",
    )
    assert child.derived_from == parent


def test_artifact_kind_must_be_known():
    project = factories.ProjectFactory()
    assert rejected_by_database(
        lambda: Artifact.objects.create(project=project, slug="a", kind="spaceship", name="A")
    )


def test_licence_identifier_unique_and_not_empty():
    factories.LicenceFactory(identifier="MIT")
    assert rejected_by_database(lambda: Licence.objects.create(identifier="MIT", name="again"))
    assert rejected_by_database(lambda: Licence.objects.create(identifier="", name="none"))


def test_maintainership_is_unique_per_project_and_user(project, maintainer):
    assert rejected_by_database(
        lambda: factories.MaintainershipFactory(project=project, user=maintainer)
    )


def test_mof_component_unique_per_artifact_and_known():
    artifact = factories.ArtifactFactory()
    artifact.components.create(component="model_card")
    assert rejected_by_database(lambda: artifact.components.create(component="model_card"))
    assert rejected_by_database(lambda: artifact.components.create(component="vibes"))


def test_governance_history_is_append_only(project):
    change = GovernanceChange.objects.create(project=project, field="governance_model")
    change.new_value = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        change.save()
    assert rejected_by_database(lambda: GovernanceChange.objects.create(project=project, field=""))
