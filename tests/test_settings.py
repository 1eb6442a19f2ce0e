"""Settings: production refuses to start without a secret key or a shared cache; local settings
need nothing set."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_django(settings: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CACHE_"))}
    environment.update(DJANGO_SETTINGS_MODULE=settings, **env)
    return subprocess.run(  # noqa: S603 (our own interpreter and a fixed script)
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


SHARED_CACHE = "redis://127.0.0.1:6379/1"


def test_production_refuses_to_start_without_a_secret_key():
    result = run_django(
        "cartography.settings.production",
        DJANGO_ALLOWED_HOSTS="example.org",
        CACHE_URL=SHARED_CACHE,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set in production" in result.stderr


def test_production_refuses_to_start_without_a_shared_cache():
    """Without CACHE_URL every process would count rate limits on its own."""
    result = run_django(
        "cartography.settings.production",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="example.org",
    )
    assert result.returncode != 0
    assert "CACHE_URL must be set in production" in result.stderr
    assert "started" not in result.stdout


def test_production_refuses_a_cache_local_to_the_process():
    for url in ("locmemcache://", "dummycache://"):
        result = run_django(
            "cartography.settings.production",
            DJANGO_SECRET_KEY="x" * 50,
            DJANGO_ALLOWED_HOSTS="example.org",
            CACHE_URL=url,
        )
        assert result.returncode != 0, url
        assert "CACHE_URL must be set in production" in result.stderr


def test_production_starts_with_a_secret_key_and_a_shared_cache():
    result = run_django(
        "cartography.settings.production",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="example.org",
        CACHE_URL=SHARED_CACHE,
    )
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_local_settings_start_with_nothing_set():
    result = run_django("cartography.settings.local")
    assert result.returncode == 0, result.stderr
