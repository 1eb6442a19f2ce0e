"""Importers of the peers' openness data: Model Openness Tool files and Open Source AI Index files.

A Model Openness Tool (MOT) file becomes a model artifact with its MOF components, its global
licences and a MotRecord (what the file says beyond the registry's fields), so that
`projects.openness_export` can write it back. An index file becomes a ThirdPartyAssessment with
one AssessmentRating per dimension, stored beside the platform's verdicts.

Decisions recorded here:
- The file name is the import key (release names repeat across the tool's files). A file already
  imported updates its artifact; otherwise the artifact is matched by Hugging Face URL, then by
  name and version; otherwise one is created under the project of the file's producer (found by
  organisation or project name, else created as an imported, unclassified, listed project).
- A file describes the whole release: its components, global licences, distribution licence,
  version and date replace what the artifact had. An artifact never takes a second file.
- Licence strings are kept exactly as given (`licence_text`); the Licence row is linked only when
  the string is exactly its identifier (case-sensitive, as the tool compares them).
- Writes happen only where a value differs, so re-importing the same files changes nothing.
- Nothing is guessed: an unknown component name is reported and skipped, never filed elsewhere.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from urllib.parse import quote, urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.text import slugify

from projects import permissions
from projects.choices import ArtifactKind, FactSource, GovernanceModel, ListingStatus
from projects.models import (
    Artifact,
    ArtifactComponent,
    ArtifactLicence,
    AssessmentRating,
    Licence,
    MotRecord,
    Organisation,
    Project,
    ThirdPartyAssessment,
)
from projects.models.openness import Assessor, LicenceScope
from projects.mot import MotRelease, parse_mot
from projects.openness import UNLICENSED
from projects.openness_verdicts import openness_refresh
from projects.osai_index import (
    CURRENT_DIMENSIONS,
    IndexAssessment,
    IndexDimension,
    IndexFormat,
    load_parameters,
    parse_frozen_project,
    parse_index_entry,
)

MOT_REPOSITORY = "https://github.com/lfai/model_openness_tool"
FROZEN_INDEX_REPOSITORY = "https://github.com/opening-up-chatgpt/opening-up-chatgpt.github.io"
CURRENT_INDEX_REPOSITORY = "https://github.com/Language-Technology-Assessment/main-database"
MOT_FILE_SUFFIXES = (".yml", ".yaml")
MAX_MOT_FILE_BYTES = 1024 * 1024  # the largest of the tool's files is under 10 kB
_FATAL_PROBLEMS = ("not valid YAML", "no 'release' mapping")
_is_url = URLValidator(schemes=["http", "https"])


# WHO MAY IMPORT
# ------------------------------------------------------------------------------
def can_upload_mot(user, artifact: Artifact) -> bool:
    """A MOT file on one artifact: the maintainers of its project and staff."""
    return permissions.can_manage_artifacts(user, artifact.project)


def can_bulk_import(user) -> bool:
    """Several files at once, creating artifacts and projects: staff only."""
    return user.is_authenticated and user.is_staff


# SOURCES
# ------------------------------------------------------------------------------
def mot_file_url(file_name: str, ref: str = "main") -> str:
    return f"{MOT_REPOSITORY}/blob/{ref or 'main'}/models/{quote(file_name)}"


def index_file_url(file_name: str, index_format: IndexFormat, ref: str = "main") -> str:
    if index_format is IndexFormat.FROZEN:
        return f"{FROZEN_INDEX_REPOSITORY}/blob/{ref or 'main'}/projects/{quote(file_name)}"
    return f"{CURRENT_INDEX_REPOSITORY}/blob/{ref or 'main'}/{quote(file_name)}"


def mot_files(folder: Path) -> list[Path]:
    """The MOT files of a folder, sorted by name (the tool's repository order)."""
    return sorted(p for p in Path(folder).iterdir() if p.suffix in MOT_FILE_SUFFIXES)


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


def _hf_key(url: str | None) -> str | None:
    """'org/name' of a Hugging Face model URL, lower-cased; None for anything else."""
    if not url:
        return None
    parts = urlsplit(url.strip() if "://" in url else f"https://{url.strip()}")
    if not parts.netloc.lower().removeprefix("www.").endswith("huggingface.co"):
        return None
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2 or segments[0] in ("datasets", "spaces"):
        return None
    return f"{segments[0]}/{segments[1]}".lower()


def _valid_url(value: str | None) -> str:
    if not value:
        return ""
    try:
        _is_url(value.strip())
    except ValidationError:
        return ""
    return value.strip()[:500]


def _fit(value: str | None, max_length: int, label: str, problems: list[str]) -> str | None:
    if value is not None and len(value) > max_length:
        problems.append(f"{label} is longer than {max_length} characters; cut")
        return value[:max_length]
    return value


def _slug(base: str, taken: set[str], *, max_length: int, fallback: str) -> str:
    base = (slugify(base) or fallback)[: max_length - 4].strip("-") or fallback
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


# MODEL OPENNESS TOOL FILES
# ------------------------------------------------------------------------------
@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    def add(self, other: Counts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.deleted += other.deleted
        self.unchanged += other.unchanged


@dataclass
class MotImportResult:
    source_file: str
    artifact: Artifact | None = None
    artifact_created: bool = False
    project_created: bool = False
    changed: bool = False
    match: str = ""
    components: Counts = field(default_factory=Counts)
    licences: Counts = field(default_factory=Counts)
    problems: list[str] = field(default_factory=list)


def _lower(value: str | None) -> str:
    return (value or "").strip().lower()


def _with_rows(queryset):
    return queryset.select_related("mot_record", "licence").prefetch_related(
        Prefetch("components", queryset=ArtifactComponent.objects.order_by()),
        Prefetch("global_licences", queryset=ArtifactLicence.objects.order_by()),
    )


class MotImportContext:
    """What a batch of imports looks up, each read once and kept current as the batch creates
    rows: a bulk import then costs a few queries per file, not a few dozen."""

    @cached_property
    def licences(self) -> dict[str, int]:
        """Licence ids by EXACT identifier (the dict compares case-sensitively, whatever the
        database's collation)."""
        return dict(Licence.objects.values_list("identifier", "pk"))

    @cached_property
    def records(self) -> dict[str, int]:
        return dict(
            MotRecord.objects.exclude(source_file="").values_list("source_file", "artifact_id")
        )

    @cached_property
    def _unrecorded(self) -> tuple[dict, dict]:
        by_hf: dict[str, set[int]] = defaultdict(set)
        by_name: dict[tuple[str, str], set[int]] = defaultdict(set)
        rows = (
            Artifact.objects.filter(kind=ArtifactKind.MODEL)
            .filter(Q(mot_record__isnull=True) | Q(mot_record__source_file=""))
            .values_list("pk", "name", "version", "url")
        )
        for pk, name, version, url in rows:
            if _hf_key(url):
                by_hf[_hf_key(url)].add(pk)
            by_name[(_lower(name), _lower(version))].add(pk)
        return by_hf, by_name

    @cached_property
    def projects(self) -> list[dict[str, set[int]]]:
        """Project ids by lower-cased name, in order of preference: an organisation's projects
        as lead, an organisation's projects in any role, projects of that name."""
        lead: dict[str, set[int]] = defaultdict(set)
        any_role: dict[str, set[int]] = defaultdict(set)
        named: dict[str, set[int]] = defaultdict(set)
        rows = Organisation.objects.filter(project_roles__isnull=False).values_list(
            "name", "project_roles__project_id", "project_roles__role"
        )
        for name, project_id, role in rows:
            any_role[_lower(name)].add(project_id)
            if role == "lead":
                lead[_lower(name)].add(project_id)
        for pk, name in Project.objects.values_list("pk", "name"):
            named[_lower(name)].add(pk)
        return [lead, any_role, named]

    @cached_property
    def artifact_slugs(self) -> set[str]:
        return set(Artifact.objects.values_list("slug", flat=True))

    @cached_property
    def project_slugs(self) -> set[str]:
        return set(Project.objects.values_list("slug", flat=True))

    @cached_property
    def _loaded(self) -> dict[int, Artifact]:
        return {}

    def preload(self, source_files: Iterable[str]) -> None:
        """Read the artifacts already holding these files, with their rows, in four queries."""
        ids = [self.records[name] for name in source_files if name in self.records]
        for artifact in _with_rows(Artifact.objects.filter(pk__in=ids)):
            self._loaded[artifact.pk] = artifact

    def artifact(self, pk: int) -> Artifact:
        """An artifact with its record, components and global licences (taken out of the cache:
        its rows are stale once synced)."""
        if pk not in self._loaded:
            self._loaded[pk] = _with_rows(Artifact.objects.filter(pk=pk)).get()
        return self._loaded.pop(pk)

    def licence_id(self, text: str | None) -> int | None:
        return self.licences.get(text) if text else None

    def match(self, release: MotRelease) -> tuple[int | None, str]:
        """By Hugging Face URL, then by name and version; an artifact that already holds another
        file is never taken (two files with one release name are two records, as in the tool)."""
        by_hf, by_name = self._unrecorded
        key = _hf_key(release.huggingface)
        if key and len(by_hf.get(key, ())) == 1:
            return next(iter(by_hf[key])), "Hugging Face URL"
        found = by_name.get((_lower(release.name), _lower(release.version)), set())
        if release.name and len(found) == 1:
            return next(iter(found)), "name and version"
        return None, ""

    def took(self, source_file: str, artifact_id: int) -> None:
        """An artifact now holds a file: record it, and take it out of the match keys."""
        self.records[source_file] = artifact_id
        for keyed in self._unrecorded:
            for ids in keyed.values():
                ids.discard(artifact_id)

    def project_for(self, producer: str) -> int | None:
        for keyed in self.projects:
            found = keyed.get(_lower(producer), set())
            if len(found) == 1:
                return next(iter(found))
        return None


def mot_import(
    *,
    text: str | None = None,
    release: MotRelease | None = None,
    source_file: str = "",
    editor=None,
    artifact: Artifact | None = None,
    source_commit: str = "",
    source_url: str | None = None,
    context: MotImportContext | None = None,
    refresh: bool = True,
) -> MotImportResult:
    """Import one MOT file, given as text or already parsed. With `artifact`, the file describes
    that artifact (its maintainers and staff may do this); without, the artifact is found or
    created (staff, or the command line when `editor` is None). Raises ValidationError when the
    text is not a MOT file at all, PermissionDenied when the editor may not import it."""
    if release is None:
        release = parse_mot(text or "", source=source_file)
    fatal = [p for p in release.problems if p.startswith(_FATAL_PROBLEMS)]
    if fatal:
        raise ValidationError(f"{release.source_file}: {'; '.join(fatal)}.")
    if editor is not None:
        allowed = can_upload_mot(editor, artifact) if artifact else can_bulk_import(editor)
        if not allowed:
            raise PermissionDenied(
                "Only the project's maintainers and staff import a Model Openness Tool file on "
                "an artifact; only staff import files in bulk."
            )
    if source_url is None:
        source_url = mot_file_url(release.source_file, source_commit) if artifact is None else ""
    context = context or MotImportContext()
    with transaction.atomic():
        result = _import_release(
            release=release,
            editor=editor,
            artifact=artifact,
            source_commit=source_commit,
            source_url=source_url,
            context=context,
        )
        if refresh:
            openness_refresh(artifact_ids=[result.artifact.pk])
    return result


def _import_release(
    *,
    release: MotRelease,
    editor,
    artifact: Artifact | None,
    source_commit: str,
    source_url: str,
    context: MotImportContext,
) -> MotImportResult:
    result = MotImportResult(source_file=release.source_file, problems=list(release.problems))
    problems = result.problems
    # Reported on every import, not only the first, so a re-import finds the same problems.
    if not (release.producer or "").strip():
        problems.append("release.producer is empty: a new artifact goes to the project of its name")
    if not release.name:
        problems.append("release.name is empty: a new artifact takes the file's name")
    holder = context.records.get(release.source_file) if release.source_file else None
    if artifact is not None:
        if artifact.kind != ArtifactKind.MODEL:
            raise ValidationError("Model Openness Tool files describe model releases only.")
        if holder is not None and holder != artifact.pk:
            other = Artifact.objects.filter(pk=holder).first()
            raise ValidationError(
                f"{release.source_file} is already imported as {other}: rename the file or "
                "upload it there."
            )
        result.match = "chosen"
    else:
        artifact_id, result.match = (
            (holder, "source file") if holder is not None else context.match(release)
        )
        if artifact_id is not None:
            artifact = context.artifact(artifact_id)
    if artifact is None:
        artifact = _create_artifact(release, result, source_url, context)
        record, components, licences = None, {}, {}
    else:
        if result.match == "chosen":
            artifact = context.artifact(artifact.pk)
        try:
            record = artifact.mot_record
        except MotRecord.DoesNotExist:
            record = None
        components = {row.component: row for row in artifact.components.all()}
        licences = {row.scope: row for row in artifact.global_licences.all()}
    if record is not None and record.source_file != release.source_file:
        context.records.pop(record.source_file, None)  # the artifact takes a renamed file
    if release.source_file:
        context.took(release.source_file, artifact.pk)

    result.artifact = artifact
    changed = _update_artifact(artifact, release, problems, context)
    result.licences = _sync_global_licences(
        artifact, licences, release, source_url, problems, context
    )
    result.components = _sync_components(
        artifact, components, release, source_url, problems, context
    )
    changed |= _update_record(
        artifact, record, release, editor, source_commit, source_url, problems
    )
    changed |= any(
        (c.created or c.updated or c.deleted) for c in (result.licences, result.components)
    )
    result.changed = changed or result.artifact_created
    return result


def _create_artifact(
    release: MotRelease, result: MotImportResult, source_url: str, context: MotImportContext
) -> Artifact:
    producer = (release.producer or "").strip()
    # Without a producer, the release's own name stands in for it.
    name = producer or release.name or Path(release.source_file).stem
    project_id = context.project_for(name)
    if project_id is None:
        project = Project(
            name=name[:200],
            slug=_slug(name, context.project_slugs, max_length=80, fallback="mot-producer"),
            summary=(
                "Imported from the Model Openness Tool (LF AI & Data), as the producer of "
                f"{release.name or release.source_file}. Source: {source_url or MOT_REPOSITORY}. "
                "Its governance model is not classified yet."
            ),
            governance_model=GovernanceModel.OTHER,
            governance_confirmed=False,
            listing_status=ListingStatus.LISTED,
            source=FactSource.IMPORT,
            source_url=_valid_url(source_url),
        )
        # The database enforces the constraints; checking each one first costs a query apiece.
        project.full_clean(validate_unique=False, validate_constraints=False)
        project.save()
        project_id = project.pk
        context.projects[2][_lower(project.name)].add(project.pk)
        result.project_created = True
    name = release.name or Path(release.source_file).stem
    artifact = Artifact(
        project_id=project_id,
        kind=ArtifactKind.MODEL,
        name=name[:200],
        slug=_slug(
            f"{name}-{release.version or ''}",
            context.artifact_slugs,
            max_length=120,
            fallback=slugify(Path(release.source_file).stem) or "mot-model",
        ),
        url=_valid_url(release.huggingface) or _valid_url(release.repository),
        source=FactSource.IMPORT,
        source_url=_valid_url(source_url),
    )
    artifact.full_clean(
        exclude=["project", "licence"], validate_unique=False, validate_constraints=False
    )
    artifact.save()
    result.artifact_created = True
    return artifact


def _release_date(value: str | None, problems: list[str]) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        problems.append(f"release.date {value!r} is not a date (kept as given)")
        return None


def _update_artifact(
    artifact: Artifact, release: MotRelease, problems: list[str], context: MotImportContext
) -> bool:
    """The file is the truth for the release's version, date and distribution licence."""
    distribution = release.licences.get("distribution")
    text = _fit(distribution.name if distribution else None, 200, "distribution licence", problems)
    text = text or ""
    wanted = {
        "version": _fit(release.version, 100, "release.version", problems) or "",
        "release_date": _release_date(release.date, problems),
        "licence_text": text,
        "licence_id": context.licence_id(text),
    }
    if not artifact.url:
        wanted["url"] = _valid_url(release.huggingface) or _valid_url(release.repository)
    diff = {name: value for name, value in wanted.items() if getattr(artifact, name) != value}
    if not diff:
        return False
    if "licence_id" in diff and artifact.licence_id is not None:
        problems.append(f"the distribution licence {artifact.licence} is replaced by {text!r}")
    for name, value in diff.items():
        setattr(artifact, name, value)
    artifact.save(update_fields=[*diff, "updated_at"])
    return True


def _update_record(
    artifact: Artifact,
    record: MotRecord | None,
    release: MotRelease,
    editor,
    source_commit: str,
    source_url: str,
    problems: list[str],
) -> bool:
    distribution = release.licences.get("distribution")
    framework = None
    if release.framework is not None:
        framework = {
            "name": release.framework.name,
            "version": release.framework.version,
            "date": release.framework.date,
        }
    wanted = {
        "source_file": _fit(release.source_file, 255, "file name", problems) or "",
        "source_commit": source_commit[:64],
        "source_url": source_url[:500],
        "framework": framework,
        "version": _fit(release.version, 100, "release.version", problems),
        "date": _fit(release.date, 30, "release.date", problems),
        "release_type": _fit(release.type, 30, "release.type", problems),
        "architecture": _fit(release.architecture, 100, "release.architecture", problems),
        "origin": _fit(release.origin, 200, "release.origin", problems),
        "producer": _fit(release.producer, 200, "release.producer", problems),
        "contact": _fit(release.contact, 300, "release.contact", problems),
        "repository": _fit(release.repository, 500, "release.repository", problems),
        "huggingface": _fit(release.huggingface, 500, "release.huggingface", problems),
        "distribution_path": (
            None
            if distribution is None
            else _fit(distribution.path or "", 500, "distribution path", problems)
        ),
        # Last: every problem of this import is known by now.
        "problems": list(dict.fromkeys(problems)),
    }
    if record is None:
        MotRecord.objects.create(
            artifact=artifact, imported_by=editor, imported_at=timezone.now(), **wanted
        )
        return True
    diff = {name: value for name, value in wanted.items() if getattr(record, name) != value}
    if not diff:
        return False
    for name, value in diff.items():
        setattr(record, name, value)
    record.imported_by, record.imported_at = editor, timezone.now()
    record.save(update_fields=[*diff, "imported_by", "imported_at"])
    return True


_GLOBAL_FIELDS = ("licence_id", "licence_text", "path", "source", "source_url")
_COMPONENT_FIELDS = (
    "released",
    "location",
    "licence_id",
    "licence_text",
    "licence_path",
    "description",
    "position",
    "source",
    "source_url",
)


def _sync_rows(model, existing: dict, wanted: dict, fields: Sequence[str]) -> Counts:
    """Create, update and delete rows of one parent so they equal `wanted` (key -> values)."""
    counts = Counts()
    to_create, to_update = [], []
    for key, values in wanted.items():
        row = existing.pop(key, None)
        if row is None:
            to_create.append(values)
            continue
        if all(getattr(row, name) == values[name] for name in fields):
            counts.unchanged += 1
            continue
        for name in fields:
            setattr(row, name, values[name])
        to_update.append(row)
    if to_create:
        model.objects.bulk_create([model(**values) for values in to_create])
    if to_update:
        model.objects.bulk_update(to_update, list(fields))
    if existing:
        model.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()
    counts.created, counts.updated, counts.deleted = len(to_create), len(to_update), len(existing)
    return counts


def _sync_global_licences(
    artifact: Artifact,
    existing: dict[str, ArtifactLicence],
    release: MotRelease,
    source_url: str,
    problems: list[str],
    context: MotImportContext,
) -> Counts:
    wanted = {}
    for scope, entry in release.licences.items():
        if scope not in LicenceScope.values:
            continue  # distribution is the artifact's own; unknown keys are reported by parsing
        text = _fit(entry.name or "", 200, f"{scope} licence", problems) or ""
        wanted[scope] = {
            "artifact": artifact,
            "scope": scope,
            "licence_id": context.licence_id(text),
            "licence_text": text,
            "path": _fit(entry.path or "", 500, f"{scope} licence path", problems) or "",
            "source": FactSource.IMPORT,
            "source_url": source_url[:500],
        }
    return _sync_rows(ArtifactLicence, existing, wanted, _GLOBAL_FIELDS)


def _sync_components(
    artifact: Artifact,
    existing: dict[str, ArtifactComponent],
    release: MotRelease,
    source_url: str,
    problems: list[str],
    context: MotImportContext,
) -> Counts:
    wanted: dict[str, dict] = {}
    for position, component in enumerate(release.components, start=1):
        if component.component is None:
            problems.append(f"component {position} '{component.name}' not imported")
            continue
        text = component.license
        if text == "":  # the tool's rule: no licence and no fallback, as 'unlicensed'
            problems.append(f"component {position}: an empty licence is read as '{UNLICENSED}'")
            text = UNLICENSED
        text = _fit(text, 200, f"component {position} licence", problems) or ""
        wanted[component.component.value] = {  # a component listed twice: the last one wins
            "artifact": artifact,
            "component": component.component.value,
            "released": True,
            "location": _fit(component.component_path or "", 500, "component_path", problems),
            "licence_id": context.licence_id(text),
            "licence_text": text,
            "licence_path": _fit(component.license_path or "", 500, "license_path", problems),
            "description": component.description or "",
            "position": position,
            "source": FactSource.IMPORT,
            "source_url": source_url[:500],
        }
    counts = _sync_rows(ArtifactComponent, existing, wanted, _COMPONENT_FIELDS)
    if counts.deleted:
        problems.append(f"{counts.deleted} component(s) not in the file were removed")
    return counts


def mot_import_many(
    *,
    files: Iterable[tuple[str, str] | MotRelease],
    editor=None,
    source_commit: str = "",
    progress=None,
) -> list[MotImportResult | ValidationError]:
    """Import MOT files in bulk ((file name, text) pairs or parsed releases): each file in its
    own transaction, one verdict refresh at the end. A file that is not a MOT file is reported
    and the others go on."""
    context = MotImportContext()
    files = list(files)
    context.preload(item.source_file if isinstance(item, MotRelease) else item[0] for item in files)
    results: list[MotImportResult | ValidationError] = []
    for item in files:
        if isinstance(item, MotRelease):
            name, release, text = item.source_file, item, None
        else:
            (name, text), release = item, None
        try:
            results.append(
                mot_import(
                    text=text,
                    release=release,
                    source_file=name,
                    editor=editor,
                    source_commit=source_commit,
                    context=context,
                    refresh=False,
                )
            )
        except ValidationError as error:
            results.append(error)
        if progress is not None:
            progress(name)
    # Every imported artifact, changed or not: a verdict gone stale by an edit that skipped the
    # refresh is mended here, and an unchanged verdict is not rewritten.
    imported = [r.artifact.pk for r in results if isinstance(r, MotImportResult)]
    if imported:
        openness_refresh(artifact_ids=imported)
    return results


# OPEN SOURCE AI INDEX FILES
# ------------------------------------------------------------------------------
@dataclass
class IndexImportResult:
    source_file: str
    status: str  # created, updated, unchanged, skipped
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
            for key in {_hf_key(url), _hf_key(huggingface)} - {None}:
                self.by_hf[key].add(pk)
            self.by_name[_lower(name)].add(pk)
            if producer:
                self.projects[_lower(producer)].add(project_id)
        for pk, name in Project.objects.values_list("pk", "name"):
            self.projects[_lower(name)].add(pk)
        for name, pk in Organisation.objects.filter(project_roles__isnull=False).values_list(
            "name", "project_roles__project_id"
        ):
            self.projects[_lower(name)].add(pk)
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
        key = _hf_key(parsed.model_link)
        if key and len(self.by_hf.get(key, ())) == 1:
            return next(iter(self.by_hf[key])), f"Hugging Face URL {key}"
        for name in (parsed.model_name, parsed.end_model):
            found = self.by_name.get(_lower(name), set())
            if len(found) == 1:
                return next(iter(found)), f"name {name}"
            if len(found) > 1:
                return None, f"{len(found)} model artifacts are named {name}: none chosen"
        return None, "no model artifact matched by Hugging Face URL or name"

    def project_for(self, organisation: str) -> int | None:
        found = self.projects.get(_lower(organisation), set())
        return next(iter(found)) if len(found) == 1 else None


_ASSESSMENT_FIELDS = (
    "artifact_id",
    "project_id",
    "source_url",
    "model_name",
    "model_link",
    "organisation_name",
    "organisation_link",
    "release_date_text",
    "licence_text",
    "base_model",
    "end_model",
    "national_origin",
    "contributor_type",
    "notes",
    "openness_score",
    "problems",
    "match_note",
)
_RATING_FIELDS = ("position", "rating", "raw_class", "links", "notes")
_ASSESSOR = {
    IndexFormat.FROZEN: Assessor.OPENING_UP_CHATGPT,
    IndexFormat.CURRENT: Assessor.OSAI_INDEX,
}


def _cut(value: str | None, max_length: int) -> str:
    return (value or "")[:max_length]


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
        "model_name": _cut(parsed.model_name, 200),
        "model_link": _cut(parsed.model_link, 500),
        "organisation_name": _cut(parsed.organisation, 200),
        "organisation_link": _cut(parsed.organisation_link, 500),
        "release_date_text": _cut(parsed.date, 30),
        "licence_text": _cut(parsed.licence_text, 300),
        "base_model": _cut(parsed.base_model, 300),
        "end_model": _cut(parsed.end_model, 300),
        "national_origin": _cut(parsed.national_origin, 100),
        "contributor_type": _cut(parsed.contributor_type, 100),
        "notes": parsed.notes,
        "openness_score": Decimal(str(parsed.openness)).quantize(Decimal("0.1")),
        "problems": list(parsed.problems),
        "match_note": note[:300],
    }
    key = _key(parsed, source_commit)
    assessment = context.stored.get(key)
    touched = {artifact_id}
    with transaction.atomic():
        if assessment is None:
            assessment = ThirdPartyAssessment.objects.create(
                assessor=key[0],
                source_file=key[1],
                source_commit=key[2],
                retrieved_at=timezone.now(),
                **wanted,
            )
            result.status, existing = "created", {}
            context.stored[key] = assessment
        else:
            touched.add(assessment.artifact_id)
            existing = {r.dimension: r for r in assessment.ratings.all()}
            diff = {k: v for k, v in wanted.items() if getattr(assessment, k) != v}
            if diff:
                for name, value in diff.items():
                    setattr(assessment, name, value)
                assessment.save(update_fields=list(diff))
                result.status = "updated"
        rows = {
            dimension: {
                "assessment": assessment,
                "dimension": dimension,
                "position": position,
                "rating": rating.rating.value if rating.rating else "",
                "raw_class": _cut(rating.raw_class, 50),
                "links": list(rating.links),
                "notes": rating.notes,
            }
            for position, (dimension, rating) in enumerate(parsed.ratings.items(), start=1)
        }
        counts = _sync_rows(AssessmentRating, existing, rows, _RATING_FIELDS)
        if result.status == "skipped":
            changed = counts.created or counts.updated or counts.deleted
            result.status = "updated" if changed else "unchanged"
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


_SAFE_NAME = re.compile(r"^[^/\\\x00]+$")


def safe_file_name(name: str) -> str:
    """The base name of an uploaded file (browsers may send a path)."""
    base = re.split(r"[/\\]", name or "")[-1].strip()
    return base if _SAFE_NAME.match(base or "") else ""
