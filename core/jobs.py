"""Enqueueing background jobs after the current transaction commits.

Every service enqueues through `enqueue_on_commit`, the equivalent of Celery's `delay_on_commit`
with one difference recorded here on purpose: a broker that is down must not turn a committed
write into an error page. The callback is registered as robust, so a failed publish is logged and
the request goes on; the periodic reconciliation rebuilds whatever the lost job would have done.

A task may be given by its dotted path ("contributions.tasks.refresh_project_stats"): a service
then names its job without importing the tasks module, which imports the services in turn. The
name is resolved at once, so a wrong one fails where it is written, not in a log after commit.
"""

from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string


def enqueue_on_commit(task: Any, *args, **kwargs) -> None:
    """Publish `task` (a Celery task, or its dotted path) with these arguments after commit."""
    if isinstance(task, str):
        task = import_string(task)

    # A named function, not functools.partial: Django logs a robust callback's failure by its
    # __qualname__, which a partial does not have.
    def publish_after_commit() -> None:
        task.apply_async(args=args, kwargs=kwargs)

    transaction.on_commit(publish_after_commit, robust=True)
