"""Who may do what in the registry. Web views, the API and the admin all ask these functions."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from projects.models import Artifact, Project


def is_maintainer(user, project: Project) -> bool:
    if not user.is_authenticated:
        return False
    cache = getattr(user, "_maintained_project_ids", None)
    if cache is None:
        cache = set(user.maintainerships.values_list("project_id", flat=True))
        user._maintained_project_ids = cache
    return project.pk in cache


def can_propose_project(user) -> bool:
    return user.is_authenticated and user.is_active


def can_review_project_proposal(user) -> bool:
    return user.is_authenticated and user.is_staff


def can_edit_project(user, project: Project) -> bool:
    """Governance fields, organisations and artifacts: the project's maintainers and staff."""
    return user.is_authenticated and (user.is_staff or is_maintainer(user, project))


can_manage_artifacts = can_edit_project
can_manage_maintainers = can_edit_project
can_import_into_project = can_edit_project


def can_upload_mot(user, artifact: Artifact) -> bool:
    """A Model Openness Tool file on one artifact: the maintainers of its project and staff."""
    return can_manage_artifacts(user, artifact.project)


def can_bulk_import(user) -> bool:
    """Several files at once, creating artifacts and projects: staff only."""
    return user.is_authenticated and user.is_staff
