"""A request's id follows it into the jobs it enqueues: the worker's JSON log lines for the job
carry the same id (service run: a real worker process on Redis)."""

from http import HTTPStatus

import pytest

from cartography.celery import app as celery_app
from tests import factories
from tests.production.processes import broker_mode, celery_worker, wait_ready, wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_the_jobs_of_an_approval_log_the_approving_requests_id(client):
    project = factories.ProjectFactory()
    maintainer = factories.UserFactory()
    factories.MaintainershipFactory(project=project, user=maintainer)
    pending = factories.ContributionFactory(project=project)
    client.force_login(maintainer)

    with celery_worker() as worker, broker_mode(celery_app):
        wait_ready(worker)
        response = client.post(
            f"/contributions/{pending.pk}/moderate/",
            {"action": "approve", "note": ""},
            headers={"X-Request-ID": "approval-trace-7"},
        )
        assert response.status_code == HTTPStatus.FOUND
        assert response["X-Request-ID"] == "approval-trace-7"

        def job_lines():
            return [
                line
                for line in worker.json_lines()
                if line.get("request_id") == "approval-trace-7"
                and line.get("task_name") == "contributions.tasks.refresh_project_stats"
            ]

        lines = wait_until(job_lines, timeout=60)
    assert any("succeeded" in line["message"] for line in lines)
    # The mail job of the same decision carries it as well.
    notify = [
        line
        for line in worker.json_lines()
        if line.get("task_name") == "contributions.tasks.notify_contributor_of_decision"
    ]
    assert notify and all(line["request_id"] == "approval-trace-7" for line in notify)


def test_a_job_enqueued_outside_a_request_has_no_request_id():
    from contributions import tasks

    project = factories.ProjectFactory()
    with celery_worker() as worker, broker_mode(celery_app):
        wait_ready(worker)
        tasks.refresh_project_stats.delay(project.pk)

        def done():
            return [
                line
                for line in worker.json_lines()
                if line.get("task_name") == "contributions.tasks.refresh_project_stats"
                and "succeeded" in line.get("message", "")
            ]

        [line] = wait_until(done, timeout=60)
    assert line["request_id"] == ""
