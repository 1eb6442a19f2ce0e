"""Backups: `make backup` (pg_dump) and `make restore` (pg_restore) into a scratch database give
the same ledger and the same statistics, both the stored rollups and a recomputation from scratch.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from contributions import stats
from contributions.models import Contribution
from tests.contributions import oracles
from tests.production.processes import ROOT, database_url, service_env

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def statistics_snapshot() -> dict:
    """Row counts of every model, each project's stored rollups and the oracle's from-scratch
    numbers, and the global ones: what a restore must give back unchanged."""
    counts = {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if not model._meta.proxy and model._meta.managed
    }
    project_ids = sorted(set(Contribution.objects.values_list("project_id", flat=True)))
    return {
        "counts": counts,
        "projects": {
            str(pk): {"stored": oracles.project_rollups(pk), "oracle": oracles.oracle_project(pk)}
            for pk in project_ids
        },
        "global": {"stored": oracles.global_rollups(), "oracle": oracles.oracle_global()},
        "stale": stats.stale_project_ids(),
        "approved_ids": sorted(
            Contribution.objects.filter(status="approved").values_list("pk", flat=True)
        ),
    }


def _jsonable(value):
    """Rollup cells are keyed by tuples: written as sorted [key, value] pairs instead."""
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _jsonable(v) for k, v in value.items()}
        return sorted(([_jsonable(k), _jsonable(v)] for k, v in value.items()), key=repr)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _normalised(snapshot: dict) -> dict:
    # Decimals, dates and tuples as JSON carries them, so both sides compare alike.
    return json.loads(json.dumps(_jsonable(snapshot), default=str, sort_keys=True))


def _snapshot_of(url: str) -> dict:
    script = (
        "import django, json; django.setup(); "
        "from tests.services.test_backup import statistics_snapshot; "
        "from tests.services.test_backup import _normalised; "
        "print(json.dumps(_normalised(statistics_snapshot())))"
    )
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=service_env(DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _make(target: str, *, url: str, backup: Path) -> None:
    result = subprocess.run(  # noqa: S603 - fixed arguments
        ["make", "--no-print-directory", target, f"DATABASE_URL={url}", f"BACKUP={backup}"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _admin(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def test_a_restored_database_gives_the_same_statistics(tmp_path):
    call_command(
        "generate_demo_data",
        contributions=600,
        synthetic_projects=4,
        contributors=60,
        seed=7,
        no_progress=True,
        stdout=io.StringIO(),
    )
    stats.reconcile()
    before = _normalised(statistics_snapshot())
    assert before["stale"] == []
    assert len(before["approved_ids"]) > 100
    # Not trivially equal: the stored rollups are real numbers and match the oracle.
    for project in before["projects"].values():
        assert project["stored"]["summary"] == project["oracle"]["summary"]

    backup = tmp_path / "cartography.dump"
    _make("backup", url=database_url(), backup=backup)
    assert backup.stat().st_size > 0

    scratch = f"restore_{uuid.uuid4().hex[:12]}"
    scratch_url = database_url().rsplit("/", 1)[0] + f"/{scratch}"
    _admin(f'CREATE DATABASE "{scratch}"')
    try:
        _make("restore", url=scratch_url, backup=backup)
        restored = _snapshot_of(scratch_url)
        assert restored == before
        # Restoring again over the restored database (--clean --if-exists) changes nothing.
        _make("restore", url=scratch_url, backup=backup)
        assert _snapshot_of(scratch_url) == before
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
