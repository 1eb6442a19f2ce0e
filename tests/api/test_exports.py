"""Exports: CSV of any contributions list, a project's .all-contributorsrc, the public snapshot."""

import csv
import io
import json
from http import HTTPStatus
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from contributions import stats
from contributions.choices import ALL_CONTRIBUTORS_KEY_TO_TYPE, ALL_CONTRIBUTORS_KEYS
from contributions.importers.allcontributors import custom_type_key, parse_allcontributorsrc
from contributions.models import Contribution
from tests import factories
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "all-contributors"


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


# CSV
# ------------------------------------------------------------------------------
def test_csv_has_the_same_rows_as_the_list_for_the_same_filters(project, maintainer):
    other = factories.ProjectFactory()
    for type_ in ("evaluation", "evaluation", "code", "red_teaming"):
        factories.ContributionFactory(project=project, type=type_, status="approved")
    factories.ContributionFactory(project=other, type="evaluation", status="approved")
    factories.ContributionFactory(project=project, type="evaluation")  # pending
    query = "project=bielik&domain=evaluation"

    for client, expected in ((APIClient(), 3), (client_for(maintainer), 4)):
        listed = client.get(f"/api/v1/contributions/?{query}").json()["results"]
        rows = read_csv(client.get(f"/api/v1/contributions/csv/?{query}"))
        assert [int(r["id"]) for r in rows] == [c["id"] for c in listed]
        assert len(rows) == expected
        assert {r["domain"] for r in rows} == {"evaluation"}


def test_csv_defuses_formulas_and_credits_private_profiles_by_name(project):
    private = factories.ContributorFactory(display_name="Ada", is_public=False)
    factories.ContributionFactory(
        project=project, contributor=private, status="approved", title="=HYPERLINK(1)"
    )
    response = APIClient().get("/api/v1/contributions/csv/")
    assert "attachment" in response["Content-Disposition"]
    (row,) = read_csv(response)
    assert row["title"] == "'=HYPERLINK(1)"
    assert row["contributor"] == "Ada"


def test_csv_with_invalid_filters_is_a_json_400(db):
    response = APIClient().get("/api/v1/contributions/csv/?type=poetry", HTTP_ACCEPT="text/csv")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["errors"] == {"type": [response.json()["errors"]["type"][0]]}


# .all-contributorsrc
# ------------------------------------------------------------------------------
def test_all_contributors_export_round_trips_a_real_credit_file(project):
    """Credit a project as pyOpenSci's pyosMeta file credits its people, export, and compare with
    the sample read by plain json: same logins, each type under its All Contributors key."""
    sample = json.loads((SAMPLES / "pyOpenSci__pyosMeta.all-contributorsrc.json").read_text())
    expected: dict[str, set[str]] = {}
    for person in sample["contributors"]:
        types = {ALL_CONTRIBUTORS_KEY_TO_TYPE[k] for k in person["contributions"]}
        contributor = factories.ContributorFactory(
            user=None, display_name=person["name"] or person["login"], github=person["login"]
        )
        for type_ in sorted(types):
            factories.ContributionFactory(
                project=project, contributor=contributor, type=type_, status="approved"
            )
        expected[person["login"]] = {
            ALL_CONTRIBUTORS_KEYS[t][0] if ALL_CONTRIBUTORS_KEYS[t] else custom_type_key(t)
            for t in types
        }
    # Entries not (or no longer) approved are not credited.
    ghost = factories.ContributorFactory(user=None, display_name="Ghost", github="ghost")
    for status in ("pending", "rejected", "withdrawn", "changes_requested"):
        factories.ContributionFactory(project=project, contributor=ghost, status=status)

    response = APIClient().get(f"/api/v1/projects/{project.slug}/all-contributors/")
    assert response.status_code == HTTPStatus.OK
    document = response.json()
    parsed = parse_allcontributorsrc(json.dumps(document).encode("utf-8"))
    assert parsed.is_valid, parsed.problems
    exported = {c["login"]: set(c["contributions"]) for c in document["contributors"]}
    assert exported == expected
    assert len(document["contributors"]) == len(sample["contributors"]) == 25


def test_all_contributors_credits_private_and_keyless_people_without_identity(project):
    private = factories.ContributorFactory(
        display_name="Quiet Annotator", github="quiet", is_public=False
    )
    factories.ContributionFactory(
        project=project, contributor=private, type="data_annotation", status="approved"
    )
    document = APIClient().get(f"/api/v1/projects/{project.slug}/all-contributors/").json()
    (entry,) = document["contributors"]
    assert "login" not in entry  # never an invented login that names somebody else's account
    assert entry["name"] == "Quiet Annotator"
    assert "profile" not in entry and "avatar_url" not in entry
    assert entry["contributions"] == ["dataAnnotation"]
    assert document["types"]["dataAnnotation"]["description"] == "Data annotation"


def test_all_contributors_names_the_repository(project):
    project.code_url = "https://github.com/speakleash/bielik-models"
    project.save()
    document = APIClient().get(f"/api/v1/projects/{project.slug}/all-contributors/").json()
    assert (document["projectOwner"], document["projectName"]) == ("speakleash", "bielik-models")
    assert document["contributors"] == []


# Snapshot
# ------------------------------------------------------------------------------
def test_snapshot_is_the_public_cartography_with_approved_counts(project, maintainer):
    artifact = factories.ArtifactFactory(project=project, licence=factories.LicenceFactory())
    artifact.components.create(component="model_card")
    factories.ProjectFactory(slug="proposal", listing_status="pending")
    archived = factories.ProjectFactory(slug="archived", listing_status="archived")
    people = [factories.ContributorFactory() for _ in range(3)]
    for person, type_ in zip(people, ("evaluation", "evaluation", "code"), strict=True):
        factories.ContributionFactory(
            project=project, contributor=person, type=type_, status="approved"
        )
    factories.ContributionFactory(
        project=project, contributor=people[0], type="evaluation", status="approved"
    )
    factories.ContributionFactory(project=project, type="funding")  # pending: not counted
    stats.refresh_project(project.pk)  # the counts come from the rollups the jobs keep

    # Whoever asks, the snapshot is the public one.
    body = client_for(maintainer).get("/api/v1/snapshot/").json()
    by_slug = {p["slug"]: p for p in body["projects"]}
    assert set(by_slug) == {project.slug, archived.slug}  # not the pending proposal
    bielik = by_slug[project.slug]
    approved = Contribution.objects.filter(project=project, status="approved")
    assert sum(bielik["approved_contributions"].values()) == approved.count() == 4
    assert bielik["approved_contributions"] == {"evaluation": 3, "code": 1}
    assert bielik["contributor_count"] == 3
    assert [a["slug"] for a in bielik["artifacts"]] == [artifact.slug]
    assert bielik["artifacts"][0]["components"][0]["component"] == "model_card"
    assert [lic["identifier"] for lic in body["licences"]] == ["Apache-2.0"]
