"""The periodic jobs, run by exactly one `celery beat` with the database scheduler
(django-celery-beat copies this schedule into its tables at start; staff may adjust it in the
admin). Imported by base.py."""

from celery.schedules import crontab

__all__ = ["CELERY_BEAT_SCHEDULE"]

CELERY_BEAT_SCHEDULE = {
    # The statistics' safety net: rebuild projects whose rollups are behind their ledger (a job
    # lost to a broker outage or a killed worker), and the global rollups when stale. Cheap when
    # nothing is stale: one indexed anti-join.
    "reconcile-statistics": {
        "task": "contributions.tasks.reconcile_stats",
        "schedule": 120.0,
        "options": {"expires": 110},
    },
    # Each maintainer's morning mail of the entries waiting for their review.
    "maintainers-pending-digest": {
        "task": "contributions.tasks.send_pending_digest",
        "schedule": crontab(hour=7, minute=0),
        "options": {"expires": 6 * 60 * 60},
    },
}
