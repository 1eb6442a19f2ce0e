"""Hostile input to the importers: the upload page, credit lists (.all-contributorsrc, JSON) and
model cards (YAML front matter).

The upload page refuses what it can see at once (size, encoding, kind, address) with the form's
message and no import run. A file's content is checked by the import job, which runs the
importers below: a file with any problem writes nothing and reports each problem in words.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cartography.models import ImportRun
from contributions.importers.services import credit_list_import
from contributions.models import Contribution, Contributor
from projects.card_import import model_card_import
from tests.hostile.conftest import row_counts

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
CREDIT_SAMPLE = SAMPLES / "all-contributors" / "ml5js__ml5-next-gen.all-contributorsrc.json"
CARD_SAMPLE = SAMPLES / "model-cards" / "speakleash__Bielik-4.5B-v3.0-Instruct.md"
MAX_BYTES = 4 * 1024 * 1024


def upload_url(world) -> str:
    return reverse("import_new", kwargs={"slug": world["project"].slug})


# THE UPLOAD PAGE
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class UploadCase:
    id: str
    content: bytes | None
    words: tuple[str, ...]
    kind: str = "allcontributors"
    name: str = ".all-contributorsrc"
    source_url: str = ""


VALID = CREDIT_SAMPLE.read_bytes()

UPLOAD_CASES = [
    UploadCase("over-4-mb", b"{" + b" " * MAX_BYTES + b"}", ("larger than 4 mb",)),
    UploadCase("latin-1", '{"projectName": "Zażółć"}'.encode("cp1250"), ("not utf-8",)),
    UploadCase("utf-16", VALID.decode().encode("utf-16"), ("not utf-8",)),
    UploadCase("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ("not utf-8",), name="x.png"),
    UploadCase("empty-file", b"", ("empty",)),
    UploadCase("no-file", None, ("required",)),
    UploadCase("unknown-kind", VALID, ("valid choice",), kind="spreadsheet"),
    UploadCase("javascript-source", VALID, ("valid url",), source_url="javascript:alert(1)"),
    UploadCase("overlong-source", VALID, ("at most 500",), source_url="https://a.org/" + "s" * 500),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in UPLOAD_CASES])
def test_the_upload_page_refuses(client, world, case):
    client.force_login(world["maintainer"])
    data = {"kind": case.kind, "source_url": case.source_url}
    if case.content is not None:
        data["file"] = SimpleUploadedFile(case.name, case.content)
    before = row_counts()
    response = client.post(upload_url(world), data)
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST), response.status_code
    page = html.unescape(response.content.decode()).lower()
    for word in case.words:
        assert word in page, word
    assert row_counts() == before


@pytest.mark.parametrize(
    ("actor", "status"),
    [("contributor_user", HTTPStatus.FORBIDDEN), ("other_maintainer", HTTPStatus.FORBIDDEN)],
    ids=["contributor", "other-maintainer"],
)
def test_only_maintainers_upload(client, world, actor, status):
    client.force_login(world[actor])
    before = row_counts()
    response = client.post(
        upload_url(world),
        {"kind": "allcontributors", "file": SimpleUploadedFile(".all-contributorsrc", VALID)},
    )
    assert response.status_code == status
    assert row_counts() == before


def test_a_hostile_file_uploaded_ends_in_a_failed_run_that_wrote_nothing(
    client, world, django_capture_on_commit_callbacks
):
    """End to end: the page accepts a well-formed upload of a broken file; the job (eager here)
    finds the problems, the run says so in words, and the ledger is untouched."""
    client.force_login(world["maintainer"])
    before = row_counts()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            upload_url(world),
            {
                "kind": "allcontributors",
                "file": SimpleUploadedFile(".all-contributorsrc", b'{"contributors": [ {'),
            },
        )
    assert response.status_code == HTTPStatus.FOUND
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert any("not valid json" in p.lower() for p in run.report["problems"])
    after = row_counts()
    assert after.pop("cartography.ImportRun") == before.pop("cartography.ImportRun") + 1
    assert after == before


# CREDIT LISTS (.all-contributorsrc)
# ------------------------------------------------------------------------------
def credit_file(**changes) -> str:
    document = {
        "projectName": "bielik",
        "projectOwner": "speakleash",
        "contributors": [
            {
                "login": "ada",
                "name": "Ada",
                "profile": "https://github.com/ada",
                "contributions": ["code", "translation"],
            }
        ],
    }
    document.update(changes)
    return json.dumps(document, ensure_ascii=False)


@dataclass(frozen=True)
class ContentCase:
    id: str
    data: str | bytes
    words: tuple[str, ...]
    marks: tuple = ()


CREDIT_CASES = [
    ContentCase("truncated", credit_file()[:-20], ("not valid json",)),
    ContentCase("top-level-array", "[]", ("json object",)),
    ContentCase("top-level-null", "null", ("json object",)),
    ContentCase("yaml-not-json", "projectName: bielik\ncontributors: []\n", ("not valid json",)),
    ContentCase("deeply-nested", "[" * 100_000 + "]" * 100_000, ("nesting deeper than",)),
    ContentCase("utf-16-bytes", credit_file().encode("utf-16-le"), ("utf",)),
    ContentCase("latin-1-bytes", credit_file(projectName="Zażółć").encode("cp1250"), ("utf",)),
    ContentCase("contributors-object", credit_file(contributors={"ada": ["code"]}), ("list",)),
    ContentCase(
        "contributor-without-login",
        credit_file(contributors=[{"name": "Ada", "contributions": ["code"]}]),
        ("login",),
    ),
    ContentCase(
        "login-empty",
        credit_file(contributors=[{"login": "", "contributions": ["code"]}]),
        ("login",),
    ),
    ContentCase(
        "login-overlong",
        credit_file(contributors=[{"login": "a" * 300, "contributions": ["code"]}]),
        ("at most",),
    ),
    ContentCase("contributor-a-string", credit_file(contributors=["ada"]), ("not an object",)),
    ContentCase(
        "contributions-null",
        credit_file(contributors=[{"login": "ada", "contributions": None}]),
        ("no contributions list",),
    ),
    ContentCase(
        "login-with-nul",
        credit_file(contributors=[{"login": "ada\u0000", "contributions": ["code"]}]),
        ("control character (u+0000)",),
    ),
    ContentCase(
        "name-with-bidi-override",
        credit_file(
            contributors=[{"login": "ada", "name": "\u202eAda", "contributions": ["code"]}]
        ),
        ("name",),
    ),
    ContentCase(
        "contributions-string",
        credit_file(contributors=[{"login": "ada", "contributions": "code"}]),
        ("contributions",),
    ),
    ContentCase(
        "unknown-key",
        credit_file(contributors=[{"login": "ada", "contributions": ["hacking"]}]),
        ("hacking",),
    ),
    ContentCase(
        "number-as-login",
        credit_file(contributors=[{"login": 12345, "contributions": ["code"]}]),
        ("login",),
    ),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in CREDIT_CASES])
def test_a_hostile_credit_list_writes_nothing(world, case):
    before = row_counts()
    report = credit_list_import(
        project=world["project"], data=case.data, importer=world["maintainer"]
    )
    assert report.ok is False
    assert report.problems, "a refused file must say why"
    text = " ".join(report.problems).lower()
    for word in case.words:
        assert word in text, report.problems
    assert report.created == 0
    assert row_counts() == before


def test_a_credit_list_imported_twice_adds_nothing_the_second_time(world):
    """A duplicate submission of a whole file: the second import finds every credit already
    recorded (stable external ids) and writes nothing."""
    first = credit_list_import(
        project=world["project"],
        data=CREDIT_SAMPLE.read_bytes(),
        importer=world["maintainer"],
        confirm_project_mismatch=True,  # the sample is another project's list
    )
    assert first.ok and first.created > 0
    before = row_counts()
    second = credit_list_import(
        project=world["project"],
        data=CREDIT_SAMPLE.read_bytes(),
        importer=world["maintainer"],
        confirm_project_mismatch=True,  # the sample is another project's list
    )
    assert second.ok
    assert second.created == 0
    assert second.skipped == first.created
    assert row_counts() == before


def test_a_contributor_may_not_import_credits(world):
    from django.core.exceptions import PermissionDenied

    before = row_counts()
    with pytest.raises(PermissionDenied, match="maintainers"):
        credit_list_import(
            project=world["project"], data=credit_file(), importer=world["contributor_user"]
        )
    assert row_counts() == before


# MODEL CARDS (README.md with YAML front matter)
# ------------------------------------------------------------------------------
CARD = CARD_SAMPLE.read_text()

CARD_CASES = [
    ContentCase("unclosed-front-matter", "---\nlicense: apache-2.0\n# Model\n", ("front matter",)),
    ContentCase("yaml-syntax-error", "---\nlicense: [apache-2.0\n---\n# Model\n", ("yaml",)),
    ContentCase("front-matter-a-list", "---\n- a\n- b\n---\n# Model\n", ("front matter",)),
    ContentCase(
        "python-tag",
        "---\nlicense: !!python/object/apply:os.system ['echo hacked']\n---\n# M\n",
        ("yaml",),
    ),
    ContentCase("tab-indented", "---\nlicense:\n\t- mit\n---\n# Model\n", ("yaml",)),
    ContentCase("no-front-matter", "# Just a README\n\nNo metadata at all.\n", ("front matter",)),
    ContentCase("empty", "", ("front matter",)),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CARD_CASES])
def test_a_hostile_model_card_writes_nothing(world, case):
    before = row_counts()
    report = model_card_import(
        project=world["project"],
        text=case.data,
        editor=world["maintainer"],
        filename="speakleash__Bielik-4.5B-v3.0-Instruct.md",
    )
    assert report.ok is False
    assert report.problems
    text = " ".join(report.problems).lower()
    for word in case.words:
        assert word in text, report.problems
    assert row_counts() == before


def test_the_ledger_is_untouched_by_every_refused_import(world):
    """Belt and braces over the cases above: no contributor or contribution appeared."""
    assert Contributor.objects.filter(github__iexact="ada").count() == 0
    assert Contribution.objects.filter(source="import").count() == 0


def test_an_upload_declared_far_over_the_limit_is_refused_before_it_is_read(client, world):
    client.force_login(world["maintainer"])
    before = row_counts()
    oversized = SimpleUploadedFile(".all-contributorsrc", b"{" + b" " * (MAX_BYTES * 2) + b"}")
    response = client.post(upload_url(world), {"kind": "allcontributors", "file": oversized})
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert "at most 4 MB" in response.content.decode()
    assert row_counts() == before
