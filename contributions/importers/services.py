"""Importers: credit lists and model cards that projects already keep, written into the platform.

All-or-nothing and idempotent:

- `credit_list_import`: an `.all-contributorsrc` file. Each listed contributor and All Contributors
  key becomes one approved contribution of the mapped type (contributions.choices), credited to
  the person's contributor record: the account that connected that GitHub account, the
  placeholder already waiting under the handle, or a new placeholder
  (`Contributor(user=None, github=<handle>)`) the person claims later by signing in with that
  GitHub account (`contributions.identities` states the rule; the claim is
  `contributions.services.contributor_claim_placeholder`). A file with any problem
  (malformed JSON, an unknown type, a contributor without a login) writes nothing: the report
  lists every problem with its line. Re-importing the same file creates nothing new (each credit
  has a stable external id; see `allcontributors.external_id_for`).

Model cards are imported by `projects.card_import.model_card_import` (registry rows only); both
return the same `ImportReport`. Neither knows about import runs or progress pages: a caller may
pass `progress(done, total)`, which the background job (`cartography.tasks`) uses to show how far
an import has come.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from contributions import identities
from contributions.bulk import insert_rows
from contributions.choices import ContributionSource, ContributionType
from contributions.identities import IdentityKind
from contributions.importers.allcontributors import (
    ParsedCreditFile,
    parse_allcontributorsrc,
)
from contributions.models import HAS_EXTERNAL_ID, Contribution, Contributor
from contributions.services import contribution_record_import_batch
from projects import permissions as project_permissions
from projects.card_import import ImportReport, Progress, http_url
from projects.models import Project

logger = logging.getLogger(__name__)

# Credits written per batch, and so how often the progress callback is told: often enough for a
# live bar, rarely enough that reporting costs nothing next to the import.
PROGRESS_BATCH = 500
# SQLite allows 32,766 parameters per query since 3.32, older builds 999: stay well under both.
QUERY_CHUNK = 500


def _chunks(items: list, size: int = QUERY_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ALL CONTRIBUTORS
# ------------------------------------------------------------------------------
# A name shorter than this is compared whole, never as a part of a longer name ("AI" is in
# everything).
_MIN_PARTIAL_NAME = 4


def _simple(text: str) -> str:
    """Lowercased letters and digits only: "EuroLLM-9B" and "eurollm_9b" compare equal."""
    return re.sub(r"[^0-9a-z]+", "", (text or "").lower())


def _owner_and_repository(url: str) -> tuple[str, str] | None:
    """("utter-project", "eurollm") from https://github.com/utter-project/EuroLLM (any forge or
    hub that names repositories owner/name)."""
    parts = [part for part in urlsplit(url or "").path.split("/") if part]
    if len(parts) < 2:
        return None
    return _simple(parts[0]), _simple(parts[1].removesuffix(".git"))


def credit_list_names_other_project(project: Project, parsed: ParsedCreditFile) -> str:
    """Why the file looks like another project's credit list, or "" when it names this project
    (or names no project at all: then there is nothing to compare).

    The file's `projectName` (and `projectOwner`, the repository's owner) is compared with what
    the registry knows of the project: its name and slug, the owner/name of its code, model hub
    and website addresses and of its artifacts' addresses, and its artifacts' names. Names are
    compared without case and punctuation; one containing the other also matches ("EuroLLM" and
    "eurollm-evaluation"), for names of at least four characters. pyOpenSci's "pyosMeta" list
    uploaded to EuroLLM matches nothing, so it is refused until the importer confirms it.
    """
    file_name = _simple(parsed.project_name)
    if not file_name:
        return ""
    file_owner = _simple(parsed.project_owner)
    artifacts = list(project.artifacts.values_list("name", "url"))
    urls = [
        project.code_url,
        project.model_hub_url,
        project.website,
        *(url for _, url in artifacts),
    ]
    repositories = {pair for pair in map(_owner_and_repository, urls) if pair}
    if file_owner and (file_owner, file_name) in repositories:
        return ""
    names = {_simple(project.name), _simple(project.slug)}
    names |= {_simple(name) for name, _ in artifacts}
    names |= {repository for _, repository in repositories}
    names.discard("")
    for name in names:
        if name == file_name:
            return ""
        shorter, longer = sorted((name, file_name), key=len)
        if len(shorter) >= _MIN_PARTIAL_NAME and shorter in longer:
            return ""
    named = parsed.project_name + (
        f" ({parsed.project_owner}/{parsed.project_name})" if parsed.project_owner else ""
    )
    return (
        f"This credit list names the project {named}, not {project.name}: nothing was "
        f"imported. If it really is {project.name}'s list, confirm that it belongs to "
        f"{project.name} even though it names {parsed.project_name}, and import it again."
    )


def credit_list_import(
    *,
    project: Project,
    data: bytes | str,
    importer,
    filename: str = "",
    progress: Progress | None = None,
    confirm_project_mismatch: bool = False,
) -> ImportReport:
    """Import an `.all-contributorsrc` file into `project`, approved by `importer` (a maintainer
    of the project or staff: the list is the project's own credit). Returns the report; a file
    with problems writes nothing and comes back with `ok=False` and the problems by line.

    A file naming another project (`credit_list_names_other_project`) writes nothing either,
    unless the importer confirms that it belongs to `project` (`confirm_project_mismatch`)."""
    if not project_permissions.can_import_into_project(importer, project):
        raise PermissionDenied("Only this project's maintainers and staff import its credits.")
    report = ImportReport(kind="allcontributors")
    parsed = parse_allcontributorsrc(data)
    report.notes = [str(note) for note in parsed.notes]
    report.total = len(parsed.entries)
    report.details = {
        "file_project": parsed.project_name,
        "file_owner": parsed.project_owner,
        "contributors_in_file": parsed.entry_count,
        "contributors_after_merge": len(parsed.contributors),
    }
    if not parsed.is_valid:
        report.ok = False
        report.problems = [str(problem) for problem in parsed.problems]
        return report
    mismatch = credit_list_names_other_project(project, parsed)
    if mismatch:
        report.details["names_other_project"] = True
        if not confirm_project_mismatch:
            report.ok = False
            report.problems = [mismatch]
            return report
        report.notes.append(
            f"The list names {parsed.project_name}; {getattr(importer, 'username', 'the importer')}"
            f" confirmed that it belongs to {project.name}."
        )
    if progress:
        progress(0, report.total)
    try:
        _write_credits(
            project=project,
            parsed=parsed,
            importer=importer,
            filename=filename,
            report=report,
            progress=progress,
        )
    except ValidationError as error:
        # Something the parser let through but the ledger refuses: the transaction is rolled
        # back, so the file is still imported whole or not at all.
        report.ok = False
        report.created = report.skipped = 0
        report.contributors_created = report.contributors_reused = 0
        report.created_by_type = {}
        report.problems = [f"Nothing was imported: {'; '.join(error.messages)}"]
    return report


@transaction.atomic
def _write_credits(
    *,
    project: Project,
    parsed: ParsedCreditFile,
    importer,
    filename: str,
    report: ImportReport,
    progress: Progress | None,
) -> None:
    source_name = parsed.project_name or project.name
    contributors = _contributors_for(project=project, parsed=parsed, report=report)
    credits = []
    for entry in parsed.entries:
        label = ContributionType(entry.platform_type).label
        evidence = http_url(entry.profile_url)
        credits.append(
            {
                "contributor": contributors[entry.login.lower()],
                "type": entry.platform_type,
                "title": f'"{entry.key}" ({label}) in the All Contributors list of {source_name}'[
                    :200
                ],
                "external_id": entry.external_id,
                "note": f"Imported from {filename or 'an .all-contributorsrc file'}"
                + (f", line {entry.line}" if entry.line else ""),
                "evidence_urls": [evidence] if evidence else [],
            }
        )
    # Written in batches so that the progress bar moves; all inside this one transaction.
    done = 0
    for batch in _chunks(credits, PROGRESS_BATCH):
        created, skipped = contribution_record_import_batch(
            project=project, importer=importer, credits=batch
        )
        for entry in created:
            report.created_by_type[entry.type] = report.created_by_type.get(entry.type, 0) + 1
        report.created += len(created)
        for _ in range(skipped):
            report.skip("already imported from this list")
        done += len(batch)
        if progress:
            progress(done, report.total)
    logger.info(
        "credit list imported",
        extra={
            "event": "credit_list_imported",
            "project": project.slug,
            "importer": getattr(importer, "pk", None),
            "credits_created": report.created,
            "credits_skipped": report.skipped,
        },
    )


def _contributors_for(
    *, project: Project, parsed: ParsedCreditFile, report: ImportReport
) -> dict[str, Contributor]:
    """The contributor record of every login in the file (keyed by lowercased login): existing
    ones first, placeholders created for the rest. Must run inside the import's transaction."""
    # Credit goes under a GitHub login only to its placeholder or to the account that connected
    # that GitHub account (contributions.identities): a handle typed into a profile gets nothing.
    found: dict[str, Contributor] = identities.credit_holders(
        IdentityKind.GITHUB, [c.login for c in parsed.contributors if c.is_github_login]
    )
    # A login that is not a GitHub handle (bids credits people without an account) cannot be
    # matched by handle: its earlier import is found through the credits it received.
    others = [c for c in parsed.contributors if not c.is_github_login]
    if others:
        ids = [entry.external_id for entry in parsed.entries if not entry.is_github_login]
        for chunk in _chunks(ids):
            rows = Contribution.objects.filter(
                HAS_EXTERNAL_ID,
                project=project,
                source=ContributionSource.IMPORT,
                external_id__in=chunk,
            ).select_related("contributor")
            for row in rows:
                login = row.external_id.split(":", 2)[1]
                found.setdefault(login, row.contributor)

    new: list[Contributor] = []
    for credit in parsed.contributors:
        key = credit.login.lower()
        if key in found:
            report.contributors_reused += 1
            continue
        placeholder = Contributor(
            user=None,
            display_name=(credit.name or credit.login)[:150],
            github=credit.login if credit.is_github_login else "",
        )
        # Field checks only: the handle was just looked up, and the database enforces its
        # uniqueness (checking the constraint per row would cost a query each).
        placeholder.full_clean(
            exclude=["user", "affiliation", "country", "languages"],
            validate_unique=False,
            validate_constraints=False,
        )
        new.append(placeholder)
        found[key] = placeholder
    insert_rows(Contributor, new, with_ids=True)  # the credits name them
    report.contributors_created = len(new)
    return found
