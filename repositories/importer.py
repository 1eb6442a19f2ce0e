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

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from contributions.bulk import insert_like, insert_rows
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

# Commits per transaction: a sync stopped half-way keeps its complete batches. Larger batches
# rewrite fewer ledger cells twice (a month of one person spans at most two batches); 10,000 keep
# a batch's commits and facts in a few tens of megabytes.
BATCH = 10_000
QUERY_CHUNK = 2000
# Cells kept before they are written: a first import of a large history writes its cells once at
# the end; past this many, they are written between batches (memory stays bounded).
CELL_FLUSH = 100_000


@dataclass
class Fact:
    known: bool  # recorded by an earlier (stopped) sync: counted in its cell, not written again
    sha: str
    identity: Identity
    role: str
    type: str
    day: dt.date
    added: int
    removed: int
    cell: str


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
        self.known_shas: set[str] = set()
        # "Name <address>" -> identity: a history names the same few people again and again.
        self.people: dict[str, Identity | None] = {}
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
        if not last or force:
            # A full read: commits already recorded (by a sync that was stopped) cost no writes.
            self.known_shas = set(
                CommitCredit.objects.filter(source=source).values_list("sha", flat=True).distinct()
            )
        done = 0
        batch: list[Commit] = []
        self._report(0, total)
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
    def _facts(self, commits: list[Commit]) -> list[Fact]:
        kind = self.source.kind
        trailer_people = [
            person for c in commits for values in c.trailers.values() for person in values
        ]
        mapped = self.mirror.check_mailmap(trailer_people) if trailer_people else {}
        facts: dict[tuple[str, str, str], Fact] = {}
        for commit in commits:
            known = commit.sha in self.known_shas
            if not known:
                self.outcome.commits += 1
            type_ = classify_commit((f.path for f in commit.files), kind)
            added = sum(f.added for f in commit.files)
            removed = sum(f.removed for f in commit.files)
            day = commit.authored_at.astimezone(dt.UTC).date()
            credited: list[tuple[Identity, str, str, int, int]] = []
            author = self._person(commit.author)
            if author is not None:
                credited.append((author, CreditRole.AUTHOR, type_, added, removed))
            for name, people in commit.trailers.items():
                role = TRAILER_ROLES[name]
                trailer_type = TRAILERS[name] or type_
                shares_lines = TRAILERS[name] is None
                for person in people:
                    identity = self._person(mapped.get(person, person))
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
                key = (commit.sha, identity.key, credit_type)
                if key in facts:  # the author named again as co-author, say
                    continue
                facts[key] = Fact(
                    known=known,
                    sha=commit.sha,
                    identity=identity,
                    role=role,
                    type=credit_type,
                    day=day,
                    added=lines_added,
                    removed=lines_removed,
                    cell=cell_id(self.source.pk, identity.key, month_of(day), credit_type),
                )
        return list(facts.values())

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
        facts = self._facts(commits)
        if not facts:
            return
        self._resolve(fact.identity for fact in facts)
        new = [f for f in facts if not f.known]
        insert_like(
            CommitCredit(source_id=self.source.pk, day=dt.date.min),
            ["sha", "identity", "role", "type", "day", "lines_added", "lines_removed", "cell"],
            [
                (f.sha, f.identity.key, f.role, f.type, f.day, f.added, f.removed, f.cell)
                for f in new
            ],
            ignore_conflicts=True,
        )
        self.outcome.credits += len(new)
        for fact in facts:
            self.touched[fact.cell] = fact.identity

    @transaction.atomic
    def _flush_cells(self) -> None:
        if self.touched:
            self._write_cells(self.touched)
            self.touched = {}

    def _write_cells(self, owners: dict[str, Identity | None], cells: Iterable[str] = ()) -> None:
        """Recompute the given cells from every recorded credit and write them to the ledger."""
        names = list(owners) or list(cells)
        totals: dict[str, dict] = {}
        credits = CommitCredit.objects.filter(source=self.source)
        # Many cells (a first import): one pass over the source's credits rather than thousands
        # of ids bound into queries.
        many = len(names) > QUERY_CHUNK
        for chunk in [names] if many else _chunks(names):
            for row in (
                (credits if many else credits.filter(cell__in=chunk))
                .values("cell")
                .annotate(
                    commits=Count("id"),
                    added=Sum("lines_added"),
                    removed=Sum("lines_removed"),
                    last_day=Max("day"),
                )
                .order_by()
            ):
                totals[row["cell"]] = row
        labels = dict(ContributionType.choices)
        label = self.source.label
        records = []
        for name in names:
            total = totals.get(name)
            owner = owners.get(name)
            _repo, _source, _who, month_text, type_ = name.split(":", 4)
            month = dt.date.fromisoformat(f"{month_text}-01")
            records.append(
                RepositoryCell(
                    external_id=name,
                    contributor_id=self.contributors.get(owner.key) if owner else None,
                    type=type_,
                    title=f"{labels.get(type_, type_)} commits in {label}, {month:%B %Y}",
                    commits=total["commits"] if total else 0,
                    lines_added=(total["added"] or 0) if total else 0,
                    lines_removed=(total["removed"] or 0) if total else 0,
                    occurred_on=total["last_day"] if total else month,
                    evidence_url=history_url(
                        self.source,
                        month=month,
                        github_login=owner.github if owner else "",
                    ),
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
