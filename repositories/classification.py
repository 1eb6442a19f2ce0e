"""Work classified by what it touched: ONE table, read top to bottom, first match wins per file.

A commit's type is the type most of its files have; a tie goes to the rule higher in the table
(so a commit changing one test and one source file is testing). The README shows this same table.

Patterns are shell globs matched against the lowercased path (`*` crosses folders, as in
`fnmatch`), or, for a pattern without a `/`, against the file's name alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache

from contributions.choices import ContributionType as T

# Which kind of repository a file is in changes what some files mean: a Python script in a
# Hugging Face dataset repository is the dataset's loading script, i.e. data curation.
ANY = "any"
DATASET = "dataset"
MODEL = "model"


@dataclass(frozen=True)
class Rule:
    type: str
    patterns: tuple[str, ...]
    what: str
    repository: str = ANY


RULES: tuple[Rule, ...] = (
    Rule(
        T.TESTING,
        (
            "test/*",
            "tests/*",
            "*/test/*",
            "*/tests/*",
            "testing/*",
            "*/__tests__/*",
            "test_*.py",
            "*_test.py",
            "conftest.py",
            "*_test.go",
            "*.test.[jt]s",
            "*.spec.[jt]s",
            "*.test.tsx",
            "*.spec.tsx",
        ),
        "tests",
    ),
    Rule(
        T.EVALUATION,
        (
            "eval/*",
            "evals/*",
            "evaluation/*",
            "evaluations/*",
            "benchmark/*",
            "benchmarks/*",
            "*/eval/*",
            "*/evals/*",
            "*/evaluation/*",
            "*/benchmarks/*",
            "lm_eval/*",
            "eval_results/*",
            "results/*",
            "*eval*.yaml",
            "*eval*.yml",
            "*eval*.json",
            "*eval*.jsonl",
            "*results*.json",
        ),
        "evaluation configs, harnesses and results",
    ),
    Rule(
        T.INFRASTRUCTURE,
        (
            ".github/*",
            ".gitlab-ci.yml",
            ".gitlab/*",
            ".circleci/*",
            ".ci/*",
            ".buildkite/*",
            "azure-pipelines.yml",
            ".travis.yml",
            "jenkinsfile",
            "dockerfile*",
            "*.dockerfile",
            "docker-compose*.yml",
            "compose.yml",
            "makefile",
            "pyproject.toml",
            "setup.py",
            "setup.cfg",
            "requirements*.txt",
            "requirements/*",
            "package.json",
            "package-lock.json",
            "*.lock",
            "tox.ini",
            "noxfile.py",
            ".pre-commit-config.yaml",
            "cargo.toml",
            "go.mod",
            "go.sum",
            "environment.yml",
            "manifest.in",
            ".gitignore",
            ".gitattributes",
            ".dockerignore",
            ".editorconfig",
        ),
        "CI and packaging",
    ),
    Rule(
        T.DOCUMENTATION,
        (
            "docs/*",
            "doc/*",
            "*/docs/*",
            "*.md",
            "*.rst",
            "*.adoc",
            "*.mdx",
            "readme*",
            "changelog*",
            "contributing*",
            "model_card*",
            "modelcard*",
            "dataset_card*",
            "datacard*",
            "license*",
            "notice*",
            "citation.cff",
            "authors*",
            ".mailmap",
        ),
        "documentation, model and dataset cards",
    ),
    Rule(
        T.DATA_CURATION,
        (
            "*.csv",
            "*.tsv",
            "*.jsonl",
            "*.ndjson",
            "*.parquet",
            "*.arrow",
            "*.feather",
            "*.avro",
            "*.orc",
            "*.tfrecord",
            "*.h5",
            "*.hdf5",
            "*.npy",
            "*.npz",
            "*.json.gz",
            "*.jsonl.gz",
            "*.jsonl.zst",
            "*.txt.gz",
            "data/*",
            "*/data/*",
            "datasets/*",
        ),
        "data files",
    ),
    Rule(T.DATA_CURATION, ("*.py", "*.sh"), "dataset scripts", repository=DATASET),
    Rule(
        T.TRAINING,
        (
            "*.safetensors",
            "*.gguf",
            "*.ckpt",
            "*.pt",
            "*.pth",
            "*.bin",
            "*.onnx",
            "*.tflite",
            "*.msgpack",
        ),
        "model weights",
    ),
    Rule(
        T.TRAINING,
        (
            "tokenizer*.json",
            "tokenizer.model",
            "config.json",
            "generation_config.json",
            "adapter_config.json",
            "special_tokens_map.json",
            "vocab.*",
            "merges.txt",
        ),
        "tokenizers and model configs",
        repository=MODEL,
    ),
    Rule(T.CODE, ("*",), "source code and anything else"),
)


@lru_cache(maxsize=65536)
def classify_path(path: str, repository: str = ANY) -> str:
    """The contribution type of one changed file."""
    lowered = path.lower()
    name = lowered.rsplit("/", 1)[-1]
    for rule in RULES:
        if rule.repository not in (ANY, repository):
            continue
        for pattern in rule.patterns:
            target = lowered if "/" in pattern else name
            if fnmatchcase(target, pattern):
                return rule.type
    return T.CODE


_ORDER = {rule.type: index for index, rule in reversed(list(enumerate(RULES)))}


def classify_commit(paths: Iterable[str], repository: str = ANY) -> str:
    """The commit's type: the type of most of its files, ties to the rule higher in the table.
    A commit that changed no file (an empty commit) counts as code."""
    types = [classify_path(path, repository) for path in paths]
    if len(types) < 2:
        return types[0] if types else T.CODE
    counts = Counter(types)
    return min(counts, key=lambda type_: (-counts[type_], _ORDER[type_]))


# COMMIT TRAILERS: the people a commit message names, and the work it credits them with. None
# means "the commit's own type": a co-author of a documentation commit wrote documentation.
TRAILERS: dict[str, str | None] = {
    "Co-authored-by": None,
    "Reviewed-by": T.CODE_REVIEW,
    "Tested-by": T.TESTING,
    "Reported-by": T.EVALUATION_FEEDBACK,
}


def rules_table_markdown() -> str:
    """The table as the README shows it (a test keeps the two equal)."""
    lines = ["| order | type | files | matched by |", "| --- | --- | --- | --- |"]
    for index, rule in enumerate(RULES, start=1):
        where = f" ({rule.repository} repositories)" if rule.repository != ANY else ""
        patterns = ", ".join(f"`{p}`" for p in rule.patterns)
        lines.append(f"| {index} | {rule.type} | {rule.what}{where} | {patterns} |")
    return "\n".join(lines)
