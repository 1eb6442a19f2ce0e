"""Filter labels in a fresh process.

django-filter derives a label from the model field a filter names; a method filter names none and
was labelled "[invalid name]" in every new web process, until something (the OpenAPI schema
view) happened to compute the label another way. Within the test process the schema tests may
already have done so, so the check runs in a process of its own: every FilterSet's labels, and
the list pages as a first visitor of a new worker sees them.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import importlib, inspect, json, re
import django
django.setup()
from django.core.management import call_command
from django.test import Client
from django_filters import FilterSet

filtersets = {}
for module in ("projects.filters", "contributions.filters"):
    for name, cls in vars(importlib.import_module(module)).items():
        if inspect.isclass(cls) and issubclass(cls, FilterSet) and cls._meta.model is not None:
            filtersets[name] = {key: str(f.label) for key, f in cls().filters.items()}

call_command("migrate", verbosity=0)
pages = {}
for path in ("/contributions/", "/projects/", "/contributions/contributors/"):
    response = Client().get(path, HTTP_HOST="127.0.0.1")
    assert response.status_code == 200, (path, response.status_code)
    pages[path] = re.findall(r"<label[^>]*>([^<]*)</label>", response.content.decode())
print("RESULT" + json.dumps({"filtersets": filtersets, "pages": pages}))
"""


def fresh_process_labels() -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cartography.settings.test",
        "DATABASE_URL": "sqlite://:memory:",
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CELERY_BROKER_URL", None)
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT"))
    return json.loads(line.removeprefix("RESULT"))


def test_filter_labels_are_right_in_a_fresh_process():
    labels = fresh_process_labels()
    assert labels["filtersets"]["ContributionFilterSet"]["domain"] == "Domain"
    assert labels["filtersets"]["ArtifactFilterSet"]["domain"] == "Domain"
    assert labels["filtersets"]["ProjectFilterSet"]["continent"] == "Continent"
    for name, fields in labels["filtersets"].items():
        for key, label in fields.items():
            assert "invalid name" not in label, f"{name}.{key}"
    assert "Domain:" in labels["pages"]["/contributions/"]
    assert "Continent:" in labels["pages"]["/projects/"]
    for path, page_labels in labels["pages"].items():
        assert not [label for label in page_labels if "invalid name" in label], path
