"""The peers' data through the ORM: all 273 Model Openness Tool models, the 27 test files of the
tool, and all Open Source AI Index files; counts against the files, idempotency, round trip."""

import csv
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

import pytest
from django.core.management import call_command
from django.db.models import F
from django.forms.models import model_to_dict

from projects.models import Artifact, Licence, Project
from projects.models.openness import (
    ArtifactComponent,
    ArtifactLicence,
    ArtifactOpenness,
    AssessmentRating,
    MotRecord,
    ThirdPartyAssessment,
)
from projects.openness.export import artifact_export_mot, export_queryset
from projects.openness.importers.index import (
    current_dimensions,
    index_files,
    index_import_many,
    parse_index_path,
)
from projects.openness.importers.mot import MotImportResult, mot_import_many
from projects.openness.index_file import FROZEN_TO_CURRENT, IndexFormat
from projects.openness.licences import licence_facts_from_files
from projects.openness.mof import mof_class_reference, mof_class_strict
from projects.openness.mot_file import MotRelease, parse_mot, parse_mot_file, release_facts
from projects.reference import load_licences_table
from tests.openness.conftest import (
    CURRENT_COMMIT,
    CURRENT_FILES,
    FROZEN_COMMIT,
    FROZEN_FILES,
    INDEX,
    MODEL_FILES,
    MOT,
    MOT_COMMIT,
    TEST_FILES,
    expected_results,
    raw,
)

pytestmark = pytest.mark.django_db

COMMITS = {IndexFormat.FROZEN: FROZEN_COMMIT, IndexFormat.CURRENT: CURRENT_COMMIT}
SNAPSHOT_MODELS = (
    Project,
    Artifact,
    ArtifactComponent,
    ArtifactLicence,
    MotRecord,
    ArtifactOpenness,
    ThirdPartyAssessment,
    AssessmentRating,
)


@dataclass
class World:
    mot_results: list
    index_results: list


# Parsed once per run: the parsers have their own tests, and YAML parsing is the slow part.
@cache
def _parsed_models() -> dict[str, MotRelease]:
    return {path.name: parse_mot_file(path) for path in MODEL_FILES}


def _mot_releases() -> list[MotRelease]:
    return list(_parsed_models().values())


@cache
def _index_assessments() -> tuple:
    dimensions = current_dimensions(INDEX)
    return tuple(parse_index_path(path, fmt, dimensions) for path, fmt in index_files(INDEX))


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """All 273 models and all index files, imported once for this module's tests (each test
    runs in a transaction rolled back after it); removed again at the end."""
    with django_db_blocker.unblock():
        before = {
            model: set(model.objects.values_list("pk", flat=True))
            for model in (Project, Licence, ThirdPartyAssessment)
        }
        load_licences_table()
        mot_results = mot_import_many(files=_mot_releases(), source_commit=MOT_COMMIT)
        index_results = index_import_many(assessments=_index_assessments(), commits=COMMITS)
        yield World(mot_results, index_results)
        ThirdPartyAssessment.objects.exclude(pk__in=before[ThirdPartyAssessment]).delete()
        Project.objects.exclude(pk__in=before[Project]).delete()
        Licence.objects.exclude(pk__in=before[Licence]).delete()


def snapshot() -> dict:
    """Every field of every row the imports write, updated_at and computed_at included."""
    return {
        model.__name__: {
            row.pk: model_to_dict(row, fields=[f.name for f in model._meta.concrete_fields])
            | {"_stamps": [getattr(row, name, None) for name in ("updated_at", "computed_at")]}
            for row in model.objects.all()
        }
        for model in SNAPSHOT_MODELS
    }


@cache
def lookup():
    return licence_facts_from_files(
        MOT.parent / "spdx" / "licenses.json", MOT / "rules" / "mof-licenses.json"
    ).get


# --- Model Openness Tool: the tool's own test suite through the ORM ----------------------------


def test_the_27_test_files_through_the_orm_give_the_tools_expected_results():
    load_licences_table()
    results = mot_import_many(files=[parse_mot_file(p) for p in TEST_FILES])
    assert all(isinstance(r, MotImportResult) for r in results)
    verdicts = {
        row.artifact.name: {"class": row.reference_class, "progress": row.reference_progress}
        for row in ArtifactOpenness.objects.select_related("artifact")
    }
    assert len(verdicts) == 27
    assert verdicts == {
        name: {"class": e["class"], "progress": e["progress"]}
        for name, e in expected_results().items()
    }


# --- all 273 models ---------------------------------------------------------------------------


def test_every_model_file_imports_without_error(world):
    assert len(MODEL_FILES) == 273
    assert [r for r in world.mot_results if not isinstance(r, MotImportResult)] == []
    assert sum(r.artifact_created for r in world.mot_results) == 273
    assert MotRecord.objects.count() == Artifact.objects.filter(source="import").count() == 273
    assert ArtifactOpenness.objects.count() == 273


def test_counts_match_the_files(world):
    releases = [raw(path)["release"] for path in MODEL_FILES]
    components = [{c["name"] for c in release["components"]} for release in releases]
    assert ArtifactComponent.objects.count() == sum(len(c) for c in components) == 1834
    scoped = [
        key for release in releases for key in (release["license"] or {}) if key != "distribution"
    ]
    assert ArtifactLicence.objects.count() == len(scoped)
    with_distribution = sum("distribution" in (r["license"] or {}) for r in releases)
    assert MotRecord.objects.exclude(distribution_path=None).count() == with_distribution
    # One project per producer (case-insensitive); a release without producer gets its own.
    producers = {(r["producer"] or r["name"]).strip().lower() for r in releases}
    assert Project.objects.filter(source="import").count() == len(producers)
    assert set(Project.objects.values_list("listing_status", "governance_model").distinct()) == {
        ("listed", "other")
    }
    assert not Project.objects.filter(governance_confirmed=True).exists()
    # Licence strings are kept exactly as given, and linked only on an exact identifier.
    given = Counter(
        c["license"] for release in releases for c in release["components"] if "license" in c
    )
    stored = Counter(
        ArtifactComponent.objects.exclude(licence_text="").values_list("licence_text", flat=True)
    )
    assert stored == given
    assert stored["unlicensed"] == 844
    assert not (
        ArtifactComponent.objects.filter(licence__isnull=False)
        .exclude(licence_text=F("licence__identifier"))
        .exists()
    )


def test_duplicate_release_names_stay_two_records(world):
    names = Counter(raw(path)["release"]["name"] for path in MODEL_FILES)
    for name in ("Meta-Llama-3-8B-Instruct", "Meta-Llama-3-70B-Instruct", "Qwen2.5-32B-Instruct"):
        assert names[name] == 2
        assert Artifact.objects.filter(name=name).count() == 2


def test_orm_verdicts_equal_the_pure_verdicts_of_every_file(world):
    rows = {
        row.artifact.mot_record.source_file: row
        for row in ArtifactOpenness.objects.select_related("artifact__mot_record")
    }
    assert len(rows) == 273
    for path in MODEL_FILES:
        facts = release_facts(_parsed_models()[path.name])
        reference, strict = mof_class_reference(facts, lookup()), mof_class_strict(facts, lookup())
        row = rows[path.name]
        assert (row.reference_class, row.strict_class) == (reference.mof_class, strict.mof_class)
        assert row.reference_progress == {str(k): v for k, v in reference.progress.items()}
        assert row.strict_progress == {str(k): v for k, v in strict.progress.items()}
        assert row.classes_differ == (reference.mof_class != strict.mof_class)
        if row.reference_class == 0:
            assert any(r["mof_class"] == 3 for r in row.reasons["reference"])


def test_reimport_changes_nothing(world):
    before = snapshot()
    again = mot_import_many(files=_mot_releases(), source_commit=MOT_COMMIT)
    assert not any(r.changed for r in again)
    index_again = index_import_many(assessments=_index_assessments(), commits=COMMITS)
    assert Counter(r.status for r in index_again) == {"unchanged": 239, "skipped": 3}
    assert snapshot() == before


def test_round_trip_holds_on_every_file(world):
    artifacts = export_queryset().filter(mot_record__isnull=False)
    exported = {a.mot_record.source_file: artifact_export_mot(a) for a in artifacts}
    assert len(exported) == 273
    parsed = {name: parse_mot(text, source=name) for name, text in exported.items()}
    # The export says what the file says, key for key.
    assert parsed == _parsed_models()
    before = snapshot()
    results = mot_import_many(files=list(parsed.values()), source_commit=MOT_COMMIT)
    assert not any(r.changed for r in results)
    assert snapshot() == before


def test_the_command_imports_a_folder_and_reports(world, capsys):
    call_command("import_mot", str(MOT / "models"), "--commit", MOT_COMMIT, "--no-progress")
    out = capsys.readouterr().out
    assert "files: 273 (273 imported, 0 refused)" in out
    assert "artifacts: 0 created, 0 updated, 273 unchanged" in out
    assert "components: 0 created, 0 updated, 0 removed, 1834 unchanged" in out


# --- Open Source AI Index ---------------------------------------------------------------------


def _named(path, fmt):
    document = raw(path)
    section = document.get("project" if fmt is IndexFormat.FROZEN else "system") or {}
    return bool(str(section.get("name") or "").strip())


def test_every_index_file_imports(world):
    assert (len(FROZEN_FILES), len(CURRENT_FILES)) == (48, 194)
    assert len(world.index_results) == 242
    named = {
        fmt: [p for p in files if _named(p, fmt)]
        for fmt, files in ((IndexFormat.FROZEN, FROZEN_FILES), (IndexFormat.CURRENT, CURRENT_FILES))
    }
    assert Counter(r.status for r in world.index_results) == {
        "created": len(named[IndexFormat.FROZEN]) + len(named[IndexFormat.CURRENT]),
        "skipped": 242 - len(named[IndexFormat.FROZEN]) - len(named[IndexFormat.CURRENT]),
    }
    assert ThirdPartyAssessment.objects.filter(assessor="opening_up_chatgpt").count() == 46
    assert ThirdPartyAssessment.objects.filter(assessor="osai_index").count() == 193
    frozen_dims = sum(
        len([k for k in raw(p) if k not in ("project", "org")]) for p in named[IndexFormat.FROZEN]
    )
    current_dims = sum(
        len([k for k in raw(p) if k not in ("system", "org")]) for p in named[IndexFormat.CURRENT]
    )
    assert AssessmentRating.objects.count() == frozen_dims + current_dims
    given = Counter(
        str(raw(p)[key]["class"])
        for p in named[IndexFormat.CURRENT]
        for key in raw(p)
        if key not in ("system", "org")
    )
    stored = Counter(
        AssessmentRating.objects.filter(assessment__assessor="osai_index").values_list(
            "rating", flat=True
        )
    )
    assert stored == given


def test_index_scores_match_the_published_table(world):
    with (INDEX / "docs" / "df.csv").open(encoding="utf-8", newline="") as handle:
        published = {
            row["source.file"].rsplit("/", 1)[-1]: Decimal(row["openness"]).quantize(Decimal("0.1"))
            for row in csv.DictReader(handle)
        }
    stored = dict(
        ThirdPartyAssessment.objects.filter(assessor="opening_up_chatgpt").values_list(
            "source_file", "openness_score"
        )
    )
    assert stored == published


def test_comment_only_tags_and_sources_are_kept(world):
    olmo = ThirdPartyAssessment.objects.get(assessor="osai_index", source_file="OLMo.yaml")
    text = (INDEX / "main-database" / "OLMo.yaml").read_text(encoding="utf-8")
    assert f"National origin: {olmo.national_origin}" in text
    assert olmo.source_commit == CURRENT_COMMIT
    assert olmo.source_url.endswith(f"/{CURRENT_COMMIT}/OLMo.yaml")


def test_disagreements_are_the_dimensions_where_ratings_differ(world):
    matched = ArtifactOpenness.objects.exclude(assessments=[])
    assert matched.exists()
    for row in matched:
        for summary in row.assessments:
            assessment = ThirdPartyAssessment.objects.get(pk=summary["id"])
            frozen = assessment.assessor == "opening_up_chatgpt"
            expected = []
            for rating in assessment.ratings.all():
                current = FROZEN_TO_CURRENT.get(rating.dimension) if frozen else rating.dimension
                ours = row.index_ratings.get(current or "", {}).get("rating")
                if rating.rating and ours and rating.rating != ours:
                    expected.append(rating.dimension)
            assert sorted(summary["disagreements"]) == sorted(expected)
        assert row.disagrees_with_index == any(s["disagreements"] for s in row.assessments)
