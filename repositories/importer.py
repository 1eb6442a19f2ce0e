"""A sync: read a source's new commits and write what they credit to the ledger.

1. Fetch (or clone) the branch into the cache, bounded in time and size.
2. Compare the branch tip with the last commit read: the same tip means nothing to do; a tip that
   descends from it means only `last..tip` is read; anything else is a force-push: credit for
   commits no longer in the branch is withdrawn and the whole branch is read again.
3. Read the commits with the mining adapter and turn each into credits (author, co-authors and
   trailer-named people; bots left out), classified by the files it touched.
4. Write in batches, each ONE transaction: the batch's credits (skipping those already recorded)
   and the ledger cells no later commit is likely to change, recomputed from all recorded
   credits: those the batch before touched and this one did not (a history is read newest first,
   so a month left behind is done; a cell touched again later is simply written again). A sync
   killed between batches leaves complete batches only, and the next sync, which reads the same
   range again, finds their credits recorded: no month is ever counted twice.
   On PostgreSQL, outside a caller's transaction, batches are written by a thread with a
   connection of its own while the next one is parsed (`BatchWriter`).
5. Only a complete read moves `last_seen_commit` to the tip.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from contributions.bulk import insert_rows, write_rows
from contributions.choices import ContributionType
from contributions.identities import IdentityKind, credit_holders, normalize
from contributions.models import Contributor, ContributorEmail
from contributions.services import (
    RepositoryCell,
    contribution_record_repository_cells,
)
from repositories import cache
from repositories.choices import TRAILER_ROLES, CreditRole, RepositoryHost, SyncStatus
from repositories.classification import TRAILERS, classify_commit
from repositories.identities import Identity, cell_key, parse_person
from repositories.mining import Commit, GitMirror, MiningError
from repositories.models import CommitCredit, RepositoryIdentity, RepositorySource, RepositorySync
from repositories.selectors import cells_of_source

logger = logging.getLogger(__name__)
AUTHOR = CreditRole.AUTHOR.value

# Commits per transaction: a sync stopped half-way keeps its complete batches. Larger batches
# rewrite fewer ledger cells twice (a month of one person spans at most two batches); 10,000 keep
# a batch's commits and facts in a few tens of megabytes.
BATCH = 10_000
QUERY_CHUNK = 2000
# Cells kept before they are all written, settled or not (a history whose dates jump about
# leaves few settled): memory stays bounded.
CELL_FLUSH = 100_000
# Cells a first import counts itself (about 200 bytes each); past this many it recounts them
# from the recorded credits instead, as any other run does.
TALLY_CELLS = 200_000
# Batches parsed ahead of the writer: each holds a batch's facts (a few tens of megabytes).
BATCHES_AHEAD = 1


# A fact, one person credited by one commit for one type of work, as the tuple
# (sha, identity, role, type, day, lines added, lines removed, cell): a first import makes a
# hundred thousand of them.
Fact = tuple[str, Identity, str, str, dt.date, int, int, str]
CREDIT_COLUMNS = ["source_id", "sha", "identity", "role", "type", "day"]
CREDIT_COLUMNS += ["lines_added", "lines_removed", "cell"]


class _NotIn:
    """Every name but these (`in` is all a container needs)."""

    def __init__(self, names: set[str]):
        self.names = names

    def __contains__(self, name: object) -> bool:
        return name not in self.names


@dataclass(slots=True)
class Batch:
    """What the writer takes: a batch's commits (by sha) and the facts they credit."""

    shas: list[str]
    facts: list[Fact]


class BatchWriter:
    """Writes batches in order, by `write(batch)`: inline, or on a thread with a database
    connection of its own so that writing a batch overlaps parsing the next.

    The thread is for PostgreSQL outside any transaction of the caller (a second connection
    cannot see what an open transaction wrote, and SQLite has a single writer anyway). The
    thread's error is raised in the caller at its next `submit` or at `finish`."""

    def __init__(self, write: Callable[[Batch], None], *, threaded: bool):
        self._write = write
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        if threaded:
            self._queue: queue.Queue[Batch | None] = queue.Queue(maxsize=BATCHES_AHEAD)
            self._abandoned = threading.Event()
            self._thread = threading.Thread(target=self._drain, name="batch-writer", daemon=True)
            self._thread.start()

    @classmethod
    def for_this_connection(cls, write: Callable[[Batch], None]) -> BatchWriter:
        threaded = connection.vendor == "postgresql" and not connection.in_atomic_block
        return cls(write, threaded=threaded)

    def _drain(self) -> None:
        try:
            while (batch := self._queue.get()) is not None:
                if not self._abandoned.is_set():
                    self._write(batch)
        except BaseException as error:  # handed to the caller's thread
            self._error = error
            while self._queue.get() is not None:  # the caller never waits on a full queue
                pass
        finally:
            connection.close()  # this thread's own

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def submit(self, batch: Batch) -> None:
        if self._thread is None:
            self._write(batch)
            return
        self._raise()
        self._queue.put(batch)

    def finish(self) -> None:
        """Wait until every submitted batch is written."""
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self._raise()

    def abandon(self) -> None:
        """The read failed: the batch being written is finished, the queued ones are dropped
        (the next sync reads them again), and an error of the writer's own is only logged."""
        if self._thread is not None:
            self._abandoned.set()
            try:
                self.finish()
            except Exception:
                logger.exception("writing a batch of a failed sync failed")


@dataclass
class SyncOutcome:
    commits: int = 0
    credits: int = 0
    created: int = 0
    updated: int = 0
    withdrawn: int = 0
    force_push: bool = False
    messages: list[str] = field(default_factory=list)


def _chunks(items: list, size: int = QUERY_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _month_end(month: dt.date) -> dt.date:
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return following - dt.timedelta(days=1)


def cell_id(source_id: int, identity_key: str, month: dt.date, type_: str) -> str:
    return f"repo:{source_id}:{cell_key(identity_key)}:{month:%Y-%m}:{type_}"


def history_url(source: RepositorySource, *, month: dt.date, github_login: str = "") -> str:
    """Where a person can check a cell: the branch's history on the host, for that month (and
    author, when the host filters by a public login). Local paths have no public history."""
    if source.host == RepositoryHost.LOCAL:
        return ""
    base = source.url.rstrip("/").removesuffix(".git")
    branch = quote(source.resolved_branch or source.branch or "main", safe="")
    path = f"/{quote(source.path_filter.strip('/'))}" if source.path_filter else ""
    if source.host == RepositoryHost.GITHUB:
        query = {"since": f"{month:%Y-%m-%d}", "until": f"{_month_end(month):%Y-%m-%d}"}
        if github_login:
            query["author"] = github_login
        return f"{base}/commits/{branch}{path}?{urlencode(query)}"
    if source.host == RepositoryHost.GITLAB:
        return f"{base}/-/commits/{branch}{path}"
    if source.host == RepositoryHost.CODEBERG:
        return f"{base}/commits/branch/{branch}{path}"
    if source.host == RepositoryHost.HUGGINGFACE:
        return f"{base}/commits/{branch}{path}"
    return ""


@contextlib.contextmanager
def fewer_collections():
    """A first import makes millions of short-lived objects (log lines, commits, facts), none of
    them in a reference cycle; Python's cyclic collector, run every 700 allocations, would walk
    them (and the whole process) again and again. During a sync it runs a hundred times less
    often, over what the sync made only; the previous settings come back after."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(70_000, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


class Importer:
    def __init__(
        self,
        source: RepositorySource,
        *,
        sync: RepositorySync | None = None,
        deadline: float | None = None,
        progress: Callable[[int, int], None] | None = None,
    ):
        self.source = source
        self.sync = sync
        seconds = settings.REPOSITORY_SYNC_SECONDS
        self.deadline = deadline if deadline is not None else time.monotonic() + seconds
        self.progress = progress
        self.outcome = SyncOutcome()
        self.contributors: dict[str, int] = {}
        # A first import (no credit and no ledger cell of the source when the run began) counts
        # its cells as it records their credits and knows which cells it wrote: it asks the
        # database neither. Any other run recomputes cells from the recorded credits.
        self.fresh = False
        self.tally: dict[str, list] = {}  # cell -> [credits, lines added, lines removed, last day]
        self.written: set[str] = set()
        # (identity key, year, month, type) -> the ledger cell's external id.
        self.cells: dict[tuple[str, int, int, str], str] = {}
        # "Name <address>" -> identity: a history names the same few people again and again.
        self.people: dict[str, Identity | None] = {}
        # Trailer "Name <address>" -> the same after .mailmap ("": not mapped).
        self.mailmapped: dict[str, str] = {}
        # Ledger cells whose credits this run read, with the identity they credit: written
        # together (each cell once, not once per batch) from the recorded credits.
        self.touched: dict[str, Identity] = {}

    # THE RUN
    def run(self) -> SyncOutcome:
        source = self.source
        mirror = GitMirror(
            cache.clone_path(source.pk),
            source.url,
            local=source.host == RepositoryHost.LOCAL,
            deadline=self.deadline,
            max_bytes=settings.REPOSITORY_CACHE_MAX_BYTES,
        )
        self.mirror = mirror
        branch = mirror.ensure(source.branch)
        cache.evict(keep=mirror.path)
        if source.resolved_branch != branch:
            source.resolved_branch = branch
            source.save(update_fields=["resolved_branch"])
        tip = mirror.tip(branch)
        last = source.last_seen_commit
        if tip is None:
            self.outcome.messages.append("The branch has no commits yet.")
            if last:  # every commit is gone: the history was emptied
                self.outcome.force_push = True
                self._prune(reachable=set())
            self._finish(tip="")
            return self.outcome
        if tip == last:
            self._report(0, 0)
            self._finish(tip=tip)
            return self.outcome
        force = bool(last) and not mirror.is_ancestor(last, tip)
        self.outcome.force_push = force
        revisions = [tip, f"^{last}"] if last and not force else [tip]
        total = mirror.count(revisions, source.path_filter)
        if self.sync is not None:
            self.sync.from_commit = "" if force else last
            self.sync.to_commit = tip
            self.sync.force_push = force
            self.sync.commits_total = total
            self.sync.save(
                update_fields=["from_commit", "to_commit", "force_push", "commits_total"]
            )
        if force:
            self._prune(reachable=mirror.reachable(tip, source.path_filter))
        # Commits recorded before (by a sync that was stopped) cost no writes: each batch looks
        # its commits up, unless the source had nothing recorded when this run began.
        self.fresh = not (
            CommitCredit.objects.filter(source=source).exists() or cells_of_source(source).exists()
        )
        done = 0
        batch: list[Commit] = []
        self._report(0, total)
        writer = BatchWriter.for_this_connection(self._record_batch)
        with fewer_collections():
            try:
                for commit in mirror.commits(revisions, source.path_filter):
                    batch.append(commit)
                    if len(batch) >= BATCH:
                        writer.submit(self._batch(batch))
                        done += len(batch)
                        batch = []
                        self._report(done, total)
                if batch:
                    writer.submit(self._batch(batch))
                    done += len(batch)
                writer.finish()
            except Exception:
                # Whatever was recorded is counted before the error goes on (a process killed
                # outright leaves that to the next sync, which reads the same commits again).
                writer.abandon()
                try:
                    self._flush_cells()
                except Exception:
                    logger.exception("writing the cells of a failed sync failed")
                raise
            self._flush_cells()
        self._report(done, total)
        self._finish(tip=tip)
        return self.outcome

    def _report(self, done: int, total: int) -> None:
        if self.sync is not None:
            self.sync.commits_done = done
            self.sync.commits_total = max(total, done)
            self.sync.credits_recorded = self.outcome.credits
            self.sync.cells_created = self.outcome.created
            self.sync.cells_updated = self.outcome.updated
            self.sync.cells_withdrawn = self.outcome.withdrawn
            self.sync.save(
                update_fields=[
                    "commits_done",
                    "commits_total",
                    "credits_recorded",
                    "cells_created",
                    "cells_updated",
                    "cells_withdrawn",
                ]
            )
        if self.progress:
            self.progress(done, total)

    def _finish(self, *, tip: str) -> None:
        self.source.last_seen_commit = tip
        self.source.last_synced_at = timezone.now()
        self.source.save(update_fields=["last_seen_commit", "last_synced_at"])

    # COMMITS -> FACTS
    def _batch(self, commits: list[Commit]) -> Batch:
        if len(self.cells) >= CELL_FLUSH:
            self.cells = {}  # memory stays bounded: the names are made again when needed
        return Batch([commit.sha for commit in commits], self._facts(commits))

    def _facts(self, commits: list[Commit]) -> list[Fact]:
        """Who each commit credits, for what: no database (the writer may be busy with it)."""
        kind = self.source.kind
        trailer_people = [
            person for c in commits for values in c.trailers.values() for person in values
        ]
        mapped = self.mailmapped
        unmapped = [person for person in trailer_people if person not in mapped]
        if unmapped:  # each person once per run: every lookup starts a git process
            mapped.update(dict.fromkeys(unmapped, ""))
            mapped.update(self.mirror.check_mailmap(unmapped))
        facts: dict[tuple[str, str, str], Fact] = {}
        cells = self.cells
        source_id = self.source.pk
        for commit in commits:
            sha = commit.sha
            files = commit.files
            type_ = classify_commit((f.path for f in files), kind)
            added = sum(f.added for f in files)
            removed = sum(f.removed for f in files)
            day = commit.authored_at.astimezone(dt.UTC).date()
            credited: list[tuple[Identity, str, str, int, int]] = []
            author = self._person(commit.author)
            if author is not None:
                credited.append((author, AUTHOR, type_, added, removed))
            for name, people in commit.trailers.items():
                role = TRAILER_ROLES[name].value
                trailer_type = TRAILERS[name] or type_
                shares_lines = TRAILERS[name] is None
                for person in people:
                    identity = self._person(mapped[person] or person)
                    if identity is None:
                        continue
                    credited.append(
                        (
                            identity,
                            role,
                            trailer_type,
                            added if shares_lines else 0,
                            removed if shares_lines else 0,
                        )
                    )
            for identity, role, credit_type, lines_added, lines_removed in credited:
                key = (sha, identity.key, credit_type)
                if key in facts:  # the author named again as co-author, say
                    continue
                where = (identity.key, day.year, day.month, credit_type)
                cell = cells.get(where)
                if cell is None:
                    cell = cell_id(source_id, identity.key, month_of(day), credit_type)
                    cells[where] = cell
                facts[key] = (
                    sha,
                    identity,
                    role,
                    str(credit_type),
                    day,
                    lines_added,
                    lines_removed,
                    cell,
                )
        return list(facts.values())

    def _recorded(self, shas: list[str]) -> set[str]:
        """Which of these commits have their credits recorded already."""
        if self.fresh:
            return set()
        found: set[str] = set()
        for chunk in _chunks(shas):
            found.update(
                CommitCredit.objects.filter(source=self.source, sha__in=chunk)
                .values_list("sha", flat=True)
                .distinct()
            )
        return found

    def _person(self, person: str) -> Identity | None:
        if person not in self.people:
            self.people[person] = parse_person(person)
        return self.people[person]

    # IDENTITIES -> CONTRIBUTORS
    def _resolve(self, identities: Iterable[Identity]) -> None:
        """Find or create the contributor of every identity not yet resolved in this run.
        Must run inside the batch's transaction."""
        pending = {i.key: i for i in identities if i.key not in self.contributors}
        if not pending:
            return
        keys = list(pending)
        for chunk in _chunks(keys):
            for key, contributor_id in RepositoryIdentity.objects.filter(
                key__in=chunk, contributor__isnull=False
            ).values_list("key", "contributor_id"):
                self.contributors[key] = contributor_id
        # Whoever may receive credit under a login or an address, by the ledger's one rule
        # (contributions.identities): the account that proved it, else its placeholder.
        found: dict[str, int] = {}
        for kind, attribute in ((IdentityKind.GITHUB, "github"), (IdentityKind.EMAIL, "email")):
            wanted = {
                normalize(kind, getattr(i, attribute)): i.key
                for i in pending.values()
                if getattr(i, attribute) and i.key not in self.contributors
            }
            for value, contributor in credit_holders(kind, wanted).items():
                if value in wanted:
                    found[wanted[value]] = contributor.pk
        missing = [
            identity
            for key, identity in pending.items()
            if key not in self.contributors and key not in found
        ]
        placeholders = [
            Contributor(user=None, display_name=i.display_name, github=i.github) for i in missing
        ]
        insert_rows(Contributor, placeholders, with_ids=True)  # the facts name them
        for identity, placeholder in zip(missing, placeholders, strict=True):
            found[identity.key] = placeholder.pk
        ContributorEmail.objects.bulk_create(
            [
                ContributorEmail(contributor_id=found[i.key], email=i.email)
                for i in missing
                if i.email
            ],
            batch_size=QUERY_CHUNK,
        )
        RepositoryIdentity.objects.bulk_create(
            [RepositoryIdentity(key=key, contributor_id=pk) for key, pk in found.items()],
            batch_size=QUERY_CHUNK,
            update_conflicts=True,
            unique_fields=["key"],
            update_fields=["contributor"],
        )
        self.contributors.update(found)

    # FACTS -> LEDGER (the writer's side: only it uses the database until the read ends)
    def _record_batch(self, batch: Batch) -> None:
        try:
            with transaction.atomic():
                self._record(batch)
        except BaseException:
            # The tally may count the batch that failed: what follows recounts from the ledger.
            self.fresh = False
            raise

    def _record(self, batch: Batch) -> None:
        recorded = self._recorded(batch.shas)
        self.outcome.commits += sum(1 for sha in batch.shas if sha not in recorded)
        facts = batch.facts
        if not facts:
            return
        self._resolve(fact[1] for fact in facts)
        source_id = self.source.pk
        # Only commits nobody recorded are written: straight into the table (no conflict to
        # skip), the facts of one commit all in the same batch and transaction.
        new = [
            (source_id, sha, identity.key, role, type_, day, added, removed, cell)
            for sha, identity, role, type_, day, added, removed, cell in facts
            if sha not in recorded
        ]
        write_rows(CommitCredit, CREDIT_COLUMNS, new)
        self.outcome.credits += len(new)
        if self.fresh:
            tally = self.tally
            for _sha, _identity, _role, _type, day, added, removed, cell in facts:
                counts = tally.get(cell)
                if counts is None:
                    tally[cell] = [1, added, removed, day]
                else:
                    counts[0] += 1
                    counts[1] += added
                    counts[2] += removed
                    counts[3] = max(counts[3], day)
            if len(tally) > TALLY_CELLS:
                self.fresh, self.tally, self.written = False, {}, set()
        # Cells the batch before touched and this one did not are settled: written now. The
        # others wait (all of them once too many wait).
        touched = {fact[7]: fact[1] for fact in facts}
        waiting = self.touched
        if len(waiting) + len(touched) >= CELL_FLUSH:
            settled, self.touched = {**waiting, **touched}, {}
        else:
            settled = {cell: owner for cell, owner in waiting.items() if cell not in touched}
            self.touched = touched
        if settled:
            self._write_cells(settled)

    @transaction.atomic
    def _flush_cells(self) -> None:
        if self.touched:
            self._write_cells(self.touched)
            self.touched = {}

    def _write_cells(self, owners: dict[str, Identity | None], cells: Iterable[str] = ()) -> None:
        """Recompute the given cells from every recorded credit and write them to the ledger."""
        names = list(owners) or list(cells)
        totals: dict[str, tuple] = {}
        credits = CommitCredit.objects.filter(source=self.source)
        for chunk in [] if self.fresh else _chunks(names):
            for cell, *total in (
                credits.filter(cell__in=chunk)
                .values_list("cell")
                .annotate(Count("id"), Sum("lines_added"), Sum("lines_removed"), Max("day"))
                .order_by()
            ):
                totals[cell] = total
        labels = dict(ContributionType.choices)
        label = self.source.label
        # A cell's title and link depend only on its month and type (and owner's login).
        months: dict[str, dt.date] = {}
        titles: dict[tuple[str, str], str] = {}
        links: dict[tuple[str, str], str] = {}
        records = []
        for name in names:
            owner = owners.get(name)
            _repo, _source, _who, month_text, type_ = name.split(":", 4)
            month = months.get(month_text)
            if month is None:
                month = months[month_text] = dt.date.fromisoformat(f"{month_text}-01")
            title = titles.get((month_text, type_))
            if title is None:
                title = f"{labels.get(type_, type_)} commits in {label}, {month:%B %Y}"
                titles[month_text, type_] = title
            login = owner.github if owner else ""
            link = links.get((month_text, login))
            if link is None:
                link = links[month_text, login] = history_url(
                    self.source, month=month, github_login=login
                )
            counts = self.tally.get(name) if self.fresh else totals.get(name)
            commits, added, removed, last_day = counts or (0, 0, 0, month)
            records.append(
                RepositoryCell(
                    external_id=name,
                    contributor_id=self.contributors.get(owner.key) if owner else None,
                    type=type_,
                    title=title,
                    commits=commits,
                    lines_added=added or 0,
                    lines_removed=removed or 0,
                    occurred_on=last_day,
                    evidence_url=link,
                )
            )
        result = contribution_record_repository_cells(
            project=self.source.project,
            cells=records,
            note=f"Read from the history of {self.source.label}.",
            # Whoever chose this history gets no credit approved by it (the moderation
            # invariant): their cells wait for another maintainer.
            importer_ids={
                self.source.added_by_id,
                self.sync.requested_by_id if self.sync is not None else None,
            },
            known_new=_NotIn(self.written) if self.fresh else frozenset(),
        )
        if self.fresh:
            self.written.update(names)
        self.outcome.created += result.created
        self.outcome.updated += result.updated
        self.outcome.withdrawn += result.withdrawn

    @transaction.atomic
    def _prune(self, *, reachable: set[str]) -> None:
        """After a force-push: forget credits of commits no longer in the branch, and recompute
        (or withdraw) the cells they counted in."""
        recorded = set(
            CommitCredit.objects.filter(source=self.source).values_list("sha", flat=True).distinct()
        )
        gone = sorted(recorded - reachable)
        if not gone:
            return
        cells: set[str] = set()
        for chunk in _chunks(gone):
            rows = CommitCredit.objects.filter(source=self.source, sha__in=chunk)
            cells.update(rows.values_list("cell", flat=True))
            rows.delete()
        self.outcome.messages.append(
            f"Force-push: {len(gone)} commit(s) read before are no longer in the branch."
        )
        self._write_cells({}, cells=sorted(cells))


def run_sync(sync: RepositorySync) -> SyncOutcome:
    """The job's body for one RepositorySync (already marked running)."""
    importer = Importer(sync.source, sync=sync)
    try:
        outcome = importer.run()
    except MiningError as error:
        sync.status = SyncStatus.FAILED
        sync.message = str(error)
        outcome = importer.outcome
    else:
        sync.status = SyncStatus.SUCCEEDED
        sync.message = " ".join(outcome.messages)
    return outcome
