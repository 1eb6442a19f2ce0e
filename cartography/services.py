"""Writes of the site-level records: starting an import run."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from cartography.models import ImportRun
from contributions.importers.allcontributors import parse_allcontributorsrc
from contributions.importers.services import credit_list_names_other_project
from core.jobs import enqueue_on_commit
from core.limits import MAX_UPLOAD_BYTES, InputRefused, check_size
from projects import permissions
from projects.model_cards import parse_model_card
from projects.models import Project

# The kinds of file an import run takes, and the limit (core.limits) each is read under.
LIMIT_KIND = {
    ImportRun.Kind.ALL_CONTRIBUTORS: "credit_list",
    ImportRun.Kind.MODEL_CARD: "model_card",
}
MAX_IMPORT_BYTES = max(MAX_UPLOAD_BYTES[kind] for kind in LIMIT_KIND.values())


def import_refusal(kind: str, content: str) -> str | None:
    """Why `content` breaks one of the import limits (core.limits), or None. Checked before a run
    is stored, so a hostile file (a NUL, YAML aliases, nesting, huge numbers) leaves no row: the
    parse is the importer's own, which the job repeats."""
    try:
        check_size(len(content.encode("utf-8", "surrogatepass")), LIMIT_KIND[kind])
    except InputRefused as refused:
        return refused.message
    if kind == ImportRun.Kind.ALL_CONTRIBUTORS:
        refusal = parse_allcontributorsrc(content).refusal
    else:
        refusal = parse_model_card(content).refusal
    return refusal.message if refusal is not None else None


def credit_list_named_project(project: Project, content: str) -> str:
    """The project name a credit list gives when it is not `project`'s (see
    `contributions.importers.services.credit_list_names_other_project`), else ""."""
    parsed = parse_allcontributorsrc(content)
    if parsed.is_valid and credit_list_names_other_project(project, parsed):
        return parsed.project_name
    return ""


@transaction.atomic
def import_run_start(
    *,
    project: Project,
    user,
    kind: str,
    filename: str,
    content: str,
    source_url: str = "",
    confirmed_file_project: str = "",
) -> ImportRun:
    """Queue an import of `content` into `project`; the job runs after commit.

    A credit list that names another project is refused here, before anything is queued, unless
    `confirmed_file_project` is the very name the file gives (the importer ticked "This list
    belongs to <project> even though it names <that name>")."""
    if not permissions.can_import_into_project(user, project):
        raise PermissionDenied("Only this project's maintainers and staff import into it.")
    if kind not in ImportRun.Kind.values:
        raise ValidationError({"kind": "Choose what kind of file this is."})
    refusal = import_refusal(kind, content)
    if refusal is not None:
        raise ValidationError({"file": refusal})
    confirmed = False
    if kind == ImportRun.Kind.ALL_CONTRIBUTORS:
        named = credit_list_named_project(project, content)
        confirmed = bool(named) and confirmed_file_project == named
        if named and not confirmed:
            raise ValidationError(
                {
                    "confirm_project_mismatch": (
                        f"This credit list names the project {named}, not {project.name}. "
                        f"Nothing was imported. If it really is {project.name}'s list, tick the "
                        f"box below and upload the file again."
                    )
                }
            )
    run = ImportRun(
        project=project,
        kind=kind,
        requested_by=user,
        filename=(filename or "upload")[:255],
        content=content,
        source_url=source_url,
        project_mismatch_confirmed=confirmed,
    )
    run.full_clean()
    run.save()
    from cartography import tasks

    enqueue_on_commit(tasks.run_import, run.pk)
    return run
