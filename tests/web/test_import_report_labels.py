"""An import's report names contribution types by their labels, never by their raw keys."""

import pytest
from django.urls import reverse

from cartography.models import ImportRun

pytestmark = pytest.mark.django_db


def test_the_report_shows_labels_not_raw_keys(client, project, maintainer):
    run = ImportRun.objects.create(
        project=project,
        requested_by=maintainer,
        kind=ImportRun.Kind.ALL_CONTRIBUTORS,
        status=ImportRun.Status.SUCCEEDED,
        filename=".all-contributorsrc",
        report={
            "ok": True,
            "created": 5,
            "skipped": 0,
            "created_by_type": {"code_review": 3, "design_accessibility": 2},
        },
    )
    client.force_login(maintainer)
    html = client.get(reverse("import_run_detail", args=[run.pk])).content.decode()
    assert "<li>Code review: 3</li>" in html
    assert "code_review" not in html and "design_accessibility" not in html
