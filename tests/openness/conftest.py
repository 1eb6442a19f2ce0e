"""Shared by the openness tests: the sample files, read independently of the code under test."""

import json
import re
from functools import cache
from pathlib import Path

import pytest
import yaml

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
MOT = SAMPLES / "mot"
INDEX = SAMPLES / "osai-index"
MODEL_FILES = sorted((MOT / "models").glob("*.yml"))
TEST_FILES = sorted((MOT / "test-data").glob("*.yml"))
FROZEN_FILES = sorted((INDEX / "projects").glob("*.yaml"))
CURRENT_FILES = sorted(p for p in (INDEX / "main-database").glob("*.yaml"))
# The commits the sample files were taken at (their READMEs).
MOT_COMMIT = "8b5d30e90a7c62d7d6ece48b91e69ff495920a4d"
FROZEN_COMMIT = "801f68773ae7f7d9e527afb7bbaf3e9d8d29f2fb"
CURRENT_COMMIT = "5a388e871b88735e7ab7e6fb230b76c9d460d99a"


@cache
def raw(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def expected_results() -> dict[str, dict]:
    """The tool's expected class and progress per test file's release name (not strict JSON:
    trailing commas)."""
    text = (MOT / "test-data" / "expected_results.json").read_text(encoding="utf-8")
    data = json.loads(re.sub(r",(\s*[}\]])", r"\1", text))
    return {model["release"]["name"]: model["classification"] for model in data["models"]}


@pytest.fixture(autouse=True)
def _openness_urls(settings):
    settings.ROOT_URLCONF = "tests.openness.urls"
