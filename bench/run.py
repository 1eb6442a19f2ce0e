"""The benchmark harness (`make bench`): builds the data sets on PostgreSQL, measures, and prints
one table of ratios measured in the same run, each beside its target; the JSON goes to
bench/results/.

It never touches the database DATABASE_URL names: it creates scratch databases next to it on the
same server (`<name>_bench_10k`, `<name>_bench_1m`), migrates them, fills them with
`generate_demo_data`, and drops them at the end (--keep leaves them). Each data set is measured in a
child process of its own, so that Django is configured for one database at a time and the rebuild's
peak memory is that process's own. The approval latency needs a real worker and Redis
(CELERY_BROKER_URL, default the local Redis on a database index of its own); without one that row
says why it was not measured.

Usage: python bench/run.py [--contributions 1000000] [--small 10000] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PROJECTS = 100
CONTRIBUTORS = 20_000
LARGEST_PROJECT = 50_000
REQUESTS = 40
APPROVALS = 20
DEFAULT_BROKER = "redis://127.0.0.1:6379/14"


# THE PARENT: databases, children, the table
# ------------------------------------------------------------------------------
def scratch_url(base: str, suffix: str) -> str:
    parts = urlsplit(base)
    name = parts.path.lstrip("/") or "cartography"
    return urlunsplit(parts._replace(path=f"/{name}_bench_{suffix}"))


def admin_connection(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
        autocommit=True,
    )


def recreate(url: str, *, drop_only: bool = False) -> None:
    name = urlsplit(url).path.lstrip("/")
    with admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def child_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="cartography.settings.local",
        DJANGO_DEBUG="false",  # no query log growing in memory
        CELERY_BROKER_URL=os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER),
        API_THROTTLE_ANON="1000000/min",
        API_THROTTLE_USER="1000000/min",
        PYTHONUNBUFFERED="1",
    )
    return env


def run_child(url: str, phase: str, **options) -> dict:
    out = RESULTS / f".{phase}-{os.getpid()}.json"
    args = [sys.executable, __file__, "--phase", phase, "--out", str(out)]
    for key, value in options.items():
        args += [f"--{key.replace('_', '-')}", str(value)]
    subprocess.run(args, env=child_env(url), cwd=ROOT, check=True)  # noqa: S603
    data = json.loads(out.read_text())
    out.unlink()
    return data


def migrate(url: str) -> None:
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "-v0"], env=child_env(url), cwd=ROOT, check=True
    )


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase")
    parser.add_argument("--out")
    parser.add_argument("--contributions", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--largest", type=int, default=LARGEST_PROJECT)
    parser.add_argument("--keep", action="store_true", help="Keep the scratch databases.")
    args = parser.parse_args()
    if args.phase:
        return child(args)

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "The benchmark needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/name "
            "(it creates scratch databases next to that one). SQLite is not a benchmark target."
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    small_url, large_url = scratch_url(base, "10k"), scratch_url(base, "1m")
    results: dict = {"started_at": dt.datetime.now(dt.UTC).isoformat(), "config": vars(args)}
    try:
        for url, size, name in (
            (small_url, args.small, "small"),
            (large_url, args.contributions, "large"),
        ):
            print(
                f"== {name}: {size:,} contributions ({urlsplit(url).path.lstrip('/')})", flush=True
            )
            recreate(url)
            migrate(url)
            results[name] = run_child(
                url, "dataset", contributions=size, largest=min(args.largest, size // 2)
            )
    finally:
        if not args.keep:
            for url in (small_url, large_url):
                recreate(url, drop_only=True)
    small, large = results["small"], results["large"]
    endpoints_small = small["endpoint_median_s"]["global"] + small["endpoint_median_s"]["project"]
    endpoints_large = large["endpoint_median_s"]["global"] + large["endpoint_median_s"]["project"]
    rows = [
        (
            "stats latency 1M / 10k (global + project endpoints, medians)",
            ratio(endpoints_large, endpoints_small),
            "<= 1.3",
            lambda r: r <= 1.3,
        ),
        (
            "on-the-fly computation / rollup endpoints, at 1M",
            ratio(large["on_the_fly_s"], endpoints_large),
            ">= 50",
            lambda r: r >= 50,
        ),
        (
            "full rebuild / raw SQL GROUP BY floor",
            ratio(large["rebuild_s"], large["floor_s"]),
            "<= 2",
            lambda r: r <= 2,
        ),
        (
            "generator rows/s / raw COPY rows/s",
            ratio(large["generator_rows_per_s"], large["copy_rows_per_s"]),
            ">= 0.5",
            lambda r: r >= 0.5,
        ),
        (
            "contributions list: cursor page at depth 900k / first page",
            ratio(large["cursor_deep_s"], large["cursor_first_s"]),
            "<= 1.3",
            lambda r: r <= 1.3,
        ),
        (
            f"approval commit -> project stats updated, median of {APPROVALS} (ms)",
            large["approval_ms"],
            "< 200",
            lambda r: r < 200,
        ),
        (
            "peak memory of the full rebuild (MB)",
            large["rebuild_peak_mb"],
            "< 200",
            lambda r: r < 200,
        ),
    ]
    results["table"] = [
        {"measure": m, "value": v, "target": t, "met": (ok(v) if v is not None else None)}
        for m, v, t, ok in rows
    ]
    results["elapsed_s"] = time.perf_counter() - started
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"bench-{stamp}.json"
    path.write_text(json.dumps(results, indent=2, default=str))

    width = max(len(m) for m, *_ in rows)
    print()
    print(f"{'measure':<{width}}  {'value':>10}  {'target':>8}  met")
    for row in results["table"]:
        value = "n/a" if row["value"] is None else f"{row['value']:.2f}"
        met = {True: "yes", False: "NO", None: "-"}[row["met"]]
        print(f"{row['measure']:<{width}}  {value:>10}  {row['target']:>8}  {met}")
    print()
    for name in ("small", "large"):
        print(f"{name}: {json.dumps(results[name].get('details', {}))}")
    if large.get("approval_note"):
        print(f"approval latency: {large['approval_note']}")
    print(f"\nTotal {results['elapsed_s'] / 60:.1f} min; results in {path.relative_to(ROOT)}")
    return 0


# THE CHILD: one data set, measured in-process
# ------------------------------------------------------------------------------
def child(args) -> int:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    result = measure_dataset(contributions=args.contributions, largest=args.largest)
    Path(args.out).write_text(json.dumps(result, default=str))
    return 0


def timed(fn, *a, **kw) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn(*a, **kw)
    return time.perf_counter() - start, value


def median_time(fn, n: int) -> float:
    fn()  # warm
    return statistics.median(timed(fn)[0] for _ in range(n))


FLOOR_SQL = """
SELECT project_id,
       date_trunc('month', COALESCE(occurred_on, (created_at AT TIME ZONE 'UTC')::date))::date,
       type, phase, CASE WHEN quantity IS NULL THEN '' ELSE unit END,
       count(*), count(DISTINCT contributor_id), sum(quantity)
FROM contributions_contribution WHERE status = 'approved'
GROUP BY 1, 2, 3, 4, 5
"""


def measure_dataset(*, contributions: int, largest: int) -> dict:
    from django.core.management.base import OutputWrapper
    from django.db import connection
    from django.test import Client

    from contributions import stats
    from contributions.management.commands.generate_demo_data import (
        CONTRIBUTIONS_COPY,
        LINKS_COPY,
        Command,
        copy_chunks,
    )
    from contributions.models import Contribution, ProjectStatsSummary

    out: dict = {"details": {}}
    # 1. Generate, timed end to end (reference rows, Python row generation, COPY, ANALYZE).
    command = Command()
    command.stdout = command.stderr = OutputWrapper(open(os.devnull, "w"))  # noqa: SIM115
    plan_holder = {}
    original = Command.make_plan

    def keep_plan(self, **kw):
        plan_holder["plan"] = original(self, **kw)
        return plan_holder["plan"]

    Command.make_plan = keep_plan
    generate_s, _ = timed(
        command.handle,
        contributions=contributions,
        synthetic_projects=PROJECTS,
        contributors=CONTRIBUTORS,
        seed=7,
        months=24,
        approved_share=1.0,
        largest_project=largest,
        no_stats=True,
        no_progress=True,
    )
    Command.make_plan = original
    out["generator_rows_per_s"] = contributions / generate_s
    # 2. The same rows by raw COPY, into empty copies of the tables (indexes and checks
    # included; no foreign keys or triggers, so this floor is if anything optimistic).
    plan = plan_holder["plan"]
    chunks = list(copy_chunks(plan))  # rendered before the clock starts
    with connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute("CREATE TEMP TABLE bench_copy (LIKE contributions_contribution INCLUDING ALL)")
        raw.execute(
            "CREATE TEMP TABLE bench_links "
            "(LIKE contributions_contribution_languages INCLUDING ALL)"
        )
        start = time.perf_counter()
        for _count, rows, links in chunks:
            with raw.copy(
                CONTRIBUTIONS_COPY.replace("contributions_contribution ", "bench_copy ")
            ) as c:
                c.write(rows)
            if links:
                with raw.copy(
                    LINKS_COPY.replace("contributions_contribution_languages", "bench_links")
                ) as c:
                    c.write(links)
        copy_s = time.perf_counter() - start
        raw.execute("DROP TABLE bench_copy, bench_links")
    del chunks
    out["copy_rows_per_s"] = contributions / copy_s
    out["details"].update(generate_s=round(generate_s, 2), copy_s=round(copy_s, 2))

    # 3. Full rebuild in a child process of its own: its time and its peak memory.
    connection.close()
    start = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "rebuild_stats", "--no-progress"],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    out["rebuild_s"] = time.perf_counter() - start
    if status != 0:
        raise SystemExit("rebuild_stats failed")
    out["rebuild_peak_mb"] = usage.ru_maxrss / 1024
    # 4. The database's floor: one GROUP BY computing the same project x month x type x phase
    # (x unit) cells, fetched (median of 3).
    with connection.cursor() as cursor:
        out["floor_s"] = statistics.median(
            timed(lambda: (cursor.execute(FLOOR_SQL), cursor.fetchall()))[0] for _ in range(3)
        )
    out["details"].update(rebuild_s=round(out["rebuild_s"], 2), floor_s=round(out["floor_s"], 2))

    # 5. The rollup endpoints (anonymous, in-process client, median of REQUESTS each).
    client = Client(SERVER_NAME="localhost")
    largest_summary = ProjectStatsSummary.objects.select_related("project").order_by(
        "-contributions"
    )[0]
    slug = largest_summary.project.slug
    out["details"]["largest_project_contributions"] = largest_summary.contributions

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)  # noqa: S101

    out["endpoint_median_s"] = {
        "global": median_time(lambda: get("/api/v1/stats/"), REQUESTS),
        "project": median_time(lambda: get(f"/api/v1/projects/{slug}/stats/"), REQUESTS),
    }
    # 6. The same numbers computed at request time: the refresh's own aggregate queries.
    project_id = largest_summary.project_id
    out["on_the_fly_s"] = statistics.median(
        timed(lambda: (stats.compute_global(), stats.compute_project(project_id)))[0]
        for _ in range(3)
    )
    # 7. The contributions list: first page, and a cursor at depth 900k (or 90% of the list).
    depth = min(900_000, int(Contribution.objects.count() * 0.9))
    out["cursor_first_s"], out["cursor_deep_s"] = measure_cursor(client, depth)
    out["details"]["cursor_depth"] = depth
    # 8. Approval commit -> updated project stats, with a real worker.
    out["approval_ms"], out["approval_note"] = measure_approvals(project_id)
    return out


def measure_cursor(client, depth: int) -> tuple[float, float]:
    from base64 import b64encode
    from urllib.parse import urlencode

    from contributions.models import Contribution

    created = Contribution.objects.order_by("-created_at", "-id").values_list(
        "created_at", flat=True
    )[depth]
    # The cursor DRF would hand out at that position (CursorPagination encodes "p").
    cursor = b64encode(urlencode({"p": str(created)}).encode()).decode()

    def page(url):
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]  # noqa: S101
        assert len(response.json()["results"]) == 50  # noqa: S101

    first = median_time(lambda: page("/api/v1/contributions/"), REQUESTS)
    deep = median_time(lambda: page(f"/api/v1/contributions/?cursor={cursor}"), REQUESTS)
    return first, deep


def measure_approvals(project_id: int) -> tuple[float | None, str]:
    import redis
    from django.conf import settings

    from contributions import services
    from contributions.models import ProjectLedgerVersion, ProjectStatsSummary
    from projects.models import Maintainership, Project

    try:
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # any failure means no broker to measure with
        return None, f"not measured: no Redis at {settings.CELERY_BROKER_URL} ({exc})"
    from django.contrib.auth import get_user_model

    User = get_user_model()
    project = Project.objects.get(pk=project_id)
    moderator, _ = User.objects.get_or_create(username="bench-moderator")
    Maintainership.objects.get_or_create(project=project, user=moderator)
    author, _ = User.objects.get_or_create(username="bench-author")
    entries = [
        services.contribution_submit(user=author, project=project, type="evaluation", title="Run")
        for _ in range(APPROVALS)
    ]
    from cartography.celery import app

    app.control.purge()
    worker = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "cartography",
            "worker",
            "--pool=solo",
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        time.sleep(5)  # the worker connects; the first approval then waits for nothing else
        samples = []
        for entry in entries:
            services.contribution_approve(contribution=entry, moderator=moderator)
            start = time.perf_counter()  # committed: the job was published on commit
            version = ProjectLedgerVersion.objects.get(project_id=project_id).version
            deadline = start + 60
            while not ProjectStatsSummary.objects.filter(
                project_id=project_id, ledger_version__gte=version
            ).exists():
                if time.perf_counter() > deadline:
                    return None, "the worker did not refresh the project within 60 s"
                time.sleep(0.002)
            samples.append((time.perf_counter() - start) * 1000)
            time.sleep(0.2)
    finally:
        worker.kill()
        worker.wait()
    return statistics.median(samples), f"samples (ms): {[round(s) for s in samples]}"


if __name__ == "__main__":
    sys.exit(main())
