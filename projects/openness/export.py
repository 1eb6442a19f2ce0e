"""An artifact's openness record written back as a Model Openness Tool file.

What the registry owns (name, version, date, licences, components) comes from the registry; what
only the file said (type, architecture, origin, producer, contact, links, the framework block)
comes from the artifact's MotRecord, absent keys staying absent. Import, export and import again
gives the same record. An artifact never imported from a file is exported too (its project's name
stands in for the producer), so a maintainer can submit it to the tool.
"""

from __future__ import annotations

import datetime

from django.db.models import Prefetch

from projects.choices import MOFComponent
from projects.models import Artifact
from projects.models.openness import ArtifactComponent, ArtifactLicence, LicenceScope, MotRecord
from projects.openness.frameworks import MOF_COMPONENTS
from projects.openness.mot_file import (
    MotComponent,
    MotFramework,
    MotLicence,
    MotRelease,
    export_mot,
)
from projects.openness.verdicts import distribution_licence

# The framework block of every file in the tool's repository (mot/README.md).
DEFAULT_FRAMEWORK = MotFramework("Model Openness Framework", "1.0", "2024-12-15")
_ORDER = {spec.component.value: n for n, spec in enumerate(MOF_COMPONENTS)}


def export_queryset():
    return Artifact.objects.select_related("project", "licence", "mot_record").prefetch_related(
        Prefetch("components", queryset=ArtifactComponent.objects.select_related("licence")),
        Prefetch("global_licences", queryset=ArtifactLicence.objects.select_related("licence")),
    )


def _given(registry_value: str, recorded: str | None) -> str | None:
    """The recorded value while the registry still agrees with it (keeping None apart from ''),
    the registry's value once it was changed."""
    if (recorded or "") == registry_value:
        return recorded
    return registry_value or None


def _recorded_date(recorded: str | None, date: str) -> str | None:
    """The date as the file gave it, unless the registry's date was changed since."""
    if (recorded or "").strip() == date:
        return recorded
    if not date:
        try:
            datetime.date.fromisoformat((recorded or "").strip())
        except ValueError:  # never a date in the registry: keep what the file said
            return recorded
    return date or None


def _record(artifact: Artifact) -> MotRecord | None:
    try:
        return artifact.mot_record
    except MotRecord.DoesNotExist:
        return None


def artifact_release(artifact: Artifact) -> MotRelease:
    """The artifact as a parsed MOT release (prefetch with `export_queryset`)."""
    record = _record(artifact)
    date = artifact.release_date.isoformat() if artifact.release_date else ""
    if record is not None:
        framework = MotFramework(**record.framework) if isinstance(record.framework, dict) else None
        fields = {
            "version": _given(artifact.version, record.version),
            "date": _recorded_date(record.date, date),
            "type": record.release_type,
            "architecture": record.architecture,
            "origin": record.origin,
            "producer": record.producer,
            "contact": record.contact,
            "repository": record.repository,
            "huggingface": record.huggingface,
        }
        distribution_path = record.distribution_path
        source_file = record.source_file
    else:
        framework = DEFAULT_FRAMEWORK
        fields = {
            "version": artifact.version or None,
            "date": date or None,
            "producer": artifact.project.name,
            "huggingface": artifact.url or None,
        }
        distribution_path = None
        source_file = ""
    distribution = distribution_licence(artifact)
    licences: dict[str, MotLicence] = {}
    if distribution_path is not None or distribution:
        licences["distribution"] = MotLicence(distribution or "", distribution_path or "")
    scopes = {row.scope: row for row in artifact.global_licences.all()}
    for scope in LicenceScope.values:
        if scope in scopes:
            row = scopes[scope]
            text = row.licence_text or (row.licence.identifier if row.licence_id else "")
            licences[scope] = MotLicence(text, row.path)
    rows = sorted(
        (row for row in artifact.components.all() if row.released),
        key=lambda r: (r.position, _ORDER[r.component]),
    )
    components = tuple(
        MotComponent(
            name=str(MOFComponent(row.component).label),
            component=MOFComponent(row.component),
            description=row.description,
            license=row.licence_text or (row.licence.identifier if row.licence_id else None),
            license_path=row.licence_path or None,
            component_path=row.location or None,
        )
        for row in rows
    )
    return MotRelease(
        source_file=source_file,
        framework=framework,
        # The tool updates by release name: a file matched to an artifact named otherwise here
        # goes back under the name it came with, or sending it back would create a duplicate.
        name=(record.name if record is not None and record.name else artifact.name),
        licences=licences,
        components=components,
        **fields,
    )


def export_file_name(artifact: Artifact) -> str:
    record = _record(artifact)
    if record is not None and record.source_file:
        return record.source_file
    return f"{artifact.slug}.yml"


def artifact_export_mot(artifact: Artifact) -> str:
    """The MOT file of an artifact, as text."""
    return export_mot(artifact_release(artifact))
