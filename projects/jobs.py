"""Enqueueing background jobs after the current transaction commits.

Every service enqueues through `enqueue_on_commit`, the equivalent of Celery's `delay_on_commit`
with one difference recorded here on purpose: a broker that is down must not turn a committed
write into an error page. The callback is registered as robust, so a failed publish is logged and
the request goes on; the periodic reconciliation rebuilds whatever the lost job would have done.
"""

from django.db import transaction


def enqueue_on_commit(task, *args, **kwargs) -> None:
    # A named function, not functools.partial: Django logs a robust callback's failure by its
    # __qualname__, which a partial does not have.
    def publish_after_commit() -> None:
        task.apply_async(args=args, kwargs=kwargs)

    transaction.on_commit(publish_after_commit, robust=True)
