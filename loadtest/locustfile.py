"""The load test's traffic: visitors browsing pages and the API, contributors logging work through
the forms and the API, maintainers moderating their project's queue.

Run by loadtest/run.py (which seeds the accounts and starts the servers); by hand:
    LOADTEST_ACCOUNTS=accounts.json LOADTEST_WRITES=writes.jsonl LOADTEST_STATUS=status.json \
    locust -f loadtest/locustfile.py --headless -u 50 -r 10 -t 2m --host http://127.0.0.1:8000

Every request is named by its endpoint group, so the report gives latency per group. Each write
that succeeded is appended to LOADTEST_WRITES, so run.py can check every one is in the database.
Counts of responses by group and status go to LOADTEST_STATUS when the run stops.
"""

# Random choices shape the traffic; none is a secret.
# ruff: noqa: S311

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import re
import threading
from collections import Counter
from pathlib import Path

from locust import HttpUser, between, events, task

ACCOUNTS = json.loads(Path(os.environ["LOADTEST_ACCOUNTS"]).read_text())
WRITES_PATH = Path(os.environ["LOADTEST_WRITES"])
STATUS_PATH = Path(os.environ["LOADTEST_STATUS"])

_contributors = itertools.cycle(ACCOUNTS["contributors"])
_maintainers = itertools.cycle(ACCOUNTS["maintainers"])
_lock = threading.Lock()
_statuses: Counter[tuple[str, int]] = Counter()
_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_CREATED = re.compile(r"/contributions/(\d+)/$")
TYPES = [
    ("code", "pull requests"),
    ("data_annotation", "items annotated"),
    ("translation", "segments"),
    ("evaluation", "benchmark runs"),
    ("documentation", "pages"),
    ("compute_donation", "GPU-hours"),
    ("community_support", "threads"),
    ("red_teaming", "findings"),
]


def record_write(**write) -> None:
    with _lock, WRITES_PATH.open("a") as out:
        out.write(json.dumps(write) + "\n")


@events.request.add_listener
def _count_status(name, response=None, exception=None, **kwargs) -> None:
    status = getattr(response, "status_code", None) or 0
    with _lock:
        _statuses[(name, status)] += 1


@events.test_stop.add_listener
def _write_statuses(**kwargs) -> None:
    with _lock:
        STATUS_PATH.write_text(
            json.dumps([{"group": g, "status": s, "count": c} for (g, s), c in _statuses.items()])
        )


class _Site(HttpUser):
    """Production cookies are Secure (and __Host-); the load test speaks plain HTTP to gunicorn
    on localhost, as a TLS-terminating proxy would, and requests never sends a Secure cookie over
    HTTP. So each request carries the session's cookies in an explicit Cookie header."""

    abstract = True
    wait_time = between(0.5, 2.0)

    def headers(self, **extra: str) -> dict[str, str]:
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.client.cookies)
        return {"Cookie": cookies, **extra} if cookies else dict(extra)

    def page(self, path: str, group: str) -> None:
        self.client.get(path, name=group, headers=self.headers())

    def api_get(self, path: str, group: str = "api: read", **kwargs):
        return self.client.get(path, name=group, headers=self.api_headers(), **kwargs)

    def api_headers(self) -> dict[str, str]:
        return {"Accept": "application/json"}

    def csrf_token(self, path: str, group: str) -> str | None:
        response = self.client.get(path, name=group, headers=self.headers())
        match = _CSRF_FIELD.search(response.text or "")
        return match.group(1) if match else None

    def post_form(self, path: str, data: dict, group: str):
        return self.client.post(
            path,
            data=data,
            name=group,
            headers=self.headers(),
            allow_redirects=False,
            catch_response=True,
        )

    def sign_in(self, username: str, password: str) -> None:
        token = self.csrf_token("/accounts/login/", "web: sign in")
        data = {"login": username, "password": password, "csrfmiddlewaretoken": token}
        with self.post_form("/accounts/login/", data, "web: sign in") as response:
            if response.status_code != 302:
                response.failure(f"sign-in of {username} answered {response.status_code}")


class Visitor(_Site):
    """Anyone, no account: the map, project and contribution pages, the public API."""

    weight = 6

    def _project(self) -> str:
        return random.choice(ACCOUNTS["projects"])["slug"]

    @task(3)
    def home(self) -> None:
        self.page("/", "page: home and lists")

    @task(4)
    def project_list(self) -> None:
        self.page("/projects/", "page: home and lists")

    @task(6)
    def project_detail(self) -> None:
        self.page(f"/projects/{self._project()}/", "page: project")

    @task(4)
    def contribution_list(self) -> None:
        ordering = random.choice(["", "?ordering=-date", "?ordering=title"])
        self.page(f"/contributions/{ordering}", "page: home and lists")

    @task(2)
    def contributor_list(self) -> None:
        self.page("/contributions/contributors/", "page: home and lists")

    @task(5)
    def api_projects(self) -> None:
        self.api_get("/api/v1/projects/")

    @task(3)
    def api_project(self) -> None:
        self.api_get(f"/api/v1/projects/{self._project()}/")

    @task(5)
    def api_contributions(self) -> None:
        project = random.choice(ACCOUNTS["demo_projects"])["slug"]
        self.api_get(f"/api/v1/contributions/?project={project}&status=approved")

    @task(1)
    def health(self) -> None:
        self.client.get("/healthz", name="health")


class Contributor(_Site):
    """A signed-in contributor: logs work through the web form and the API, checks their list."""

    weight = 3

    def on_start(self) -> None:
        self.account = next(_contributors)
        self.sign_in(self.account["username"], self.account["password"])

    def api_headers(self) -> dict[str, str]:
        return {"Accept": "application/json", "Authorization": f"Bearer {self.account['token']}"}

    def _content(self) -> dict:
        kind, unit = random.choice(TYPES)
        day = dt.date.today() - dt.timedelta(days=random.randint(0, 400))  # noqa: DTZ011
        return {
            "type": kind,
            "title": f"Load test {kind} by {self.account['username']} #{random.randint(0, 10**9)}",
            "description": "Logged by the **load test**: see `loadtest/`.",
            "occurred_on": day.isoformat(),
            "quantity": str(random.randint(1, 500)),
            "unit": unit,
            "phase": random.choice(["pre_training", "post_training", "post_release"]),
            "compensation": random.choice(["volunteer", "paid", "undisclosed"]),
        }

    @task(3)
    def log_through_the_form(self) -> None:
        project = random.choice(ACCOUNTS["demo_projects"])
        token = self.csrf_token("/contributions/new/", "web: log contribution")
        data = {**self._content(), "project": project["pk"], "csrfmiddlewaretoken": token}
        data.update(artifact="", languages="", evidence_urls="")
        with self.post_form("/contributions/new/", data, "web: log contribution") as response:
            match = _CREATED.search(response.headers.get("Location", ""))
            if response.status_code == 302 and match:
                record_write(
                    kind="contribution",
                    id=int(match.group(1)),
                    title=data["title"],
                    project_id=project["pk"],
                    user=self.account["username"],
                )
            else:
                response.failure(f"logging answered {response.status_code}")
                return
        # Read your write: the new entry is pending, so only its author sees it; with a replica
        # behind, the author's reads stay on the primary for a while after the write.
        with self.client.get(
            response.headers["Location"],
            name="web: read own write",
            headers=self.headers(),
            catch_response=True,
        ) as page:
            if page.status_code != 200 or data["title"] not in page.text:
                page.failure(f"the author's new entry answered {page.status_code}")

    @task(3)
    def log_through_the_api(self) -> None:
        project = random.choice(ACCOUNTS["demo_projects"])
        body = {**self._content(), "project": project["slug"]}
        with self.client.post(
            "/api/v1/contributions/",
            json=body,
            headers=self.api_headers(),
            name="api: log contribution",
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                record_write(
                    kind="contribution",
                    id=response.json()["id"],
                    title=body["title"],
                    project_id=project["pk"],
                    user=self.account["username"],
                )
            else:
                response.failure(f"API logging answered {response.status_code}")

    @task(2)
    def my_contributions(self) -> None:
        self.page("/contributions/mine/", "page: signed in")

    @task(2)
    def browse(self) -> None:
        self.page(f"/projects/{random.choice(ACCOUNTS['projects'])['slug']}/", "page: project")


class Maintainer(_Site):
    """A maintainer of one demo project: the queue page, then decisions through the API."""

    weight = 1

    def on_start(self) -> None:
        self.account = next(_maintainers)
        self.sign_in(self.account["username"], self.account["password"])

    def api_headers(self) -> dict[str, str]:
        return {"Accept": "application/json", "Authorization": f"Bearer {self.account['token']}"}

    @task(2)
    def queue_page(self) -> None:
        self.page(
            f"/contributions/moderation/?project={self.account['project']}", "page: signed in"
        )

    @task(5)
    def moderate(self) -> None:
        response = self.api_get(
            f"/api/v1/contributions/?project={self.account['project']}&status=pending&page_size=20",
            group="api: moderation queue",
        )
        if response.status_code != 200:
            return
        pending = [row["id"] for row in response.json().get("results", [])]
        if not pending:
            return
        pk = random.choice(pending)
        action, outcome = random.choice([("approve", "approved")] * 4 + [("reject", "rejected")])
        with self.client.post(
            f"/api/v1/contributions/{pk}/{action}/",
            json={"note": "" if action == "approve" else "Not enough evidence (load test)."},
            headers=self.api_headers(),
            name="api: moderate",
            catch_response=True,
        ) as decided:
            if decided.status_code == 200:
                record_write(kind="decision", id=pk, status=outcome, user=self.account["username"])
            elif decided.status_code == 409:
                decided.success()  # another maintainer decided first: a correct answer
            else:
                decided.failure(f"moderation answered {decided.status_code}")
