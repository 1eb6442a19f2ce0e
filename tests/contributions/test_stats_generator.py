"""The demo data generator: marked synthetic everywhere, reproducible by seed, statistics built.

These run it as the benchmark does, on a database with no seeded map (`--synthetic-projects`);
tests/cartography/test_demo_data.py runs it as `make demo` does, on the seeded projects."""

import io

import pytest
from django.core.management import call_command

from contributions.choices import ContributionType, LifecyclePhase
from contributions.management.commands.generate_demo_data import SUMMARY, allocate
from contributions.models import Contribution, Contributor
from projects.models import Artifact, Organisation, Project
from tests.contributions.oracles import assert_rollups_exact

pytestmark = pytest.mark.django_db

FIELDS = ("type", "phase", "title", "quantity", "unit", "compensation", "status", "occurred_on")


def generate(seed=5, n=600):
    call_command(
        "generate_demo_data",
        contributions=n,
        synthetic_projects=4,
        contributors=30,
        seed=seed,
        no_progress=True,
        stdout=io.StringIO(),
    )


def snapshot():
    return list(Contribution.objects.order_by("id").values_list(*FIELDS))


def test_everything_generated_is_marked_synthetic():
    generate()
    projects = Project.objects.filter(slug__startswith="demo-")
    assert projects.count() == 4
    assert all(p.summary == SUMMARY and not p.countries.exists() for p in projects)
    assert Contribution.objects.count() == 600
    assert set(Contribution.objects.values_list("source", flat=True)) == {"synthetic"}
    assert Contributor.objects.filter(is_synthetic=True).count() == 30
    assert not Contributor.objects.filter(is_synthetic=False).exists()


def test_shapes_cover_every_type_and_phase_with_a_long_tail():
    generate(n=3000)
    assert set(Contribution.objects.values_list("type", flat=True)) == set(ContributionType.values)
    assert set(Contribution.objects.values_list("phase", flat=True)) == set(LifecyclePhase.values)
    per_person = sorted((c.contributions.count() for c in Contributor.objects.all()), reverse=True)
    # Long-tailed: the busiest tenth of the contributors does well over a tenth of the work.
    assert sum(per_person[:3]) > 0.3 * sum(per_person)


def test_the_same_seed_gives_the_same_rows_and_statistics_are_built():
    generate(seed=9)
    first = snapshot()
    assert_rollups_exact()
    call_command("remove_demo_data", stdout=io.StringIO())
    assert not Project.objects.exists()
    assert not Artifact.objects.exists()
    assert not Organisation.objects.exists()
    assert not Contributor.objects.exists()
    generate(seed=9)
    assert snapshot() == first


def test_demo_data_cannot_be_loaded_twice():
    generate(seed=3, n=10)
    with pytest.raises(Exception, match="exists already"):
        generate(seed=4, n=10)


@pytest.mark.parametrize(("total", "parts", "largest"), [(1000, 7, None), (10, 3, 6), (5, 9, None)])
def test_allocation_is_long_tailed_and_exact(total, parts, largest):
    sizes = allocate(total, parts, largest=largest)
    assert len(sizes) == parts
    assert sum(sizes) == total
    assert sizes[1:] == sorted(sizes[1:], reverse=True)
    if largest is not None:
        assert sizes[0] == largest


def foreign_keys():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) "
            "ORDER BY 1, 2",
            [[Contribution._meta.db_table, Contribution.languages.through._meta.db_table]],
        )
        return cursor.fetchall()


@pytest.mark.postgresql
def test_a_large_load_checks_the_foreign_keys_once_and_keeps_them(monkeypatch):
    from contributions.management.commands import generate_demo_data

    before = foreign_keys()
    assert len(before) == 7  # five from the ledger, two from its language links
    monkeypatch.setattr(generate_demo_data, "FOREIGN_KEYS_ONCE_FROM", 100)
    generate(n=600)
    assert Contribution.objects.count() == 600
    assert foreign_keys() == before  # same names, same definitions (deferrable as Django made them)
    assert_rollups_exact()


@pytest.mark.postgresql
def test_a_large_load_naming_a_missing_parent_fails_whole(monkeypatch):
    from django.db import IntegrityError

    from contributions.management.commands import generate_demo_data

    before = foreign_keys()
    monkeypatch.setattr(generate_demo_data, "FOREIGN_KEYS_ONCE_FROM", 100)
    original = generate_demo_data.Command.make_plan

    def plan_naming_a_missing_contributor(self, **options):
        plan = original(self, **options)
        plan.contributor_ids[0] = max(plan.contributor_ids) + 1000
        return plan

    monkeypatch.setattr(generate_demo_data.Command, "make_plan", plan_naming_a_missing_contributor)
    with pytest.raises(IntegrityError, match="contributor_id"):
        generate(n=600)
    assert not Contribution.objects.exists()
    assert not Contributor.objects.exists()
    assert foreign_keys() == before
