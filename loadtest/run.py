"""`make loadtest`: the platform under load, with nothing lost.

1. A scratch PostgreSQL database (LOADTEST_DATABASE, default `cartography_loadtest`, dropped and
   created), migrated, with the seeded map, the benchmark's synthetic ledger (generate_demo_data:
   --contributions, default 1,000,000, over 100 synthetic projects, the largest with 50,000) and
   load-test accounts with known passwords and API tokens (loadtest/seed.py). With --keep, a
   database that already holds that ledger is reused (migrated, accounts added).
2. gunicorn with production settings, a Celery worker on Redis and the Redis cache, as deployed.
   With --replica, the database lives in a private PostgreSQL cluster of the run's own with a
   streaming replica of it (`pg_basebackup -R`, tests/services/instances.py), and gunicorn reads
   from the replica (DATABASE_REPLICA_URLS); the request log says which database each request
   read from, and the report counts them.
3. locust, headless: at least 50 users for 2 minutes (visitors browsing pages and the API,
   contributors logging work through the forms and the API, maintainers moderating).
4. Checks: every write the load test made (each logged contribution, each decision) is in the
   database as sent; once the worker has drained its queue, every project's stored statistics
   and the global ones equal a recomputation from scratch (the oracle in
   tests/contributions/oracles.py).
5. Read-your-writes: each contribution logged through the web form is opened at once by its
   author (a pending entry only its author may see); anything but 200 is a violation.
6. Prints requests per second, p50/p95/p99 per endpoint group, the 5xx count, the reads per
   database and the read-your-writes violations; exits non-zero if any write is missing, a
   statistic differs, a response was a 5xx or a write was not read back.

Needs PostgreSQL and Redis on 127.0.0.1 (as .ci/run starts them). Options: --users, --duration,
--spawn-rate; the run's logs and locust's CSV stay in the printed directory.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379"
# Redis database indexes of the load test's own: its queue and cache never mix with a developer's
# (LOADTEST_BROKER_DB and LOADTEST_CACHE_DB choose others; the run flushes both).
BROKER_DB = int(os.environ.get("LOADTEST_BROKER_DB", "12"))
CACHE_DB = int(os.environ.get("LOADTEST_CACHE_DB", "11"))
# The locust group of the read that follows each web write (loadtest/locustfile.py).
READ_OWN_WRITE = "web: read own write"


def log(message: str) -> None:
    print(f"[loadtest] {message}", flush=True)


def run(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, check=True, **kwargs)  # noqa: S603


def manage(env: dict[str, str], *args: str) -> None:
    run([sys.executable, "manage.py", *args], env)


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise SystemExit(f"[loadtest] gave up waiting for {what}")


def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own server
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def redis_cli(*args: str) -> str:
    result = subprocess.run(  # noqa: S603 - fixed arguments
        ["redis-cli", "-h", "127.0.0.1", "-p", "6379", *args],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip()


def check_services() -> None:
    if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], check=False).returncode != 0:  # noqa: S607
        raise SystemExit(
            "[loadtest] PostgreSQL is not answering on 127.0.0.1:5432 (.ci/run starts it)."
        )
    if redis_cli("ping") != "PONG":
        raise SystemExit("[loadtest] Redis is not answering on 127.0.0.1:6379 (.ci/run starts it).")


def recreate_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def holds_ledger(server: str, name: str, contributions: int) -> bool:
    """The database exists and holds the synthetic ledger of that size."""
    import psycopg

    try:
        with psycopg.connect(f"{server}/{name}", connect_timeout=5) as conn:
            count = conn.execute(
                "SELECT count(*) FROM contributions_contribution WHERE source = 'synthetic'"
            ).fetchone()[0]
    except psycopg.Error:
        return False
    return count == contributions


def environment(database: str, port: int, server: str = PG) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="cartography.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # gunicorn speaks plain HTTP on localhost here, as behind a TLS-terminating proxy.
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SITE_URL=f"http://127.0.0.1:{port}",
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=f"{server}/{database}",
        DATABASE_POOL_MAX="8",
        CELERY_BROKER_URL=f"{REDIS}/{BROKER_DB}",
        CACHE_URL=f"{REDIS}/{CACHE_DB}",
        # The load test measures capacity, not the throttles: every user comes from 127.0.0.1.
        API_THROTTLE_ANON="1000000/min",
        API_THROTTLE_USER="1000000/min",
        API_THROTTLE_WRITE="1000000/min",
        EMAIL_URL="consolemail://",
        PYTHONUNBUFFERED="1",
    )
    return env


def start(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    with log_path.open("ab") as out:
        return subprocess.Popen(  # noqa: S603
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# VERIFICATION (in this process, against the load test's database)
# ------------------------------------------------------------------------------
def verify_writes(writes_path: Path) -> dict[str, int]:
    from contributions.models import Contribution, ModerationEvent

    writes = [json.loads(line) for line in writes_path.read_text().splitlines() if line.strip()]
    created = [w for w in writes if w["kind"] == "contribution"]
    decisions = [w for w in writes if w["kind"] == "decision"]
    rows = Contribution.objects.in_bulk([w["id"] for w in created + decisions])
    missing: list[str] = []
    for write in created:
        row = rows.get(write["id"])
        if row is None or row.title != write["title"] or row.project_id != write["project_id"]:
            missing.append(f"contribution {write['id']} ({write['title']!r})")
    for write in decisions:
        row = rows.get(write["id"])
        recorded = ModerationEvent.objects.filter(
            contribution_id=write["id"], to_status=write["status"], actor__username=write["user"]
        ).exists()
        if row is None or row.status != write["status"] or not recorded:
            missing.append(f"decision {write['status']} on {write['id']} by {write['user']}")
    for item in missing[:20]:
        log(f"MISSING: {item}")
    return {
        "contributions made": len(created),
        "decisions made": len(decisions),
        "writes made": len(writes),
        "writes found": len(writes) - len(missing),
    }


def statistics_differences() -> list[str]:
    """Every project's stored rollups and the global ones against the from-scratch oracle."""
    from contributions.models import Contribution
    from tests.contributions import oracles

    differences = []
    for project_id in sorted(set(Contribution.objects.values_list("project_id", flat=True))):
        stored, expected = oracles.project_rollups(project_id), oracles.oracle_project(project_id)
        for part in ("summary", "cells"):
            if stored[part] != expected[part]:
                differences.append(f"project {project_id} {part}")
    stored, expected = oracles.global_rollups(), oracles.oracle_global()
    for part in ("breakdowns", "cells"):
        if stored[part] != expected[part]:
            differences.append(f"global {part}")
    return differences


def drained_and_fresh() -> bool:
    from contributions import stats

    queued = int(redis_cli("-n", str(BROKER_DB), "llen", "celery") or 0)
    return queued == 0 and not stats.stale_project_ids() and not stats.global_is_stale()


def reads_by_database(gunicorn_log: Path) -> dict[str, int]:
    """Requests per database they read from, from the request log's `database` field."""
    counts: dict[str, int] = defaultdict(int)
    for line in gunicorn_log.read_text(errors="replace").splitlines():
        if '"message": "request"' not in line:
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        counts[record.get("database") or "none"] += 1
    return dict(counts)


# REPORT
# ------------------------------------------------------------------------------
# CPU ACCOUNTING: where the machine's time went during the load (Linux /proc)
# ------------------------------------------------------------------------------
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def machine_cpu() -> tuple[float, float]:
    """The machine's busy and total CPU seconds since boot, over all cores (/proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields) - idle) / TICK, sum(fields) / TICK


def cpu_by_session(sessions: dict[int, str]) -> dict[str, float]:
    """CPU seconds used so far by the processes of each named session (gunicorn and the worker
    run in sessions of their own) and by every PostgreSQL process, from /proc/<pid>/stat."""
    used: dict[str, float] = defaultdict(float)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        rest = stat[stat.rindex(")") + 2 :].split()
        seconds = (int(rest[11]) + int(rest[12])) / TICK  # utime, stime
        session = int(rest[3])
        if session in sessions:
            used[sessions[session]] += seconds
        elif comm == "postgres":
            used["postgres (all clients)"] += seconds
    return used


def report_cpu(before: dict, after: dict, seconds: float) -> None:
    busy = after["machine"][0] - before["machine"][0]
    total = after["machine"][1] - before["machine"][1]
    cores = os.cpu_count() or 1
    print(
        f"\nCPU during the load: the machine {100 * busy / total:.0f}% busy "
        f"({busy:.0f} of {total:.0f} CPU s over {cores} cores in {seconds:.0f} s)"
    )
    for name in sorted(after["groups"]):
        used = after["groups"][name] - before["groups"].get(name, 0.0)
        print(f"  {name:<24}{used:>7.0f} CPU s  ({used / seconds:.2f} cores)")


def report(stats_csv: Path, statuses: list[dict], duration: float) -> int:
    rows = list(csv.DictReader(stats_csv.open()))
    by_group: dict[str, dict] = {row["Name"]: row for row in rows}
    five_xx: dict[str, int] = defaultdict(int)
    throttled: dict[str, int] = defaultdict(int)
    unanswered: dict[str, int] = defaultdict(int)
    for entry in statuses:
        if entry["status"] >= 500:
            five_xx[entry["group"]] += entry["count"]
        elif entry["status"] == 429:
            throttled[entry["group"]] += entry["count"]
        elif entry["status"] == 0:
            unanswered[entry["group"]] += entry["count"]
    header = f"{'endpoint group':<26}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}"
    header += f"{'p99 ms':>8}{'fail':>6}{'5xx':>6}"
    print("\n" + header)
    print("-" * len(header))
    for name in sorted(n for n in by_group if n != "Aggregated"):
        print(_row(name, by_group[name], five_xx[name]))
    print("-" * len(header))
    total = by_group["Aggregated"]
    print(_row("all", total, sum(five_xx.values())))
    print(
        f"\n{int(total['Request Count'])} requests in {duration:.0f} s; "
        f"5xx responses: {sum(five_xx.values())}; 429: {sum(throttled.values())}; "
        f"no answer: {sum(unanswered.values())}"
    )
    return sum(five_xx.values()) + sum(unanswered.values())


def _row(name: str, row: dict, five_xx: int) -> str:
    return (
        f"{name:<26}{int(row['Request Count']):>9}{float(row['Requests/s']):>8.1f}"
        f"{_ms(row['50%']):>8}{_ms(row['95%']):>8}{_ms(row['99%']):>8}"
        f"{int(row['Failure Count']):>6}{five_xx:>6}"
    )


def _ms(value: str) -> str:
    return "n/a" if value in ("", "N/A") else f"{float(value):.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", default="2m", help="locust's --run-time, e.g. 2m, 90s")
    parser.add_argument(
        "--database", default=os.environ.get("LOADTEST_DATABASE", "cartography_loadtest")
    )
    parser.add_argument(
        "--contributions",
        type=int,
        default=1_000_000,
        help="Synthetic contributions of the data set (the benchmark's shape).",
    )
    parser.add_argument(
        "--keep", action="store_true", help="Reuse the database if it holds that data set."
    )
    parser.add_argument(
        "--replica",
        action="store_true",
        help="A private primary with a streaming replica; reads go to the replica.",
    )
    parser.add_argument("--web-workers", type=int, default=min(2 * (os.cpu_count() or 1) + 1, 5))
    args = parser.parse_args()
    if args.users < 1:
        raise SystemExit("--users must be at least 1")

    check_services()
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="loadtest-"))
    log(f"working directory: {workdir}")
    primary = None
    server = PG
    if args.replica:
        sys.path.insert(0, str(ROOT))
        from tests.services.instances import PrivatePostgres

        # A directory of its own beside the working one (which only this user may enter): the
        # clusters run as the system's `postgres` account.
        clusters = Path(tempfile.mkdtemp(prefix="loadtest-clusters-"))
        primary = PrivatePostgres(clusters).init()
        primary.start()
        server = primary.url("").rstrip("/")
        log(f"private primary on port {primary.port}")
    env = environment(args.database, port, server)
    try:
        return run_load(args, env, workdir, port, server, primary)
    finally:
        if primary is not None and primary.running():
            primary.stop()


def build(args, env: dict[str, str], server: str) -> None:
    if args.keep and holds_ledger(server, args.database, args.contributions):
        log(f"database {args.database}: kept, {args.contributions:,} synthetic contributions")
        manage(env, "migrate", "--noinput", "-v", "0")
        return
    log(f"database {args.database}: recreate, migrate, seed, {args.contributions:,} contributions")
    recreate_database(server, args.database)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "load_cartography")
    manage(
        env,
        "generate_demo_data",
        *("--contributions", str(args.contributions), "--synthetic-projects", "100"),
        *("--contributors", "20000", "--seed", "7", "--approved-share", "0.95"),
        *("--largest-project", str(min(50_000, args.contributions // 2)), "--no-progress"),
    )


def run_load(args, env, workdir: Path, port: int, server: str, primary) -> int:
    redis_cli("-n", str(BROKER_DB), "flushdb")
    redis_cli("-n", str(CACHE_DB), "flushdb")
    build(args, env, server)
    manage(env, "collectstatic", "--noinput", "-v", "0")
    accounts = workdir / "accounts.json"
    run([sys.executable, "loadtest/seed.py", "--output", str(accounts)], env)
    web_env = dict(env)
    replica = None
    if primary is not None:
        from tests.services.instances import PrivateReplica

        replica = PrivateReplica(primary.base).init_from(primary)
        replica.start()
        log(f"streaming replica on port {replica.port}")
        web_env["DATABASE_REPLICA_URLS"] = replica.url(args.database)
        web_env["DJANGO_LOG_LEVEL"] = "INFO"  # the request lines name the database read
    try:
        return serve_and_load(args, env, web_env, workdir, port, accounts)
    finally:
        if replica is not None and replica.running():
            replica.stop()


def serve_and_load(args, env, web_env, workdir: Path, port: int, accounts: Path) -> int:
    web = worker = None
    try:
        web = start(
            [
                str(BIN / "gunicorn"),
                "cartography.wsgi:application",
                *("--bind", f"127.0.0.1:{port}", "--workers", str(args.web_workers)),
                *("--timeout", "60"),
            ],
            web_env,
            workdir / "gunicorn.log",
        )
        worker = start(
            [
                str(BIN / "celery"),
                *("-A", "cartography", "worker", "-l", "warning"),
                *("--concurrency", "2", "-n", f"loadtest-{port}@%h"),
            ],
            env,
            workdir / "worker.log",
        )
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_status(f"{base}/readyz") == 200, timeout=120, what="/readyz")
        log(f"gunicorn ({args.web_workers} workers) and a worker are up at {base}")

        writes, statuses_path = workdir / "writes.jsonl", workdir / "statuses.json"
        writes.touch()
        locust_env = {
            **env,
            "LOADTEST_ACCOUNTS": str(accounts),
            "LOADTEST_WRITES": str(writes),
            "LOADTEST_STATUS": str(statuses_path),
        }
        log(f"locust: {args.users} users for {args.duration}")
        sessions = {web.pid: "gunicorn", worker.pid: "celery worker"}
        cpu_before = {"machine": machine_cpu(), "groups": cpu_by_session(sessions)}
        locust_before = os.times()
        started = time.monotonic()
        subprocess.run(  # noqa: S603
            [
                str(BIN / "locust"),
                *("-f", "loadtest/locustfile.py", "--headless"),
                *("-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.duration),
                *("--host", base, "--csv", str(workdir / "locust"), "--only-summary"),
                *("--stop-timeout", "30", "--exit-code-on-error", "0", "--loglevel", "WARNING"),
            ],
            cwd=ROOT,
            env=locust_env,
            check=True,
        )
        duration = time.monotonic() - started
        locust_after = os.times()
        cpu_after = {"machine": machine_cpu(), "groups": cpu_by_session(sessions)}
        cpu_after["groups"]["locust (load generator)"] = (
            locust_after.children_user
            + locust_after.children_system
            - locust_before.children_user
            - locust_before.children_system
        )

        # Verify in this process, against the load test's database.
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        log("waiting for the worker to drain its queue and the rollups to be fresh")
        try:
            wait_until(drained_and_fresh, timeout=180, what="the worker to catch up")
            caught_up = True
        except SystemExit:
            caught_up = False
        counts = verify_writes(writes)
        differences = statistics_differences()
    finally:
        stop(web)
        stop(worker)

    statuses = json.loads(statuses_path.read_text())
    failures = report(workdir / "locust_stats.csv", statuses, duration)
    report_cpu(cpu_before, cpu_after, duration)
    read_back = [e for e in statuses if e["group"] == READ_OWN_WRITE]
    violations = sum(e["count"] for e in read_back if e["status"] != 200)
    print()
    for name, value in counts.items():
        print(f"{name:<22}{value:>8}")
    print(f"{'own writes read back':<22}{sum(e['count'] for e in read_back):>8}")
    print(f"{'read-your-writes fails':<22}{violations:>8}")
    if "DATABASE_REPLICA_URLS" in web_env:
        for database, requests in sorted(reads_by_database(workdir / "gunicorn.log").items()):
            print(f"{'requests read from ' + database:<22}{requests:>8}")
    print(f"{'stats caught up':<22}{'yes' if caught_up else 'NO':>8}")
    print(f"{'stats exact':<22}{'yes' if not differences else 'NO':>8}")
    for difference in differences[:20]:
        log(f"DIFFERS: {difference}")
    ok = (
        failures == 0
        and violations == 0
        and counts["writes found"] == counts["writes made"]
        and counts["writes made"] > 0
        and caught_up
        and not differences
    )
    log(f"logs and locust's CSV are in {workdir}; the database {args.database} is kept")
    log("PASSED" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
