"""Fixtures shared by every test layer: the five roles of the permission policy and a project."""

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
