import pytest

from repositories.services import (
    repository_source_add,
    repository_sync_execute,
    repository_sync_request,
)
from tests.repositories.gitrepo import GitRepo, lines

ADA = "Ada <ada@example.org>"
ADA_OLD = "Ada Lovelace <ada.old@example.org>"
BOB = "Bob <12345+bob-gh@users.noreply.github.com>"
CARLA = "Carla <carla@example.org>"
DANA = "Dana <dana@example.org>"
JOSE_LATIN1 = "Jos\xe9 <jose@example.org>".encode("latin-1")


@pytest.fixture(autouse=True)
def repository_settings(settings, tmp_path):
    settings.REPOSITORY_CACHE_DIR = str(tmp_path / "cache")
    settings.REPOSITORY_BOT_PATTERN = r"ci@build\.example\.org"
    settings.REPOSITORY_ALLOWED_HOSTS = ["github.com", "gitlab.com", "huggingface.co"]
    return settings


def day(text: str) -> str:
    return f"{text}T12:00:00+00:00"


def build_history(path) -> tuple[GitRepo, dict[str, str]]:
    """The repository most tests read: several authors, a .mailmap, a no-reply address, bots,
    trailers, a rename, a merge, doc-only, data-only and evaluation-only commits and a
    Latin-1 author name. The expected ledger is EXPECTED below."""
    repo = GitRepo(path)
    shas = {}
    shas["c1"] = repo.commit(
        {
            "src/app.py": lines(10),
            "src/util.py": lines(5),
            ".mailmap": f"{ADA} {ADA_OLD}\n",
        },
        author=ADA,
        date=day("2025-01-10"),
    )
    shas["c2"] = repo.commit({"docs/guide.md": lines(4)}, author=ADA_OLD, date=day("2025-01-12"))
    shas["c3"] = repo.commit(
        {"tests/test_app.py": lines(6)},
        author=BOB,
        date=day("2025-01-20"),
        trailers=(f"Reviewed-by: {CARLA}",),
    )
    shas["c4"] = repo.commit(
        {"data/train.jsonl": lines(3), "data/valid.csv": lines(2)},
        author=CARLA,
        date=day("2025-02-03"),
        trailers=(f"Co-authored-by: {ADA_OLD}",),
    )
    shas["c5"] = repo.commit(
        {"evals/config.yaml": lines(2), "results/scores.json": lines(1)},
        author=CARLA,
        date=day("2025-02-05"),
        trailers=(f"Tested-by: {BOB}", f"Reported-by: {DANA}"),
    )
    repo.commit(
        {"requirements.txt": lines(1)},
        author="dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
        date=day("2025-02-07"),
    )
    repo.commit(
        {"package.json": lines(1)},
        author="Renovate Bot <bot@renovateapp.com>",
        date=day("2025-02-08"),
    )
    repo.commit(
        {".github/workflows/ci.yml": lines(1)},
        author="CI Runner <ci@build.example.org>",
        date=day("2025-02-09"),
    )
    shas["c9"] = repo.commit({"src/app.py": lines(12)}, author=JOSE_LATIN1, date=day("2025-02-10"))
    shas["c10"] = repo.commit(
        {},
        renames={"src/util.py": "src/helpers.py"},
        author=ADA,
        date=day("2025-02-11"),
        trailers=(f"Co-authored-by: {ADA}",),
    )
    repo.git("checkout", "-q", "-b", "feature")
    shas["c11"] = repo.commit(
        {".github/workflows/test.yml": lines(3)}, author=BOB, date=day("2025-02-12")
    )
    repo.git("checkout", "-q", "main")
    shas["c12"] = repo.commit({"CHANGELOG.md": lines(2)}, author=CARLA, date=day("2025-02-12"))
    shas["merge"] = repo.merge("feature", author=ADA, date=day("2025-02-13"))
    repo.commit(
        {"docs/api.md": lines(1)},
        author="github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>",
        date=day("2025-03-01"),
    )
    shas["c14"] = repo.commit({"data/valid.csv": None}, author=ADA, date=day("2025-03-02"))
    return repo, shas


# (person, month, type): (commits, lines added, lines removed)
EXPECTED = {
    ("Ada", "2025-01", "code"): (1, 16, 0),
    ("Ada", "2025-01", "documentation"): (1, 4, 0),
    ("Ada", "2025-02", "data_curation"): (1, 5, 0),
    ("Ada", "2025-02", "code"): (1, 0, 0),
    ("Ada", "2025-03", "data_curation"): (1, 0, 2),
    ("Bob", "2025-01", "testing"): (1, 6, 0),
    ("Bob", "2025-02", "testing"): (1, 0, 0),
    ("Bob", "2025-02", "infrastructure"): (1, 3, 0),
    ("Carla", "2025-01", "code_review"): (1, 0, 0),
    ("Carla", "2025-02", "data_curation"): (1, 5, 0),
    ("Carla", "2025-02", "evaluation"): (1, 3, 0),
    ("Carla", "2025-02", "documentation"): (1, 2, 0),
    ("Dana", "2025-02", "evaluation_feedback"): (1, 0, 0),
    ("José", "2025-02", "code"): (1, 2, 0),
}


def ledger(project) -> dict:
    from contributions.models import Contribution

    rows = Contribution.objects.filter(
        project=project, source="repository", status="approved"
    ).select_related("contributor")
    return {
        (c.contributor.display_name, c.external_id.split(":")[3], c.type): (
            int(c.quantity),
            c.lines_added,
            c.lines_removed,
        )
        for c in rows
    }


def sync(source):
    request = repository_sync_request(source=source)
    repository_sync_execute(sync_id=request.pk)
    request.refresh_from_db()
    source.refresh_from_db()
    return request


@pytest.fixture
def history(tmp_path):
    return build_history(tmp_path / "history")


@pytest.fixture
def history_source(project, history):
    repo, _shas = history
    return repository_source_add(project=project, url=str(repo.path), allow_local=True)
