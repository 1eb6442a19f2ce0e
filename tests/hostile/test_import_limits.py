"""Importers bounded by construction (core.limits): every reader of an untrusted YAML or JSON file
refuses what would cost far more than its size, on every path that reads one.

The inputs: the 380-byte "billion laughs" (nine levels of YAML aliases, about 9^9 strings once
expanded), ten thousand `[`, an integer of 5,000 digits (past Python's own conversion limit),
NUL and other control characters (PostgreSQL cannot store a NUL in text), and files over the size
limit. The paths: the upload page (credit lists and model cards), the Model Openness Tool upload
(on an artifact, and in bulk), the management commands, and the import job. Each case asserts the
refusal and its message, and that the database is unchanged row by row (no import run, no report,
no artifact, no contribution, no audit row); where something is stored (a failed run's report, a
MOT record's problems) its size is asserted bounded.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from http import HTTPStatus
from io import StringIO
from itertools import pairwise

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from cartography import tasks
from cartography.models import ImportRun
from contributions.importers.services import credit_list_import
from core import limits
from core.limits import MAX_DEPTH, MAX_INT_DIGITS, MAX_REPORT_LINES, MAX_UPLOAD_BYTES
from projects.card_import import model_card_import
from projects.models.openness import MotRecord
from projects.openness.importers.index import index_import
from projects.openness.importers.mot import mot_import
from projects.openness.index_file import parse_frozen_project, parse_index_entry
from tests import factories
from tests.hostile.conftest import row_counts

pytestmark = pytest.mark.django_db


# THE HOSTILE INPUTS
# ------------------------------------------------------------------------------
def laughs(indent: str = "") -> str:
    """Nine levels of nine aliases: 380 bytes that a YAML reader without limits expands into
    9^9 strings."""
    names = "abcdefghi"
    lines = [f'{indent}a: &a ["x","x","x","x","x","x","x","x","x"]']
    for previous, name in pairwise(names):
        lines.append(f"{indent}{name}: &{name} [{','.join(['*' + previous] * 9)}]")
    return "\n".join(lines) + "\n"


DEEP = "[" * 10_000 + "]" * 10_000
HUGE = "9" * 5_000
ALIASES = "yaml aliases"
NESTING = f"nesting deeper than {MAX_DEPTH} levels"
NUMBER = f"too large (more than {MAX_INT_DIGITS} digits)"


def control(line: int, char: str) -> str:
    return f"line {line} contains a control character (u+{ord(char):04x})"


CONTROL_CHARACTERS = ["\x00", "\x07", "\x1b", "\x7f", "\x85"]


@dataclass(frozen=True)
class Hostile:
    id: str
    text: str
    message: str  # lower case, as the assertions compare


# A model card: YAML front matter between --- lines (the front matter starts on line 2).
CARDS = [
    Hostile("billion-laughs", f"---\nlicense: mit\n{laughs()}---\n# Model\n", ALIASES),
    Hostile("merge-key", "---\nbase: &b {license: mit}\nx:\n  <<: *b\n---\n# M\n", ALIASES),
    Hostile("deep-nesting", f"---\nlicense: {DEEP}\n---\n# Model\n", NESTING),
    Hostile("huge-integer", f"---\nlicense: mit\nparams: {HUGE}\n---\n# M\n", NUMBER),
    Hostile("escaped-nul", '---\nlicense: mit\nname: "a\\0b"\n---\n# M\n', control(3, "\0")),
    *(
        Hostile(
            f"raw-U+{ord(char):04X}",
            f"---\nlicense: mit\n---\n# Model\n\nText{char}here\n",
            control(6, char),
        )
        for char in CONTROL_CHARACTERS
    ),
]

# A credit list (.all-contributorsrc, JSON).
CREDIT_LISTS = [
    Hostile("deep-nesting", '{"contributors": ' + DEEP + "}", NESTING),
    Hostile("huge-integer", '{\n"contributors": [],\n"commit": ' + HUGE + "\n}", NUMBER),
    Hostile(
        "escaped-nul", '{\n"projectName": "a\\u0000b",\n"contributors": []\n}', control(2, "\0")
    ),
    *(
        Hostile(
            f"raw-U+{ord(char):04X}",
            '{\n"projectName": "bielik",\n"projectOwner": "a' + char + 'b",\n"contributors": []}',
            control(3, char),
        )
        for char in CONTROL_CHARACTERS
    ),
]

# A Model Openness Tool file.
MOT_FILES = [
    Hostile("billion-laughs", f"release:\n  name: laughs\n{laughs('  ')}", ALIASES),
    Hostile("deep-nesting", f"release:\n  name: x\n  components: {DEEP}\n", NESTING),
    Hostile("huge-integer", f"release:\n  name: x\n  version: {HUGE}\n", NUMBER),
    *(
        Hostile(
            f"raw-U+{ord(char):04X}",
            f"release:\n  name: x\n  producer: a{char}b\n",
            control(3, char),
        )
        for char in CONTROL_CHARACTERS
    ),
]

# An Open Source AI Index file (the current format; the frozen one shares its reader).
INDEX_FILES = [
    Hostile("billion-laughs", f"system:\n  name: laughs\n{laughs()}", ALIASES),
    Hostile("deep-nesting", f"system:\n  name: x\norg: {DEEP}\n", NESTING),
    Hostile("huge-integer", f"system:\n  name: x\n  releasedate: {HUGE}\n", NUMBER),
    Hostile("raw-nul", "system:\n  name: x\n  notes: a\x00b\n", control(3, "\0")),
]


def params(cases):
    return [pytest.param(case, id=case.id) for case in cases]


def said(messages, expected: str) -> bool:
    return expected in html.unescape(" ".join(messages)).lower()


# THE LOADERS THEMSELVES
# ------------------------------------------------------------------------------
def test_the_billion_laughs_is_380_bytes_and_refused_at_its_first_anchor():
    card = CARDS[0].text
    assert len(laughs().encode()) < 400
    with pytest.raises(limits.InputRefused, match="YAML aliases") as refused:
        limits.load_yaml(card.split("---\n")[1], first_line=2)
    assert refused.value.line == 3  # the first anchor, on the card's line 3


@pytest.mark.parametrize(
    ("text", "loads"),
    [
        ("a: [1, 2, {b: c}]\nd: 2024-01-01\n", limits.load_yaml),
        ('{"a": [1.5, -2, "x\\ty", 12345678901234567890]}', limits.load_json),
    ],
    ids=["yaml", "json"],
)
def test_ordinary_files_read_as_before(text, loads):
    assert loads(text)


def test_the_bundled_seed_is_read_with_its_aliases_and_uploads_are_not():
    from projects.seed import read_seed

    assert read_seed()["projects"]
    with pytest.raises(limits.InputRefused, match="YAML aliases"):
        limits.load_yaml("a: &x [1]\nb: *x\n")


def test_report_lines_are_capped_with_the_total_counted():
    kept, total = limits.cap_lines([f"problem {n} " + "x" * 2000 for n in range(5000)])
    assert total == 5000
    assert len(kept) == MAX_REPORT_LINES
    assert max(len(line) for line in kept) == limits.MAX_REPORT_LINE_CHARS
    summary = limits.capped_with_summary(range(5000))
    assert len(summary) == MAX_REPORT_LINES
    assert summary[-1] == f"… and {5000 - MAX_REPORT_LINES + 1:,} more (5,000 in all)."


# THE IMPORT SERVICES
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("case", params(CARDS))
def test_a_hostile_model_card_is_refused_by_the_importer(world, case):
    before = row_counts()
    report = model_card_import(
        project=world["project"], text=case.text, editor=world["maintainer"], filename="o__m.md"
    )
    assert report.ok is False
    assert report.problems == [report.problems[0]], "one refusal, not a list of consequences"
    assert said(report.problems, case.message), report.problems
    assert row_counts() == before


@pytest.mark.parametrize("case", params(CREDIT_LISTS))
@pytest.mark.parametrize("as_bytes", [False, True], ids=["text", "bytes"])
def test_a_hostile_credit_list_is_refused_by_the_importer(world, case, as_bytes):
    before = row_counts()
    data = case.text.encode() if as_bytes else case.text
    report = credit_list_import(project=world["project"], data=data, importer=world["maintainer"])
    assert report.ok is False
    assert said(report.problems, case.message), report.problems
    assert row_counts() == before


@pytest.mark.parametrize("case", params(MOT_FILES))
def test_a_hostile_mot_file_is_refused_by_the_importer(world, case):
    from django.core.exceptions import ValidationError

    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        mot_import(text=case.text, source_file="hostile.yml")
    assert said(refused.value.messages, case.message), refused.value.messages
    assert row_counts() == before


@pytest.mark.parametrize("case", params(INDEX_FILES))
@pytest.mark.parametrize(
    "parse", [parse_index_entry, parse_frozen_project], ids=["current", "frozen"]
)
def test_a_hostile_index_file_is_refused_by_the_importer(world, case, parse):
    before = row_counts()
    parsed = parse(case.text, source="hostile.yaml")
    assert parsed.refusal is not None
    result = index_import(parsed=parsed)
    assert result.status == "refused"
    assert result.assessment is None
    assert said(result.problems, case.message), result.problems
    assert row_counts() == before


# THE UPLOAD PAGE (credit lists and model cards)
# ------------------------------------------------------------------------------
UPLOADS = [
    *(pytest.param("model_card", "o__m.md", c, id=f"card-{c.id}") for c in CARDS),
    *(
        pytest.param("allcontributors", ".all-contributorsrc", c, id=f"credits-{c.id}")
        for c in CREDIT_LISTS
    ),
]


@pytest.mark.parametrize(("kind", "name", "case"), UPLOADS)
def test_the_upload_page_refuses_a_hostile_file_before_storing_a_run(
    client, world, django_capture_on_commit_callbacks, kind, name, case
):
    client.force_login(world["maintainer"])
    before = row_counts()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("import_new", kwargs={"slug": world["project"].slug}),
            {"kind": kind, "file": SimpleUploadedFile(name, case.text.encode())},
        )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert said([response.content.decode()], case.message)
    assert not callbacks, "no job was queued"
    assert row_counts() == before


@pytest.mark.parametrize(
    ("kind", "name", "limit"),
    [
        ("allcontributors", ".all-contributorsrc", MAX_UPLOAD_BYTES["credit_list"]),
        ("model_card", "o__m.md", MAX_UPLOAD_BYTES["model_card"]),
    ],
    ids=["credit-list", "model-card"],
)
def test_the_upload_page_refuses_a_file_over_its_kinds_limit(client, world, kind, name, limit):
    client.force_login(world["maintainer"])
    before = row_counts()
    response = client.post(
        reverse("import_new", kwargs={"slug": world["project"].slug}),
        {"kind": kind, "file": SimpleUploadedFile(name, b"{" + b" " * limit + b"}")},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert said([response.content.decode()], f"larger than {limit // limits.MB} mb")
    assert row_counts() == before


# THE IMPORT JOB (a run stored before this check existed, or by a path that skips the page)
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "case"),
    [
        *(pytest.param("model_card", c, id=f"card-{c.id}") for c in CARDS if "\x00" not in c.text),
        *(pytest.param("allcontributors", c, id=f"credits-{c.id}") for c in CREDIT_LISTS[:3]),
    ],
)
def test_the_job_ends_a_hostile_run_with_one_bounded_report_line(world, kind, case):
    run = ImportRun.objects.create(
        project=world["project"],
        kind=kind,
        requested_by=world["maintainer"],
        filename="o__m.md",
        content=case.text,
    )
    before = row_counts()
    tasks.run_import(run.pk)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert said(run.report["problems"], case.message), run.report
    assert len(run.report["problems"]) == 1
    assert len(json.dumps(run.report)) < 4096
    assert row_counts() == before


def test_a_report_of_thousands_of_problems_is_stored_and_shown_capped(client, world):
    contributors = [{"login": f"user{n}", "contributions": ["hacking"]} for n in range(3000)]
    content = json.dumps({"contributors": contributors}, indent=1)
    run = ImportRun.objects.create(
        project=world["project"],
        kind="allcontributors",
        requested_by=world["maintainer"],
        filename=".all-contributorsrc",
        content=content,
    )
    tasks.run_import(run.pk)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert len(run.report["problems"]) == MAX_REPORT_LINES
    assert run.report["problems_total"] == 3000
    assert len(json.dumps(run.report)) < MAX_REPORT_LINES * limits.MAX_REPORT_LINE_CHARS * 3

    client.force_login(world["maintainer"])
    page = client.get(run.get_absolute_url()).content.decode()
    assert page.count("hacking") == MAX_REPORT_LINES
    assert f"and {3000 - MAX_REPORT_LINES} more problems" in page


def test_an_unexpected_error_in_the_job_names_no_exception(world, monkeypatch):
    def boom(**kwargs):
        raise ValueError("Exceeds the limit (4300 digits) for integer string conversion")

    monkeypatch.setattr("projects.card_import.model_card_import", boom)
    run = ImportRun.objects.create(
        project=world["project"],
        kind="model_card",
        requested_by=world["maintainer"],
        filename="o__m.md",
        content="---\nlicense: mit\n---\n",
    )
    tasks.run_import(run.pk)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    (problem,) = run.report["problems"]
    assert "ValueError" not in problem
    assert "wrote nothing" in problem and f"import run {run.pk}" in problem


# THE MODEL OPENNESS TOOL UPLOADS
# ------------------------------------------------------------------------------
@pytest.fixture
def model(world):
    return factories.ArtifactFactory(project=world["project"], slug="laughs-7b", name="Laughs 7B")


@pytest.mark.parametrize("case", params(MOT_FILES))
@pytest.mark.parametrize("where", ["artifact", "bulk"])
def test_the_mot_uploads_refuse_a_hostile_file(client, world, staff, model, case, where):
    if where == "artifact":
        client.force_login(world["maintainer"])
        url = reverse("openness:upload", kwargs={"slug": model.slug})
    else:
        client.force_login(staff)
        url = reverse("openness:bulk_import")
    before = row_counts()
    upload = SimpleUploadedFile("hostile.yml", case.text.encode())
    response = client.post(url, {"files": [upload]})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert said([response.content.decode()], case.message)
    assert row_counts() == before


def test_a_mot_records_stored_problems_are_capped(world, model):
    keys = "\n".join(f"  unknown_{n}: x" for n in range(500))
    text = (
        f"release:\n  name: Laughs 7B\n  producer: x\n  license: {{}}\n  components: []\n{keys}\n"
    )
    result = mot_import(text=text, source_file="many.yml", artifact=model)
    record = MotRecord.objects.get(artifact=model)
    assert len(result.problems) >= 500
    assert len(record.problems) == MAX_REPORT_LINES
    assert record.problems[-1].endswith("in all).")


# THE MANAGEMENT COMMANDS: the same limits as the web
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "case",
    [
        *params(CARDS),
        pytest.param(
            Hostile(
                "oversize",
                "---\n" + "#" * MAX_UPLOAD_BYTES["model_card"] + "\n",
                "larger than 4 mb",
            ),
            id="oversize",
        ),
    ],
)
def test_import_model_card_refuses_a_hostile_card(world, tmp_path, case):
    path = tmp_path / "o__m.md"
    path.write_bytes(case.text.encode())
    before = row_counts()
    err = StringIO()
    with pytest.raises(CommandError, match="not imported"):
        call_command(
            "import_model_card",
            str(path),
            project=world["project"].slug,
            username=world["maintainer"].username,
            no_progress=True,
            stdout=StringIO(),
            stderr=err,
        )
    assert said([err.getvalue()], case.message), err.getvalue()
    assert row_counts() == before


@pytest.mark.parametrize(
    "case",
    [
        *params(CREDIT_LISTS),
        pytest.param(
            Hostile(
                "oversize", "{" + " " * MAX_UPLOAD_BYTES["credit_list"] + "}", "larger than 4 mb"
            ),
            id="oversize",
        ),
    ],
)
def test_import_allcontributors_refuses_a_hostile_list(world, tmp_path, case):
    path = tmp_path / ".all-contributorsrc"
    path.write_bytes(case.text.encode())
    before = row_counts()
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing imported") as refused:
        call_command(
            "import_allcontributors",
            str(path),
            project=world["project"].slug,
            username=world["maintainer"].username,
            no_progress=True,
            stdout=StringIO(),
            stderr=err,
        )
    assert said([err.getvalue(), str(refused.value)], case.message)
    assert row_counts() == before


OVERSIZE_YAML = "# padding\n" * (MAX_UPLOAD_BYTES["mot_file"] // 10 + 1)


@pytest.mark.parametrize(
    "case",
    [
        *params(MOT_FILES),
        pytest.param(Hostile("oversize", OVERSIZE_YAML, "larger than 1 mb"), id="oversize"),
    ],
)
def test_import_mot_refuses_a_hostile_file(world, tmp_path, capsys, case):
    (tmp_path / "hostile.yml").write_bytes(case.text.encode())
    before = row_counts()
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_mot", str(tmp_path), "--no-progress")
    assert said([capsys.readouterr().err], case.message)
    assert row_counts() == before


@pytest.mark.parametrize(
    "case",
    [
        *params(INDEX_FILES),
        pytest.param(Hostile("oversize", OVERSIZE_YAML, "larger than 1 mb"), id="oversize"),
    ],
)
def test_import_osai_index_refuses_a_hostile_file(world, tmp_path, capsys, case):
    (tmp_path / "hostile.yaml").write_bytes(case.text.encode())
    before = row_counts()
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_osai_index", str(tmp_path), "--no-progress")
    assert said([capsys.readouterr().err], case.message)
    assert row_counts() == before


def test_import_osai_index_refuses_hostile_parameters(world, tmp_path):
    (tmp_path / "_parameters.yml").write_text(laughs(), encoding="utf-8")
    (tmp_path / "entry.yaml").write_text("system:\n  name: x\n", encoding="utf-8")
    before = row_counts()
    with pytest.raises(CommandError, match=r"_parameters\.yml: The file uses YAML aliases"):
        call_command("import_osai_index", str(tmp_path), "--no-progress")
    assert row_counts() == before


def test_the_bulk_page_lists_a_files_problems_bounded(client, staff):
    keys = "\n".join(f"  unknown_{n}: x" for n in range(60))
    text = (
        f"release:\n  name: Bounded 7B\n  producer: x\n  license: {{}}\n  components: []\n{keys}\n"
    )
    client.force_login(staff)
    response = client.post(
        reverse("openness:bulk_import"),
        {"files": [SimpleUploadedFile("bounded.yml", text.encode())]},
    )
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert page.count("unknown key release.unknown_") == limits.MAX_SHOWN_PROBLEMS
    assert f"and {60 - limits.MAX_SHOWN_PROBLEMS} more." in page
