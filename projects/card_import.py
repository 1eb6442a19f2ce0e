"""Importing Hugging Face model and dataset cards into the registry, and the report every importer
returns (the credit-list importer in `contributions.importers.services` returns the same shape).

`model_card_import` reads a card (README.md with YAML front matter, parsed by
`projects.model_cards`) and creates or updates the artifact it describes: its licence (including
`license_name` / `license_link` for "other", recorded as a custom licence when the registry does
not know it), its languages, and its lineage from `base_model` and its relation. A card with
unreadable metadata writes nothing; importing the same card again creates nothing new.

It lives in the registry (not beside the credit-list importer in `contributions`) because it
writes registry rows only, and the registry never imports the ledger.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.limits import MAX_REPORT_LINES, cap_line, cap_lines
from projects import permissions
from projects.choices import ArtifactKind, DerivationRelation, FactSource, LicenceKind, MOFComponent
from projects.model_cards import ParsedCard, parse_model_card
from projects.models import Artifact, Language, Licence, Project
from projects.models.openness import ArtifactComponent
from projects.openness.licences import use_restriction
from projects.services import artifact_save, licence_get

Progress = Callable[[int, int], None]


def http_url(url: str) -> str:
    """The URL if it can stand as a source or evidence (http(s), a host, short enough), else ""."""
    parts = urlsplit(url or "")
    if parts.scheme in ("http", "https") and parts.netloc and len(url) <= 500:
        return url
    return ""


@dataclass
class ImportReport:
    """What an import did, in a shape a page, a command and a JSON field can all show."""

    kind: str
    ok: bool = True
    total: int = 0
    created: int = 0
    skipped: int = 0
    updated: int = 0
    contributors_created: int = 0
    contributors_reused: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # (what, why) for every item not created, summarised per reason to keep reports small.
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    created_by_type: dict[str, int] = field(default_factory=dict)
    details: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """The report as stored (ImportRun.report): problems and notes capped at
        core.limits.MAX_REPORT_LINES each, with their totals; so are the per-reason counts and
        any list among the details."""
        data = asdict(self)
        for key in ("problems", "notes"):
            data[key], data[f"{key}_total"] = cap_lines(data[key])
        reasons = sorted(self.skipped_reasons.items(), key=lambda item: -item[1])
        data["skipped_reasons"] = {cap_line(k): v for k, v in reasons[:MAX_REPORT_LINES]}
        data["details"] = {
            key: cap_lines(value)[0] if isinstance(value, list | tuple) else value
            for key, value in self.details.items()
        }
        return data

    def skip(self, reason: str) -> None:
        self.skipped += 1
        self.skipped_reasons[reason] = self.skipped_reasons.get(reason, 0) + 1


# MODEL CARDS
# ------------------------------------------------------------------------------
# Front-matter keys only dataset cards carry (Hub docs, "Dataset Cards").
DATASET_CARD_KEYS = frozenset(
    {
        "annotations_creators",
        "language_creators",
        "multilinguality",
        "size_categories",
        "source_datasets",
        "task_categories",
        "task_ids",
        "pretty_name",
        "configs",
        "dataset_info",
    }
)
HUB = "https://huggingface.co"
RELATIONS = {
    "finetune": DerivationRelation.FINETUNE,
    "adapter": DerivationRelation.ADAPTER,
    "merge": DerivationRelation.MERGE,
    "quantized": DerivationRelation.QUANTIZED,
}


def hub_slug(repo_id: str) -> str:
    """The registry slug of a Hub repository: its name, lowercased, every run of other characters
    a hyphen (OLMo-2-1124-13B-Instruct -> olmo-2-1124-13b-instruct, pythia-1.4b -> pythia-1-4b),
    the convention the seeded cartography follows."""
    name = repo_id.strip().strip("/").rsplit("/", 1)[-1]
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:120]


def repo_id_from_filename(filename: str) -> str:
    """`org__name.md` (how the samples and many mirrors name cards) -> `org/name`; else ""."""
    stem = PurePosixPath(filename.replace("\\", "/")).name
    stem = re.sub(r"\.(md|markdown)$", "", stem, flags=re.IGNORECASE)
    if stem.lower() in ("readme", ""):
        return ""
    return stem.replace("__", "/", 1)


def model_card_import(
    *,
    project: Project,
    text: str,
    editor,
    filename: str = "",
    repo_id: str = "",
    source_url: str = "",
    progress: Progress | None = None,
) -> ImportReport:
    """Create or update the artifact a Hugging Face card describes, in `project`.

    The artifact is found by its slug (from `repo_id`, else the file name `org__name.md`); an
    artifact of that slug in another project is refused. Fields the card does not give are left
    as they are; lineage is set only when the base model is in the registry."""
    if not permissions.can_manage_artifacts(editor, project):
        raise PermissionDenied("Only this project's maintainers and staff manage its artifacts.")
    report = ImportReport(kind="model_card", total=1)
    card = parse_model_card(text)
    if card.refusal is not None:
        report.ok = False
        report.problems = [card.refusal.message]
        return report
    repo_id = repo_id.strip().removeprefix(f"{HUB}/") or repo_id_from_filename(filename)
    is_dataset = repo_id.startswith("datasets/") or bool(DATASET_CARD_KEYS & set(card.metadata))
    repo_id = repo_id.removeprefix("datasets/")
    slug = hub_slug(repo_id) if repo_id else hub_slug(card.model_name or "")

    fatal = [p for p in card.problems if _fatal(p.message)]
    if not card.has_front_matter or not card.metadata or fatal:
        report.problems = [str(p) for p in (fatal or card.problems)] or [
            "The card has no metadata to import."
        ]
    if not slug:
        report.problems.append(
            "Cannot tell which artifact the card describes: give the Hub id (org/name)."
        )
    report.notes = [str(p) for p in card.problems if not _fatal(p.message)]
    if report.problems:
        report.ok = False
        return report
    if progress:
        progress(0, 1)
    try:
        with transaction.atomic():
            _write_card(
                project=project,
                card=card,
                editor=editor,
                slug=slug,
                repo_id=repo_id,
                is_dataset=is_dataset,
                source_url=source_url,
                report=report,
            )
    except ValidationError as error:
        report.ok = False
        report.created = report.skipped = 0
        report.problems = [f"Nothing was imported: {m}" for m in error.messages]
    if progress:
        progress(1, 1)
    return report


def _title_key(title: str) -> str:
    """A title compared without case, spaces or punctuation: "EuroLLM 9B instruct" is
    "EuroLLM-9B-Instruct"; an owner prefix (org/name) is left out."""
    return re.sub(r"[\W_]+", "", title.rsplit("/", 1)[-1].lower())


def _match_in_project(*, project: Project, titles: tuple[str, ...], hub_url: str):
    """The project's one artifact the card names (by its Hub URL, else its title), so a release
    entered by hand is updated, not duplicated. None when none or several fit."""
    artifacts = list(Artifact.objects.filter(project=project).select_related("project"))
    if hub_url:
        by_url = [a for a in artifacts if a.url.rstrip("/").lower() == hub_url.lower()]
        if len(by_url) == 1:
            return by_url[0]
    keys = {_title_key(t) for t in titles if _title_key(t)}
    by_title = [a for a in artifacts if _title_key(a.name) in keys]
    return by_title[0] if len(by_title) == 1 else None


def _fatal(message: str) -> bool:
    return message.startswith(("The front matter", "The card has no YAML"))


def _write_card(
    *,
    project: Project,
    card: ParsedCard,
    editor,
    slug: str,
    repo_id: str,
    is_dataset: bool,
    source_url: str,
    report: ImportReport,
) -> None:
    artifact = Artifact.objects.filter(slug=slug).select_related("project").first()
    hub_url = f"{HUB}/{'datasets/' if is_dataset else ''}{repo_id}" if "/" in repo_id else ""
    if artifact is None:
        artifact = _match_in_project(
            project=project, titles=(repo_id, card.model_name or ""), hub_url=hub_url
        )
        if artifact is not None:
            slug = artifact.slug  # the release entered by hand keeps its address
            report.notes.append(f"Matched the existing artifact {artifact.name!r} by its title.")
    if artifact is not None and artifact.project_id != project.pk:
        raise ValidationError(
            f"The artifact {slug!r} belongs to {artifact.project.name}, not to {project.name}."
        )
    kind = ArtifactKind.DATASET if is_dataset else ArtifactKind.MODEL
    if artifact is not None and artifact.kind != kind:
        report.notes.append(
            f"The registry records {slug} as a {artifact.get_kind_display().lower()}; kept."
        )
        kind = artifact.kind
    fields: dict[str, object] = {
        "slug": slug,
        "kind": kind,
        "name": (artifact.name if artifact else "") or card.model_name or repo_id or slug,
        "source": FactSource.IMPORT,
        "source_url": http_url(source_url) or hub_url,
    }
    if hub_url and not (artifact and artifact.url):
        fields["url"] = hub_url

    licence = _licence_for(card=card, kind=kind, source_url=fields["source_url"], report=report)
    if licence is not None:
        fields["licence"] = licence
    languages = _languages_for(card=card, report=report)
    _lineage_for(card=card, slug=slug, fields=fields, report=report)

    created = artifact is None
    saved = artifact_save(
        project=project,
        editor=editor,
        artifact=artifact,
        languages=languages,
        **fields,
    )
    if created:
        report.created += 1
        report.created_by_type["artifact"] = 1
    else:
        report.updated += 1
    report.details.update(
        {
            "artifact": saved.slug,
            "artifact_url": saved.get_absolute_url(),
            "licence": licence.identifier if licence else "",
            "languages": len(languages or []),
            "datasets": card.datasets,
            "derived_from": saved.derived_from.slug if saved.derived_from_id else "",
            "relation": saved.derivation_relation,
        }
    )
    if saved.kind == ArtifactKind.MODEL:
        _card_components(
            artifact=saved, hub_url=hub_url, source_url=fields["source_url"], report=report
        )
        # The cached verdicts follow the artifact's licence and components.
        from projects.openness.verdicts import openness_refresh

        openness_refresh(artifact_ids=[saved.pk])


def _licence_for(*, card: ParsedCard, kind: str, source_url: str, report: ImportReport):
    if not card.licence:
        return None
    if len(card.licences) > 1:
        report.notes.append(
            f"The card names {len(card.licences)} licences ({', '.join(card.licences)}); "
            f"{card.licence} is recorded."
        )
    licence = licence_get(card.licence)
    if licence is not None:
        return licence
    # A licence the registry does not know (a custom model licence, or `license: other` with
    # its name): recorded as a non-SPDX licence, never as open, with the card's link.
    restricted = use_restriction(card.licence) is not None
    licence = Licence(
        identifier=card.licence[:100],
        name=card.licence[:255],
        url=http_url(card.licence_link),
        is_spdx=False,
        kind=LicenceKind.DATA if kind == ArtifactKind.DATASET else LicenceKind.MODEL_WEIGHTS,
        restricts_use=restricted,
        source_url=http_url(source_url),
    )
    licence.full_clean()
    licence.save()
    report.created_by_type["licence"] = 1
    report.notes.append(
        f"The licence {card.licence!r} was not in the registry; it is recorded as a custom "
        f"licence{' with use restrictions' if restricted else ''}, for staff to review."
    )
    return licence


def _languages_for(*, card: ParsedCard, report: ImportReport) -> list[Language] | None:
    if not card.languages:
        return None
    rows = Language.objects.in_bulk(card.languages)
    missing = [code for code in card.languages if code not in rows]
    if missing:
        report.notes.append(f"Languages not in the registry, skipped: {', '.join(missing)}.")
    return [rows[code] for code in card.languages if code in rows]


def _lineage_for(*, card: ParsedCard, slug: str, fields: dict, report: ImportReport) -> None:
    if not card.base_models:
        return
    if len(card.base_models) > 1:
        report.notes.append(
            f"The card names {len(card.base_models)} base models; the registry keeps one parent "
            f"per artifact, so {card.base_models[0]} is recorded."
        )
    parent_slug = hub_slug(card.base_models[0])
    parent = Artifact.objects.filter(slug=parent_slug).first()
    if parent is None or parent_slug == slug:
        report.notes.append(
            f"The base model {card.base_models[0]} is not in the registry; the lineage is left "
            "as it was. Add the base model, then import this card again."
        )
        return
    fields["derived_from"] = parent
    fields["derivation_relation"] = RELATIONS[card.base_model_relation]
    if card.relation_inferred:
        report.notes.append(
            f"The card gives no base_model_relation; {card.base_model_relation} is inferred "
            "from its tags, as the Hub infers it."
        )


def _card_components(*, artifact: Artifact, hub_url: str, source_url: str, report) -> None:
    """A card on the Hub attests two MOF components: the card itself and the weights published
    beside it, both under the card's licence (a component without a licence of its own inherits
    the release's). Recorded only when missing: a maintainer's record is never overwritten."""
    existing = set(artifact.components.values_list("component", flat=True))
    for component in (MOFComponent.MODEL_CARD, MOFComponent.FINAL_PARAMETERS):
        if component in existing:
            continue
        row = ArtifactComponent(
            artifact=artifact,
            component=component,
            released=True,
            location=hub_url,
            source=FactSource.IMPORT,
            source_url=source_url[:500],
        )
        row.full_clean()
        row.save()
        report.created_by_type["component"] = report.created_by_type.get("component", 0) + 1
