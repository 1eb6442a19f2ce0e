"""`make run` honours PORT and ADDRESS and says the address it really serves."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]


def dry_run(*variables: str) -> str:
    if shutil.which("make") is None:
        pytest.fail("make is needed to check the Makefile")
    return subprocess.run(  # noqa: S603 (a fixed command line)
        ["make", "--dry-run", "--always-make", "run", *variables],  # noqa: S607
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_make_run_serves_where_it_is_told_and_says_so():
    out = dry_run("PORT=8123", "ADDRESS=0.0.0.0")
    assert "manage.py runserver 0.0.0.0:8123" in out
    assert "Serving at http://0.0.0.0:8123/" in out
    assert "create_demo_maintainer --site http://0.0.0.0:8123" in out
    assert "8000" not in out


def test_make_run_defaults_to_the_loopback_port_8000():
    out = dry_run()
    assert "manage.py runserver 127.0.0.1:8000" in out


@pytest.mark.django_db
def test_the_demo_maintainer_is_told_the_real_address(capsys):
    call_command("create_demo_maintainer", "--site", "http://127.0.0.1:8123")
    assert "Sign in at http://127.0.0.1:8123/accounts/login/" in capsys.readouterr().out
