"""The benchmark harness (`make bench`): builds the data sets on PostgreSQL, measures, and prints
one table of ratios measured in the same run, each beside its target; the JSON goes to
bench/results/.

It never touches the database DATABASE_URL names: it creates scratch databases next to it on the
same server (`<name>_bench_10k`, `<name>_bench_1m`, and `<name>_bench_gen` for the generator's
own run), migrates them, fills them with `generate_demo_data`, and drops them at the end. With
--keep the data sets stay, and a later run with --keep reuses a data set of the same size instead
of building it again (it is migrated first; the generator row is measured on its own scratch
database either way, `--generator-rows` rows). Each data set is measured in a child process of its
own, so that Django is configured for one database at a time and the rebuild's peak memory is
that process's own. The approval latency needs a real worker and Redis (CELERY_BROKER_URL, default
the local Redis on a database index of its own); without one that row says why it was not
measured.

The pages and list endpoints are timed as deployed: one gunicorn worker with the production
settings and the Redis cache, each URL requested 3 times to warm up and then 21 times, the
median kept; `/healthz` the same way, as the framework's floor. Each is timed twice: as served
(the server's copy of a public page, valid while its ledger version is unchanged) and rendered
(HTTP_CACHE_PAGES=false: the view runs every time, the cost of the first visit after a change).

Usage: python bench/run.py [--contributions 1000000] [--small 10000] [--keep]
       [--generator-rows 1000000] [--pages-only]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import secrets
import signal
import socket
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
PAGE_WARMUPS, PAGE_REQUESTS = 3, 21
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


def has_dataset(url: str, size: int) -> bool:
    """A kept data set of `size` synthetic contributions (give or take the approvals a run adds)."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with admin_connection(url) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
    with psycopg.connect(url) as conn:
        try:
            count = conn.execute(
                "SELECT count(*) FROM contributions_contribution WHERE source = 'synthetic'"
            ).fetchone()[0]
        except psycopg.Error:
            return False
    return count == size


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
    parser.add_argument("--generate", type=int, default=1)
    parser.add_argument(
        "--keep", action="store_true", help="Keep the data sets, and reuse kept ones."
    )
    parser.add_argument(
        "--generator-rows",
        type=int,
        default=None,
        help="Rows of the generator's own timed run (default: --contributions).",
    )
    parser.add_argument(
        "--pages-only",
        action="store_true",
        help="Time the pages only (no rebuild, approval or generator rows).",
    )
    args = parser.parse_args()
    if args.phase:
        return child(args)

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "The benchmark needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/name "
            "(it creates scratch databases next to it). SQLite is not a benchmark target."
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    small_url, large_url = scratch_url(base, "10k"), scratch_url(base, "1m")
    generator_url = scratch_url(base, "gen")
    results: dict = {"started_at": dt.datetime.now(dt.UTC).isoformat(), "config": vars(args)}
    collectstatic()
    try:
        for url, size, name in (
            (small_url, args.small, "small"),
            (large_url, args.contributions, "large"),
        ):
            reused = args.keep and has_dataset(url, size)
            print(
                f"== {name}: {size:,} contributions ({urlsplit(url).path.lstrip('/')}"
                f"{', kept from an earlier run' if reused else ''})",
                flush=True,
            )
            if not reused:
                recreate(url)
            migrate(url)
            largest = min(args.largest, size // 2)
            if args.pages_only:
                if not reused:
                    run_child(url, "build", contributions=size, largest=largest)
                results[name] = {"details": {}}
            else:
                results[name] = run_child(
                    url, "dataset", contributions=size, largest=largest, generate=int(not reused)
                )
            results[name]["reused"] = reused
        print("== pages: one gunicorn worker per data set, requests in turn", flush=True)
        results["pages_measured"] = measure_pages(small_url, large_url)
        if not args.pages_only:
            rows = args.generator_rows or args.contributions
            print(f"== generator: {rows:,} rows into an empty database", flush=True)
            recreate(generator_url)
            migrate(generator_url)
            results["generator"] = run_child(
                generator_url, "generator", contributions=rows, largest=min(args.largest, rows // 2)
            )
    finally:
        recreate(generator_url, drop_only=True)
        if not args.keep:
            for url in (small_url, large_url):
                recreate(url, drop_only=True)
    small, large = results["small"], results["large"]
    generator = results.get("generator", {})
    pages = page_table(results["pages_measured"])
    endpoints_small = endpoints_large = None
    if "endpoint_median_s" in large:
        endpoints_small = sum(small["endpoint_median_s"].values())
        endpoints_large = sum(large["endpoint_median_s"].values())
    rows = [
        (
            "pages and list endpoints, as served: worst median 1M / 10k",
            max(p["served_ratio"] for p in pages),
            "<= 1.3",
            lambda r: r <= 1.3,
        ),
        (
            "pages and list endpoints, as served: worst median 1M / /healthz",
            max(p["served_floor"] for p in pages),
            "<= 15",
            lambda r: r <= 15,
        ),
        (
            "stats latency 1M / 10k (global + project endpoints, in-process medians)",
            ratio(endpoints_large, endpoints_small),
            "<= 1.3",
            lambda r: r <= 1.3,
        ),
        (
            "on-the-fly computation / rollup endpoints, at 1M",
            ratio(large.get("on_the_fly_s"), endpoints_large),
            ">= 50",
            lambda r: r >= 50,
        ),
        (
            "full rebuild / raw SQL floor (project cells + global breakdowns)",
            ratio(large.get("rebuild_s"), large.get("floor_s")),
            "<= 2",
            lambda r: r <= 2,
        ),
        (
            "full rebuild / raw SQL floor (project cells only; for comparison)",
            ratio(large.get("rebuild_s"), large.get("floor_cells_s")),
            "-",
            lambda r: None,
        ),
        (
            "generator rows/s / raw COPY rows/s",
            ratio(generator.get("generator_rows_per_s"), generator.get("copy_rows_per_s")),
            ">= 0.7",
            lambda r: r >= 0.7,
        ),
        (
            "contributions list: cursor page at depth 900k / first page",
            ratio(large.get("cursor_deep_s"), large.get("cursor_first_s")),
            "<= 1.3",
            lambda r: r <= 1.3,
        ),
        (
            f"approval commit -> project stats updated, median of {APPROVALS} (ms)",
            large.get("approval_ms"),
            "< 200",
            lambda r: r < 200,
        ),
        (
            "peak memory of the full rebuild (MB)",
            large.get("rebuild_peak_mb"),
            "< 200",
            lambda r: r < 200,
        ),
    ]
    results["pages"] = pages
    results["table"] = [
        {"measure": m, "value": v, "target": t, "met": (ok(v) if v is not None else None)}
        for m, v, t, ok in rows
    ]
    results["elapsed_s"] = time.perf_counter() - started
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"bench-{stamp}.json"
    path.write_text(json.dumps(results, indent=2, default=str))

    print_pages(pages, results["pages_measured"])
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
    if generator:
        print(f"generator: {json.dumps(generator.get('details', {}))}")
    if large.get("approval_note"):
        print(f"approval latency: {large['approval_note']}")
    print(f"\nTotal {results['elapsed_s'] / 60:.1f} min; results in {path.relative_to(ROOT)}")
    return 0


# THE PAGES: one gunicorn worker, as deployed
# ------------------------------------------------------------------------------
PAGES = (
    ("project page of the largest project", "/projects/{slug}/"),
    ("/contributions/", "/contributions/"),
    ("/governance/", "/governance/"),
    ("/ (the map)", "/"),
    ("/api/v1/projects/", "/api/v1/projects/"),
    ("/api/v1/contributions/", "/api/v1/contributions/"),
    ("/projects/", "/projects/"),
    ("/openness/", "/openness/"),
    ("/api/v1/stats/", "/api/v1/stats/"),
    ("/api/v1/projects/{slug}/stats/", "/api/v1/projects/{slug}/stats/"),
)
FLOOR = "/healthz"


def collectstatic() -> None:
    env = server_env(scratch_url(os.environ["DATABASE_URL"], "10k"), pages_cache=True)
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        env=env,
        cwd=ROOT,
        check=True,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(url: str, *, pages_cache: bool) -> dict[str, str]:
    """The production settings, as `make loadtest` runs them, on the data set's database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    broker = os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER)
    env.update(
        DJANGO_SETTINGS_MODULE="cartography.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=url,
        CELERY_BROKER_URL=broker,
        # A key prefix per data set: the two servers run side by side on one Redis, and each page's
        # copy must be the one of its own database.
        CACHE_URL=f"{os.environ.get('CACHE_URL', broker)}?key_prefix={urlsplit(url).path[1:]}",
        HTTP_CACHE_PAGES="true" if pages_cache else "false",
        API_THROTTLE_ANON="1000000/min",
        API_THROTTLE_USER="1000000/min",
        PYTHONUNBUFFERED="1",
    )
    return env


def largest_slug(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT p.slug FROM contributions_projectstatssummary s "
            "JOIN projects_project p ON p.id = s.project_id ORDER BY s.contributions DESC LIMIT 1"
        ).fetchone()[0]


def request_once(port: int, path: str) -> float:
    accept = "application/json" if path.startswith("/api/") else "text/html"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    start = time.perf_counter()
    connection.request("GET", path, headers={"Accept": accept})
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - start
    connection.close()
    if response.status != 200:
        raise SystemExit(f"{path} answered {response.status}")
    return elapsed


def start_server(url: str, *, pages_cache: bool, log) -> tuple[subprocess.Popen, int]:
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "cartography.wsgi:application",
            *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "120"),
        ],
        cwd=ROOT,
        env=server_env(url, pages_cache=pages_cache),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            request_once(port, FLOOR)
            return server, port
        except (OSError, SystemExit):
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("gunicorn did not answer /healthz") from None
            time.sleep(0.5)


def measure_pages(small_url: str, large_url: str) -> dict:
    """Both data sets served at once, one gunicorn worker each, and every URL asked of both in
    turn (10k, 1M, then /healthz of the 1M server), so that each ratio compares requests made
    at the same moment: on a shared machine the load drifts more between two runs than the
    data set's size moves a page. {mode: {size: {label: ms}}, "floor": ms, "largest": slug}."""
    slugs = {"small": largest_slug(small_url), "large": largest_slug(large_url)}
    out: dict = {"largest": slugs}
    with (RESULTS / f".gunicorn-{os.getpid()}.log").open("ab") as log:
        for mode, pages_cache in (("served", True), ("rendered", False)):
            servers = {}
            try:
                for size, url in (("small", small_url), ("large", large_url)):
                    servers[size] = start_server(url, pages_cache=pages_cache, log=log)
                ports = {size: port for size, (_, port) in servers.items()}
                samples: dict = {"small": {}, "large": {}, "floor": []}
                for label, path in PAGES:
                    paths = {size: path.format(slug=slugs[size]) for size in ports}
                    for _ in range(PAGE_WARMUPS):
                        for size, port in ports.items():
                            request_once(port, paths[size])
                    for _ in range(PAGE_REQUESTS):
                        for size, port in ports.items():
                            samples[size].setdefault(label, []).append(
                                request_once(port, paths[size])
                            )
                        samples["floor"].append(request_once(ports["large"], FLOOR))
                out[mode] = {
                    size: {k: 1000 * statistics.median(v) for k, v in samples[size].items()}
                    for size in ("small", "large")
                }
                out.setdefault("floor", 1000 * statistics.median(samples["floor"]))
            finally:
                for server, _ in servers.values():
                    os.killpg(server.pid, signal.SIGTERM)
                    server.wait(timeout=30)
    return out


def page_table(pages: dict) -> list[dict]:
    served, rendered, floor = pages["served"], pages["rendered"], pages["floor"]
    return [
        {
            "page": label,
            "served_10k_ms": served["small"][label],
            "served_1m_ms": served["large"][label],
            "served_ratio": served["large"][label] / served["small"][label],
            "served_floor": served["large"][label] / floor,
            "rendered_10k_ms": rendered["small"][label],
            "rendered_1m_ms": rendered["large"][label],
            "rendered_ratio": rendered["large"][label] / rendered["small"][label],
            "rendered_floor": rendered["large"][label] / floor,
        }
        for label, _ in PAGES
    ]


def print_pages(pages: list[dict], measured: dict) -> None:
    print(
        f"\nPages, median of {PAGE_REQUESTS} after {PAGE_WARMUPS} warm-ups, one gunicorn worker "
        f"per data set; /healthz {measured['floor']:.1f} ms. "
        f"Largest project: {measured['largest']['large']}."
    )
    header = (
        f"{'page or endpoint':<36}{'10k ms':>8}{'1M ms':>8}{'1M/10k':>8}{'x healthz':>10}"
        f"  | rendered:{'10k ms':>8}{'1M ms':>8}{'1M/10k':>8}{'x healthz':>10}"
    )
    print(header)
    print("-" * len(header))
    for p in pages:
        print(
            f"{p['page']:<36}{p['served_10k_ms']:>8.1f}{p['served_1m_ms']:>8.1f}"
            f"{p['served_ratio']:>8.2f}{p['served_floor']:>10.1f}"
            f"  | {'':9}{p['rendered_10k_ms']:>8.1f}{p['rendered_1m_ms']:>8.1f}"
            f"{p['rendered_ratio']:>8.2f}{p['rendered_floor']:>10.1f}"
        )


# THE CHILD: one data set, measured in-process
# ------------------------------------------------------------------------------
def child(args) -> int:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if args.phase == "generator":
        result = measure_generator(contributions=args.contributions, largest=args.largest)
    elif args.phase == "build":
        generate(contributions=args.contributions, largest=args.largest, rebuild=True)
        result = {}
    else:
        if args.generate:  # the measurement's first step is the full rebuild
            generate(contributions=args.contributions, largest=args.largest, rebuild=False)
        result = measure_dataset()
    Path(args.out).write_text(json.dumps(result, default=str))
    return 0


def timed(fn, *a, **kw) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn(*a, **kw)
    return time.perf_counter() - start, value


def median_time(fn, n: int) -> float:
    fn()  # warm
    return statistics.median(timed(fn)[0] for _ in range(n))


# The database's floors for the full rebuild, raw SQL whose result is fetched, nothing written.
# FLOOR_SQL is the definition: the project cells and every global breakdown (with its
# distinct contributors and projects) and the global cells, in one statement, written as the
# fastest form measured (one scan into a materialised narrow copy, hash aggregates at the
# contributor's grain, then counts; count(DISTINCT) per grouping set sorts, and PostgreSQL 15
# cannot hash it). FLOOR_CELLS_SQL is the earlier, narrower one: the project cells alone.
FLOOR_CELLS_SQL = """
SELECT project_id,
       date_trunc('month', COALESCE(occurred_on, (created_at AT TIME ZONE 'UTC')::date))::date,
       type, phase, CASE WHEN quantity IS NULL THEN '' ELSE unit END,
       count(*), count(DISTINCT contributor_id), sum(quantity)
FROM contributions_contribution WHERE status = 'approved'
GROUP BY 1, 2, 3, 4, 5
"""
FLOOR_SQL = """
WITH ledger AS MATERIALIZED (
    SELECT c.project_id, c.contributor_id, c.type, c.phase, c.compensation, c.source,
           DATE_TRUNC('month', COALESCE(c.occurred_on,
                                        (c.created_at AT TIME ZONE 'UTC')::date))::date AS month,
           CASE WHEN c.quantity IS NULL THEN '' ELSE c.unit END AS unit, c.quantity,
           COALESCE(a.kind, '') AS artifact_kind
    FROM contributions_contribution c LEFT JOIN projects_artifact a ON a.id = c.artifact_id
    WHERE c.status = 'approved'),
cell_people AS MATERIALIZED (
    SELECT project_id, month, type, phase, unit, contributor_id,
           COUNT(*) AS n, SUM(quantity) AS q
    FROM ledger GROUP BY project_id, month, type, phase, unit, contributor_id),
pairs AS (
    SELECT GROUPING(project_id, type, compensation, source, artifact_kind) AS dimension,
           COALESCE(project_id::text, type, compensation, source, artifact_kind) AS key,
           contributor_id, COUNT(*) AS n
    FROM ledger
    GROUP BY GROUPING SETS ((project_id, contributor_id), (type, contributor_id),
                            (compensation, contributor_id), (source, contributor_id),
                            (artifact_kind, contributor_id))),
facets AS (
    SELECT GROUPING(type, phase, compensation, source, artifact_kind) AS dimension,
           COALESCE(type, phase, compensation, source, artifact_kind) AS key,
           project_id, COUNT(*) AS n
    FROM ledger
    GROUP BY GROUPING SETS ((type, project_id), (phase, project_id), (compensation, project_id),
                            (source, project_id), (artifact_kind, project_id)))
SELECT 'cell', project_id, month, type, phase, unit, SUM(n), COUNT(*), SUM(q)
FROM cell_people GROUP BY project_id, month, type, phase, unit
UNION ALL
SELECT 'global cell', NULL, month, type, phase, unit, SUM(n), COUNT(*), SUM(q)
FROM (SELECT month, type, phase, unit, contributor_id, SUM(n) AS n, SUM(q) AS q
      FROM cell_people GROUP BY month, type, phase, unit, contributor_id) AS people
GROUP BY month, type, phase, unit
UNION ALL
SELECT 'phase people', NULL, NULL, phase, NULL, NULL, NULL, COUNT(DISTINCT contributor_id), NULL
FROM cell_people GROUP BY phase
UNION ALL
SELECT 'people', NULL, NULL, dimension::text, key, NULL, SUM(n), COUNT(*), NULL
FROM pairs WHERE dimension <> 15 GROUP BY dimension, key
UNION ALL
SELECT 'governance people', NULL, NULL, p.governance_model, NULL, NULL, NULL,
       COUNT(DISTINCT pairs.contributor_id), NULL
FROM pairs JOIN projects_project p ON p.id = pairs.key::bigint
WHERE pairs.dimension = 15 GROUP BY p.governance_model
UNION ALL
SELECT 'continent people', NULL, NULL, co.continent, NULL, NULL, NULL,
       COUNT(DISTINCT pairs.contributor_id), NULL
FROM pairs LEFT JOIN projects_project_countries pc ON pc.project_id = pairs.key::bigint
LEFT JOIN projects_country co ON co.code = pc.country_id
WHERE pairs.dimension = 15 GROUP BY co.continent
UNION ALL
SELECT 'projects', NULL, NULL, dimension::text, key, NULL, SUM(n), COUNT(*), NULL
FROM facets GROUP BY dimension, key
"""


def generator_command():
    from django.core.management.base import OutputWrapper

    from contributions.management.commands.generate_demo_data import Command

    command = Command()
    command.stdout = command.stderr = OutputWrapper(open(os.devnull, "w"))  # noqa: SIM115
    return command


def generator_options(contributions: int, largest: int) -> dict:
    return {
        "contributions": contributions,
        "synthetic_projects": PROJECTS,
        "contributors": CONTRIBUTORS,
        "seed": 7,
        "months": 24,
        "approved_share": 1.0,
        "largest_project": largest,
        "no_stats": True,
        "no_progress": True,
    }


def generate(*, contributions: int, largest: int, rebuild: bool) -> None:
    """Fill the data set (untimed); with `rebuild`, its statistics too, as `make demo` would."""
    generator_command().handle(**generator_options(contributions, largest))
    if not rebuild:
        return
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "rebuild_stats", "--no-progress"],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        check=True,
    )


def copy_text(rows: list[tuple]) -> bytes:
    """Rows in COPY's text format, rendered before the floor's clock starts (generated values
    hold no tab, newline or backslash)."""

    def text(value) -> str:
        if value is None:
            return "\\N"
        return value.isoformat() if isinstance(value, dt.datetime) else str(value)

    return "".join("\t".join(map(text, row)) + "\n" for row in rows).encode()


def measure_generator(*, contributions: int, largest: int) -> dict:
    """The generator end to end (reference rows, Python row generation, COPY, ANALYZE) against
    the same rows by raw COPY into empty copies of the tables."""
    from django.db import connection

    from contributions.management.commands.generate_demo_data import (
        COLUMNS,
        LINK_COLUMNS,
        Command,
        contribution_rows,
    )

    out: dict = {"details": {}}
    command = generator_command()
    plan_holder = {}
    original = Command.make_plan

    def keep_plan(self, **kw):
        plan_holder["plan"] = original(self, **kw)
        return plan_holder["plan"]

    Command.make_plan = keep_plan
    generate_s, _ = timed(command.handle, **generator_options(contributions, largest))
    Command.make_plan = original
    out["generator_rows_per_s"] = contributions / generate_s
    # The same rows by raw COPY, into empty copies of the tables (indexes and checks included; no
    # foreign keys or triggers, so this floor is if anything optimistic). Ordinary tables, as the
    # ledger is: a temporary table writes no WAL and would make the floor a different machine.
    plan = plan_holder["plan"]
    chunks = [(copy_text(r), copy_text(ls)) for r, ls in contribution_rows(plan)]  # unclocked
    with connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute("CREATE TABLE bench_copy (LIKE contributions_contribution INCLUDING ALL)")
        raw.execute(
            "CREATE TABLE bench_links (LIKE contributions_contribution_languages INCLUDING ALL)"
        )
        start = time.perf_counter()
        for rows, links in chunks:
            with raw.copy(f"COPY bench_copy ({', '.join(COLUMNS)}) FROM STDIN") as c:
                c.write(rows)
            if links:
                with raw.copy(f"COPY bench_links ({', '.join(LINK_COLUMNS)}) FROM STDIN") as c:
                    c.write(links)
        copy_s = time.perf_counter() - start
        raw.execute("DROP TABLE bench_copy, bench_links")
    del chunks
    out["copy_rows_per_s"] = contributions / copy_s
    out["details"].update(
        rows=contributions, generate_s=round(generate_s, 2), copy_s=round(copy_s, 2)
    )
    return out


def measure_dataset() -> dict:
    from django.db import connection, transaction
    from django.test import Client

    from contributions import stats
    from contributions.models import Contribution, ProjectStatsSummary

    out: dict = {"details": {}}
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
    # 4. The database's floors (see FLOOR_SQL), fetched, median of 3 each, with the memory the
    # rebuild's own aggregates are given.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{stats.REBUILD_WORK_MEM}'")
        for key, sql in (("floor_s", FLOOR_SQL), ("floor_cells_s", FLOOR_CELLS_SQL)):
            out[key] = statistics.median(
                timed(lambda sql=sql: (cursor.execute(sql), cursor.fetchall()))[0] for _ in range(3)
            )
    out["details"].update(
        rebuild_s=round(out["rebuild_s"], 2),
        floor_s=round(out["floor_s"], 2),
        floor_cells_s=round(out["floor_cells_s"], 2),
    )

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
    # One more than measured: the first job after the worker starts also opens its connections.
    entries = [
        services.contribution_submit(user=author, project=project, type="evaluation", title="Run")
        for _ in range(APPROVALS + 1)
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
        # As deployed: the production settings, whose connection pool keeps the worker's
        # connections open between jobs (the local settings open one per job).
        env=server_env(os.environ["DATABASE_URL"], pages_cache=True),
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
        samples = samples[1:]  # the warm-up
    finally:
        worker.kill()
        worker.wait()
    return statistics.median(samples), f"samples (ms): {[round(s) for s in samples]}"


if __name__ == "__main__":
    sys.exit(main())
