"""Demo data on the real map: `generate_demo_data` (make demo) attaches synthetic work to the seeded
projects, marks it wherever it is shown, and `remove_demo_data` (make demo-clean) returns the map,
the registry and every statistic to exactly what they were."""

import io
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from contributions.models import Contribution, Contributor, ModerationEvent
from projects.models import Artifact, Organisation, Project, ProjectOrganisation
from tests import factories
from tests.contributions.oracles import assert_rollups_exact

pytestmark = pytest.mark.django_db

# Timestamps of the last computation change with every refresh; the numbers must not.
MOVING = {"updated_at", "computed_at"}


def without_times(value):
    if isinstance(value, dict):
        return {k: without_times(v) for k, v in value.items() if k not in MOVING}
    if isinstance(value, list):
        return [without_times(v) for v in value]
    return value


def snapshot(client) -> dict:
    """What the map shows and what the registry and the ledger hold, through the public API."""
    state = {
        "map": client.get("/api/v1/map/").json(),
        "stats": client.get("/api/v1/stats/").json(),
        "projects": {},
        "counts": {
            model.__name__: model.objects.count()
            for model in (
                Project,
                Artifact,
                Organisation,
                ProjectOrganisation,
                Contributor,
                Contribution,
                ModerationEvent,
                get_user_model(),
            )
        },
        "countries": sorted(Project.countries.through.objects.values_list("project_id", "country")),
    }
    for slug in Project.objects.order_by("slug").values_list("slug", flat=True):
        response = client.get(f"/api/v1/projects/{slug}/stats/")
        assert response.status_code == HTTPStatus.OK
        state["projects"][slug] = response.json()
    return without_times(state)


def generate(**options):
    call_command(
        "generate_demo_data",
        **{"contributions": 600, "contributors": 40, "seed": 3, "no_progress": True, **options},
        stdout=io.StringIO(),
    )


def remove() -> str:
    out = io.StringIO()
    call_command("remove_demo_data", stdout=out)
    return out.getvalue()


def test_demo_then_demo_clean_leaves_the_map_exactly_as_the_seed_gave_it(client, ledger):
    before = snapshot(client)
    seeded_projects = set(Project.objects.values_list("pk", flat=True))

    generate()
    # Attached to the seeded projects: no project, country or project organisation was added.
    assert set(Project.objects.values_list("pk", flat=True)) == seeded_projects
    assert snapshot(client)["countries"] == before["countries"]
    assert ProjectOrganisation.objects.count() == before["counts"]["ProjectOrganisation"]
    synthetic = Contribution.objects.filter(source="synthetic")
    assert synthetic.count() == 600
    assert (
        synthetic.values("project").distinct().count()
        == Project.objects.filter(listing_status="listed").count()
    )
    for contribution in synthetic.exclude(artifact=None).select_related("artifact"):
        assert contribution.artifact.project_id == contribution.project_id
    # Every organisation it made (the synthetic people's affiliations) is marked and off the map.
    made = Organisation.objects.filter(slug__startswith="demo-")
    assert made.exists()
    assert all(o.name.endswith("(synthetic)") and o.country_id is None for o in made)
    during = snapshot(client)
    assert during["map"]["totals"]["synthetic"] > 0
    assert during["map"]["totals"]["projects"] == before["map"]["totals"]["projects"]
    assert during["map"]["totals"]["countries"] == before["map"]["totals"]["countries"]
    assert_rollups_exact()

    message = remove()
    assert "Removed 600 synthetic contributions, 40 synthetic contributors" in message
    assert not Contribution.objects.filter(source="synthetic").exists()
    assert not Contributor.objects.filter(is_synthetic=True).exists()
    assert snapshot(client) == before
    assert_rollups_exact()


def test_a_moderated_synthetic_entry_goes_too_and_real_work_stays(client, ledger):
    """A maintainer trying the queue on demo data moderates synthetic entries: their events go
    with them; the real contributions and their history stay."""
    generate(contributions=50, approved_share=0.0)
    real = Contribution.objects.exclude(source="synthetic").count()
    pending = Contribution.objects.filter(source="synthetic", status="pending").first()
    maintainer = factories.StaffFactory(username="trying-the-queue")
    from contributions import services

    services.contribution_approve(contribution=pending, moderator=maintainer, note="")
    remove()
    assert Contribution.objects.count() == real
    assert not ModerationEvent.objects.filter(contribution_id=pending.pk).exists()
    assert get_user_model().objects.filter(username="trying-the-queue").exists()
    assert not get_user_model().objects.filter(username="demo-moderator").exists()
    assert_rollups_exact()


def test_demo_data_cannot_be_loaded_twice(ledger):
    generate(contributions=10)
    with pytest.raises(Exception, match="remove_demo_data"):
        generate(contributions=10)
    remove()
    generate(contributions=10)
    assert Contribution.objects.filter(source="synthetic").count() == 10


def test_without_a_seeded_map_it_says_how_to_load_one(db):
    with pytest.raises(Exception, match="load_cartography"):
        generate()
    assert not Contributor.objects.exists()


def test_projects_of_an_older_generator_are_removed(ledger):
    """`make demo` once made fake projects on the map (slug `demo-`, the synthetic summary):
    demo-clean removes those too; a real project whose slug happens to start with demo- stays."""
    from contributions.management.commands.generate_demo_data import SUMMARY

    country = factories.CountryFactory(code="FM", name="Micronesia")
    fake = factories.ProjectFactory(slug="demo-1-001", name="Demo project 1", summary=SUMMARY)
    fake.countries.add(country)
    factories.ArtifactFactory(project=fake, slug="demo-1-001-model")
    real = factories.ProjectFactory(slug="demo-lab", name="Demo Lab", summary="A real project.")
    factories.OrganisationFactory(slug="demo-1-org-001", name="Demo organisation 1 (synthetic)")
    remove()
    assert not Project.objects.filter(pk=fake.pk).exists()
    assert Project.objects.filter(pk=real.pk).exists()
    assert not Organisation.objects.filter(slug="demo-1-org-001").exists()


def test_synthetic_work_is_marked_on_the_pages_and_in_the_api_and_one_filter_excludes_it(
    client, ledger
):
    generate(contributions=200, approved_share=1.0)
    synthetic = Contribution.objects.filter(source="synthetic").select_related("project").first()
    real_count = Contribution.objects.filter(status="approved").exclude(source="synthetic").count()

    page = client.get(synthetic.get_absolute_url()).content.decode()
    assert "synthetic demo data" in page
    assert "remove_demo_data" in page
    listing = client.get(reverse("contributions:contribution_list")).content.decode()
    assert "badge-synthetic" in listing
    project_page = client.get(synthetic.project.get_absolute_url()).content.decode()
    assert "synthetic demo data" in project_page
    person = client.get(synthetic.contributor.get_absolute_url()).content.decode()
    assert "not a real person" in person

    detail = client.get(f"/api/v1/contributions/{synthetic.pk}/").json()
    assert detail["is_synthetic"] is True
    assert detail["source"] == "synthetic"

    real = client.get("/api/v1/contributions/?is_synthetic=false").json()
    assert real["next"] is None
    assert sorted(row["id"] for row in real["results"]) == sorted(
        Contribution.objects.exclude(source="synthetic").values_list("pk", flat=True)
    )
    assert len(real["results"]) == real_count
    only = client.get("/api/v1/contributions/?is_synthetic=true").json()["results"]
    assert only
    assert all(row["is_synthetic"] and row["source"] == "synthetic" for row in only)
    html = client.get(reverse("contributions:contribution_list") + "?is_synthetic=false")
    assert "badge-synthetic" not in html.content.decode()
    assert 'name="is_synthetic"' in html.content.decode()
