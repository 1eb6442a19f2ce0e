"""Fixtures of the API tests: clients for each role, a token, throttles reset between tests."""

from collections import Counter

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.tokens import token_create


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache: each test starts with none spent."""
    cache.clear()
    yield
    cache.clear()


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None and user.is_authenticated:
        client.force_authenticate(user)
    return client


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def token_client(contributor_user):
    """A client authenticated the way programs are: with a bearer token."""
    _, plaintext = token_create(user=contributor_user, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


# schemathesis totals, reported at the end of the run: requests per (operation, with a token).
SCHEMATHESIS_TOTALS: dict = {"requests": Counter()}


def pytest_terminal_summary(terminalreporter):
    requests = SCHEMATHESIS_TOTALS["requests"]
    if not requests:
        return  # not run here (or in another xdist worker, which reports nothing back)
    operations = {operation for operation, _ in requests}
    per_operation = Counter()
    for (operation, _), n in requests.items():
        per_operation[operation] += n
    failed = [
        r for r in terminalreporter.stats.get("failed", []) if "test_schemathesis" in r.nodeid
    ]
    terminalreporter.write_line(
        f"schemathesis: {len(operations)} operations, {sum(requests.values())} requests "
        f"({sum(n for (_, token), n in requests.items() if token)} with a token; fewest for one "
        f"operation: {min(per_operation.values())}), {len(failed)} operation(s) failed"
    )
    # Hypothesis stops early when an operation's inputs are exhausted (no parameters, no body).
    small = sorted(f"{op} ({n})" for op, n in per_operation.items() if n < 50)
    if small:
        terminalreporter.write_line(f"schemathesis: under 50 requests: {', '.join(small)}")
