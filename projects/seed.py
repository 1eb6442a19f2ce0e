"""The seeded cartography: organisations, projects and artifacts from `data/cartography.yaml`.

Idempotent by design: rows are matched on their slugs and only what is missing is created. A
project that already exists is left as it is, because after seeding its maintainers own its
governance record; the loader never overwrites what a person changed.
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from core.limits import load_yaml
from projects.choices import FactSource, ListingStatus
from projects.models import (
    Artifact,
    Country,
    GovernanceChange,
    Language,
    Licence,
    Organisation,
    Project,
    ProjectOrganisation,
)
from projects.reference import (
    LoadReport,
    load_countries_table,
    load_languages_table,
    load_licences_table,
)

SEED_FILE = Path(__file__).resolve().parent / "data" / "cartography.yaml"


def read_seed(path: Path = SEED_FILE) -> dict:
    # Trusted, but read by the same reader as every upload (one YAML reader in the code base);
    # only its aliases, which PyYAML's dumper wrote, are accepted where an upload's are not.
    return load_yaml(path.read_text(encoding="utf-8"), trusted=True)


def load_reference_data(seed: dict | None = None) -> dict[str, LoadReport]:
    seed = seed if seed is not None else read_seed()
    return {
        "countries": load_countries_table(),
        "languages": load_languages_table(),
        "licences": load_licences_table(seed.get("licences", [])),
    }


class SeedError(ValueError):
    pass


def _lookup(model, keys: list[str], what: str, key: str = "pk") -> list:
    keys = list(dict.fromkeys(keys or []))
    found = model.objects.in_bulk(keys, field_name=key)
    missing = [k for k in keys if k not in found]
    if missing:
        raise SeedError(f"Unknown {what}: {', '.join(missing)}")
    return [found[k] for k in keys]


@transaction.atomic
def load_cartography(seed: dict | None = None) -> dict[str, LoadReport]:
    """Load reference data, then the cartography. Returns a report per kind of row."""
    seed = seed if seed is not None else read_seed()
    reports = load_reference_data(seed)
    organisations, projects, artifacts, links = (LoadReport() for _ in range(4))

    orgs_by_slug: dict[str, Organisation] = {}
    for row in seed.get("organisations", []):
        org = Organisation.objects.filter(slug=row["slug"]).first()
        if org is None:
            org = Organisation.objects.create(
                slug=row["slug"],
                name=row["name"],
                kind=row["kind"],
                country=_lookup(Country, [row["country"]], "country")[0]
                if row.get("country")
                else None,
                website=row.get("website") or "",
                source_url=row.get("source_url") or "",
            )
            organisations.created += 1
        else:
            organisations.unchanged += 1
        orgs_by_slug[org.slug] = org

    pending_lineage: list[tuple[Artifact, dict]] = []
    for row in seed.get("projects", []):
        project = Project.objects.filter(slug=row["slug"]).first()
        if project is None:
            project = Project.objects.create(
                slug=row["slug"],
                name=row["name"],
                summary=row.get("summary") or "",
                in_study=bool(row.get("in_study")),
                governance_model=row["governance_model"],
                governance_confirmed=bool(row.get("governance_confirmed")),
                governance_reasoning=row.get("governance_reasoning") or "",
                governance_source_url=row.get("governance_source_url") or "",
                motivations=row.get("motivations") or [],
                website=row.get("website") or "",
                code_url=row.get("code_url") or "",
                model_hub_url=row.get("model_hub_url") or "",
                forum_url=row.get("forum_url") or "",
                code_of_conduct_url=row.get("code_of_conduct_url") or "",
                contribution_agreement=row.get("contribution_agreement") or "none",
                listing_status=ListingStatus.LISTED,
                source=FactSource.SEED,
                source_url=row.get("source_url") or "",
            )
            project.countries.set(_lookup(Country, row.get("countries"), "country"))
            project.languages.set(_lookup(Language, row.get("languages"), "language"))
            GovernanceChange.objects.create(
                project=project,
                field="governance_model",
                new_value=project.governance_model,
                note=("Seeded as an inference" if not project.governance_confirmed else "Seeded")[
                    :300
                ],
            )
            projects.created += 1
        else:
            projects.unchanged += 1

        for link in row.get("organisations", []):
            org = orgs_by_slug.get(link["organisation"])
            if org is None:
                raise SeedError(
                    f"Project {row['slug']} names unknown organisation {link['organisation']}"
                )
            _, created = ProjectOrganisation.objects.get_or_create(
                project=project,
                organisation=org,
                role=link["role"],
                defaults={"source_url": link.get("source_url") or ""},
            )
            links.created += created
            links.unchanged += not created

        for item in row.get("artifacts", []):
            artifact = Artifact.objects.filter(slug=item["slug"]).first()
            if artifact is None:
                licence = (
                    _lookup(Licence, [item["licence"]], "licence", key="identifier")[0]
                    if item.get("licence")
                    else None
                )
                artifact = Artifact.objects.create(
                    project=project,
                    slug=item["slug"],
                    kind=item["kind"],
                    name=item["name"],
                    version=str(item.get("version") or ""),
                    url=item.get("url") or "",
                    licence=licence,
                    release_date=item.get("release_date"),
                    source=FactSource.SEED,
                    source_url=item.get("source_url") or "",
                )
                artifact.languages.set(_lookup(Language, item.get("languages"), "language"))
                artifacts.created += 1
            else:
                artifacts.unchanged += 1
            if item.get("derived_from"):
                pending_lineage.append((artifact, item))

    # Lineage last: a parent may be listed after its child.
    for artifact, item in pending_lineage:
        if artifact.derived_from_id is None:
            parent = Artifact.objects.filter(slug=item["derived_from"]).first()
            if parent is None:
                raise SeedError(f"{artifact.slug} derives from unknown {item['derived_from']}")
            artifact.derived_from = parent
            artifact.derivation_relation = item.get("relation") or "finetune"
            artifact.save(update_fields=["derived_from", "derivation_relation", "updated_at"])
            artifacts.updated += 1

    from projects.openness.verdicts import openness_refresh

    openness_refresh(
        artifact_ids=Artifact.objects.filter(source=FactSource.SEED).values_list("pk", flat=True)
    )
    reports.update(
        organisations=organisations, projects=projects, artifacts=artifacts, project_links=links
    )
    return reports


# THE BUNDLED OPENNESS DATA
# ------------------------------------------------------------------------------
# Redistributed unchanged under their licences (projects/data/mot/LICENSE: MIT;
# projects/data/osai-index/LICENSE.md: CC BY 4.0, with the attribution it asks for).
DATA_DIR = Path(__file__).resolve().parent / "data"
MOT_MODELS = DATA_DIR / "mot" / "models"
MOT_COMMIT = "8b5d30e90a7c62d7d6ece48b91e69ff495920a4d"
INDEX_FOLDER = DATA_DIR / "osai-index"
INDEX_FROZEN_COMMIT = "801f68773ae7f7d9e527afb7bbaf3e9d8d29f2fb"
INDEX_CURRENT_COMMIT = "5a388e871b88735e7ab7e6fb230b76c9d460d99a"


def load_openness_data(
    *, mot_folder: Path = MOT_MODELS, index_folder: Path = INDEX_FOLDER
) -> dict[str, LoadReport]:
    """Import the bundled Model Openness Tool files, then the Open Source AI Index entries (which
    then find the model artifacts the tool's files created), offline and through the same
    importers as `import_mot` and `import_osai_index`. A second load changes nothing."""
    from django.core.exceptions import ValidationError

    from projects.openness.importers.index import (
        current_dimensions,
        index_files,
        index_import_many,
        parse_index_path,
    )
    from projects.openness.importers.mot import mot_files, mot_import_many
    from projects.openness.index_file import IndexFormat
    from projects.openness.mot_file import parse_mot_file

    mot = LoadReport()
    results = mot_import_many(
        files=[parse_mot_file(path) for path in mot_files(mot_folder)], source_commit=MOT_COMMIT
    )
    for result in results:
        if isinstance(result, ValidationError):
            mot.notes.append(" ".join(result.messages))
        elif result.artifact_created:
            mot.created += 1
        elif result.changed:
            mot.updated += 1
        else:
            mot.unchanged += 1

    index = LoadReport()
    dimensions = current_dimensions(index_folder)
    parsed = [parse_index_path(path, fmt, dimensions) for path, fmt in index_files(index_folder)]
    commits = {IndexFormat.FROZEN: INDEX_FROZEN_COMMIT, IndexFormat.CURRENT: INDEX_CURRENT_COMMIT}
    for result in index_import_many(assessments=parsed, commits=commits):
        if result.status == "created":
            index.created += 1
        elif result.status == "updated":
            index.updated += 1
        elif result.status == "unchanged":
            index.unchanged += 1
    return {"openness files": mot, "index entries": index}
