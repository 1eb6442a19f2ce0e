"""Batches written beside the read: the writer thread (PostgreSQL, outside a transaction), the
cells settled batch by batch, and a first import's own count of its cells against the count
from the recorded credits. Every way must give the same exact ledger."""

import threading

import pytest

from contributions.models import Contribution, ModerationEvent
from repositories import importer
from repositories.choices import SyncStatus
from repositories.importer import Batch, BatchWriter
from repositories.models import CommitCredit
from tests.repositories.conftest import EXPECTED, ledger, sync

WRITER = "batch-writer"


def no_writer_thread_left() -> bool:
    return not any(thread.name == WRITER for thread in threading.enumerate())


# THE WRITER ON ITS OWN (no database)
# ------------------------------------------------------------------------------
def batches(n: int) -> list[Batch]:
    return [Batch([f"sha{i}"], []) for i in range(n)]


@pytest.mark.parametrize("threaded", [False, True], ids=["inline", "threaded"])
def test_the_writer_writes_every_batch_in_order(threaded):
    written: list[tuple[str, str]] = []
    writer = BatchWriter(
        lambda batch: written.append((batch.shas[0], threading.current_thread().name)),
        threaded=threaded,
    )
    for batch in batches(5):
        writer.submit(batch)
    writer.finish()
    assert [sha for sha, _thread in written] == [f"sha{i}" for i in range(5)]
    where = {thread for _sha, thread in written}
    assert where == ({WRITER} if threaded else {threading.current_thread().name})
    assert no_writer_thread_left()


def test_a_writer_error_reaches_the_caller_and_nothing_after_it_is_written():
    written: list[str] = []

    def write(batch: Batch) -> None:
        if batch.shas == ["sha1"]:
            raise ValueError("the database refused the batch")
        written.append(batch.shas[0])

    writer = BatchWriter(write, threaded=True)
    with pytest.raises(ValueError, match="refused"):
        for batch in batches(50):
            writer.submit(batch)
        writer.finish()
    writer.abandon()  # what the importer does next: no second error, no thread left
    assert written == ["sha0"]
    assert no_writer_thread_left()


def test_an_abandoned_writer_finishes_its_batch_and_drops_the_queued_ones():
    started, release = threading.Event(), threading.Event()
    written: list[str] = []

    def write(batch: Batch) -> None:
        started.set()
        release.wait(timeout=10)
        written.append(batch.shas[0])

    writer = BatchWriter(write, threaded=True)
    writer.submit(Batch(["first"], []))
    started.wait(timeout=10)
    writer.submit(Batch(["queued"], []))  # waits in the queue while the first is written
    release.set()
    writer.abandon()
    assert written == ["first"]
    assert no_writer_thread_left()


# THE WRITER IN A SYNC (PostgreSQL, no transaction around the sync: the thread is used)
# ------------------------------------------------------------------------------
@pytest.fixture
def writer_threads(monkeypatch):
    """The names of the threads that recorded each batch."""
    seen: list[str] = []
    real = importer.Importer._record

    def record(self, batch):
        seen.append(threading.current_thread().name)
        return real(self, batch)

    monkeypatch.setattr(importer.Importer, "_record", record)
    return seen


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_threaded_first_import_writes_the_exact_ledger(
    project, history_source, writer_threads, monkeypatch
):
    monkeypatch.setattr(importer, "BATCH", 3)  # 14 commits: five batches, cells settled between
    result = sync(history_source)
    assert result.status == SyncStatus.SUCCEEDED, result.message
    assert writer_threads == [WRITER] * 5
    assert ledger(project) == EXPECTED
    assert result.cells_created == len(EXPECTED)
    # Each entry was created once, with its one event, however many batches touched it.
    assert ModerationEvent.objects.count() == Contribution.objects.count() == len(EXPECTED)
    assert no_writer_thread_left()
    credits = CommitCredit.objects.count()
    again = sync(history_source)
    assert (again.commits_done, again.cells_created, again.cells_updated) == (0, 0, 0)
    assert CommitCredit.objects.count() == credits
    assert ledger(project) == EXPECTED


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_threaded_sync_whose_writer_fails_counts_no_month_twice(
    project, history_source, writer_threads, monkeypatch
):
    monkeypatch.setattr(importer, "BATCH", 3)
    real = importer.Importer._record

    def dies_on_the_third_batch(self, batch):
        if len(writer_threads) == 3:
            raise SystemError("the writer's connection was lost")
        return real(self, batch)

    monkeypatch.setattr(importer.Importer, "_record", dies_on_the_third_batch)
    failed = sync(history_source)
    assert failed.status == SyncStatus.FAILED
    assert history_source.last_seen_commit == ""
    partial = ledger(project)
    assert partial and partial != EXPECTED
    assert no_writer_thread_left()
    monkeypatch.setattr(importer.Importer, "_record", real)
    assert sync(history_source).status == SyncStatus.SUCCEEDED
    assert ledger(project) == EXPECTED


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_threaded_sync_whose_read_fails_keeps_the_batches_written(
    project, history_source, writer_threads, monkeypatch
):
    """The read stops (git failed, time ran out) while the writer works: what was recorded is
    counted, nothing twice, and the next sync completes the ledger."""
    monkeypatch.setattr(importer, "BATCH", 3)
    real = importer.Importer._batch
    made = {"n": 0}

    def read_fails_at_the_third_batch(self, commits):
        made["n"] += 1
        if made["n"] == 3:
            raise importer.MiningError("git stopped")
        return real(self, commits)

    monkeypatch.setattr(importer.Importer, "_batch", read_fails_at_the_third_batch)
    failed = sync(history_source)
    assert failed.status == SyncStatus.FAILED and failed.message == "git stopped"
    assert 1 <= len(writer_threads) <= 2
    recorded = set(CommitCredit.objects.values_list("cell", flat=True))
    counted = set(Contribution.objects.values_list("external_id", flat=True))
    assert recorded and counted == recorded
    monkeypatch.setattr(importer.Importer, "_batch", real)
    assert sync(history_source).status == SyncStatus.SUCCEEDED
    assert ledger(project) == EXPECTED


# THE SAME LEDGER EVERY WAY (inline: both databases)
# ------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("batch", [1, 3, 10_000])
@pytest.mark.parametrize("tally", [importer.TALLY_CELLS, 1], ids=["counted", "recounted"])
def test_every_batch_size_and_either_count_give_the_same_ledger(
    project, history_source, monkeypatch, batch, tally
):
    """Cells settled after every commit or only at the end, counted by the first import itself
    or recounted from the recorded credits (what a first import too large to count does)."""
    monkeypatch.setattr(importer, "BATCH", batch)
    monkeypatch.setattr(importer, "TALLY_CELLS", tally)
    result = sync(history_source)
    assert result.status == SyncStatus.SUCCEEDED, result.message
    assert ledger(project) == EXPECTED
    assert ModerationEvent.objects.count() == Contribution.objects.count() == len(EXPECTED)
