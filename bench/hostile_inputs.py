"""Hostile importer inputs, measured (not a test; not part of `make bench`): each input goes through
the real import path on PostgreSQL, several times, and one table says what happened.

Columns: the input and the path it took, its size, the outcome (the HTTP status and the first words
of the message, or the run's status), the worst time of --runs runs (wall clock, the whole request
or command), the rows it left in the database, the bytes they hold (the length of every new row's
text, summed over all tables, measured after the first run) and, of those, the import report's.
A stored run (the job path) keeps the uploaded file itself, as every run does.

Like bench/run.py it never touches the database DATABASE_URL names: it creates a scratch database
next to it (`<name>_bench_hostile`), migrates it and drops it at the end (--keep leaves it). Jobs
run in the request (no broker), as they do in the tests.

Usage: DATABASE_URL=postgres://... python bench/hostile_inputs.py [--runs 5] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.run import ROOT, child_env, migrate, recreate, scratch_url

MB = 1024 * 1024


def laughs(indent: str = "") -> str:
    names = "abcdefghi"
    lines = [f'{indent}a: &a ["x","x","x","x","x","x","x","x","x"]']
    for previous, name in pairwise(names):
        lines.append(f"{indent}{name}: &{name} [{','.join(['*' + previous] * 9)}]")
    return "\n".join(lines) + "\n"


DEEP = "[" * 10_000 + "]" * 10_000
HUGE = "9" * 5_000


# THE CHILD: Django on the scratch database
# ------------------------------------------------------------------------------
def measure(runs: int) -> list[dict]:
    import django

    django.setup()
    from django.core.management import CommandError, call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from cartography import tasks
    from cartography.models import ImportRun
    from tests import factories

    setup_test_environment()  # the test client's response attributes; nothing else changes
    project = factories.ProjectFactory(name="Bielik", slug="bielik")
    maintainer = factories.UserFactory(username="maintainer")
    factories.MaintainershipFactory(project=project, user=maintainer)
    staff = factories.StaffFactory(username="staff")
    model = factories.ArtifactFactory(project=project, slug="laughs-7b", name="Laughs 7B")
    as_maintainer, as_staff = Client(), Client()
    as_maintainer.force_login(maintainer)
    as_staff.force_login(staff)

    runs_table = ImportRun._meta.db_table
    # Warm up both clients (templates, URL resolvers), so the first case is not charged for it.
    as_maintainer.get(_import_url(project.slug))
    as_staff.get("/openness/import/")
    tables = [
        t for t in connection.introspection.table_names() if not t.startswith("django_session")
    ]

    def stored() -> tuple[int, int, int]:
        rows = size = 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(sum(octet_length(report::text)), 0) FROM " + runs_table)
            (reports,) = cursor.fetchone()
            for table in tables:
                cursor.execute(
                    f'SELECT count(*), coalesce(sum(octet_length(t::text)), 0) FROM "{table}" t'
                )
                count, length = cursor.fetchone()
                rows += count
                size += length
        return rows, size, reports

    def upload_card_or_list(kind: str, name: str, text: str):
        def go():
            from django.core.files.uploadedfile import SimpleUploadedFile

            response = as_maintainer.post(
                _import_url(project.slug),
                {"kind": kind, "file": SimpleUploadedFile(name, text.encode())},
            )
            return f"{response.status_code} {_message(response)}"

        return go

    def upload_mot(text: str, *, bulk: bool = False):
        def go():
            from django.core.files.uploadedfile import SimpleUploadedFile

            client = as_staff if bulk else as_maintainer
            url = "/openness/import/" if bulk else f"/openness/artifacts/{model.slug}/upload/"
            response = client.post(
                url, {"files": [SimpleUploadedFile("hostile.yml", text.encode())]}
            )
            return f"{response.status_code} {_message(response)}"

        return go

    def command(name: str, file_name: str, text: str, *args):
        def go():
            from io import StringIO

            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / file_name
                path.write_bytes(text.encode())
                err = StringIO()
                target = folder if name in ("import_mot", "import_osai_index") else str(path)
                try:
                    call_command(name, target, *args, stdout=StringIO(), stderr=err)
                except CommandError as error:
                    return f"refused: {(err.getvalue().strip() or str(error))[:70]}"
                return "imported"

        return go

    def job(kind: str, text: str):
        def go():
            run = ImportRun.objects.create(
                project=project,
                kind=kind,
                requested_by=maintainer,
                filename="o__m.md",
                content=text,
            )
            tasks.run_import(run.pk)
            run.refresh_from_db()
            return f"run {run.status}: {(run.report.get('problems') or [''])[0][:60]}"

        return go

    card = "---\nlicense: mit\n{}---\n# Model\n"
    user = ["--project", project.slug, "--as", maintainer.username, "--no-progress"]
    many_problems = json.dumps(
        {"contributors": [{"login": f"u{n}", "contributions": ["hacking"]} for n in range(3000)]},
        indent=1,
    )
    cases = [
        ("card: billion laughs", "upload page", card.format(laughs())),
        ("card: 10,000 [", "upload page", card.format(f"x: {DEEP}\n")),
        ("card: 5,000-digit integer", "upload page", card.format(f"n: {HUGE}\n")),
        ("card: raw NUL", "upload page", card.format("") + "a\x00b\n"),
        ("card: over 4 MB", "upload page", card.format("") + "#" * (4 * MB)),
        ("card: billion laughs", "command", card.format(laughs())),
        ("card: billion laughs", "job (stored run)", card.format(laughs())),
        ("credits: 10,000 [", "upload page", '{"contributors": ' + DEEP + "}"),
        ("credits: 5,000-digit integer", "upload page", '{"commit": ' + HUGE + "}"),
        ("credits: raw NUL", "upload page", '{\n"projectName": "a\x00b"\n}'),
        ("credits: over 4 MB", "upload page", "{" + " " * (4 * MB) + "}"),
        ("credits: raw NUL", "command", '{\n"projectName": "a\x00b"\n}'),
        ("credits: 3,000 problems", "job (stored run)", many_problems),
        ("MOT: billion laughs", "artifact upload", "release:\n  name: x\n" + laughs("  ")),
        ("MOT: billion laughs", "bulk upload", "release:\n  name: x\n" + laughs("  ")),
        ("MOT: 10,000 [", "artifact upload", f"release:\n  components: {DEEP}\n"),
        ("MOT: 5,000-digit integer", "artifact upload", f"release:\n  version: {HUGE}\n"),
        ("MOT: raw NUL", "artifact upload", "release:\n  name: a\x00b\n"),
        ("MOT: billion laughs", "import_mot", "release:\n  name: x\n" + laughs("  ")),
        ("index: billion laughs", "import_osai_index", "system:\n  name: x\n" + laughs()),
        ("index: 10,000 [", "import_osai_index", f"system: {DEEP}\n"),
        ("index: 5,000-digit integer", "import_osai_index", f"system:\n  n: {HUGE}\n"),
    ]
    paths = {
        ("card", "upload page"): lambda t: upload_card_or_list("model_card", "o__m.md", t),
        ("card", "command"): lambda t: command("import_model_card", "o__m.md", t, *user),
        ("card", "job (stored run)"): lambda t: job("model_card", t),
        ("credits", "upload page"): lambda t: upload_card_or_list(
            "allcontributors", ".all-contributorsrc", t
        ),
        ("credits", "command"): lambda t: command(
            "import_allcontributors", ".all-contributorsrc", t, *user
        ),
        ("credits", "job (stored run)"): lambda t: job("allcontributors", t),
        ("MOT", "artifact upload"): lambda t: upload_mot(t),
        ("MOT", "bulk upload"): lambda t: upload_mot(t, bulk=True),
        ("MOT", "import_mot"): lambda t: command("import_mot", "hostile.yml", t),
        ("index", "import_osai_index"): lambda t: command("import_osai_index", "hostile.yaml", t),
    }
    rows = []
    for label, path, text in cases:
        action = paths[(label.split(":")[0], path)](text)
        rows_before, bytes_before, reports_before = stored()
        times, outcome = [], ""
        for run in range(runs):
            started = time.perf_counter()
            outcome = action()
            times.append(time.perf_counter() - started)
            if run == 0:
                rows_after, bytes_after, reports_after = stored()
        rows.append(
            {
                "input": label,
                "path": path,
                "bytes": len(text.encode()),
                "outcome": outcome,
                "worst_seconds": max(times),
                "rows_written": rows_after - rows_before,
                "bytes_stored": bytes_after - bytes_before,
                "report_bytes": reports_after - reports_before,
            }
        )
    return rows


def _import_url(slug: str) -> str:
    from django.urls import reverse

    return reverse("import_new", kwargs={"slug": slug})


def _message(response) -> str:
    """The first refusal on the page: the form's error list, or the text of a plain answer."""
    import html
    import re

    body = response.content.decode(errors="replace")
    found = re.search(r'class="errorlist[^"]*"[^>]*>\s*<li>(.*?)</li>', body, re.S)
    found = found or re.search(r'<li class="error">(.*?)</li>', body, re.S)
    text = found.group(1) if found else body[:60]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text))).strip()[:60]


# THE PARENT
# ------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "measure":
        print(json.dumps(measure(args.runs)))
        return 0
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        sys.exit("This measurement needs PostgreSQL: set DATABASE_URL=postgres://user@host/name.")
    url = scratch_url(base, "hostile")
    recreate(url)
    try:
        migrate(url)
        env = child_env(url) | {"CELERY_BROKER_URL": ""}  # jobs run in the request
        output = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--phase", "measure", "--runs", str(args.runs)],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        rows = json.loads(output.strip().splitlines()[-1])
    finally:
        if not args.keep:
            recreate(url, drop_only=True)
    print(
        f"| input | path | bytes | outcome | worst of {args.runs} | rows written | bytes stored "
        "| of which report |"
    )
    print("|---|---|---:|---|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['input']} | {row['path']} | {row['bytes']:,} | {row['outcome']} | "
            f"{row['worst_seconds'] * 1000:,.0f} ms | {row['rows_written']} | "
            f"{row['bytes_stored']:,} | {row['report_bytes']:,} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
