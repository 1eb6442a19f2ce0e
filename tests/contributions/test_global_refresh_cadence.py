"""The global refresh's cadence: at least GLOBAL_REFRESH_DELAY apart, and at least
GLOBAL_REFRESH_COST_FACTOR times its own last duration, so its share of a core stays bounded."""

import pytest
from django.core.cache import cache

from contributions import tasks
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean_cache():
    cache.delete_many([tasks.GLOBAL_REFRESH_SECONDS, tasks.GLOBAL_REFRESH_QUEUED])
    yield
    cache.delete_many([tasks.GLOBAL_REFRESH_SECONDS, tasks.GLOBAL_REFRESH_QUEUED])


def test_the_delay_grows_with_what_the_last_refresh_cost():
    assert tasks.global_refresh_delay() == tasks.GLOBAL_REFRESH_DELAY
    cache.set(tasks.GLOBAL_REFRESH_SECONDS, 2.0)  # cheap: the floor holds
    assert tasks.global_refresh_delay() == tasks.GLOBAL_REFRESH_DELAY
    cache.set(tasks.GLOBAL_REFRESH_SECONDS, 15.0)  # a 1M ledger
    assert tasks.global_refresh_delay() == 15.0 * tasks.GLOBAL_REFRESH_COST_FACTOR


def test_a_global_refresh_records_its_duration():
    factories.ContributionFactory(status="approved")
    tasks.refresh_global_stats()
    assert cache.get(tasks.GLOBAL_REFRESH_SECONDS) >= 0


def test_the_queued_refresh_waits_the_delay(monkeypatch):
    sent = []
    monkeypatch.setattr(
        tasks.refresh_global_stats, "apply_async", lambda *_, **kw: sent.append(kw["countdown"])
    )
    cache.set(tasks.GLOBAL_REFRESH_SECONDS, 20.0)
    # As with a broker. Celery reads this app's settings from Django's, under their own name.
    monkeypatch.setattr(tasks.refresh_global_stats.app.conf, "CELERY_TASK_ALWAYS_EAGER", False)
    tasks.request_global_refresh()
    tasks.request_global_refresh()  # within the window: nothing more is queued
    assert sent == [20.0 * tasks.GLOBAL_REFRESH_COST_FACTOR]
