"""Fixtures shared by every test layer: the five roles of the permission policy and a project."""

import gc
import os
from pathlib import Path

import pytest

from tests import factories

SAMPLES = Path(__file__).resolve().parent / "samples"


@pytest.fixture
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture
def project(db):
    return factories.ProjectFactory(name="Bielik", slug="bielik")


@pytest.fixture
def maintainer(project):
    user = factories.UserFactory(username="maintainer")
    factories.MaintainershipFactory(project=project, user=user)
    return user


@pytest.fixture
def other_maintainer(db):
    """A maintainer of another project: no rights on `project`."""
    user = factories.UserFactory(username="other-maintainer")
    factories.MaintainershipFactory(project=factories.ProjectFactory(), user=user)
    return user


@pytest.fixture
def contributor_user(db):
    return factories.UserFactory(username="contributor")


@pytest.fixture
def staff(db):
    return factories.StaffFactory(username="staff")


@pytest.fixture
def anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In the service run (FAIL_ON_SKIP=1) a skipped test is a failure: a skip there hides a
    missing install step."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("FAIL_ON_SKIP") == "1" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = (
            f"Skipped in the service run, where nothing may be skipped: {report.longrepr}"
        )


# WHAT A RUN LEAVES OUT, AND WHY
# ------------------------------------------------------------------------------
# The service tests (marker `services`: fault drills, real workers, backups) start PostgreSQL and
# Redis servers of their own and point Django at them for the whole session, so they run on their
# own: `pytest -m services`. A run that selects them together with other tests leaves them out.
_DESELECTED = pytest.StashKey[dict[str, int]]()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    services = [item for item in items if item.get_closest_marker("services")]
    if services and len(services) < len(items):
        items[:] = [item for item in items if not item.get_closest_marker("services")]
        config.hook.pytest_deselected(items=services)
    # Tests of what only PostgreSQL has (several writers at once) leave the SQLite pass, named
    # in its closing lines; the PostgreSQL pass runs them, where nothing may be skipped.
    from django.db import connection

    if connection.vendor != "postgresql":
        postgresql = [item for item in items if item.get_closest_marker("postgresql")]
        if postgresql:
            items[:] = [item for item in items if not item.get_closest_marker("postgresql")]
            config.hook.pytest_deselected(items=postgresql)


def pytest_deselected(items):
    if not items:
        return
    config = items[0].config
    counts = config.stash.setdefault(_DESELECTED, {})
    for item in items:
        if item.get_closest_marker("services"):
            reason = "services"
        elif item.get_closest_marker("postgresql"):
            reason = "postgresql"
        else:
            reason = "other"
        counts[reason] = counts.get(reason, 0) + 1
    if hasattr(config, "workeroutput"):  # an xdist worker: the controller prints the summary
        config.workeroutput["deselected"] = dict(counts)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """Each xdist worker collects the whole suite and deselects the same tests: one worker's
    count is the run's."""
    reported = getattr(node, "workeroutput", {}).get("deselected")
    if reported:
        node.config.stash[_DESELECTED] = dict(reported)


def _tests(count: int) -> str:
    return f"{count} test" if count == 1 else f"{count} tests"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    counts = config.stash.get(_DESELECTED, {})
    if services := counts.get("services"):
        configured = os.environ.get("DATABASE_URL") and os.environ.get("CELERY_BROKER_URL")
        now = "as they are now" if configured else "they are not now"
        terminalreporter.write_line(
            f"{_tests(services)} deselected: marked `services` (fault drills, real workers, "
            "backups on PostgreSQL and Redis servers the tests start themselves). They run on "
            "their own, `pytest -m services`; `make test` runs them after the rest when "
            f"DATABASE_URL and CELERY_BROKER_URL are set ({now})."
        )
    if postgresql := counts.get("postgresql"):
        terminalreporter.write_line(
            f"{_tests(postgresql)} deselected: marked `postgresql` (what only PostgreSQL does, "
            "such as several writers at once); `make test` runs them when DATABASE_URL names "
            "a PostgreSQL database."
        )
    if other := counts.get("other"):
        selection = config.getoption("markexpr") or config.getoption("keyword")
        terminalreporter.write_line(
            f"{_tests(other)} deselected: not selected by {selection!r}"
            + (" (the other pass of `make test` runs them)." if selection == "services" else ".")
        )


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    """On an xdist worker, collect garbage while the controller still waits for this worker, and
    freeze what survives. Pytest's cleanup ends with five full collections; over this suite's heap
    on a loaded machine they outlasted the five seconds execnet gives a finished worker, which then
    SIGINTs it, and a KeyboardInterrupt traceback was printed after a passing run. Unraisable
    exceptions this collection finds are still reported (pytest's hook records them)."""
    if hasattr(session.config, "workerinput"):
        gc.collect()
        gc.freeze()
