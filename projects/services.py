"""Every write to the registry. Views, the API, the admin, loaders and importers call these.

Each function is keyword-only, atomic, validates before it writes, and records history where the
domain asks for it (governance changes). Importers (projects.card_import,
projects.openness.importers) write through the functions of the IMPORTED RECORDS section: they
create and update whole rows as a file describes them, and leave the verdict refresh to the
importer, which refreshes once per batch.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from projects import permissions
from projects.choices import (
    ArtifactKind,
    DerivationRelation,
    FactSource,
    GovernanceModel,
    ListingStatus,
    MOFComponent,
    Motivation,
    OrganisationKind,
    OrganisationRole,
)
from projects.models import (
    Artifact,
    Country,
    GovernanceChange,
    Language,
    Licence,
    Maintainership,
    Organisation,
    Project,
    ProjectOrganisation,
)
from projects.models.openness import (
    ArtifactComponent,
    ArtifactLicence,
    AssessmentRating,
    MotRecord,
    ThirdPartyAssessment,
)


class LastMaintainerError(ValidationError):
    pass


def _validate_motivations(motivations: Iterable[str]) -> list[str]:
    values = list(dict.fromkeys(motivations))
    unknown = [m for m in values if m not in Motivation.values]
    if unknown:
        raise ValidationError({"motivations": f"Unknown motivation(s): {', '.join(unknown)}."})
    return values


def _history_value(value: Any) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True)
    return "" if value is None else str(value)


# PROJECTS
# ------------------------------------------------------------------------------
# Fixed segments under /projects/ (projects.urls): a project with one of these addresses could
# never be reached. Refused here, so the web form and the API give the same answer.
RESERVED_PROJECT_SLUGS = frozenset({"artifacts", "propose", "proposals", "new"})
SLUG_RESERVED = "This address is reserved; choose another."
# The same words whoever holds the address (a listed project, or anyone's proposal the caller may
# not see), so proposing tells nothing more than that the address is taken.
SLUG_TAKEN = "A project with this address already exists."


def project_slug_check(slug: str) -> None:
    """Raise ValidationError({"slug": ...}) when `slug` cannot be a new project's address."""
    if slug.lower() in RESERVED_PROJECT_SLUGS:
        raise ValidationError({"slug": SLUG_RESERVED}, code="reserved")
    if Project.objects.filter(slug__iexact=slug).exists():
        raise ValidationError({"slug": SLUG_TAKEN}, code="taken")


@transaction.atomic
def project_propose(
    *,
    proposer,
    name: str,
    slug: str,
    summary: str = "",
    governance_model: str,
    motivations: Iterable[str] = (),
    countries: Iterable[Country] = (),
    languages: Iterable[Language] = (),
    organisations: Iterable[tuple[Organisation, str]] = (),
    new_organisations: Iterable[tuple[str, str, str]] = (),
    source: str = FactSource.WEB,
    **links: str,
) -> Project:
    """A signed-in user proposes a project; staff review it before it is listed.

    `organisations` are (organisation, role) of the registry; `new_organisations` are (name,
    kind, role) of organisations it does not know yet: each is created for this proposal only
    (`Organisation.proposed_with`, listed nowhere) unless a listed one has that name already, is
    listed with the proposal and removed if the proposal is declined (`project_review`)."""
    if not permissions.can_propose_project(proposer):
        raise PermissionDenied("Sign in to propose a project.")
    project_slug_check(slug)
    project = Project(
        name=name,
        slug=slug,
        summary=summary,
        governance_model=governance_model,
        motivations=_validate_motivations(motivations),
        listing_status=ListingStatus.PENDING,
        proposed_by=proposer,
        source=source,
        **links,
    )
    # Uniqueness was checked above, in the words every caller gets; the database constraint
    # settles a race between two proposals of one address (IntegrityError -> the same words).
    project.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            project.save()
    except IntegrityError as error:
        if Project.objects.filter(slug__iexact=slug).exists():
            raise ValidationError({"slug": SLUG_TAKEN}, code="taken") from error
        raise
    project.countries.set(countries)
    project.languages.set(languages)
    for organisation, role in organisations:
        project_add_organisation(project=project, organisation=organisation, role=role)
    for name, kind, role in new_organisations:
        organisation = _organisation_named_by_proposal(project=project, name=name, kind=kind)
        project_add_organisation(project=project, organisation=organisation, role=role)
    return project


def _organisation_named_by_proposal(*, project: Project, name: str, kind: str) -> Organisation:
    """The listed organisation called `name` (any case), else a new one pending with `project`."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"organisations": "Give the new organisation's name."})
    existing = Organisation.objects.listed().filter(name__iexact=name).first()
    if existing is not None:
        return existing
    pending = project.proposed_organisations.filter(name__iexact=name).first()
    if pending is not None:  # named twice in one proposal, with two roles
        return pending
    if kind not in OrganisationKind.values:
        raise ValidationError({"organisations": f"Say what kind of organisation {name} is."})
    base = slugify(name)[:70] or "organisation"
    slug, n = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    organisation = Organisation(name=name, slug=slug, kind=kind, proposed_with=project)
    organisation.full_clean()
    organisation.save()
    return organisation


def project_add_organisation(
    *, project: Project, organisation: Organisation, role: str, source_url: str = ""
) -> ProjectOrganisation:
    if role not in OrganisationRole.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    link, _ = ProjectOrganisation.objects.get_or_create(
        project=project, organisation=organisation, role=role, defaults={"source_url": source_url}
    )
    return link


@transaction.atomic
def project_review(*, project: Project, reviewer, approve: bool, note: str = "") -> Project:
    """Staff list a proposed project (its proposer becomes the first maintainer) or decline it."""
    if not permissions.can_review_project_proposal(reviewer):
        raise PermissionDenied("Only staff review project proposals.")
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.listing_status != ListingStatus.PENDING:
        raise ValidationError(
            f"This proposal was already reviewed (it is {project.get_listing_status_display()})."
        )
    old = project.listing_status
    project.listing_status = ListingStatus.LISTED if approve else ListingStatus.DECLINED
    project.save(update_fields=["listing_status", "updated_at"])
    GovernanceChange.objects.create(
        project=project,
        changed_by=reviewer,
        field="listing_status",
        old_value=old,
        new_value=project.listing_status,
        note=note[:300],
    )
    if approve and project.proposed_by_id:
        Maintainership.objects.get_or_create(
            project=project, user_id=project.proposed_by_id, defaults={"added_by": reviewer}
        )
    # Organisations the proposal named that the registry did not know: listed with it, or gone.
    if approve:
        project.proposed_organisations.update(proposed_with=None)
    else:
        ProjectOrganisation.objects.filter(organisation__proposed_with=project).delete()
        Organisation.objects.filter(proposed_with=project).delete()
    return project


@transaction.atomic
def project_update_governance(
    *, project: Project, editor, changes: dict[str, Any], note: str = ""
) -> list[GovernanceChange]:
    """Change governance fields; each changed field is kept in the project's history."""
    if editor is not None and not permissions.can_edit_project(editor, project):
        raise PermissionDenied("Only this project's maintainers and staff edit its governance.")
    unknown = set(changes) - set(Project.GOVERNANCE_FIELDS)
    if unknown:
        raise ValidationError(f"Not a governance field: {', '.join(sorted(unknown))}.")
    if "motivations" in changes:
        changes["motivations"] = _validate_motivations(changes["motivations"])
    project = Project.objects.select_for_update().get(pk=project.pk)
    history = []
    for field, new in changes.items():
        old = getattr(project, field)
        if old == new:
            continue
        setattr(project, field, new)
        history.append(
            GovernanceChange(
                project=project,
                changed_by=editor,
                field=field,
                old_value=_history_value(old),
                new_value=_history_value(new),
                note=note[:300],
            )
        )
    if not history:
        return []
    project.full_clean()
    project.save(update_fields=[h.field for h in history] + ["updated_at"])
    for change in history:
        change.save()
    return history


# MAINTAINERS
# ------------------------------------------------------------------------------
@transaction.atomic
def maintainer_add(*, project: Project, user, added_by) -> Maintainership:
    if added_by is not None and not permissions.can_manage_maintainers(added_by, project):
        raise PermissionDenied("Only this project's maintainers and staff add maintainers.")
    if not user.is_active:
        raise ValidationError("An inactive account cannot maintain a project.")
    membership, created = Maintainership.objects.get_or_create(
        project=project, user=user, defaults={"added_by": added_by}
    )
    if created:
        GovernanceChange.objects.create(
            project=project, changed_by=added_by, field="maintainers", new_value=user.username
        )
    return membership


@transaction.atomic
def maintainer_remove(*, project: Project, user, removed_by) -> None:
    if not permissions.can_manage_maintainers(removed_by, project):
        raise PermissionDenied("Only this project's maintainers and staff remove maintainers.")
    # Lock the project's maintainerships so two removals cannot leave it with none.
    memberships = list(Maintainership.objects.select_for_update().filter(project=project))
    target = next((m for m in memberships if m.user_id == user.pk), None)
    if target is None:
        raise ValidationError(f"{user.username} does not maintain {project.name}.")
    if len(memberships) == 1:
        raise LastMaintainerError("A project keeps at least one maintainer: add another first.")
    target.delete()
    GovernanceChange.objects.create(
        project=project, changed_by=removed_by, field="maintainers", old_value=user.username
    )


# ARTIFACTS
# ------------------------------------------------------------------------------
def _check_lineage(artifact: Artifact, parent: Artifact | None) -> None:
    node = parent
    while node is not None:
        if node.pk == artifact.pk and artifact.pk is not None:
            raise ValidationError({"derived_from": "An artifact cannot derive from itself."})
        node = node.derived_from


@transaction.atomic
def artifact_save(
    *,
    project: Project,
    editor,
    artifact: Artifact | None = None,
    languages: Iterable[Language] | None = None,
    refresh_openness: bool = True,
    **fields: Any,
) -> Artifact:
    """Create an artifact (artifact=None) or update one of the project's artifacts. An importer
    that refreshes the openness verdicts once for its batch passes refresh_openness=False."""
    if editor is not None and not permissions.can_manage_artifacts(editor, project):
        raise PermissionDenied("Only this project's maintainers and staff manage its artifacts.")
    if artifact is None:
        artifact = Artifact(project=project)
    elif artifact.project_id != project.pk:
        raise ValidationError("That artifact belongs to another project.")
    for name, value in fields.items():
        setattr(artifact, name, value)
    if artifact.derived_from_id is None:
        artifact.derivation_relation = ""
    elif artifact.derivation_relation not in DerivationRelation.values:
        raise ValidationError(
            {"derivation_relation": "Say how the artifact derives from its parent."}
        )
    _check_lineage(artifact, artifact.derived_from)
    artifact.full_clean()
    artifact.save()
    if languages is not None:
        artifact.languages.set(languages)
    if refresh_openness:
        _refresh_openness(artifact)
    return artifact


# What must follow a change of an artifact's record: the cached openness verdicts (overview
# page, API). projects.openness registers its refresh here when the app is ready
# (ProjectsConfig.ready), so the registry's services keep the cache current without importing
# the openness package, which imports these services in turn.
ARTIFACT_RECORD_CHANGED: list[Callable[..., Any]] = []


def _refresh_openness(artifact: Artifact) -> None:
    for refresh in ARTIFACT_RECORD_CHANGED:
        refresh(artifact_ids=[artifact.pk])


def licence_get(identifier: str) -> Licence | None:
    """Licences are matched exactly first (SPDX ids are case-sensitive), then case-insensitively."""
    if not identifier:
        return None
    return (
        Licence.objects.filter(identifier=identifier).first()
        or Licence.objects.filter(identifier__iexact=identifier).first()
    )


# MOF COMPONENTS (added for the web pages: a maintainer records a model release's components)
# ------------------------------------------------------------------------------
@transaction.atomic
def artifact_set_components(
    *, artifact: Artifact, editor, components: Iterable[dict[str, Any]]
) -> list:
    """Record the Model Openness Framework components of a model release, one dict per component
    (component, released, location, licence). A component not given is left as it was; one
    given as neither released nor located nor licensed is removed: "unknown" is no row."""
    if editor is not None and not permissions.can_manage_artifacts(editor, artifact.project):
        raise PermissionDenied("Only this project's maintainers and staff manage its artifacts.")
    if artifact.kind != ArtifactKind.MODEL:
        raise ValidationError("Openness components are recorded for model releases only.")
    saved = []
    for item in components:
        component = item.get("component")
        if component not in MOFComponent.values:
            raise ValidationError({"component": f"Unknown MOF component {component!r}."})
        released = bool(item.get("released"))
        location = (item.get("location") or "").strip()
        licence = item.get("licence")
        if not released and not location and licence is None:
            ArtifactComponent.objects.filter(artifact=artifact, component=component).delete()
            continue
        row = ArtifactComponent.objects.filter(artifact=artifact, component=component).first()
        row = row or ArtifactComponent(artifact=artifact, component=component)
        row.released = released
        row.location = location
        row.licence = licence
        row.licence_text = licence.identifier if licence is not None else ""
        row.source = FactSource.WEB
        row.full_clean()
        row.save()
        saved.append(row)
    _refresh_openness(artifact)
    return saved


# IMPORTED RECORDS (Model Openness Tool files, Open Source AI Index files)
# ------------------------------------------------------------------------------
@dataclass
class SyncCounts:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    def add(self, other: SyncCounts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.deleted += other.deleted
        self.unchanged += other.unchanged

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


def _sync_rows(
    model, existing: dict, wanted: Mapping[str, dict], fields: Sequence[str]
) -> SyncCounts:
    """Create, update and delete rows of one parent so they equal `wanted` (key -> values);
    `existing` (key -> row) is the parent's rows as read. Only what differs is written."""
    existing = dict(existing)
    counts = SyncCounts()
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


@transaction.atomic
def project_import(*, editor, name: str, slug: str, summary: str, source_url: str = "") -> Project:
    """A project created by an importer for a file's producer: listed at once (the file is
    public), its governance model not classified yet."""
    if editor is not None and not permissions.can_bulk_import(editor):
        raise PermissionDenied("Only staff import files that create projects.")
    project = Project(
        name=name,
        slug=slug,
        summary=summary,
        governance_model=GovernanceModel.OTHER,
        governance_confirmed=False,
        listing_status=ListingStatus.LISTED,
        source=FactSource.IMPORT,
        source_url=source_url,
    )
    # The database enforces the constraints; checking each one first costs a query apiece.
    project.full_clean(validate_unique=False, validate_constraints=False)
    project.save()
    return project


COMPONENT_FIELDS = (
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
GLOBAL_LICENCE_FIELDS = ("licence_id", "licence_text", "path", "source", "source_url")


def _check_model_release(artifact: Artifact, editor) -> None:
    if editor is not None and not permissions.can_manage_artifacts(editor, artifact.project):
        raise PermissionDenied("Only this project's maintainers and staff manage its artifacts.")
    if artifact.kind != ArtifactKind.MODEL:
        raise ValidationError("Openness components are recorded for model releases only.")


@transaction.atomic
def artifact_replace_components(
    *,
    artifact: Artifact,
    editor,
    components: Mapping[str, dict[str, Any]],
    existing: Mapping[str, ArtifactComponent] | None = None,
) -> SyncCounts:
    """Make a model release's component rows exactly `components` (MOF component -> field
    values, COMPONENT_FIELDS), as a file that describes the whole release says: rows not given
    are removed. `existing` is the release's rows when the caller has read them already."""
    _check_model_release(artifact, editor)
    unknown = [c for c in components if c not in MOFComponent.values]
    if unknown:
        raise ValidationError({"component": f"Unknown MOF component(s): {', '.join(unknown)}."})
    if existing is None:
        existing = {row.component: row for row in artifact.components.all()}
    wanted = {
        key: {"artifact": artifact, "component": key, **{f: v[f] for f in COMPONENT_FIELDS}}
        for key, v in components.items()
    }
    return _sync_rows(ArtifactComponent, existing, wanted, COMPONENT_FIELDS)


@transaction.atomic
def artifact_replace_global_licences(
    *,
    artifact: Artifact,
    editor,
    licences: Mapping[str, dict[str, Any]],
    existing: Mapping[str, ArtifactLicence] | None = None,
) -> SyncCounts:
    """Make a model release's type-specific global licences exactly `licences` (scope -> field
    values, GLOBAL_LICENCE_FIELDS); scopes not given are removed."""
    _check_model_release(artifact, editor)
    if existing is None:
        existing = {row.scope: row for row in artifact.global_licences.all()}
    wanted = {
        scope: {"artifact": artifact, "scope": scope, **{f: v[f] for f in GLOBAL_LICENCE_FIELDS}}
        for scope, v in licences.items()
    }
    return _sync_rows(ArtifactLicence, existing, wanted, GLOBAL_LICENCE_FIELDS)


@transaction.atomic
def mot_record_save(
    *, artifact: Artifact, editor, values: dict[str, Any], record: MotRecord | None = None
) -> bool:
    """Keep what a Model Openness Tool file says beyond the registry's fields (the export writes
    it back). Written only where a value differs; True when something was."""
    _check_model_release(artifact, editor)
    if record is None:
        MotRecord.objects.create(
            artifact=artifact, imported_by=editor, imported_at=timezone.now(), **values
        )
        return True
    diff = {name: value for name, value in values.items() if getattr(record, name) != value}
    if set(diff) == {"problems"} and set(values["problems"]) <= set(record.problems or []):
        # Nothing else changed: the notes of the import that made a change (a licence replaced,
        # components removed) stay until the next change, and a re-import is an exact no-op.
        diff = {}
    if not diff:
        return False
    for name, value in diff.items():
        setattr(record, name, value)
    record.imported_by, record.imported_at = editor, timezone.now()
    record.save(update_fields=[*diff, "imported_by", "imported_at"])
    return True


ASSESSMENT_RATING_FIELDS = ("position", "rating", "raw_class", "links", "notes")


@transaction.atomic
def assessment_import(
    *,
    assessor: str,
    source_file: str,
    source_commit: str,
    values: dict[str, Any],
    ratings: Mapping[str, dict[str, Any]],
    assessment: ThirdPartyAssessment | None = None,
) -> tuple[ThirdPartyAssessment, str]:
    """Store a third-party assessment, keyed by (assessor, file, commit), with exactly these
    ratings (dimension -> ASSESSMENT_RATING_FIELDS). `assessment` is the stored one with its
    ratings prefetched, if any. Returns it with "created", "updated" or "unchanged". Imports of
    assessments run from the command line only."""
    if assessment is None:
        assessment = ThirdPartyAssessment.objects.create(
            assessor=assessor,
            source_file=source_file,
            source_commit=source_commit,
            retrieved_at=timezone.now(),
            **values,
        )
        status, existing = "created", {}
    else:
        status, existing = "unchanged", {r.dimension: r for r in assessment.ratings.all()}
        diff = {k: v for k, v in values.items() if getattr(assessment, k) != v}
        if diff:
            for name, value in diff.items():
                setattr(assessment, name, value)
            assessment.save(update_fields=list(diff))
            status = "updated"
    wanted = {
        dimension: {
            "assessment": assessment,
            "dimension": dimension,
            **{f: v[f] for f in ASSESSMENT_RATING_FIELDS},
        }
        for dimension, v in ratings.items()
    }
    counts = _sync_rows(AssessmentRating, existing, wanted, ASSESSMENT_RATING_FIELDS)
    if status == "unchanged" and counts.changed:
        status = "updated"
    return assessment, status
