"""A sync: read a source's new commits and write what they credit to the ledger.

1. Fetch (or clone) the branch into the cache, bounded in time and size.
2. Compare the branch tip with the last commit read: the same tip means nothing to do; a tip that
   descends from it means only `last..tip` is read; anything else is a force-push: credit for
   commits no longer in the branch is withdrawn and the whole branch is read again.
3. Read the commits with the mining adapter and turn each into credits (author, co-authors and
   trailer-named people; bots left out), classified by the files it touched.
4. Write in batches, each ONE transaction: the batch's credits (skipping those already recorded)
   and the ledger cells they count in, recomputed from all recorded credits. A sync killed
   between batches leaves complete batches only, and the next sync, which reads the same range
   again, finds their credits recorded: no month is ever counted twice.
5. Only a complete read moves `last_seen_commit` to the tip.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import transaction
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

logger = logging.getLogger(__name__)
AUTHOR = CreditRole.AUTHOR.value

# Commits per transaction: a sync stopped half-way keeps its complete batches. Larger batches
# rewrite fewer ledger cells twice (a month of one person spans at most two batches); 10,000 keep
# a batch's commits and facts in a few tens of megabytes.
BATCH = 10_000
QUERY_CHUNK = 2000
# Cells kept before they are written: a first import of a large history writes its cells once at
# the end; past this many, they are written between batches (memory stays bounded).
CELL_FLUSH = 100_000


# A fact, one person credited by one commit for one type of work, as the tuple
# (sha, identity, role, type, day, lines added, lines removed, cell): a first import makes a
# hundred thousand of them.
Fact = tuple[str, Identity, str, str, dt.date, int, int, str]
CREDIT_COLUMNS = ["source_id", "sha", "identity", "role", "type", "day"]
CREDIT_COLUMNS += ["lines_added", "lines_removed", "cell"]


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
        self.fresh = False
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
        # its commits up, unless the source had no credit at all when this run began.
        self.fresh = not CommitCredit.objects.filter(source=source).exists()
        done = 0
        batch: list[Commit] = []
        self._report(0, total)
        with fewer_collections():
            try:
                for commit in mirror.commits(revisions, source.path_filter):
                    batch.append(commit)
                    if len(batch) >= BATCH:
                        self._record_batch(batch)
                        done += len(batch)
                        batch = []
                        if len(self.touched) >= CELL_FLUSH:
                            self._flush_cells()
                        self._report(done, total)
                if batch:
                    self._record_batch(batch)
                    done += len(batch)
            except Exception:
                # Whatever was recorded is counted before the error goes on (a process killed
                # outright leaves that to the next sync, which reads the same commits again).
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
    def _facts(self, commits: list[Commit], recorded: set[str]) -> list[Fact]:
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
            if sha not in recorded:
                self.outcome.commits += 1
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

    def _recorded(self, commits: list[Commit]) -> set[str]:
        """Which of these commits have their credits recorded already."""
        if self.fresh:
            return set()
        found: set[str] = set()
        shas = [commit.sha for commit in commits]
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

    # FACTS -> LEDGER
    @transaction.atomic
    def _record_batch(self, commits: list[Commit]) -> None:
        recorded = self._recorded(commits)
        facts = self._facts(commits, recorded)
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
        touched = self.touched
        for fact in facts:
            touched[fact[7]] = fact[1]

    @transaction.atomic
    def _flush_cells(self) -> None:
        if self.touched:
            self._write_cells(self.touched)
            self.touched = {}
            self.cells = {}  # memory stays bounded: the names are made again when needed

    def _write_cells(self, owners: dict[str, Identity | None], cells: Iterable[str] = ()) -> None:
        """Recompute the given cells from every recorded credit and write them to the ledger."""
        names = list(owners) or list(cells)
        totals: dict[str, tuple] = {}
        credits = CommitCredit.objects.filter(source=self.source)
        # Many cells (a first import): one pass over the source's credits rather than thousands
        # of ids bound into queries.
        many = len(names) > QUERY_CHUNK
        for chunk in [names] if many else _chunks(names):
            for cell, *total in (
                (credits if many else credits.filter(cell__in=chunk))
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
            commits, added, removed, last_day = totals.get(name) or (0, 0, 0, month)
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
            scope=f"repo:{self.source.pk}:",
            note=f"Read from the history of {self.source.label}.",
            # Whoever chose this history gets no credit approved by it (the moderation
            # invariant): their cells wait for another maintainer.
            importer_ids={
                self.source.added_by_id,
                self.sync.requested_by_id if self.sync is not None else None,
            },
        )
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
