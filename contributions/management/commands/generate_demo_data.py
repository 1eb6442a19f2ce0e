"""`manage.py generate_demo_data`: a synthetic ledger with realistic shapes, for demos and the
benchmark.

The work attaches to the registry's listed projects (the seeded map) and their artifacts: the
registry stays what the seed made it, and `manage.py remove_demo_data` takes every synthetic row
out again. Everything it creates is marked synthetic: contributions `source="synthetic"` (shown as
such on the pages and in the API, excluded by the `is_synthetic=false` filter, counted apart by the
statistics), contributors `is_synthetic`, organisations (affiliations) named "(synthetic)" with
slugs starting `demo-` and no country, so nothing new appears on the map.

Only a scratch benchmark database, which has no seeded map, asks for `--synthetic-projects N`:
N projects of its own, marked by their slug (`demo-`) and summary, again with no country.

Shapes: contributors long-tailed (a Zipf-like few do most of the work), projects long-tailed in
size, every contribution type and lifecycle phase, dates spread over the last `--months` months,
logged in date order. Reproducible: the same --seed on the same empty database gives the same rows.
Rows go in through `contributions.bulk` (COPY on PostgreSQL, bulk_create on SQLite); the rows are
the same.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from contributions import bulk, stats
from contributions.choices import (
    TYPICAL_UNITS,
    ContributionSource,
    ContributionType,
)
from contributions.models import Contribution, Contributor
from projects.choices import ArtifactKind, GovernanceModel, ListingStatus, OrganisationKind
from projects.models import Artifact, Language, Organisation, Project

SUMMARY = "Synthetic demo project: generated data, not a real project."
MODERATOR = "demo-moderator"
# Slug prefix of everything the generator adds to the registry (organisations, and the projects of
# --synthetic-projects): `remove_demo_data` looks for it together with the synthetic marker.
SLUG_PREFIX = "demo-"
ORGANISATION_SUFFIX = "(synthetic)"
# Relative frequencies; code is the largest single type, yet most work is not code, as in the study.
TYPE_WEIGHTS = {
    "code": 20,
    "code_review": 8,
    "testing": 5,
    "tooling": 3,
    "infrastructure": 3,
    "security": 1,
    "data_curation": 8,
    "data_annotation": 12,
    "translation": 6,
    "evaluation": 6,
    "red_teaming": 2,
    "evaluation_feedback": 7,
    "training": 3,
    "compute_donation": 1,
    "funding": 1,
    "documentation": 6,
    "community_support": 4,
    "events_outreach": 2,
    "research": 2,
    "design_accessibility": 1,
    "governance": 2,
}
PHASE_WEIGHTS = {"pre_training": 25, "post_training": 25, "post_release": 35, "not_specific": 15}
COMPENSATION_WEIGHTS = {"volunteer": 45, "paid": 25, "stipend": 5, "undisclosed": 25}
LANGUAGE_TYPES = {"translation", "data_annotation", "data_curation", "evaluation", "red_teaming"}
COLUMNS = (
    "id",
    "project_id",
    "artifact_id",
    "contributor_id",
    "type",
    "phase",
    "title",
    "description",
    "evidence_urls",
    "occurred_on",
    "quantity",
    "unit",
    "compensation",
    "affiliation_id",
    "status",
    "moderated_by_id",
    "moderated_at",
    "source",
    "external_id",
    "created_at",
    "updated_at",
)


@dataclass
class Plan:
    """What the rows refer to; rendering the rows from a plan is deterministic."""

    seed: int
    contributions: int
    approved_share: float
    first_id: int
    start: dt.datetime
    end: dt.datetime
    moderator_id: int
    project_ids: list[int]
    project_counts: list[int]
    artifacts: dict[int, list[int]]
    contributor_ids: list[int]
    affiliations: list[int | None]
    organisation_ids: list[int]
    language_codes: list[str]
    titles: dict[str, str] = field(default_factory=dict)


def allocate(total: int, parts: int, *, largest: int | None = None) -> list[int]:
    """Split `total` into `parts` long-tailed sizes (weights 1/sqrt(rank)), largest first,
    exactly summing to `total`; `largest` fixes the first part."""
    if parts <= 0:
        return []
    sizes: list[int] = []
    if largest is not None:
        largest = min(largest, total)
        sizes, total, parts = [largest], total - largest, parts - 1
        if parts == 0:
            return sizes
    weights = [1 / (rank**0.5) for rank in range(1, parts + 1)]
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    floors = [int(r) for r in raw]
    remainder = total - sum(floors)
    for index in sorted(range(parts), key=lambda i: raw[i] - floors[i], reverse=True)[:remainder]:
        floors[index] += 1
    return sizes + floors


def contribution_rows(plan: Plan, *, chunk: int = 20_000) -> Iterator[tuple[list[tuple], list]]:
    """Yield (contribution rows, language links) chunk by chunk, in id order."""
    rng = random.Random(plan.seed)  # noqa: S311 - demo data, not secrets
    n = plan.contributions
    projects = list(
        itertools.chain.from_iterable(
            itertools.repeat(pid, count)
            for pid, count in zip(plan.project_ids, plan.project_counts, strict=True)
        )
    )
    rng.shuffle(projects)
    people = len(plan.contributor_ids)
    contributor_weights = list(
        itertools.accumulate(1 / (rank**1.1) for rank in range(1, people + 1))
    )
    types, type_weights = zip(*TYPE_WEIGHTS.items(), strict=True)
    phases, phase_weights = zip(*PHASE_WEIGHTS.items(), strict=True)
    payments, payment_weights = zip(*COMPENSATION_WEIGHTS.items(), strict=True)
    span = (plan.end - plan.start).total_seconds()
    step = span / max(n, 1)
    first_day = plan.start.date()
    for offset in range(0, n, chunk):
        size = min(chunk, n - offset)
        who = rng.choices(range(people), cum_weights=contributor_weights, k=size)
        what = rng.choices(types, weights=type_weights, k=size)
        when = rng.choices(phases, weights=phase_weights, k=size)
        paid = rng.choices(payments, weights=payment_weights, k=size)
        draws = [rng.random() for _ in range(size * 4)]
        rows, links = [], []
        for j in range(size):
            i = offset + j
            cid = plan.first_id + i
            project_id = projects[i]
            person = who[j]
            type_ = what[j]
            d0, d1, d2, d3 = draws[4 * j : 4 * j + 4]
            created = plan.start + dt.timedelta(seconds=i * step + d0 * step * 0.5)
            day = created.date() - dt.timedelta(days=int(d1 * 14))
            occurred = None if d1 < 0.08 else max(day, first_day)
            unit = TYPICAL_UNITS[type_]
            quantity = None
            if unit and d2 < 0.6:
                quantity = f"{1 + int(d2 * 500)}.{int(d3 * 100):02d}"
            else:
                unit = ""
            if d3 < plan.approved_share:
                status, moderator, moderated = "approved", plan.moderator_id, created
            elif d3 < plan.approved_share + (1 - plan.approved_share) / 2:
                status, moderator, moderated = "pending", None, None
            else:
                status, moderator, moderated = "rejected", plan.moderator_id, created
            affiliation = plan.affiliations[person]
            if d0 < 0.05 and plan.organisation_ids:  # worked elsewhere at the time
                affiliation = plan.organisation_ids[int(d0 * 20 * len(plan.organisation_ids))]
            artifacts = plan.artifacts.get(project_id)
            artifact = artifacts[int(d2 * len(artifacts))] if artifacts and d1 < 0.4 else None
            rows.append(
                (
                    cid,
                    project_id,
                    artifact,
                    plan.contributor_ids[person],
                    type_,
                    when[j],
                    f"{plan.titles[type_]} #{i + 1}",
                    "",
                    "[]",
                    occurred,
                    quantity,
                    unit,
                    paid[j],
                    affiliation,
                    status,
                    moderator,
                    moderated,
                    ContributionSource.SYNTHETIC.value,
                    "",
                    created,
                    created,
                )
            )
            if plan.language_codes and type_ in LANGUAGE_TYPES and d2 < 0.5:
                links.append((cid, plan.language_codes[int(d1 * len(plan.language_codes))]))
                if d3 < 0.1:
                    links.append(
                        (cid, plan.language_codes[int(d3 * 10 * len(plan.language_codes))])
                    )
        yield rows, list(dict.fromkeys(links))


LINK_COLUMNS = ("contribution_id", "language_id")
# A load at least this large checks the ledger's foreign keys once, set-based, rather than once
# per row and key (five per row: measured as a third of a 1M-row COPY). Below it the per-row
# checks cost less than revalidating the whole table, and the load takes no exclusive lock.
FOREIGN_KEYS_ONCE_FROM = 100_000


@contextmanager
def foreign_keys_checked_once(*models):
    """pg_restore's order for a large load: the tables' foreign keys are dropped, the rows
    written, and the same keys added back, which validates every row with one join per key
    before the transaction can commit. Must run inside the caller's transaction: a row naming a
    missing parent fails the ADD CONSTRAINT and rolls everything back, keys included. Takes an
    exclusive lock on the tables until commit (readers of the ledger wait)."""
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) "
            "ORDER BY 1, 2",
            [tables],
        )
        keys = cursor.fetchall()
        quote = connection.ops.quote_name
        # A table with deferred checks still pending (the plan's rows) cannot be altered: run
        # them now, then defer again as Django's keys expect.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, name, _ in keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
    yield
    with connection.cursor() as cursor:
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")


class Command(BaseCommand):
    help = (
        "Generate synthetic, clearly marked contributions to the seeded projects; "
        "`remove_demo_data` removes them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--contributions", type=int, default=5000)
        parser.add_argument(
            "--projects",
            type=int,
            default=None,
            help="Spread the work over this many of the listed projects (default: all of them).",
        )
        parser.add_argument(
            "--synthetic-projects",
            type=int,
            default=None,
            help="For scratch benchmark databases only: create this many synthetic projects "
            "(no country) and put the work there instead of on the listed projects.",
        )
        parser.add_argument("--contributors", type=int, default=400)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--months", type=int, default=24)
        parser.add_argument(
            "--approved-share",
            type=float,
            default=0.9,
            help="Share of entries approved; the rest is split between pending and rejected.",
        )
        parser.add_argument(
            "--largest-project",
            type=int,
            default=None,
            help="Contributions of the first (largest) project; the rest are long-tailed.",
        )
        parser.add_argument(
            "--no-stats", action="store_true", help="Leave the statistics to the reconciliation."
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        options.setdefault("projects", None)
        options.setdefault("synthetic_projects", None)
        if (
            options["contributions"] < 0
            or options["contributors"] < 1
            or (options["projects"] is not None and options["projects"] < 1)
            or (options["synthetic_projects"] is not None and options["synthetic_projects"] < 1)
        ):
            raise CommandError("Give at least one project and one contributor.")
        if options["projects"] is not None and options["synthetic_projects"] is not None:
            raise CommandError("Give --projects or --synthetic-projects, not both.")
        if not 0 <= options["approved_share"] <= 1:
            raise CommandError("--approved-share is a share between 0 and 1.")
        started = time.perf_counter()
        with transaction.atomic():
            plan = self.make_plan(**options)
            with tqdm(
                total=plan.contributions,
                unit="row",
                unit_scale=True,
                disable=options["no_progress"],
            ) as bar:
                self.write_ledger(plan, bar.update)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Generated {plan.contributions} synthetic contributions in "
            f"{len(plan.project_ids)} projects by {len(plan.contributor_ids)} contributors "
            f"in {elapsed:.1f} s ({plan.contributions / max(elapsed, 1e-9):,.0f} rows/s). "
            "`manage.py remove_demo_data` removes them."
        )
        if not options["no_stats"]:
            stats.rebuild_all()
            self.stdout.write("Statistics rebuilt.")

    # REFERENCE ROWS: few, created through the ORM
    # --------------------------------------------------------------------------
    def make_plan(
        self,
        *,
        contributions: int,
        projects: int | None,
        synthetic_projects: int | None,
        contributors: int,
        seed: int,
        months: int,
        approved_share: float,
        largest_project: int | None,
        **_,
    ) -> Plan:
        rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
        if (
            Contribution.objects.filter(source=ContributionSource.SYNTHETIC).exists()
            or Contributor.objects.filter(is_synthetic=True).exists()
        ):
            raise CommandError(
                "Demo data exists already: remove it first with `manage.py remove_demo_data` "
                "(`make demo-clean`)."
            )
        if synthetic_projects:
            targets = self.make_synthetic_projects(synthetic_projects, rng)
        else:
            targets = list(
                Project.objects.filter(listing_status=ListingStatus.LISTED).order_by("slug")
            )
            if not targets:
                raise CommandError(
                    "No listed project to attach demo data to: load the map first "
                    "(`manage.py load_cartography`, or `make seed`)."
                )
            if projects is not None:
                targets = targets[:projects]
        moderator, _ = get_user_model().objects.get_or_create(
            username=MODERATOR,
            defaults={"first_name": "Demo", "last_name": "moderator (synthetic)"},
        )
        # Affiliations of their own, so that synthetic people never speak for a real organisation;
        # no country, so that they add nothing to the map.
        organisations = Organisation.objects.bulk_create(
            [
                Organisation(
                    slug=f"{SLUG_PREFIX}org-{i:03d}",
                    name=f"Demo organisation {i} {ORGANISATION_SUFFIX}",
                    kind=rng.choice(OrganisationKind.values),
                )
                for i in range(1, max(3, len(targets) // 2) + 1)
            ]
        )
        artifacts: dict[int, list[int]] = {}
        for artifact_id, project_id in (
            Artifact.objects.filter(project__in=targets).order_by("pk").values_list("pk", "project")
        ):
            artifacts.setdefault(project_id, []).append(artifact_id)
        org_ids = [o.pk for o in organisations]
        people = Contributor.objects.bulk_create(
            [
                Contributor(
                    display_name=f"Demo contributor {i} (synthetic)",
                    affiliation_id=rng.choice(org_ids) if rng.random() < 0.6 else None,
                    is_synthetic=True,
                )
                for i in range(1, contributors + 1)
            ],
            batch_size=2000,
        )
        now = timezone.now().replace(microsecond=0)
        last_id = Contribution.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        return Plan(
            seed=seed,
            contributions=contributions,
            approved_share=approved_share,
            first_id=last_id + 1,
            start=now - dt.timedelta(days=round(months * 30.44)),
            end=now - dt.timedelta(minutes=5),
            moderator_id=moderator.pk,
            project_ids=[p.pk for p in targets],
            project_counts=allocate(contributions, len(targets), largest=largest_project),
            artifacts=artifacts,
            contributor_ids=[c.pk for c in people],
            affiliations=[c.affiliation_id for c in people],
            organisation_ids=org_ids,
            language_codes=list(Language.objects.order_by("code").values_list("code", flat=True)),
            titles={t: label for t, label in ContributionType.choices},
        )

    def make_synthetic_projects(self, count: int, rng: random.Random) -> list[Project]:
        """Projects of a scratch benchmark database, with three artifacts each; no country."""
        made = Project.objects.bulk_create(
            [
                Project(
                    slug=f"{SLUG_PREFIX}{i:03d}",
                    name=f"Demo project {i} (synthetic)",
                    summary=SUMMARY,
                    governance_model=rng.choice(GovernanceModel.values),
                    governance_reasoning="Synthetic demo data.",
                    listing_status=ListingStatus.LISTED,
                )
                for i in range(1, count + 1)
            ]
        )
        for project in made:
            Artifact.objects.bulk_create(
                [
                    Artifact(
                        project=project,
                        slug=f"{project.slug}-{kind}",
                        kind=kind,
                        name=f"Demo project {project.slug[-3:].lstrip('0')} "
                        f"{ArtifactKind(kind).label.lower()}",
                    )
                    for kind in rng.sample(ArtifactKind.values, k=3)
                ]
            )
        return made

    # THE LEDGER ROWS: many, written in bulk
    # --------------------------------------------------------------------------
    def write_ledger(self, plan: Plan, advance) -> None:
        """All rows in one bulk write (COPY on PostgreSQL), streamed as they are made, then the
        language links; the ids are the plan's, so the links can name them."""
        postgres = connection.vendor == "postgresql"
        if postgres:
            with connection.cursor() as cursor:
                # Ids are assigned here: hold off concurrent inserts.
                cursor.execute("LOCK TABLE contributions_contribution IN SHARE ROW EXCLUSIVE MODE")
        links: list[tuple] = []

        def ledger_rows():
            for rows, chunk_links in contribution_rows(plan):
                links.extend(chunk_links)
                yield from rows
                advance(len(rows))

        links_model = Contribution.languages.through
        once = postgres and plan.contributions >= FOREIGN_KEYS_ONCE_FROM
        with foreign_keys_checked_once(Contribution, links_model) if once else nullcontext():
            bulk.write_rows(Contribution, COLUMNS, ledger_rows())
            bulk.write_rows(links_model, LINK_COLUMNS, links)
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence('contributions_contribution', 'id'), "
                    "(SELECT COALESCE(MAX(id), 1) FROM contributions_contribution))"
                )
                # Fresh planner statistics: the rebuild that follows must not plan for an empty
                # table.
                cursor.execute(
                    "ANALYZE contributions_contribution, contributions_contribution_languages"
                )
