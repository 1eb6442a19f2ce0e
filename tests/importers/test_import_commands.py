"""The importers from the command line and from the web (a background job with progress)."""

import json
from http import HTTPStatus
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from cartography.models import ImportRun
from contributions.models import Contribution
from projects.models import Artifact, Project

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SMALL = SAMPLES / "all-contributors" / "pyOpenSci__pyosMeta.all-contributorsrc.json"
CARD = SAMPLES / "model-cards" / "speakleash__Bielik-4.5B-v3.0-Instruct.md"


def credits_in(path: Path) -> int:
    people: dict[str, set] = {}
    for person in json.loads(path.read_text())["contributors"]:
        people.setdefault(person["login"].lower(), set()).update(person["contributions"])
    return sum(len(keys) for keys in people.values())


def test_import_allcontributors_command(project, maintainer):
    out = StringIO()
    call_command(
        "import_allcontributors",
        str(SMALL),
        project=project.slug,
        username="maintainer",
        no_progress=True,
        confirm_project_mismatch=True,  # the sample is pyOpenSci's list
        stdout=out,
    )
    assert f"{credits_in(SMALL)} contribution(s) created" in out.getvalue()
    assert Contribution.objects.filter(project=project).count() == credits_in(SMALL)
    call_command(
        "import_allcontributors",
        str(SMALL),
        project=project.slug,
        username="maintainer",
        no_progress=True,
        confirm_project_mismatch=True,  # the sample is pyOpenSci's list
        stdout=out,
    )
    assert "0 contribution(s) created" in out.getvalue()


def test_import_allcontributors_command_fails_on_a_broken_file(project, maintainer, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text(
        '{\n  "contributors": [\n    {"login": "x", "contributions": ["zzz"]}\n  ]\n}'
    )
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command(
            "import_allcontributors",
            str(broken),
            project=project.slug,
            username="maintainer",
            no_progress=True,
            stderr=err,
        )
    assert "problem: line 3:" in err.getvalue()
    assert Contribution.objects.count() == 0


def test_import_model_card_command(staff, seeded):
    out = StringIO()
    call_command(
        "import_model_card",
        str(CARD),
        project="bielik",
        username="staff",
        no_progress=True,
        stdout=out,
    )
    assert "bielik-4-5b-v3-0-instruct updated" in out.getvalue()
    assert Artifact.objects.get(slug="bielik-4-5b-v3-0-instruct").source == "import"


# THE WEB: maintainers upload, a job imports, the run page shows progress and the report
# ------------------------------------------------------------------------------
def upload(client, project, path, kind, django_capture_on_commit_callbacks):
    data = path.read_bytes()
    confirmation = {}
    if kind == "allcontributors" and path.suffix == ".json":
        # The samples are other projects' lists: confirmed as the form offers it.
        confirmation = {
            "confirm_project_mismatch": "on",
            "confirmed_file_project": json.loads(data)["projectName"],
        }
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse("import_new", args=[project.slug]),
            {"kind": kind, "file": SimpleUploadedFile(path.name, data)} | confirmation,
        )


def test_a_maintainer_imports_a_credit_list_from_the_web(
    client, project, maintainer, django_capture_on_commit_callbacks
):
    client.force_login(maintainer)
    assert client.get(reverse("import_new", args=[project.slug])).status_code == HTTPStatus.OK
    response = upload(client, project, SMALL, "allcontributors", django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == run.get_absolute_url()
    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.created_count == credits_in(SMALL) == run.total == run.done
    page = client.get(run.get_absolute_url()).content.decode()
    assert f"Created: {credits_in(SMALL)}" in page
    assert 'http-equiv="refresh"' not in page  # finished: no more refreshing
    # Re-import from the web: nothing new, all skipped.
    upload(client, project, SMALL, "allcontributors", django_capture_on_commit_callbacks)
    second = ImportRun.objects.order_by("-id").first()
    assert (second.created_count, second.skipped_count) == (0, credits_in(SMALL))


def test_a_broken_upload_shows_its_problems_and_imports_nothing(
    client, project, maintainer, django_capture_on_commit_callbacks, tmp_path
):
    client.force_login(maintainer)
    broken = tmp_path / "x.all-contributorsrc"
    broken.write_text('{"contributors": [\n{"login": "a", "contributions": ["nope"]}\n]}')
    upload(client, project, broken, "allcontributors", django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    page = client.get(run.get_absolute_url()).content.decode()
    assert "Nothing was imported" in page and "line 2:" in page
    assert Contribution.objects.count() == 0


def test_a_running_import_shows_its_progress_and_refreshes(client, project, maintainer):
    from django.core.cache import cache

    from cartography.tasks import progress_key

    client.force_login(maintainer)
    run = ImportRun.objects.create(
        project=project,
        kind="allcontributors",
        requested_by=maintainer,
        filename="f",
        content="{}",
        status=ImportRun.Status.RUNNING,
    )
    cache.set(progress_key(run.pk), (250, 1000))
    page = client.get(run.get_absolute_url()).content.decode()
    assert "250 of 1000 (25%)" in page
    assert 'http-equiv="refresh"' in page


def test_the_job_never_runs_a_run_twice(project, maintainer):
    from cartography.tasks import run_import

    run = ImportRun.objects.create(
        project=project,
        kind="allcontributors",
        requested_by=maintainer,
        filename="f",
        content=SMALL.read_text(),
        status=ImportRun.Status.SUCCEEDED,
    )
    run_import(run.pk)
    assert Contribution.objects.count() == 0


def test_a_maintainer_imports_a_model_card_from_the_web(
    client, staff, seeded, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    project = Project.objects.get(slug="bielik")
    upload(client, project, CARD, "model_card", django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.SUCCEEDED, run.report
    assert Artifact.objects.get(slug="bielik-4-5b-v3-0-instruct").source == "import"


@pytest.mark.parametrize("who", ["anonymous", "contributor_user", "other_maintainer"])
def test_only_maintainers_and_staff_reach_the_importer(client, project, who, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("import_new", args=[project.slug]))
    expected = HTTPStatus.FOUND if who == "anonymous" else HTTPStatus.FORBIDDEN
    assert response.status_code == expected


def test_someone_elses_run_is_not_found(client, project, maintainer, other_maintainer):
    run = ImportRun.objects.create(
        project=project, kind="allcontributors", requested_by=maintainer, filename="f", content="{}"
    )
    client.force_login(other_maintainer)
    assert client.get(run.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
