"""The ORM adapter of the openness verdicts (projects/openness/verdicts.py): facts built from
ArtifactComponent and Licence rows, verdicts on the seeded models, caveats inherited by lineage."""

import pytest

from projects.choices import ArtifactKind, MOFComponent
from projects.models import Artifact, Licence
from projects.models.openness import ArtifactComponent
from projects.openness.frameworks import required_for
from projects.openness.licences import UseRestriction
from projects.openness.verdicts import openness_for
from projects.selectors import artifact_lineage
from tests import factories

pytestmark = pytest.mark.django_db

C = MOFComponent


def record(slug: str):
    artifact = Artifact.objects.select_related("licence", "derived_from").get(slug=slug)
    return openness_for(artifact, ancestors=artifact_lineage(artifact))


def use_reasons(rec):
    return [(r.code, r.detail) for r in rec.osaid.freedoms["use"].reasons]


# THE SEEDED MODELS (no components recorded: verdicts inferred from licence and page)
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("slug", "family"),
    [
        ("llama-3-1-8b", UseRestriction.LLAMA),
        ("meta-llama-3-8b-instruct", UseRestriction.LLAMA),
        ("bloom", UseRestriction.RAIL),
        ("starcoder2-15b", UseRestriction.RAIL),
        ("gpt-sw3-20b-instruct", UseRestriction.RAIL),
        ("aya-expanse-8b", UseRestriction.NON_COMMERCIAL),
        ("gemma-sea-lion-v3-9b", UseRestriction.GEMMA),
        ("falcon-180b", UseRestriction.ACCEPTABLE_USE),
        ("qwen2-5-72b", UseRestriction.ACCEPTABLE_USE),
    ],
)
def test_seeded_restrictive_licences_fail_the_use_freedom_with_their_family(seeded, slug, family):
    rec = record(slug)
    assert rec.inferred
    assert not rec.osaid_conforms
    assert ("licence_restricts_use", family.value) in use_reasons(rec)


@pytest.mark.parametrize("slug", ["olmo-7b", "pythia-1-4b", "bielik-11b-v2", "ling-1t"])
def test_seeded_open_licences_grant_use_but_not_study(seeded, slug):
    rec = record(slug)
    assert rec.osaid.freedoms["use"].granted
    assert not rec.osaid.freedoms["study"].granted
    codes = {r.code for r in rec.osaid.freedoms["study"].reasons}
    assert {"code_missing", "data_information_missing"} <= codes


def test_every_seeded_model_gets_a_verdict_and_only_models_do(seeded):
    models = Artifact.objects.filter(kind=ArtifactKind.MODEL)
    assert models.count() > 40
    for artifact in models.select_related("licence", "derived_from"):
        rec = openness_for(artifact, ancestors=artifact_lineage(artifact))
        # Only the weights and the card are inferred: no seeded model reaches a class.
        assert rec.inferred
        assert rec.strict.mof_class == 0
        assert rec.strict.progress[3] < 100
    for other in Artifact.objects.exclude(kind=ArtifactKind.MODEL):
        assert openness_for(other) is None


def test_inferred_components_are_the_weights_and_the_hub_card(seeded):
    rec = record("olmo-7b")
    listed = {c.component for c in rec.release.components}
    assert listed == {C.FINAL_PARAMETERS, C.MODEL_CARD}
    assert rec.release.distribution_licence == "Apache-2.0"
    assert rec.strict.status_of(C.FINAL_PARAMETERS).licence == "Apache-2.0"


# LINEAGE
# ------------------------------------------------------------------------------
def test_a_fine_tune_inherits_the_use_restriction_of_its_base(seeded):
    rec = record("nb-llama-3-1-8b-instruct")  # NB-Llama <- Llama 3.1 8B Instruct <- Llama 3.1 8B
    restrictions = [c for c in rec.caveats if c.code == "inherited_use_restriction"]
    assert len(restrictions) == 1  # one per licence, from the nearest ancestor
    assert restrictions[0].ancestor.slug == "llama-3-1-8b-instruct"
    assert "use" in rec.withheld_by_lineage
    assert {c.ancestor.slug for c in rec.caveats if c.code == "upstream_data_not_released"} == {
        "llama-3-1-8b-instruct",
        "llama-3-1-8b",
    }


def test_an_open_release_of_a_restricted_base_is_still_restricted(seeded):
    """A derivative that declares Apache-2.0 while its base is under a Llama licence: its own
    facts grant the use freedom, its lineage withholds it."""
    base = Artifact.objects.get(slug="llama-3-1-8b")
    child = factories.ArtifactFactory(
        project=base.project,
        slug="apache-llama-child",
        licence=Licence.objects.get(identifier="Apache-2.0"),
        derived_from=base,
        derivation_relation="finetune",
    )
    rec = openness_for(child, ancestors=artifact_lineage(child))
    assert rec.osaid.freedoms["use"].granted
    assert not rec.osaid_conforms
    caveat = next(c for c in rec.caveats if c.code == "inherited_use_restriction")
    assert "whatever this release's own licence (Apache-2.0) says" in caveat.message


def test_an_open_base_passes_on_no_restriction(seeded):
    rec = record("apertus-sea-lion-v4-8b-it")  # Apache-2.0 on Apache-2.0
    assert [c.code for c in rec.caveats] == ["upstream_data_not_released"]
    assert rec.withheld_by_lineage == ()


# RECORDED COMPONENTS
# ------------------------------------------------------------------------------
LICENCES = {
    "code": ("MIT", True, "code"),
    "data": ("CDLA-Permissive-2.0", False, "data"),
    "document": ("CC-BY-4.0", False, "content"),
}


def licence(kind: str) -> Licence:
    identifier, osi, licence_kind = LICENCES[kind]
    return factories.LicenceFactory(
        identifier=identifier, name=identifier, osi_approved=osi, kind=licence_kind
    )


def give(artifact, components, **overrides):
    from projects.openness.frameworks import COMPONENT_SPECS

    for component in components:
        spec = COMPONENT_SPECS[component]
        values = {"licence": licence(spec.type.value)} | overrides.get(component, {})
        ArtifactComponent.objects.create(artifact=artifact, component=component, **values)


@pytest.fixture
def model(db):
    return factories.ArtifactFactory(kind=ArtifactKind.MODEL, slug="hand-made")


def fresh(artifact):
    return openness_for(
        Artifact.objects.prefetch_related("components__licence").get(pk=artifact.pk)
    )


def test_recorded_class_iii_components_reach_class_iii(model):
    give(model, required_for(3))
    rec = fresh(model)
    assert not rec.inferred
    assert rec.strict.mof_class == 3
    assert rec.reference.mof_class == 3
    assert rec.strict.progress[3] == 100


def test_class_ii_and_i_boundaries(model):
    give(model, required_for(2))
    assert fresh(model).strict.mof_class == 2
    give(model, [c for c in required_for(1) if c not in required_for(2)])
    assert fresh(model).strict.mof_class == 1


def test_a_missing_component_is_named_with_its_class(model):
    give(model, [c for c in required_for(3) if c is not C.DATA_CARD])
    rec = fresh(model)
    assert rec.strict.mof_class == 0
    reasons = rec.strict.reasons_for(3)
    assert [(r.code, r.component) for r in reasons] == [("component_missing", C.DATA_CARD)]


def test_a_component_without_a_licence_inherits_the_release_licence(model):
    model.licence = factories.LicenceFactory(
        identifier="llama3.1",
        name="Llama 3.1 Community License",
        kind="model_weights",
        restricts_use=True,
        osi_approved=False,
        is_spdx=False,
    )
    model.save()
    give(model, [C.FINAL_PARAMETERS], **{C.FINAL_PARAMETERS: {"licence": None}})
    rec = fresh(model)
    status = rec.strict.status_of(C.FINAL_PARAMETERS)
    assert (status.licence, status.licence_source) == ("llama3.1", "distribution")
    assert ("licence_restricts_use", "llama") in use_reasons(rec)


def test_unlicensed_as_given_is_no_licence(model):
    give(
        model,
        [C.FINAL_PARAMETERS],
        **{C.FINAL_PARAMETERS: {"licence": None, "licence_text": "unlicensed"}},
    )
    rec = fresh(model)
    assert rec.strict.status_of(C.FINAL_PARAMETERS).status.value == "unlicensed"
    assert "unlicensed" in {r.code for r in rec.osaid.freedoms["use"].reasons}


def test_the_strict_reading_explains_where_it_parts_from_the_tool(model):
    # Apache-2.0 on the weights: open for the tool, not an open data licence for the framework.
    apache = factories.LicenceFactory()
    give(model, required_for(3), **{C.FINAL_PARAMETERS: {"licence": apache}})
    rec = fresh(model)
    assert rec.reference.mof_class == 3
    assert rec.strict.mof_class == 0
    assert any(d.code == "open_but_not_fit_for_type" for d in rec.strict.differences)


def test_a_curated_restriction_on_a_licence_row_is_honoured(model):
    custom = factories.LicenceFactory(
        identifier="house-licence-1.0",
        name="House Licence",
        osi_approved=False,
        is_spdx=False,
        restricts_use=True,
    )
    model.licence = custom
    model.save()
    rec = fresh(model)
    assert use_reasons(rec)[0][0] == "licence_restricts_use"
