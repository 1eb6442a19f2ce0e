"""Who may manage a project's repository sources: its maintainers and staff (the registry's own
policy for project edits), in the web, the API and the admin alike."""

from __future__ import annotations

from projects.permissions import can_edit_project


def can_manage_sources(user, project) -> bool:
    return can_edit_project(user, project)


def can_hide_repository_work(user, project) -> bool:
    return can_edit_project(user, project)
