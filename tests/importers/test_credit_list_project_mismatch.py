"""A credit list naming another project is refused unless the importer confirms it belongs here.

The real mistake (issue 15): pyOpenSci's pyosMeta list uploaded to EuroLLM imported 53 approved
credits "in the All Contributors list of pyosMeta". The file says which project it is for
(projectName, projectOwner); the import compares that with the registry and writes nothing until
the importer confirms, on the web form, the command line or the service.
"""

import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from cartography.models import ImportRun
from contributions.importers.allcontributors import parse_allcontributorsrc
from contributions.importers.services import (
    credit_list_import,
    credit_list_names_other_project,
)
from contributions.models import Contribution, Contributor
from tests import factories

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "all-contributors"
PYOSMETA = SAMPLES / "pyOpenSci__pyosMeta.all-contributorsrc.json"


@pytest.fixture
def eurollm(db):
    project = factories.ProjectFactory(
        name="EuroLLM",
        slug="eurollm",
        code_url="https://github.com/utter-project/EuroLLM",
        model_hub_url="https://huggingface.co/utter-project",
    )
    factories.ArtifactFactory(
        project=project,
        name="EuroLLM-9B-Instruct",
        url="https://huggingface.co/utter-project/EuroLLM-9B-Instruct",
    )
    return project


@pytest.fixture
def eurollm_maintainer(eurollm):
    user = factories.UserFactory(username="eurollm-maintainer")
    factories.MaintainershipFactory(project=eurollm, user=user)
    return user


def credit_list(project_name: str, owner: str = "") -> bytes:
    document = {
        "projectName": project_name,
        "projectOwner": owner,
        "contributors": [
            {"login": "ada", "name": "Ada", "contributions": ["code", "doc"]},
        ],
    }
    return json.dumps(document, indent=2).encode()


def assert_nothing_written():
    assert not Contribution.objects.exists()
    assert not Contributor.objects.exists()


@pytest.mark.parametrize(
    ("name", "owner"),
    [
        ("EuroLLM", ""),  # the project's name
        ("eurollm", "utter-project"),  # its code repository, owner/name
        ("EuroLLM-9B-Instruct", "utter-project"),  # an artifact's name and address
        ("eurollm-evaluation", "someone"),  # a name holding the project's
        ("", ""),  # a file naming no project: nothing to compare
    ],
)
def test_a_list_naming_this_project_needs_no_confirmation(eurollm, name, owner):
    parsed = parse_allcontributorsrc(credit_list(name, owner))
    assert credit_list_names_other_project(eurollm, parsed) == ""


@pytest.mark.parametrize(
    ("name", "owner"),
    [("pyosMeta", "pyOpenSci"), ("Llama", "meta-llama"), ("EuroLLM", "")],
)
def test_short_or_unrelated_names_do_not_match(db, name, owner):
    """A two-letter project name is not found inside every other name."""
    project = factories.ProjectFactory(name="AI", slug="ai", code_url="", model_hub_url="")
    parsed = parse_allcontributorsrc(credit_list(name, owner))
    assert "names the project" in credit_list_names_other_project(project, parsed)


def test_pyosmeta_into_eurollm_is_refused_with_a_clear_message(eurollm, eurollm_maintainer):
    report = credit_list_import(
        project=eurollm, data=PYOSMETA.read_bytes(), importer=eurollm_maintainer
    )
    assert not report.ok
    assert report.details["names_other_project"] is True
    (problem,) = report.problems
    assert "pyosMeta (pyOpenSci/pyosMeta)" in problem and "not EuroLLM" in problem
    assert "nothing was imported" in problem
    assert_nothing_written()


def test_the_service_imports_it_once_confirmed(eurollm, eurollm_maintainer):
    report = credit_list_import(
        project=eurollm,
        data=PYOSMETA.read_bytes(),
        importer=eurollm_maintainer,
        confirm_project_mismatch=True,
    )
    assert report.ok, report.problems
    assert report.created == Contribution.objects.filter(project=eurollm).count() > 0
    assert any("confirmed that it belongs to EuroLLM" in note for note in report.notes)


def post_upload(client, project, data: bytes, **extra):
    return client.post(
        reverse("import_new", kwargs={"slug": project.slug}),
        {"kind": "allcontributors", "file": SimpleUploadedFile(".all-contributorsrc", data)}
        | extra,
    )


def test_the_web_form_refuses_and_offers_the_confirmation_box(
    client, eurollm, eurollm_maintainer, django_capture_on_commit_callbacks
):
    client.force_login(eurollm_maintainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_upload(client, eurollm, PYOSMETA.read_bytes())
    assert response.status_code == 400  # refused input, the form shown again
    html = response.content.decode()
    assert "This credit list names the project pyosMeta, not EuroLLM" in html
    assert "This list belongs to EuroLLM even though it names pyosMeta" in html
    assert 'type="checkbox" name="confirm_project_mismatch"' in html
    assert not ImportRun.objects.exists()  # nothing queued
    assert_nothing_written()


def test_the_web_form_imports_once_the_box_is_ticked(
    client, eurollm, eurollm_maintainer, django_capture_on_commit_callbacks
):
    client.force_login(eurollm_maintainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_upload(
            client,
            eurollm,
            PYOSMETA.read_bytes(),
            confirm_project_mismatch="on",
            confirmed_file_project="pyosMeta",
        )
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert run.project_mismatch_confirmed
    assert run.status == ImportRun.Status.SUCCEEDED, run.report
    assert Contribution.objects.filter(project=eurollm).count() == run.created_count > 0


def test_a_tick_confirms_only_the_name_it_was_shown_for(
    client, eurollm, eurollm_maintainer, django_capture_on_commit_callbacks
):
    """The box confirmed "pyosMeta"; a different file uploaded with it is refused again."""
    client.force_login(eurollm_maintainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_upload(
            client,
            eurollm,
            credit_list("ethereum-org-website", "ethereum"),
            confirm_project_mismatch="on",
            confirmed_file_project="pyosMeta",
        )
    assert "names the project ethereum-org-website" in response.content.decode()
    assert not ImportRun.objects.exists()
    assert_nothing_written()


def test_a_queued_run_without_confirmation_writes_nothing(eurollm, eurollm_maintainer):
    """The job checks again: a run queued unconfirmed (by any path) imports nothing."""
    from cartography.tasks import run_import

    run = ImportRun.objects.create(
        project=eurollm,
        requested_by=eurollm_maintainer,
        kind=ImportRun.Kind.ALL_CONTRIBUTORS,
        filename="pyosMeta.all-contributorsrc",
        content=PYOSMETA.read_text(encoding="utf-8"),
    )
    run_import(run.pk)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert "names the project pyosMeta" in run.report["problems"][0]
    assert_nothing_written()


def test_the_command_refuses_without_the_flag(eurollm, eurollm_maintainer):
    with pytest.raises(CommandError, match="--confirm-project-mismatch") as error:
        call_command(
            "import_allcontributors",
            str(PYOSMETA),
            project="eurollm",
            username=eurollm_maintainer.username,
            no_progress=True,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert "names pyosMeta, not EuroLLM" in str(error.value)
    assert_nothing_written()


def test_the_command_imports_with_the_flag(eurollm, eurollm_maintainer):
    out = io.StringIO()
    call_command(
        "import_allcontributors",
        str(PYOSMETA),
        project="eurollm",
        username=eurollm_maintainer.username,
        no_progress=True,
        confirm_project_mismatch=True,
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "confirmed that it belongs to EuroLLM" in out.getvalue()
    assert Contribution.objects.filter(project=eurollm).exists()
