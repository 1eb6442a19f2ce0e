"""The Open Source AI Index importer: an index file (either format) becomes a
ThirdPartyAssessment with one AssessmentRating per dimension, stored beside the platform's own
verdicts, never over them. Idempotent on (assessor, file, commit); the artifact is matched again
on every import, so a later Model Openness Tool import can complete the match. Writes go through
projects.services."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

from django.db import transaction
from django.db.models import Prefetch

from core.limits import InputRefused, capped_with_summary, check_size
from projects import services
from projects.choices import ArtifactKind
from projects.models import Artifact, Organisation, Project
from projects.models.openness import AssessmentRating, Assessor, ThirdPartyAssessment
from projects.openness.importers.common import cut, hf_key, lower
from projects.openness.index_file import (
    CURRENT_DIMENSIONS,
    IndexAssessment,
    IndexDimension,
    IndexFormat,
    load_parameters,
    parse_frozen_project,
    parse_index_entry,
)
from projects.openness.verdicts import openness_refresh

FROZEN_INDEX_REPOSITORY = "https://github.com/opening-up-chatgpt/opening-up-chatgpt.github.io"
CURRENT_INDEX_REPOSITORY = "https://github.com/Language-Technology-Assessment/main-database"


def index_file_url(file_name: str, index_format: IndexFormat, ref: str = "main") -> str:
    if index_format is IndexFormat.FROZEN:
        return f"{FROZEN_INDEX_REPOSITORY}/blob/{ref or 'main'}/projects/{quote(file_name)}"
    return f"{CURRENT_INDEX_REPOSITORY}/blob/{ref or 'main'}/{quote(file_name)}"


def index_files(folder: Path) -> list[tuple[Path, IndexFormat]]:
    """Index files of a folder: a `projects/` and/or a `main-database/` subfolder, or the folder
    itself (told apart by the parameter files of the current index). Parameter files are not
    assessments and are left out."""
    folder = Path(folder)
    found: list[tuple[Path, IndexFormat]] = []
    candidates = [folder / "projects", folder / "main-database"]
    if not any(c.is_dir() for c in candidates):
        fmt = IndexFormat.CURRENT if (folder / "_parameters.yml").exists() else IndexFormat.FROZEN
        candidates = [folder]
        formats = [fmt]
    else:
        formats = [IndexFormat.FROZEN, IndexFormat.CURRENT]
    for candidate, fmt in zip(candidates, formats, strict=True):
        if candidate.is_dir():
            found.extend(
                (p, fmt)
                for p in sorted(candidate.iterdir())
                if p.suffix == ".yaml" and not p.name.startswith("_")
            )
    return found


@dataclass
class IndexImportResult:
    source_file: str
    status: str  # created, updated, unchanged, skipped, refused (a limit of core.limits)
    assessment: ThirdPartyAssessment | None = None
    problems: list[str] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)  # artifacts whose verdicts to refresh


class IndexImportContext:
    """Model artifacts and projects keyed for matching, and the assessments already stored, each
    read once per batch."""

    def __init__(self) -> None:
        self.by_hf: dict[str, set[int]] = defaultdict(set)
        self.by_name: dict[str, set[int]] = defaultdict(set)
        self.projects: dict[str, set[int]] = defaultdict(set)
        self.project_of: dict[int, int] = {}
        rows = Artifact.objects.filter(kind=ArtifactKind.MODEL).values_list(
            "pk", "name", "url", "mot_record__huggingface", "project_id", "mot_record__producer"
        )
        for pk, name, url, huggingface, project_id, producer in rows:
            self.project_of[pk] = project_id
            for key in {hf_key(url), hf_key(huggingface)} - {None}:
                self.by_hf[key].add(pk)
            self.by_name[lower(name)].add(pk)
            if producer:
                self.projects[lower(producer)].add(project_id)
        for pk, name in Project.objects.values_list("pk", "name"):
            self.projects[lower(name)].add(pk)
        for name, pk in (
            Organisation.objects.listed()
            .filter(project_roles__isnull=False)
            .values_list("name", "project_roles__project_id")
        ):
            self.projects[lower(name)].add(pk)
        self.stored: dict[tuple[str, str, str], ThirdPartyAssessment] = {}

    def preload(self, keys: Iterable[tuple[str, str, str]]) -> None:
        """The stored assessments of (assessor, file, commit) keys, with their ratings."""
        keys = set(keys)
        if not keys:
            return
        rows = (
            ThirdPartyAssessment.objects.filter(
                assessor__in={k[0] for k in keys},
                source_file__in={k[1] for k in keys},
                source_commit__in={k[2] for k in keys},
            )
            .order_by()
            .prefetch_related(Prefetch("ratings", queryset=AssessmentRating.objects.order_by()))
        )
        for row in rows:
            self.stored[(row.assessor, row.source_file, row.source_commit)] = row

    def artifact_for(self, parsed: IndexAssessment) -> tuple[int | None, str]:
        key = hf_key(parsed.model_link)
        if key and len(self.by_hf.get(key, ())) == 1:
            return next(iter(self.by_hf[key])), f"Hugging Face URL {key}"
        for name in (parsed.model_name, parsed.end_model):
            found = self.by_name.get(lower(name), set())
            if len(found) == 1:
                return next(iter(found)), f"name {name}"
            if len(found) > 1:
                return None, f"{len(found)} model artifacts are named {name}: none chosen"
        return None, "no model artifact matched by Hugging Face URL or name"

    def project_for(self, organisation: str) -> int | None:
        found = self.projects.get(lower(organisation), set())
        return next(iter(found)) if len(found) == 1 else None


_ASSESSOR = {
    IndexFormat.FROZEN: Assessor.OPENING_UP_CHATGPT,
    IndexFormat.CURRENT: Assessor.OSAI_INDEX,
}


def _key(parsed: IndexAssessment, source_commit: str) -> tuple[str, str, str]:
    return (_ASSESSOR[parsed.source_format], parsed.source_file[:255], source_commit[:64])


def index_import(
    *,
    parsed: IndexAssessment,
    source_commit: str = "",
    source_url: str | None = None,
    context: IndexImportContext | None = None,
    refresh: bool = True,
) -> IndexImportResult:
    """Store one parsed index file as a third-party assessment (templates and unnamed entries are
    skipped, as the published table drops them). Idempotent on (assessor, file, commit); the
    artifact is matched again on every import, so a later MOT import can complete the match."""
    result = IndexImportResult(source_file=parsed.source_file, status="skipped")
    result.problems = list(parsed.problems)
    if parsed.refusal is not None:
        result.status = "refused"
        return result
    if parsed.is_template:
        return result
    if context is None:
        context = IndexImportContext()
        context.preload([_key(parsed, source_commit)])
    artifact_id, note = context.artifact_for(parsed)
    project_id = (
        context.project_of[artifact_id] if artifact_id else context.project_for(parsed.organisation)
    )
    if source_url is None:
        source_url = index_file_url(parsed.source_file, parsed.source_format, source_commit)
    wanted = {
        "artifact_id": artifact_id,
        "project_id": project_id,
        "source_url": source_url[:500],
        "model_name": cut(parsed.model_name, 200),
        "model_link": cut(parsed.model_link, 500),
        "organisation_name": cut(parsed.organisation, 200),
        "organisation_link": cut(parsed.organisation_link, 500),
        "release_date_text": cut(parsed.date, 30),
        "licence_text": cut(parsed.licence_text, 300),
        "base_model": cut(parsed.base_model, 300),
        "end_model": cut(parsed.end_model, 300),
        "national_origin": cut(parsed.national_origin, 100),
        "contributor_type": cut(parsed.contributor_type, 100),
        "notes": parsed.notes,
        "openness_score": Decimal(str(parsed.openness)).quantize(Decimal("0.1")),
        "problems": capped_with_summary(parsed.problems),
        "match_note": note[:300],
    }
    key = _key(parsed, source_commit)
    stored = context.stored.get(key)
    touched = {artifact_id} | ({stored.artifact_id} if stored is not None else set())
    ratings = {
        dimension: {
            "position": position,
            "rating": rating.rating.value if rating.rating else "",
            "raw_class": cut(rating.raw_class, 50),
            "links": list(rating.links),
            "notes": rating.notes,
        }
        for position, (dimension, rating) in enumerate(parsed.ratings.items(), start=1)
    }
    with transaction.atomic():
        assessment, result.status = services.assessment_import(
            assessor=key[0],
            source_file=key[1],
            source_commit=key[2],
            values=wanted,
            ratings=ratings,
            assessment=stored,
        )
        if result.status != "unchanged":
            context.stored.pop(key, None)  # its prefetched ratings are stale now
            if refresh:
                openness_refresh(artifact_ids=[pk for pk in touched if pk])
    result.assessment = assessment
    result.touched = {pk for pk in touched if pk}
    return result


def parse_index_path(
    path: Path, index_format: IndexFormat, dimensions: tuple[IndexDimension, ...]
) -> IndexAssessment:
    try:  # the same limits as an upload, the size before the file is read
        check_size(Path(path).stat().st_size, "index_file")
    except InputRefused as refused:
        return IndexAssessment(
            source_format=index_format,
            source_file=Path(path).name,
            problems=(refused.message,),
            refusal=refused.message,
        )
    text = Path(path).read_text(encoding="utf-8")
    if index_format is IndexFormat.FROZEN:
        return parse_frozen_project(text, source=Path(path).name)
    return parse_index_entry(text, source=Path(path).name, dimensions=dimensions)


def current_dimensions(folder: Path) -> tuple[IndexDimension, ...]:
    """The current index's dimensions from its `_parameters.yml` when the folder has it."""
    for candidate in (Path(folder) / "main-database", Path(folder)):
        parameters = candidate / "_parameters.yml"
        if parameters.exists():
            return load_parameters(parameters.read_text(encoding="utf-8"))
    return CURRENT_DIMENSIONS


def index_import_many(
    *,
    assessments: Iterable[IndexAssessment],
    commits: dict[IndexFormat, str] | None = None,
    progress=None,
) -> list[IndexImportResult]:
    """Import parsed index files in bulk: one read of what is stored, one verdict refresh at
    the end (`parse_index_path` parses a file)."""
    commits = commits or {}
    assessments = list(assessments)
    context = IndexImportContext()
    context.preload(
        _key(a, commits.get(a.source_format, "")) for a in assessments if not a.is_template
    )
    results = []
    touched: set[int] = set()
    for parsed in assessments:
        result = index_import(
            parsed=parsed,
            source_commit=commits.get(parsed.source_format, ""),
            context=context,
            refresh=False,
        )
        results.append(result)
        if result.status in ("created", "updated"):
            touched |= result.touched
        if progress is not None:
            progress(parsed.source_file)
    if touched:
        openness_refresh(artifact_ids=touched)
    return results
