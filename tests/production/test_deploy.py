"""Production settings pass Django's deployment check and carry the promised security values."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "cartography.settings.production",
    "DJANGO_ALLOWED_HOSTS": "cartography.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://cartography.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/cartography",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
}


def run(args: list[str], **env: str | None) -> subprocess.CompletedProcess:
    """Run Python under production settings; an env value of None removes that variable."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "CACHE_"))
    }
    environment.update(PRODUCTION_ENV, DJANGO_SECRET_KEY=secrets.token_urlsafe(50))
    for name, value in env.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_reports_no_issue_at_warning_level():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.fixture(scope="module")
def production_settings() -> dict:
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "names = ['SESSION_COOKIE_NAME','SESSION_COOKIE_SECURE','SESSION_COOKIE_HTTPONLY',"
        "'CSRF_COOKIE_NAME','CSRF_COOKIE_SECURE','SECURE_HSTS_SECONDS',"
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS','SECURE_REFERRER_POLICY','X_FRAME_OPTIONS',"
        "'SECURE_SSL_REDIRECT','SECURE_CONTENT_TYPE_NOSNIFF','ALLOWED_HOSTS',"
        "'CSRF_TRUSTED_ORIGINS','DEBUG','MIDDLEWARE']; "
        "out = {n: getattr(s, n) for n in names}; "
        "db = s.DATABASES['default']; out['pool'] = db['OPTIONS'].get('pool'); "
        "out['health'] = db['CONN_HEALTH_CHECKS']; out['max_age'] = db['CONN_MAX_AGE']; "
        "print(json.dumps(out))"
    )
    result = run(["-c", script])
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_cookies_are_https_only_with_the_host_prefix(production_settings):
    s = production_settings
    assert s["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert s["CSRF_COOKIE_NAME"].startswith("__Host-")
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"]
    assert s["SESSION_COOKIE_HTTPONLY"]


def test_transport_and_framing_headers(production_settings):
    s = production_settings
    assert s["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert s["SECURE_SSL_REDIRECT"]
    assert s["SECURE_CONTENT_TYPE_NOSNIFF"]
    assert s["SECURE_REFERRER_POLICY"] in ("same-origin", "strict-origin", "no-referrer")
    assert s["X_FRAME_OPTIONS"] == "DENY"
    assert s["DEBUG"] is False


def test_hosts_and_trusted_origins_come_from_the_environment(production_settings):
    assert production_settings["ALLOWED_HOSTS"] == ["cartography.example.org"]
    assert production_settings["CSRF_TRUSTED_ORIGINS"] == ["https://cartography.example.org"]


def test_production_refuses_to_start_without_allowed_hosts():
    # No guessed default: a production host list must be stated.
    result = run(["-c", "import django; django.setup()"], DJANGO_ALLOWED_HOSTS=None)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_postgres_uses_the_psycopg_pool_with_health_checks(production_settings):
    pool = production_settings["pool"]
    assert pool is not None
    assert 1 <= pool["min_size"] <= pool["max_size"]
    assert pool["timeout"] > 0
    assert production_settings["health"] is True
    assert production_settings["max_age"] == 0


def test_site_middleware_is_installed_in_order(production_settings):
    middleware = production_settings["MIDDLEWARE"]
    ours = [
        "cartography.middleware.RequestIdMiddleware",
        "cartography.middleware.ContentSecurityPolicyMiddleware",
        "cartography.middleware.DatabaseUnavailableMiddleware",
    ]
    positions = [middleware.index(name) for name in ours]
    assert positions == sorted(positions)
    assert middleware.index("django.middleware.security.SecurityMiddleware") < positions[0]
    # The 503 handler wraps everything that reads the database or the session.
    for inner in (
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ):
        assert middleware.index(inner) > positions[-1]
