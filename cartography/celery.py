"""The Celery application: configured from Django settings (CELERY_* names), tasks discovered."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cartography.settings.local")

app = Celery("cartography")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
