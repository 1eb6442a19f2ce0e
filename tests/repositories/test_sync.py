"""Syncing repositories the tests build: exact ledgers, incremental, idempotent, force-push,
a sync killed half-way, empty and corrupt repositories."""

import pytest

from contributions.choices import ContributionSource, ContributionStatus, VerificationKind
from contributions.models import Contribution, Contributor, ContributorEmail, ModerationEvent
from repositories import importer
from repositories.choices import SyncStatus
from repositories.models import CommitCredit
from repositories.services import repository_source_add
from repositories.tasks import refresh_source_totals
from tests.repositories.conftest import ADA, CARLA, EXPECTED, day, ledger, sync
from tests.repositories.gitrepo import GitRepo, lines

pytestmark = pytest.mark.django_db


def snapshot(project):
    rows = Contribution.objects.filter(project=project).order_by("pk")
    return (
        list(rows.values_list("pk", "external_id", "status", "quantity", "updated_at")),
        ModerationEvent.objects.count(),
        CommitCredit.objects.count(),
        Contributor.objects.count(),
    )


def test_first_sync_writes_the_exact_ledger(project, history_source):
    result = sync(history_source)
    assert result.status == SyncStatus.SUCCEEDED, result.message
    assert ledger(project) == EXPECTED
    # 10 non-merge commits by people and 4 by bots: every non-merge commit is read.
    assert result.commits_done == result.commits_total == 14
    assert result.cells_created == len(EXPECTED)
    # The source's rollup of its credited work, kept by the job each sync enqueues.
    refresh_source_totals(history_source.pk)
    history_source.refresh_from_db()
    assert history_source.entries == len(EXPECTED)
    assert history_source.people == 5
    assert history_source.commits == sum(v[0] for v in EXPECTED.values())
    assert history_source.lines_added == sum(v[1] for v in EXPECTED.values())
    assert history_source.non_code_entries == sum(
        1
        for (_who, _month, type_) in EXPECTED
        if type_ not in {"code", "code_review", "testing", "infrastructure"}
    )


def test_repository_credit_rests_on_the_history_not_on_a_moderator(project, history_source):
    sync(history_source)
    cells = Contribution.objects.filter(project=project, source=ContributionSource.REPOSITORY)
    for cell in cells:
        assert cell.status == ContributionStatus.APPROVED
        assert cell.verification == VerificationKind.REPOSITORY_HISTORY
        assert cell.moderated_by_id is None and cell.moderated_at is not None
        assert cell.unit == "commits"
        event = cell.events.get()
        assert event.actor_id is None and event.to_status == ContributionStatus.APPROVED
    assert history_source.last_seen_commit


def test_identities_mailmap_noreply_bots_and_addresses(project, history_source):
    sync(history_source)
    names = set(
        Contributor.objects.filter(contributions__project=project)
        .values_list("display_name", flat=True)
        .distinct()
    )
    # .mailmap folds "Ada Lovelace" into Ada; bots (dependabot, renovate, github-actions and the
    # site's own pattern) are left out; the Latin-1 name keeps its letter.
    assert names == {"Ada", "Bob", "Carla", "Dana", "José"}
    bob = Contributor.objects.get(display_name="Bob")
    assert bob.github == "bob-gh" and bob.user_id is None
    assert not ContributorEmail.objects.filter(contributor=bob).exists()
    ada = Contributor.objects.get(display_name="Ada")
    assert list(ada.emails.values_list("email", flat=True)) == ["ada@example.org"]
    # Addresses are never part of a ledger id or an evidence link.
    for cell in Contribution.objects.filter(project=project):
        assert "@" not in cell.external_id
        assert all("@" not in url for url in cell.evidence_urls)


def test_resync_changes_nothing(project, history_source):
    sync(history_source)
    before = snapshot(project)
    again = sync(history_source)
    assert again.status == SyncStatus.SUCCEEDED
    assert again.commits_done == 0
    assert snapshot(project) == before


def test_incremental_sync_reads_only_new_commits(project, history, history_source):
    repo, _shas = history
    sync(history_source)
    before = {
        c.external_id: (c.pk, c.updated_at) for c in Contribution.objects.filter(project=project)
    }
    repo.commit({"src/app.py": lines(13)}, author=ADA, date=day("2025-03-03"))
    repo.commit({"data/extra.parquet": b"PAR1\x00\x01"}, author=ADA, date=day("2025-03-04"))
    result = sync(history_source)
    assert result.commits_done == result.commits_total == 2
    expected = dict(EXPECTED)
    expected[("Ada", "2025-03", "code")] = (1, 1, 0)
    expected[("Ada", "2025-03", "data_curation")] = (2, 0, 2)  # a binary file counts no lines
    assert ledger(project) == expected
    after = {
        c.external_id: (c.pk, c.updated_at) for c in Contribution.objects.filter(project=project)
    }
    changed = {key for key in before if after[key] != before[key]}
    assert len(changed) == 1  # Ada's March data curation, updated in place (same pk)
    (key,) = changed
    assert after[key][0] == before[key][0] and key.endswith(":2025-03:data_curation")
    assert result.cells_created == 1 and result.cells_updated == 1


def test_force_push_is_detected_and_vanished_commits_lose_their_credit(
    project, history, history_source
):
    repo, shas = history
    sync(history_source)
    repo.git("reset", "-q", "--hard", shas["c10"])
    repo.commit({"docs/new.md": lines(1)}, author=CARLA, date=day("2025-03-05"))
    result = sync(history_source)
    assert result.status == SyncStatus.SUCCEEDED, result.message
    assert result.force_push is True
    expected = {
        key: value
        for key, value in EXPECTED.items()
        if key
        not in {
            ("Bob", "2025-02", "infrastructure"),
            ("Carla", "2025-02", "documentation"),
            ("Ada", "2025-03", "data_curation"),
        }
    }
    expected[("Carla", "2025-03", "documentation")] = (1, 1, 0)
    assert ledger(project) == expected
    withdrawn = Contribution.objects.filter(project=project, status=ContributionStatus.WITHDRAWN)
    assert withdrawn.count() == 3
    for cell in withdrawn:
        assert cell.events.last().to_status == ContributionStatus.WITHDRAWN
    assert result.cells_withdrawn == 3
    # And again: nothing moves.
    before = snapshot(project)
    assert sync(history_source).commits_done == 0
    assert snapshot(project) == before


def test_a_sync_killed_half_way_counts_no_month_twice(project, history_source, monkeypatch):
    monkeypatch.setattr(importer, "BATCH", 4)
    real = importer.Importer._record_batch
    calls = {"n": 0}

    def dies_on_the_third_batch(self, commits):
        calls["n"] += 1
        if calls["n"] == 3:
            raise SystemError("worker killed")
        return real(self, commits)

    monkeypatch.setattr(importer.Importer, "_record_batch", dies_on_the_third_batch)
    killed = sync(history_source)
    assert killed.status == SyncStatus.FAILED
    assert history_source.last_seen_commit == ""
    partial = ledger(project)
    assert partial and partial != EXPECTED
    monkeypatch.setattr(importer.Importer, "_record_batch", real)
    result = sync(history_source)
    assert result.status == SyncStatus.SUCCEEDED
    assert ledger(project) == EXPECTED
    assert sync(history_source).commits_done == 0
    assert ledger(project) == EXPECTED


def test_an_incremental_sync_killed_half_way_writes_nothing_twice(
    project, history, history_source, monkeypatch
):
    repo, _shas = history
    sync(history_source)
    credits = CommitCredit.objects.count()
    for n in range(5):
        repo.commit({f"src/new{n}.py": lines(2)}, author=ADA, date=day(f"2025-03-0{n + 1}"))
    monkeypatch.setattr(importer, "BATCH", 2)
    real = importer.Importer._record_batch
    calls = {"n": 0}

    def dies_on_the_second_batch(self, commits):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemError("worker killed")
        return real(self, commits)

    monkeypatch.setattr(importer.Importer, "_record_batch", dies_on_the_second_batch)
    assert sync(history_source).status == SyncStatus.FAILED
    assert CommitCredit.objects.count() == credits + 2  # the first batch, complete
    monkeypatch.setattr(importer.Importer, "_record_batch", real)
    result = sync(history_source)
    assert result.status == SyncStatus.SUCCEEDED, result.message
    assert result.commits_done == 5
    assert result.credits_recorded == 3  # the two recorded before are read, not written again
    assert CommitCredit.objects.count() == credits + 5
    expected = dict(EXPECTED)
    expected[("Ada", "2025-03", "code")] = (5, 10, 0)
    assert ledger(project) == expected


def test_an_empty_repository_syncs_to_nothing(project, tmp_path):
    repo = GitRepo(tmp_path / "empty")
    source = repository_source_add(project=project, url=str(repo.path), allow_local=True)
    result = sync(source)
    assert result.status == SyncStatus.SUCCEEDED
    assert "no commits" in result.message
    assert not Contribution.objects.filter(project=project).exists()


def test_a_corrupt_repository_fails_visibly_and_writes_nothing(project, tmp_path):
    repo = GitRepo(tmp_path / "corrupt")
    repo.commit({"src/a.py": lines(3)}, author=ADA, date=day("2025-01-10"))
    blob = repo.git("rev-parse", "HEAD:src/a.py")
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).write_bytes(b"not a git object")
    source = repository_source_add(project=project, url=str(repo.path), allow_local=True)
    result = sync(source)
    assert result.status == SyncStatus.FAILED
    assert result.message
    assert str(tmp_path) not in result.message
    assert not Contribution.objects.filter(project=project).exists()


def test_a_path_filter_counts_only_commits_touching_it(project, history):
    repo, _shas = history
    source = repository_source_add(
        project=project, url=str(repo.path), path_filter="data", allow_local=True
    )
    sync(source)
    assert ledger(project) == {
        ("Ada", "2025-02", "data_curation"): (1, 5, 0),
        ("Carla", "2025-02", "data_curation"): (1, 5, 0),
        ("Ada", "2025-03", "data_curation"): (1, 0, 2),
    }
