"""Benchmark of repository syncs (part of `make bench`): a synthetic history of 100,000 commits
by 2,000 authors, built with `git fast-import`, read into a scratch PostgreSQL database.

Measured, each beside its target:
- first import / one raw `git log --numstat` over the same repository (the floor): at most 3;
- an incremental sync of 100 new commits: under 2 s;
- peak memory of the process that syncs: under 300 MB.

The scratch database (`<name>_bench_repos` beside the one DATABASE_URL names) and the repository
live only for the run. Each sync runs in a child process, so its peak memory is its own.

Usage: python bench/repositories.py [--commits 100000] [--authors 2000] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.run import RESULTS, ROOT, child_env, migrate, recreate, scratch_url

# Paths spread over the classification table, so every rule is exercised.
AREAS = [
    ("src/pkg/module{n}.py", 40),
    ("tests/test_module{n}.py", 15),
    ("docs/page{n}.md", 15),
    ("data/shard{n}.jsonl", 10),
    ("evals/task{n}.yaml", 8),
    (".github/workflows/job{n}.yml", 2),
    ("README.md", 5),
    ("src/pkg/sub/util{n}.py", 5),
]
START = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)


def fast_import_stream(
    *, commits: int, authors: int, seed: int, first_mark: int, parent: str | None, start: float
):
    rng = random.Random(seed)
    paths = [p for p, _w in AREAS]
    weights = [w for _p, w in AREAS]
    for i in range(commits):
        mark = first_mark + i
        who = rng.randrange(authors)
        if who % 10 == 0:
            person = f"Author {who} <{who}+author{who}@users.noreply.github.com>"
        else:
            person = f"Author {who} <author{who}@example.org>"
        when = int(start) + i * 900
        message = f"Change {mark}\n"
        if rng.random() < 0.05:
            other = (who + 1) % authors
            message += f"\nReviewed-by: Author {other} <author{other}@example.org>\n"
        body = message.encode()
        out = [
            b"commit refs/heads/main\n",
            f"mark :{mark}\n".encode(),
            f"author {person} {when} +0000\n".encode(),
            f"committer {person} {when} +0000\n".encode(),
            f"data {len(body)}\n".encode(),
            body,
        ]
        if i == 0 and parent:
            out.append(f"from {parent}\n".encode())
        for _ in range(rng.choice((1, 1, 2, 3))):
            path = rng.choices(paths, weights)[0].format(n=rng.randrange(300))
            content = "".join(f"line {mark} {k}\n" for k in range(rng.randrange(1, 12))).encode()
            out.append(f"M 100644 inline {path}\ndata {len(content)}\n".encode())
            out.append(content)
        out.append(b"\n")
        yield b"".join(out)


def fast_import(repo: Path, **options) -> None:
    proc = subprocess.Popen(
        ["git", "fast-import", "--quiet"],  # noqa: S607
        cwd=repo,
        stdin=subprocess.PIPE,
    )
    for chunk in fast_import_stream(**options):
        proc.stdin.write(chunk)
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall-clock seconds and CPU seconds of one command."""
    cpu = _children_cpu()
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, check=True)  # noqa: S603
    return time.perf_counter() - started, _children_cpu() - cpu


def _machine_busy_cpu() -> float | None:
    """CPU seconds every processor of this machine spent busy so far (Linux), or None. The
    sync writes from a second database connection too, whose server process ends with the
    sync: PostgreSQL's share is measured as the machine's busy time less the sync's own (its
    Python and its git), which on a quiet machine is the database's."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


# THE CHILD: one sync, in a process of its own
# ------------------------------------------------------------------------------
def child(repo: str, out: str) -> None:
    import django

    django.setup()
    from django.db import connection

    import contributions.services
    import repositories.services

    # The sync alone is measured: the statistics refresh and the source's totals it enqueues are
    # jobs of their own.
    contributions.services._enqueue_stats = lambda project_id: None
    real_enqueue = repositories.services.enqueue_on_commit
    repositories.services.enqueue_on_commit = lambda task, *args: (
        None if task.endswith("refresh_source_totals") else real_enqueue(task, *args)
    )

    from projects.models import Project
    from repositories.models import RepositorySource
    from repositories.services import (
        repository_source_add,
        repository_sync_execute,
        repository_sync_request,
    )

    project, _ = Project.objects.get_or_create(
        slug="bench-repos", defaults={"name": "Repository benchmark", "listing_status": "listed"}
    )
    source = RepositorySource.objects.filter(project=project).first() or repository_source_add(
        project=project, url=repo, allow_local=True
    )
    machine_cpu = _machine_busy_cpu()
    own_cpu, git_cpu = time.process_time(), _children_cpu()
    started = time.perf_counter()
    sync = repository_sync_request(source=source)
    repository_sync_execute(sync_id=sync.pk)
    seconds = time.perf_counter() - started
    own_cpu, git_cpu = time.process_time() - own_cpu, _children_cpu() - git_cpu
    machine_after = _machine_busy_cpu()
    sync.refresh_from_db()
    Path(out).write_text(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_python": own_cpu,
                "cpu_git": git_cpu,
                "cpu_database": (
                    machine_after - machine_cpu - own_cpu - git_cpu
                    if machine_cpu is not None and machine_after is not None
                    else None
                ),
                "status": sync.status,
                "message": sync.message,
                "commits": sync.commits_done,
                "credits": sync.credits_recorded,
                "cells_created": sync.cells_created,
                "cells_updated": sync.cells_updated,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "vendor": connection.vendor,
            }
        )
    )


def run_child(url: str, repo: Path, cache: Path) -> dict:
    out = RESULTS / f".repositories-{os.getpid()}.json"
    env = child_env(url)
    env["REPOSITORY_CACHE_DIR"] = str(cache)
    env["REPOSITORY_SYNC_SECONDS"] = "3600"
    env["CELERY_BROKER_URL"] = ""  # jobs run in-process after commit; no broker needed
    subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--child", str(repo), "--out", str(out)],
        env=env,
        cwd=ROOT,
        check=True,
    )
    data = json.loads(out.read_text())
    out.unlink()
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child")
    parser.add_argument("--out")
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--authors", type=int, default=2_000)
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.out)
        return 0

    RESULTS.mkdir(parents=True, exist_ok=True)
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cartography")
    url = scratch_url(base, "repos")
    work = Path(tempfile.mkdtemp(prefix="bench-repos-"))
    repo, cache = work / "history.git", work / "cache"
    try:
        recreate(url)
        migrate(url)
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(repo)], check=True)  # noqa: S603, S607
        started = time.perf_counter()
        fast_import(
            repo,
            commits=args.commits,
            authors=args.authors,
            seed=1,
            first_mark=1,
            parent=None,
            start=START.timestamp(),
        )
        built = time.perf_counter() - started
        floor, floor_cpu = min(timed(["git", "log", "--numstat"], repo) for _ in range(2))
        first = run_child(url, repo, cache)
        fast_import(
            repo,
            commits=args.new,
            authors=args.authors,
            seed=2,
            first_mark=args.commits + 1,
            parent="refs/heads/main^0",
            start=START.timestamp() + args.commits * 900,
        )
        incremental = run_child(url, repo, cache)
        again = run_child(url, repo, cache)
    finally:
        if not args.keep:
            recreate(url, drop_only=True)
            shutil.rmtree(work, ignore_errors=True)
    ratio = first["seconds"] / floor
    # On a shared machine wall-clock time follows the load; CPU seconds much less. The CPU ratio
    # counts everything the import ran (Python, git, its PostgreSQL sessions) against git log's.
    first_cpu = first["cpu_python"] + first["cpu_git"] + (first["cpu_database"] or 0)
    cpu_ratio = first_cpu / floor_cpu if floor_cpu else None
    rows = [
        ("first import / git log --numstat", f"{ratio:.2f}", "<= 3", ratio <= 3),
        (
            f"incremental sync of {args.new} commits (s)",
            f"{incremental['seconds']:.2f}",
            "< 2",
            incremental["seconds"] < 2,
        ),
        (
            "peak memory of a sync (MB)",
            f"{max(first['peak_rss_mb'], incremental['peak_rss_mb']):.0f}",
            "< 300",
            max(first["peak_rss_mb"], incremental["peak_rss_mb"]) < 300,
        ),
    ]
    print(
        f"\nRepository sync on {first['vendor']}: {args.commits:,} commits by {args.authors:,} "
        f"authors (built in {built:.1f} s); floor: git log --numstat {floor:.2f} s; first import "
        f"{first['seconds']:.2f} s ({first['commits']:,} commits, {first['credits']:,} credits, "
        f"{first['cells_created']:,} ledger entries); re-sync {again['seconds']:.2f} s."
    )
    print(f"{'measure':<44} {'value':>8} {'target':>7}  ok")
    for name, value, target, ok in rows:
        print(f"{name:<44} {value:>8} {target:>7}  {'yes' if ok else 'NO'}")
    database = first["cpu_database"]
    print(
        f"CPU seconds: git log --numstat {floor_cpu:.2f}; first import {first_cpu:.2f} = Python "
        f"{first['cpu_python']:.2f} + git {first['cpu_git']:.2f} + PostgreSQL (the machine's "
        "other busy time) "
        + ("n/a" if database is None else f"{database:.2f}")
        + (
            (f" (ratio {cpu_ratio:.2f})" if cpu_ratio else "")
            + f"; incremental sync: Python {incremental['cpu_python']:.2f} + git "
            f"{incremental['cpu_git']:.2f}" + f"; load average {os.getloadavg()[0]:.1f} on "
            f"{os.cpu_count()} CPUs."
        )
    )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"repositories-{stamp}.json").write_text(
        json.dumps(
            {
                "floor": floor,
                "floor_cpu": floor_cpu,
                "cpu_ratio": cpu_ratio,
                "load_average": os.getloadavg(),
                "first": first,
                "incremental": incremental,
                "again": again,
            },
            indent=2,
        )
    )
    for sync in (first, incremental, again):
        if sync["status"] != "succeeded":
            print(f"A sync failed: {sync['message']}")
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
