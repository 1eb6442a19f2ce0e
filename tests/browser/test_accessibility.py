"""Accessibility as a check: axe-core on every page a person can open, at 1366 px and at 390 px,
with no serious or critical violation.

The pages are listed below by who opens them (anyone, a contributor, a project's maintainer,
staff). `test_every_page_of_the_urlconf_is_checked_or_excluded` walks cartography/urls.py's
resolver, so a new page that is neither in PAGES nor in EXCLUDED (each exclusion says why) fails.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.browser import axe
from tests.browser.conftest import WIDTHS, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMPARE = "/compare/?projects=bielik&projects=olmo&projects=llama&projects=nb-llama"
# (path, who opens it, the status it answers). The {names} are filled from the `ledger` fixture.
PAGES = [
    # Anyone.
    ("/", None, 200),
    ("/projects/", None, 200),
    ("/projects/bielik/", None, 200),
    ("/projects/nb-llama/", None, 200),
    ("/projects/olmo/", None, 200),
    ("/projects/llama/", None, 200),
    ("/projects/artifacts/nb-llama-3-1-8b-instruct/", None, 200),
    ("/projects/artifacts/bielik-11b-v2/", None, 200),
    ("/contributions/", None, 200),
    ("/contributions/{approved}/", None, 200),
    ("/contributions/contributors/", None, 200),
    ("/contributions/contributors/{contributor}/", None, 200),
    ("/governance/", None, 200),
    ("/openness/", None, 200),
    ("/openness/artifacts/nb-llama-3-1-8b-instruct/", None, 200),
    (COMPARE, None, 200),
    ("/compare/", None, 200),
    ("/badges/bielik/", None, 200),
    ("/api/docs/", None, 200),
    ("/api/docs/redoc/", None, 200),
    ("/accounts/login/", None, 200),
    ("/accounts/signup/", None, 200),
    ("/accounts/password/reset/", None, 200),
    ("/accounts/password/reset/done/", None, 200),
    ("/accounts/password/reset/key/1-not-a-key/", None, 200),
    ("/accounts/password/reset/key/done/", None, 200),
    ("/accounts/confirm-email/", None, 200),
    ("/accounts/confirm-email/not-a-key/", None, 200),
    ("/accounts/inactive/", None, 200),
    ("/accounts/3rdparty/login/cancelled/", None, 200),
    ("/accounts/3rdparty/login/error/", None, 401),
    ("/accounts/github/login/", None, 200),
    ("/accounts/orcid/login/", None, 200),
    ("/accounts/oidc/huggingface/login/", None, 200),
    ("/no-such-page/", None, 404),
    # A contributor (Ania, with entries pending and one sent back for changes).
    ("/contributions/new/", "contributor", 200),
    ("/contributions/new/?project=bielik", "contributor", 200),
    ("/contributions/mine/", "contributor", 200),
    ("/contributions/{pending}/", "contributor", 200),
    ("/contributions/{pending}/edit/", "contributor", 200),
    ("/contributions/{changes_requested}/answer/", "contributor", 200),
    ("/accounts/profile/", "contributor", 200),
    ("/accounts/email/", "contributor", 200),
    ("/accounts/password/change/", "contributor", 200),
    ("/accounts/reauthenticate/", "contributor", 200),
    ("/accounts/3rdparty/", "contributor", 200),
    ("/accounts/tokens/", "contributor", 200),
    ("/accounts/delete/", "contributor", 200),
    ("/accounts/logout/", "contributor", 200),
    ("/projects/propose/", "contributor", 200),
    # Bielik's maintainer.
    ("/contributions/moderation/", "maintainer", 200),
    ("/contributions/{pending}/", "maintainer", 200),
    ("/projects/bielik/edit/", "maintainer", 200),
    ("/projects/bielik/maintainers/", "maintainer", 200),
    ("/projects/bielik/artifacts/new/", "maintainer", 200),
    ("/projects/artifacts/bielik-11b-v2/edit/", "maintainer", 200),
    ("/projects/artifacts/bielik-11b-v2/components/", "maintainer", 200),
    ("/imports/bielik/new/", "maintainer", 200),
    ("/imports/{import_run}/", "maintainer", 200),
    ("/openness/artifacts/bielik-11b-v2/", "maintainer", 200),
    ("/repositories/projects/bielik/", "maintainer", 200),
    ("/repositories/{source}/", "maintainer", 200),
    # Staff.
    ("/projects/proposals/", "staff", 200),
    ("/openness/import/", "staff", 200),
    ("/contributions/moderation/", "staff", 200),
]

# Forms sent empty (or with a wrong password), checked as they come back with their errors:
# (path, who, the button that sends it). None of them changes anything.
FORMS_WITH_ERRORS = [
    ("/accounts/login/", None, "Sign in"),
    ("/accounts/signup/", None, "Create my account"),
    ("/contributions/new/?project=bielik", "contributor", "Log the contribution"),
    ("/projects/propose/", "contributor", "Propose the project"),
    ("/contributions/{pending}/", "maintainer", "Reject"),
]

# Pages drawn by a script after they load: what shows they are drawn.
DRAWN = {"/api/docs/": ".swagger-ui .information-container", "/api/docs/redoc/": ".api-content h1"}

# Named URL patterns no page of PAGES shows, and why.
EXCLUDED_NAMESPACES = {
    "api": "JSON and CSV endpoints of the API; its documentation pages are checked",
    "admin": "Django's admin site, staff's back office, whose templates are Django's own",
}
EXCLUDED = {
    "healthz": "plain-text probe",
    "readyz": "plain-text probe",
    "favicon": "an SVG image",
    "badge": "an SVG image; the page listing a project's badges is checked",
    "api-schema": "the OpenAPI document (YAML)",
    "openness:export": "a YAML download",
    "openness:upload": "POST only; the artifact's openness page holds its form",
    "accounts:tokens:revoke": "POST only",
    "projects:project_review": "POST only",
    "projects:maintainer_remove": "POST only",
    "contributions:bulk_approve": "POST only",
    "contributions:contribution_withdraw": "POST only",
    "contributions:contribution_moderate": "POST only; the detail page holds its form",
    "repositories:source_sync": "POST only",
    "repositories:source_remove": "POST only",
    "repositories:work_hide": "POST only",
    "repositories:work_unhide": "POST only",
    "account_set_password": "redirects to the password change page (checked) for anyone who "
    "has a password; a provider-only account sees the same form",
    "account_confirm_login_code": "sign-in by mailed code is off: redirects to the sign-in page",
    "socialaccount_signup": "reached only from a provider's answer; redirects to the sign-in page "
    "otherwise",
    "github_callback": "the provider's redirect target; without its answer it shows the "
    "authentication error page, which is checked",
    "orcid_callback": "as github_callback",
    "openid_connect_callback": "as github_callback",
}


# Every chart and map (an SVG drawn by cartography/worldmap.py) and its text equivalent: the first
# table after its figure, or, for a chart inside a table cell (compare), that cell's text. Each
# datum of the chart (a bar, a country with data, a segment: "Label: value" in its <title>) must
# be in one row of it, with its number unless the chart shows a share of the row's counts.
CHART_TABLES_JS = """
() => Array.from(document.querySelectorAll('svg.chart')).map(svg => {
  const title = svg.querySelector(':scope > title');
  const data = Array.from(svg.querySelectorAll(
      '.bar-row > title, path[data-country] > title, rect.segment > title'))
    .map(t => t.textContent.trim())
    .filter(t => !t.endsWith(': no data'))
    .map(t => { const i = t.lastIndexOf(': '); return [t.slice(0, i), t.slice(i + 2)]; });
  let rows = null;
  const cell = svg.closest('td');
  if (cell) {
    rows = Array.from(cell.querySelectorAll('li')).map(li => li.innerText);
  } else {
    const figure = svg.closest('figure') || svg;
    const table = Array.from(document.querySelectorAll('table')).find(
      t => figure.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING);
    rows = table ? Array.from(table.rows).map(r => r.innerText.replace(/\\s+/g, ' ')) : null;
  }
  const missing = rows === null ? data : data.filter(([label, value]) => {
    const number = (value.match(/^[<\\d.,]+/) || [''])[0];
    const share = value.includes('%') && svg.classList.contains('stacked-bar');
    return !rows.some(r => r.includes(label) && (share || r.includes(number)));
  });
  return {
    name: title ? title.textContent : '',
    role: svg.getAttribute('role'),
    data: data.length,
    hasText: rows !== null,
    missing: missing.map(d => d.join(': ')).slice(0, 5),
  };
})
"""


def charts_without_text(page, where: str) -> list[str]:
    """Every chart named, and each of its data in its text table."""
    problems = []
    for chart in page.evaluate(CHART_TABLES_JS):
        if not chart["name"] or chart["role"] not in ("img", "group"):
            problems.append(f"{where}: a chart without a role and a name ({chart})")
        if not chart["hasText"]:
            problems.append(f"{where}: chart {chart['name']!r} has no table after it")
        elif chart["missing"]:
            problems.append(
                f"{where}: chart {chart['name']!r}: not in its table {chart['missing']}"
            )
    return problems


def _named_patterns(patterns, namespace="", prefix=""):
    """(name, the regular expression of its whole path) of every named pattern."""
    for entry in patterns:
        regex = prefix + entry.pattern.regex.pattern.removeprefix("^")
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _named_patterns(entry.url_patterns, inner, regex)
        elif isinstance(entry, URLPattern) and entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), regex


def _checked_names(named: list[tuple[str, str]]) -> set[str]:
    """The names whose pattern a page of PAGES matches (a view answering under two names, as
    allauth's sign-in does, counts for both)."""
    placeholders = dict.fromkeys(
        ("approved", "contributor", "pending", "changes_requested", "import_run", "source"), 1
    )
    paths = [
        path.format(**placeholders).split("?")[0][1:]
        for path, _user, status in PAGES
        if status != 404
    ]
    return {name for name, regex in named if any(re.match(regex, path) for path in paths)}


def test_every_page_of_the_urlconf_is_checked_or_excluded():
    named = list(_named_patterns(get_resolver().url_patterns))
    names = {name for name, _regex in named}
    checked = _checked_names(named)
    unlisted = sorted(
        name
        for name in names - checked - set(EXCLUDED)
        if name.split(":")[0] not in EXCLUDED_NAMESPACES
    )
    assert unlisted == [], "add these pages to PAGES, or to EXCLUDED with the reason"
    assert sorted(set(EXCLUDED) - names) == [], "these exclusions name no URL pattern any more"
    assert sorted(set(EXCLUDED) & checked) == []


@pytest.fixture
def ledger(site, settings, monkeypatch):
    """The browser tests' site, plus what the signed-in pages show: Ania's entries in each
    status, a finished import, a repository source, an API token, a proposal waiting for staff,
    and the three sign-in providers configured (their buttons and confirmation pages)."""
    from accounts.tokens import token_create
    from cartography.models import ImportRun
    from contributions import services as contribution_services
    from contributions.models import Contribution
    from projects import services as project_services
    from projects.models import Project
    from repositories import validation
    from repositories.services import repository_source_add

    app = {"client_id": "a11y-client", "secret": "a11y-secret"}
    settings.SOCIALACCOUNT_PROVIDERS = {
        "github": {"APPS": [app]},
        "openid_connect": {
            "APPS": [
                {
                    **app,
                    "provider_id": "huggingface",
                    "name": "Hugging Face",
                    "settings": {"server_url": "https://huggingface.example"},
                }
            ]
        },
        "orcid": {"APPS": [app]},
    }
    bielik = Project.objects.get(slug="bielik")
    ania = site["contributor"]
    pending = Contribution.objects.filter(contributor__user=ania, status="pending").order_by("pk")
    sent_back = contribution_services.contribution_request_changes(
        contribution=pending.last(),
        moderator=site["maintainer"],
        note="Please link the dataset card of the pairs.",
    )
    run = ImportRun.objects.create(
        project=bielik,
        requested_by=site["maintainer"],
        kind=ImportRun.Kind.ALL_CONTRIBUTORS,
        status=ImportRun.Status.SUCCEEDED,
        filename=".all-contributorsrc",
        report={"ok": True, "created": 5, "skipped": 1, "created_by_type": {"code_review": 5}},
    )
    # No network here: the host's public address is given, as the repository tests do.
    monkeypatch.setattr(validation, "resolve_host", lambda hostname: ["140.82.112.3"])
    source = repository_source_add(
        project=bielik, url="https://github.com/speakleash/bielik-papers", user=site["maintainer"]
    )
    token_create(user=ania, name="My notebook")
    project_services.project_propose(
        proposer=ania,
        name="Kashubian LM",
        slug="kashubian-lm",
        governance_model="nonprofit_grassroots",
    )
    return {
        **site,
        "ids": {
            "approved": Contribution.objects.filter(status="approved").first().pk,
            "contributor": ania.contributor.pk,
            "pending": pending.first().pk,
            "changes_requested": sent_back.pk,
            "import_run": run.pk,
            "source": source.pk,
        },
    }


@pytest.mark.parametrize("width", list(WIDTHS))
def test_no_serious_or_critical_violation_on_any_page(browser, live_server, ledger, width):
    problems = []
    pages = {}
    for path, user, status in PAGES:
        if user not in pages:
            pages[user] = new_page(
                browser, live_server, width=width, user=ledger[user] if user else None
            )
        page = pages[user]
        url = path.format(**ledger["ids"])
        response = page.goto(f"{live_server.url}{url}", wait_until="load")
        if path in DRAWN:
            page.locator(DRAWN[path]).first.wait_for()
        if response is None or response.status != status:
            problems.append(f"{url} ({user or 'anyone'}) answered {response and response.status}")
        where = f"{url} ({user or 'anyone'}, {width} px)"
        problems += axe.describe(where, axe.violations(page))
        problems += charts_without_text(page, where)
    for path, user, button in FORMS_WITH_ERRORS:
        page = pages[user]
        url = path.format(**ledger["ids"])
        page.goto(f"{live_server.url}{url}", wait_until="load")
        if path == "/accounts/login/":
            page.get_by_label("Username or e-mail address").fill("nobody")
            page.locator("#id_password").fill("not the password")
        with page.expect_navigation(wait_until="load"):
            page.get_by_role("button", name=button, exact=True).click()
        where = f"{url} sent with errors ({user or 'anyone'}, {width} px)"
        if page.locator(".errorlist, [role=alert]").count() == 0:
            problems.append(f"{where}: no error is shown")
        problems += axe.describe(where, axe.violations(page))
    for page in pages.values():
        page.context.close()
    assert problems == [], "\n" + "\n".join(problems)


def test_charts_and_maps_keep_their_text_tables(browser, live_server, site):
    """On a phone, where the maps are small: each chart's numbers are in a table as text. (The
    sweep above checks the charts of every page too; here the charts are counted, so a chart
    silently dropped, or data the check cannot read, fails.)"""
    # (charts, charts with data: those of governance models or projects with no approved
    # contribution draw an empty bar).
    expected = {"/": (8, 8), "/governance/": (7, 3), COMPARE: (4, 3)}
    page = new_page(browser, live_server, width="390")
    for path, (count, with_data) in expected.items():
        page.goto(f"{live_server.url}{path}", wait_until="load")
        charts = page.evaluate(CHART_TABLES_JS)
        assert len(charts) == count, path
        assert sum(chart["data"] > 0 for chart in charts) >= with_data, (path, charts)
        assert charts_without_text(page, path) == []
    page.context.close()
