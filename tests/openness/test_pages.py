"""The openness pages and API: permissions for every role, upload refusals, the overview's
filters and its bounded query count, the export download and the assessments partial."""

import re
from http import HTTPStatus

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from projects.choices import ListingStatus
from projects.models import Project
from projects.models.openness import ArtifactComponent, ArtifactOpenness, MotRecord
from projects.openness import api as openness_api
from projects.openness.frameworks import CLASS_LABELS, required_for
from projects.openness.importers.index import index_import
from projects.openness.importers.mot import mot_import_many
from projects.openness.index_file import parse_index_entry
from projects.openness.licences import licence_facts_from_files
from projects.openness.mof import mof_class_reference, mof_class_strict
from projects.openness.mot_file import parse_mot, parse_mot_file, release_facts
from projects.services import artifact_set_components
from tests import factories
from tests.openness.conftest import INDEX, MOT, TEST_FILES, expected_results, raw

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "contributor_user", "maintainer", "other_maintainer", "staff")
AMBER = MOT / "models" / "Amber.yml"


def client_as(client, user):
    if user is not None and user.is_authenticated:
        client.force_login(user)
    return client


@pytest.fixture
def model(project):
    """A model artifact of `project` (maintained by `maintainer`)."""
    return factories.ArtifactFactory(project=project, slug="bielik-7b", name="Bielik", version="7B")


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/x-yaml")


# --- permissions ------------------------------------------------------------------------------

UPLOAD = {
    "anonymous": HTTPStatus.FOUND,  # to the sign-in page
    "contributor_user": HTTPStatus.FORBIDDEN,
    "maintainer": HTTPStatus.FOUND,  # to the artifact's openness page
    "other_maintainer": HTTPStatus.FORBIDDEN,
    "staff": HTTPStatus.FOUND,
}
BULK = {
    "anonymous": HTTPStatus.FOUND,
    "contributor_user": HTTPStatus.FORBIDDEN,
    "maintainer": HTTPStatus.FORBIDDEN,
    "other_maintainer": HTTPStatus.FORBIDDEN,
    "staff": HTTPStatus.OK,
}


@pytest.mark.parametrize("role", ROLES)
def test_reading_is_public_for_every_role(role, request, client, model):
    client = client_as(client, request.getfixturevalue(role))
    for url in ("/openness/", f"/openness/artifacts/{model.slug}/", "/api/v1/openness/"):
        assert client.get(url).status_code == HTTPStatus.OK, url
    response = client.get(f"/openness/artifacts/{model.slug}/mot.yml")
    assert response.status_code == HTTPStatus.OK
    assert yaml.safe_load(response.content)["release"]["name"] == "Bielik"


@pytest.mark.parametrize("role", ROLES)
def test_upload_on_an_artifact_is_for_its_maintainers_and_staff(role, request, client, model):
    client = client_as(client, request.getfixturevalue(role))
    response = client.post(
        f"/openness/artifacts/{model.slug}/upload/",
        {"files": upload("Amber.yml", AMBER.read_bytes())},
    )
    assert response.status_code == UPLOAD[role]
    imported = ArtifactComponent.objects.filter(artifact=model).count()
    if role in ("maintainer", "staff"):
        assert response["Location"] == f"/openness/artifacts/{model.slug}/"
        assert imported == len(raw(AMBER)["release"]["components"])
        assert MotRecord.objects.get(artifact=model).source_file == "Amber.yml"
        assert ArtifactOpenness.objects.filter(artifact=model).exists()
    else:
        assert imported == 0
        if role == "anonymous":
            assert response["Location"].startswith("/accounts/")


@pytest.mark.parametrize("role", ROLES)
def test_bulk_import_is_for_staff(role, request, client):
    client = client_as(client, request.getfixturevalue(role))
    assert client.get("/openness/import/").status_code == BULK[role]
    response = client.post(
        "/openness/import/", {"files": [upload(p.name, p.read_bytes()) for p in TEST_FILES[:3]]}
    )
    assert response.status_code == BULK[role]
    assert MotRecord.objects.count() == (3 if role == "staff" else 0)


def test_a_pending_projects_artifact_is_hidden(client, model, contributor_user):
    Project.objects.filter(pk=model.project_id).update(listing_status=ListingStatus.PENDING)
    for user in (None, contributor_user):
        client_as(client, user)
        for url in (
            f"/openness/artifacts/{model.slug}/",
            f"/openness/artifacts/{model.slug}/mot.yml",
        ):
            assert client.get(url).status_code == HTTPStatus.NOT_FOUND
        assert client.get("/api/v1/openness/").json()["count"] == 0


# --- upload refusals --------------------------------------------------------------------------


def post_as_maintainer(client, maintainer, model, *files):
    client.force_login(maintainer)
    return client.post(f"/openness/artifacts/{model.slug}/upload/", {"files": list(files)})


def test_a_file_over_1_mb_is_refused_while_it_streams(client, maintainer, model):
    big = b"# padding\n" * (1024 * 1024 // 10 + 10)  # just over 1 MB: under the request limit
    response = post_as_maintainer(client, maintainer, model, upload("big.yml", big))
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert b"larger than 1 MB" in response.content
    assert not MotRecord.objects.exists()


def test_a_request_over_the_limit_is_refused_before_its_body_is_read(client, maintainer, model):
    huge = b"x" * (3 * 1024 * 1024)
    response = post_as_maintainer(client, maintainer, model, upload("huge.yml", huge))
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert not MotRecord.objects.exists()


@pytest.mark.parametrize("name", ["Amber.txt", "Amber.json", "Amber"])
def test_only_yaml_files_are_taken(client, maintainer, model, name):
    response = post_as_maintainer(client, maintainer, model, upload(name, AMBER.read_bytes()))
    assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    assert b"is not a YAML file" in response.content
    assert not MotRecord.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"release: [unclosed", b"not valid YAML"),
        (b"just: a mapping\n", b"is not a Model Openness Tool file"),
        (b"\xff\xfe\x00binary", b"is not UTF-8 text"),
    ],
)
def test_a_file_that_is_not_a_mot_file_is_refused(client, maintainer, model, content, message):
    response = post_as_maintainer(client, maintainer, model, upload("x.yml", content))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.content
    assert not MotRecord.objects.exists()


def test_one_bad_file_in_a_bulk_upload_stops_them_all(client, staff):
    client.force_login(staff)
    files = [upload(p.name, p.read_bytes()) for p in TEST_FILES[:2]] + [upload("x.csv", b"a,b")]
    response = client.post("/openness/import/", {"files": files})
    assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    assert not MotRecord.objects.exists()


def test_a_file_held_by_another_artifact_is_refused(client, maintainer, model):
    other = factories.ArtifactFactory(project=model.project)
    mot_import_many(files=[("Amber.yml", AMBER.read_text(encoding="utf-8"))])
    MotRecord.objects.filter(source_file="Amber.yml").update(artifact=other)
    response = post_as_maintainer(
        client, maintainer, model, upload("Amber.yml", AMBER.read_bytes())
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert b"already imported" in response.content


def test_uploading_the_same_file_again_changes_nothing(client, maintainer, model):
    post_as_maintainer(client, maintainer, model, upload("Amber.yml", AMBER.read_bytes()))
    rows = list(ArtifactComponent.objects.filter(artifact=model).values())
    verdict = ArtifactOpenness.objects.get(artifact=model)
    response = post_as_maintainer(
        client, maintainer, model, upload("Amber.yml", AMBER.read_bytes())
    )
    assert response.status_code == HTTPStatus.FOUND
    assert list(ArtifactComponent.objects.filter(artifact=model).values()) == rows
    assert ArtifactOpenness.objects.get(artifact=model).computed_at == verdict.computed_at
    # And the export reads back as the file.
    exported = client.get(f"/openness/artifacts/{model.slug}/mot.yml").content.decode()
    original = parse_mot_file(AMBER)
    again = parse_mot(exported, source="Amber.yml")
    assert again.components == original.components and again.licences == original.licences


# --- the overview: filters and query counts ---------------------------------------------------


@pytest.fixture
def test_models():
    """The tool's 27 test files, imported; their expected classes are in expected_results."""
    results = mot_import_many(files=[parse_mot_file(p) for p in TEST_FILES])
    return {r.artifact.name: r.artifact for r in results}


def names(response) -> set[str]:
    return {row["name"] for row in response.json()["results"]}


def test_class_filters_agree_with_the_tools_expected_results(client, test_models):
    expected = expected_results()
    lookup = licence_facts_from_files(
        MOT.parent / "spdx" / "licenses.json", MOT / "rules" / "mof-licenses.json"
    ).get
    strict = {
        parse_mot_file(p).name: mof_class_strict(release_facts(parse_mot_file(p)), lookup)
        for p in TEST_FILES
    }
    for k in (0, 1, 2, 3):
        got = names(client.get("/api/v1/openness/", {"reference_class": k, "page_size": 100}))
        assert got == {name for name, e in expected.items() if e["class"] == k}
        got = names(client.get("/api/v1/openness/", {"strict_class": k, "page_size": 100}))
        assert got == {name for name, v in strict.items() if v.mof_class == k}
        page = client.get("/openness/", {"reference_class": k})
        assert page.status_code == HTTPStatus.OK
        assert page.content.count(b"data-artifact=") == len(
            {name for name, e in expected.items() if e["class"] == k}
        )
    readings = names(
        client.get("/api/v1/openness/", {"disagreement": "readings", "page_size": 100})
    )
    assert readings == {
        name for name, v in strict.items() if expected[name]["class"] != v.mof_class
    }
    reference = {
        name: mof_class_reference(release_facts(parse_mot_file(p)), lookup).mof_class
        for name, p in ((parse_mot_file(p).name, p) for p in TEST_FILES)
    }
    assert reference == {name: e["class"] for name, e in expected.items()}


def test_licence_and_governance_filters(client, test_models):
    licences = {
        raw(p)["release"]["name"]: (
            (raw(p)["release"]["license"] or {}).get("distribution") or {}
        ).get("name", "")
        for p in TEST_FILES
    }
    some = next(text for text in licences.values() if text)
    got = names(client.get("/api/v1/openness/", {"licence": some, "page_size": 100}))
    assert got == {name for name, text in licences.items() if text.lower() == some.lower()}
    chosen = next(iter(test_models.values()))
    Project.objects.filter(pk=chosen.project_id).update(governance_model="single_company")
    got = names(client.get("/api/v1/openness/", {"governance_model": "single_company"}))
    assert got == {a.name for a in test_models.values() if a.project_id == chosen.project_id}
    assert client.get("/api/v1/openness/", {"reference_class": "9"}).status_code == 400


def test_overview_query_count_does_not_grow_with_rows(
    client, test_models, django_assert_max_num_queries
):
    assert len(test_models) == 27
    with django_assert_max_num_queries(6):
        assert client.get("/openness/").status_code == HTTPStatus.OK
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/openness/", {"page_size": 100}).status_code == HTTPStatus.OK
    mot_import_many(files=[parse_mot_file(p) for p in sorted((MOT / "models").glob("A*.yml"))])
    with django_assert_max_num_queries(6):
        assert client.get("/openness/").status_code == HTTPStatus.OK
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/openness/", {"page_size": 100}).status_code == HTTPStatus.OK


def test_the_openness_schema_has_no_warnings():
    GENERATOR_STATS.reset()
    generator = SchemaGenerator(patterns=[path("api/v1/", include(openness_api.urlpatterns))])
    schema = generator.get_schema(request=None, public=True)
    assert "/api/v1/openness/" in schema["paths"]
    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache


# --- the assessments partial ------------------------------------------------------------------


def test_the_partial_marks_disagreements_and_both_readings(model, maintainer, client):
    mot_import_many(files=[("Amber.yml", AMBER.read_text(encoding="utf-8"))])
    amber = MotRecord.objects.get(source_file="Amber.yml").artifact
    text = (INDEX / "main-database" / "amber.yaml").read_text(encoding="utf-8")
    result = index_import(parsed=parse_index_entry(text, source="amber.yaml"))
    assert result.assessment.artifact == amber
    verdict = ArtifactOpenness.objects.get(artifact=amber)
    disagreements = verdict.assessments[0]["disagreements"]
    html = Template("{% load openness_tags %}{% artifact_assessments artifact %}").render(
        Context({"artifact": amber})
    )
    assert html.count('data-disagrees="true"') == len(disagreements)
    for dimension in disagreements:
        assert f'data-dimension="{dimension}" data-disagrees="true"' in html
    assert 'data-testid="reference-class"' in html and 'data-testid="strict-class"' in html
    if verdict.classes_differ or verdict.differences:
        assert "data-difference=" in html
    page = client.get(f"/openness/artifacts/{amber.slug}/")
    assert page.status_code == HTTPStatus.OK
    assert page.content.count(b'data-disagrees="true"') == len(disagreements)


def test_the_partial_says_so_for_an_artifact_that_is_not_a_model(project):
    dataset = factories.ArtifactFactory(project=project, kind="dataset")
    html = Template("{% load openness_tags %}{% artifact_assessments artifact %}").render(
        Context({"artifact": dataset})
    )
    assert "model releases only" in html


# --- one reading per page ---------------------------------------------------------------------

LABEL = re.compile(r'data-testid="(mof-class|reference-class|strict-class)">([^<]+)<')


def test_the_artifact_pages_show_one_mof_reading_the_same_as_the_apis(client, model):
    """A licence only the registry knows (no entry in the tool's files) is read the same way by
    the artifact page's two openness sections, the openness page and the API: one adapter, one
    licence lookup. Under the tool's rules an OSI-approved licence counts for every component,
    so the Class III components under it make Class III; the strict reading wants open data and
    content licences for the weights and documents, so it gives none."""
    registry_only = factories.LicenceFactory(
        identifier="Example-Permissive-1.0", name="Example Permissive Licence"
    )
    artifact_set_components(
        artifact=model,
        editor=None,
        components=[
            {"component": c, "released": True, "licence": registry_only} for c in required_for(3)
        ],
    )
    api = next(
        row["openness"]
        for row in client.get("/api/v1/openness/").json()["results"]
        if row["slug"] == model.slug
    )
    assert (api["reference_class"], api["strict_class"]) == (3, 0)
    reference, strict = CLASS_LABELS[api["reference_class"]], CLASS_LABELS[api["strict_class"]]

    page = client.get(model.get_absolute_url()).content.decode()
    labels = LABEL.findall(page)
    assert sorted(labels) == sorted(
        [("mof-class", strict), ("strict-class", strict), ("reference-class", reference)]
    )
    assert f"own rules give <strong>{reference}</strong>" in page
    openness_page = client.get(f"/openness/artifacts/{model.slug}/").content.decode()
    assert sorted(LABEL.findall(openness_page)) == [
        ("reference-class", reference),
        ("strict-class", strict),
    ]
