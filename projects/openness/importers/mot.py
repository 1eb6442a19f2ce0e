"""The Model Openness Tool importer: a MOT file becomes a model artifact with its MOF components,
its global licences and a MotRecord (what the file says beyond the registry's fields), so that
projects.openness.export can write it back.

Decisions recorded here:
- The file name is the import key (release names repeat across the tool's files). A file already
  imported updates its artifact; otherwise the artifact is matched by Hugging Face URL, then by
  name and version; otherwise one is created under the project of the file's producer (found by
  organisation or project name, else created as an imported, unclassified, listed project).
- A file describes the whole release: its components, global licences, distribution licence,
  version and date replace what the artifact had. An artifact never takes a second file.
- Licence strings are kept exactly as given (`licence_text`); the Licence row is linked only when
  the string is exactly its identifier (case-sensitive, as the tool compares them).
- Writes go through projects.services, and only where a value differs, so re-importing the same
  files changes nothing. Who may import is projects.permissions' to say.
- Nothing is guessed: an unknown component name is reported and skipped, never filed elsewhere.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from urllib.parse import quote

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils.text import slugify

from core.limits import MAX_UPLOAD_BYTES, capped_with_summary
from projects import permissions, services
from projects.choices import ArtifactKind, FactSource
from projects.models import Artifact, Licence, Organisation, Project
from projects.models.openness import ArtifactComponent, ArtifactLicence, LicenceScope, MotRecord
from projects.openness.importers.common import fit, hf_key, lower, unique_slug, valid_url
from projects.openness.licences import UNLICENSED
from projects.openness.mot_file import MotRelease, parse_mot
from projects.openness.verdicts import openness_refresh
from projects.services import SyncCounts

MOT_REPOSITORY = "https://github.com/lfai/model_openness_tool"
MOT_FILE_SUFFIXES = (".yml", ".yaml")
MAX_MOT_FILE_BYTES = MAX_UPLOAD_BYTES["mot_file"]  # the largest of the tool's files is under 10 kB
FATAL_PROBLEMS = ("not valid YAML", "no 'release' mapping")


def mot_file_url(file_name: str, ref: str = "main") -> str:
    return f"{MOT_REPOSITORY}/blob/{ref or 'main'}/models/{quote(file_name)}"


def mot_files(folder: Path) -> list[Path]:
    """The MOT files of a folder, sorted by name (the tool's repository order)."""
    return sorted(p for p in Path(folder).iterdir() if p.suffix in MOT_FILE_SUFFIXES)


@dataclass
class MotImportResult:
    source_file: str
    artifact: Artifact | None = None
    artifact_created: bool = False
    project_created: bool = False
    changed: bool = False
    match: str = ""
    components: SyncCounts = field(default_factory=SyncCounts)
    licences: SyncCounts = field(default_factory=SyncCounts)
    problems: list[str] = field(default_factory=list)


def _with_rows(queryset):
    return queryset.select_related("mot_record", "licence", "project").prefetch_related(
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
            if hf_key(url):
                by_hf[hf_key(url)].add(pk)
            by_name[(lower(name), lower(version))].add(pk)
        return by_hf, by_name

    @cached_property
    def projects(self) -> list[dict[str, set[int]]]:
        """Project ids by lower-cased name, in order of preference: an organisation's projects
        as lead, an organisation's projects in any role, projects of that name."""
        lead: dict[str, set[int]] = defaultdict(set)
        any_role: dict[str, set[int]] = defaultdict(set)
        named: dict[str, set[int]] = defaultdict(set)
        rows = (
            Organisation.objects.listed()
            .filter(project_roles__isnull=False)
            .values_list("name", "project_roles__project_id", "project_roles__role")
        )
        for name, project_id, role in rows:
            any_role[lower(name)].add(project_id)
            if role == "lead":
                lead[lower(name)].add(project_id)
        for pk, name in Project.objects.values_list("pk", "name"):
            named[lower(name)].add(pk)
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
        key = hf_key(release.huggingface)
        if key and len(by_hf.get(key, ())) == 1:
            return next(iter(by_hf[key])), "Hugging Face URL"
        found = by_name.get((lower(release.name), lower(release.version)), set())
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
            found = keyed.get(lower(producer), set())
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
    if release.refusal is not None:
        raise ValidationError(f"{release.source_file}: {release.refusal}")
    fatal = [p for p in release.problems if p.startswith(FATAL_PROBLEMS)]
    if fatal:
        raise ValidationError(f"{release.source_file}: {'; '.join(fatal)}.")
    if editor is not None:
        allowed = (
            permissions.can_upload_mot(editor, artifact)
            if artifact
            else permissions.can_bulk_import(editor)
        )
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
        artifact = _create_artifact(release, result, editor, source_url, context)
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
    changed = _update_artifact(artifact, release, editor, problems, context)
    result.licences = services.artifact_replace_global_licences(
        artifact=artifact,
        editor=editor,
        licences=_global_licences(release, source_url, problems, context),
        existing=licences,
    )
    result.components = services.artifact_replace_components(
        artifact=artifact,
        editor=editor,
        components=_components(release, source_url, problems, context),
        existing=components,
    )
    if result.components.deleted:
        problems.append(f"{result.components.deleted} component(s) not in the file were removed")
    changed |= services.mot_record_save(
        artifact=artifact,
        editor=editor,
        record=record,
        values=_record_values(release, source_commit, source_url, problems),
    )
    changed |= result.licences.changed or result.components.changed
    result.changed = changed or result.artifact_created
    return result


def _create_artifact(
    release: MotRelease,
    result: MotImportResult,
    editor,
    source_url: str,
    context: MotImportContext,
) -> Artifact:
    producer = (release.producer or "").strip()
    # Without a producer, the release's own name stands in for it.
    name = producer or release.name or Path(release.source_file).stem
    project_id = context.project_for(name)
    if project_id is None:
        project = services.project_import(
            editor=editor,
            name=name[:200],
            slug=unique_slug(name, context.project_slugs, max_length=80, fallback="mot-producer"),
            summary=(
                "Imported from the Model Openness Tool (LF AI & Data), as the producer of "
                f"{release.name or release.source_file}. Source: {source_url or MOT_REPOSITORY}. "
                "Its governance model is not classified yet."
            ),
            source_url=valid_url(source_url),
        )
        context.projects[2][lower(project.name)].add(project.pk)
        result.project_created = True
    else:
        project = Project.objects.get(pk=project_id)
    name = release.name or Path(release.source_file).stem
    artifact = services.artifact_save(
        project=project,
        editor=editor,
        refresh_openness=False,  # once, after the components are recorded
        kind=ArtifactKind.MODEL,
        name=name[:200],
        slug=unique_slug(
            f"{name}-{release.version or ''}",
            context.artifact_slugs,
            max_length=120,
            fallback=slugify(Path(release.source_file).stem) or "mot-model",
        ),
        url=valid_url(release.huggingface) or valid_url(release.repository),
        source=FactSource.IMPORT,
        source_url=valid_url(source_url),
    )
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
    artifact: Artifact,
    release: MotRelease,
    editor,
    problems: list[str],
    context: MotImportContext,
) -> bool:
    """The file is the truth for the release's version, date and distribution licence."""
    distribution = release.licences.get("distribution")
    text = fit(distribution.name if distribution else None, 200, "distribution licence", problems)
    text = text or ""
    wanted = {
        "version": fit(release.version, 100, "release.version", problems) or "",
        "release_date": _release_date(release.date, problems),
        "licence_text": text,
        "licence_id": context.licence_id(text),
    }
    if not artifact.url:
        wanted["url"] = valid_url(release.huggingface) or valid_url(release.repository)
    diff = {name: value for name, value in wanted.items() if getattr(artifact, name) != value}
    if not diff:
        return False
    if "licence_id" in diff and artifact.licence_id is not None:
        problems.append(f"the distribution licence {artifact.licence} is replaced by {text!r}")
    services.artifact_save(
        project=artifact.project,
        editor=editor,
        artifact=artifact,
        refresh_openness=False,  # once, after the components are recorded
        **diff,
    )
    return True


def _record_values(
    release: MotRelease, source_commit: str, source_url: str, problems: list[str]
) -> dict:
    distribution = release.licences.get("distribution")
    framework = None
    if release.framework is not None:
        framework = {
            "name": release.framework.name,
            "version": release.framework.version,
            "date": release.framework.date,
        }
    return {
        "source_file": fit(release.source_file, 255, "file name", problems) or "",
        "source_commit": source_commit[:64],
        "source_url": source_url[:500],
        "framework": framework,
        "name": fit(release.name, 200, "release.name", problems),
        "version": fit(release.version, 100, "release.version", problems),
        "date": fit(release.date, 30, "release.date", problems),
        "release_type": fit(release.type, 30, "release.type", problems),
        "architecture": fit(release.architecture, 100, "release.architecture", problems),
        "origin": fit(release.origin, 200, "release.origin", problems),
        "producer": fit(release.producer, 200, "release.producer", problems),
        "contact": fit(release.contact, 300, "release.contact", problems),
        "repository": fit(release.repository, 500, "release.repository", problems),
        "huggingface": fit(release.huggingface, 500, "release.huggingface", problems),
        "distribution_path": (
            None
            if distribution is None
            else fit(distribution.path or "", 500, "distribution path", problems)
        ),
        # Last: every problem of this import is known by now.
        "problems": capped_with_summary(dict.fromkeys(problems)),
    }


def _global_licences(
    release: MotRelease, source_url: str, problems: list[str], context: MotImportContext
) -> dict[str, dict]:
    wanted = {}
    for scope, entry in release.licences.items():
        if scope not in LicenceScope.values:
            continue  # distribution is the artifact's own; unknown keys are reported by parsing
        text = fit(entry.name or "", 200, f"{scope} licence", problems) or ""
        wanted[scope] = {
            "licence_id": context.licence_id(text),
            "licence_text": text,
            "path": fit(entry.path or "", 500, f"{scope} licence path", problems) or "",
            "source": FactSource.IMPORT,
            "source_url": source_url[:500],
        }
    return wanted


def _components(
    release: MotRelease, source_url: str, problems: list[str], context: MotImportContext
) -> dict[str, dict]:
    wanted: dict[str, dict] = {}
    for position, component in enumerate(release.components, start=1):
        if component.component is None:
            problems.append(f"component {position} '{component.name}' not imported")
            continue
        text = component.license
        if text == "":  # the tool's rule: no licence and no fallback, as 'unlicensed'
            problems.append(f"component {position}: an empty licence is read as '{UNLICENSED}'")
            text = UNLICENSED
        text = fit(text, 200, f"component {position} licence", problems) or ""
        wanted[component.component.value] = {  # a component listed twice: the last one wins
            "released": True,
            "location": fit(component.component_path or "", 500, "component_path", problems),
            "licence_id": context.licence_id(text),
            "licence_text": text,
            "licence_path": fit(component.license_path or "", 500, "license_path", problems),
            "description": component.description or "",
            "position": position,
            "source": FactSource.IMPORT,
            "source_url": source_url[:500],
        }
    return wanted


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
