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

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from contributions import identities
from contributions.choices import ContributionSource, ContributionType
from contributions.identities import IdentityKind
from contributions.importers.allcontributors import (
    ParsedCreditFile,
    parse_allcontributorsrc,
)
from contributions.models import Contribution, Contributor
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
def credit_list_import(
    *,
    project: Project,
    data: bytes | str,
    importer,
    filename: str = "",
    progress: Progress | None = None,
) -> ImportReport:
    """Import an `.all-contributorsrc` file into `project`, approved by `importer` (a maintainer
    of the project or staff: the list is the project's own credit). Returns the report; a file
    with problems writes nothing and comes back with `ok=False` and the problems by line."""
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
                project=project, source=ContributionSource.IMPORT, external_id__in=chunk
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
    Contributor.objects.bulk_create(new, batch_size=QUERY_CHUNK)
    report.contributors_created = len(new)
    return found
