# ruff: noqa: S608 - the SQL is built from this file's own table-name constants, never from input.
"""Statistics deltas: the ledger-version triggers of 0003 also record what each version changed.

In the same statement that bumps a project's version, the triggers now write a `StatsDelta` row
for that (project, version): the approved rows as they were (-1) and as they became (+1), each as
a footprint of the fields the statistics count (contributor, type, phase, date, quantity, unit,
affiliation, compensation, artifact, source, languages). The job after the commit folds these into
the rollups instead of recomputing the project (`contributions.stats.apply_deltas`).

A statement touching more than 1,000 rows (a COPY, a bulk UPDATE) bumps the version without a
delta: the fold then meets a gap and recomputes the project, and bulk loads pay nothing more.

A migration that rebuilds the ledger table on SQLite (as 0007 does) must drop and recreate the
triggers defined here (SQLITE_DOWN, SQLITE_UP), not those of 0003.
"""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

_v3 = import_module("contributions.migrations.0003_ledger_version_triggers")

VERSION = "contributions_projectledgerversion"
LEDGER = "contributions_contribution"
LANGS = "contributions_contribution_languages"
DELTA = "contributions_statsdelta"
# Statements touching more rows than this record no delta (the project is then recomputed).
BULK_ROWS = 1000


# POSTGRESQL: the statement-level triggers of 0003 keep their names; their functions change.
def _pg_footprint(row: str, languages: str) -> str:
    return (
        f"jsonb_build_object('c', {row}.contributor_id, 't', {row}.type, 'p', {row}.phase, "
        f"'o', {row}.occurred_on, 'd', {row}.created_at, 'q', {row}.quantity, 'u', {row}.unit, "
        f"'a', {row}.affiliation_id, 'm', {row}.compensation, 'k', {row}.artifact_id, "
        f"'s', {row}.source, 'l', to_jsonb({languages}))"
    )


def _pg_languages(row: str) -> str:
    return f"contributions_languages_of({row}.id)"


def _pg_is_bulk(table: str) -> str:
    return (
        f"(SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT {BULK_ROWS + 1}) AS s) > {BULK_ROWS}"
    )


POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION contributions_languages_of(entry bigint) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT ARRAY(SELECT language_id::text FROM {LANGS} WHERE contribution_id = entry ORDER BY 1);
$$;

-- changes: [[project_id, sign, footprint], ...]. One version bump and one delta per project.
CREATE OR REPLACE FUNCTION contributions_record_changes(changes jsonb) RETURNS void
LANGUAGE sql AS $$
    WITH bumped AS (
        INSERT INTO {VERSION} (project_id, version)
        SELECT (c->>0)::bigint, 1 FROM jsonb_array_elements(changes) AS c GROUP BY 1 ORDER BY 1
        ON CONFLICT (project_id) DO UPDATE SET version = {VERSION}.version + 1
        RETURNING project_id, version)
    INSERT INTO {DELTA} (project_id, version, changes)
    SELECT b.project_id, b.version,
           (SELECT jsonb_agg(jsonb_build_array(c->1, c->2)) FROM jsonb_array_elements(changes) AS c
            WHERE (c->>0)::bigint = b.project_id)
    FROM bumped b;
$$;

CREATE OR REPLACE FUNCTION contributions_ledger_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF {_pg_is_bulk("new_rows")} THEN
        PERFORM contributions_bump_versions(ARRAY(
            SELECT DISTINCT project_id FROM new_rows WHERE status = 'approved'));
    ELSE
        PERFORM contributions_record_changes(COALESCE((
            SELECT jsonb_agg(jsonb_build_array(n.project_id, 1,
                                               {_pg_footprint("n", _pg_languages("n"))}))
            FROM new_rows n WHERE n.status = 'approved'), '[]'::jsonb));
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION contributions_ledger_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF {_pg_is_bulk("new_rows")} THEN
        PERFORM contributions_bump_versions(ARRAY(
            SELECT project_id FROM new_rows WHERE status = 'approved'
            UNION SELECT project_id FROM old_rows WHERE status = 'approved'));
    ELSE
        PERFORM contributions_record_changes(COALESCE((SELECT jsonb_agg(x) FROM (
            SELECT jsonb_build_array(o.project_id, -1, {_pg_footprint("o", _pg_languages("o"))}) AS x
            FROM old_rows o WHERE o.status = 'approved'
            UNION ALL
            SELECT jsonb_build_array(n.project_id, 1, {_pg_footprint("n", _pg_languages("n"))})
            FROM new_rows n WHERE n.status = 'approved') AS changed), '[]'::jsonb));
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION contributions_ledger_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF {_pg_is_bulk("old_rows")} THEN
        PERFORM contributions_bump_versions(ARRAY(
            SELECT DISTINCT project_id FROM old_rows WHERE status = 'approved'));
    ELSE
        PERFORM contributions_record_changes(COALESCE((
            SELECT jsonb_agg(jsonb_build_array(o.project_id, -1,
                                               {_pg_footprint("o", _pg_languages("o"))}))
            FROM old_rows o WHERE o.status = 'approved'), '[]'::jsonb));
    END IF;
    RETURN NULL;
END $$;

-- An approved entry's languages changed: the entry as it was (-1) and as it is (+1). Entries are
-- looked up by primary key one by one (a join planned blind could scan the whole ledger).
CREATE OR REPLACE FUNCTION contributions_languages_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    entry record;
    now_languages text[];
    was_languages text[];
    changes jsonb := '[]'::jsonb;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF {_pg_is_bulk("new_rows")} THEN
            PERFORM contributions_bump_versions(ARRAY(
                SELECT DISTINCT p FROM (
                    SELECT (SELECT c.project_id FROM {LEDGER} c
                            WHERE c.id = r.contribution_id AND c.status = 'approved') AS p
                    FROM new_rows r) AS links WHERE p IS NOT NULL));
            RETURN NULL;
        END IF;
        FOR entry IN
            SELECT c.* FROM (SELECT DISTINCT contribution_id FROM new_rows) AS r,
            LATERAL (SELECT * FROM {LEDGER} c
                     WHERE c.id = r.contribution_id AND c.status = 'approved') AS c
        LOOP
            now_languages := contributions_languages_of(entry.id);
            was_languages := ARRAY(
                SELECT l FROM unnest(now_languages) AS l
                WHERE l NOT IN (SELECT language_id::text FROM new_rows
                                WHERE contribution_id = entry.id) ORDER BY 1);
            changes := changes || jsonb_build_array(
                jsonb_build_array(entry.project_id, -1, {_pg_footprint("entry", "was_languages")}),
                jsonb_build_array(entry.project_id, 1, {_pg_footprint("entry", "now_languages")}));
        END LOOP;
    ELSE
        IF {_pg_is_bulk("old_rows")} THEN
            PERFORM contributions_bump_versions(ARRAY(
                SELECT DISTINCT p FROM (
                    SELECT (SELECT c.project_id FROM {LEDGER} c
                            WHERE c.id = r.contribution_id AND c.status = 'approved') AS p
                    FROM old_rows r) AS links WHERE p IS NOT NULL));
            RETURN NULL;
        END IF;
        FOR entry IN
            SELECT c.* FROM (SELECT DISTINCT contribution_id FROM old_rows) AS r,
            LATERAL (SELECT * FROM {LEDGER} c
                     WHERE c.id = r.contribution_id AND c.status = 'approved') AS c
        LOOP
            now_languages := contributions_languages_of(entry.id);
            was_languages := ARRAY(
                SELECT l FROM unnest(now_languages) AS l
                UNION SELECT language_id::text FROM old_rows WHERE contribution_id = entry.id
                ORDER BY 1);
            changes := changes || jsonb_build_array(
                jsonb_build_array(entry.project_id, -1, {_pg_footprint("entry", "was_languages")}),
                jsonb_build_array(entry.project_id, 1, {_pg_footprint("entry", "now_languages")}));
        END LOOP;
    END IF;
    PERFORM contributions_record_changes(changes);
    RETURN NULL;
END $$;
"""

POSTGRES_DOWN = (
    _v3.POSTGRES_DOWN
    + """
DROP FUNCTION IF EXISTS contributions_record_changes(jsonb);
DROP FUNCTION IF EXISTS contributions_languages_of(bigint);
"""
    + _v3.POSTGRES_UP
)


# SQLITE: row-level triggers, each bumping the version and recording its delta.
def _sqlite_footprint(row: str, languages: str) -> str:
    return (
        f"json_object('c', {row}.contributor_id, 't', {row}.type, 'p', {row}.phase, "
        f"'o', {row}.occurred_on, 'd', {row}.created_at, 'q', {row}.quantity, 'u', {row}.unit, "
        f"'a', {row}.affiliation_id, 'm', {row}.compensation, 'k', {row}.artifact_id, "
        f"'s', {row}.source, 'l', json({languages}))"
    )


def _sqlite_languages(row: str, *, without: str = "", plus: str = "") -> str:
    where = f"contribution_id = {row}.id" + (f" AND language_id != {without}" if without else "")
    union = f" UNION SELECT {plus}" if plus else ""
    return (
        f"(SELECT json_group_array(language_id) FROM "
        f"(SELECT language_id FROM {LANGS} WHERE {where}{union} ORDER BY 1))"
    )


def _sqlite_record(project: str, changes: str) -> str:
    return (
        f"INSERT INTO {VERSION} (project_id, version) VALUES ({project}, 1) "
        f"ON CONFLICT(project_id) DO UPDATE SET version = version + 1; "
        f"INSERT INTO {DELTA} (project_id, version, changes) "
        f"SELECT project_id, version, {changes} FROM {VERSION} WHERE project_id = {project};"
    )


def _one(sign: int, row: str, languages: str | None = None) -> str:
    footprint = _sqlite_footprint(row, languages or _sqlite_languages(row))
    return f"json_array({sign}, json({footprint}))"


_ENTRY = f"(SELECT project_id FROM {LEDGER} WHERE id = {{link}}.contribution_id)"
_ENTRY_APPROVED = f"(SELECT status FROM {LEDGER} WHERE id = {{link}}.contribution_id) = 'approved'"


def _sqlite_languages_trigger(name: str, event: str, link: str, *, inserted: bool) -> str:
    was = (
        _sqlite_languages("c", without=f"{link}.language_id")
        if inserted
        else _sqlite_languages("c", plus=f"{link}.language_id")
    )
    changes = (
        f"(SELECT json_array({_one(-1, 'c', was)}, {_one(1, 'c')}) "
        f"FROM {LEDGER} c WHERE c.id = {link}.contribution_id)"
    )
    return (
        f"CREATE TRIGGER {name} AFTER {event} ON {LANGS} "
        f"WHEN {_ENTRY_APPROVED.format(link=link)} "
        f"BEGIN {_sqlite_record(_ENTRY.format(link=link), changes)} END;"
    )


SQLITE_UP = [
    f"""CREATE TRIGGER contributions_ledger_ins AFTER INSERT ON {LEDGER}
    WHEN NEW.status = 'approved'
    BEGIN {_sqlite_record("NEW.project_id", f"json_array({_one(1, 'NEW')})")} END;""",
    # The new row's project: the row as it was there (when approved in the same project) and as it
    # is (when approved).
    f"""CREATE TRIGGER contributions_ledger_upd_new AFTER UPDATE ON {LEDGER}
    WHEN NEW.status = 'approved' OR (OLD.status = 'approved' AND OLD.project_id = NEW.project_id)
    BEGIN {
        _sqlite_record(
            "NEW.project_id",
            "(SELECT json_group_array(json(x)) FROM ("
            f"SELECT {_one(-1, 'OLD')} AS x "
            "WHERE OLD.status = 'approved' AND OLD.project_id = NEW.project_id "
            f"UNION ALL SELECT {_one(1, 'NEW')} WHERE NEW.status = 'approved'))",
        )
    } END;""",
    # An approved row moved to another project: it leaves the old one.
    f"""CREATE TRIGGER contributions_ledger_upd_old AFTER UPDATE ON {LEDGER}
    WHEN OLD.status = 'approved' AND NEW.project_id != OLD.project_id
    BEGIN {_sqlite_record("OLD.project_id", f"json_array({_one(-1, 'OLD')})")} END;""",
    f"""CREATE TRIGGER contributions_ledger_del AFTER DELETE ON {LEDGER}
    WHEN OLD.status = 'approved'
    BEGIN {_sqlite_record("OLD.project_id", f"json_array({_one(-1, 'OLD')})")} END;""",
    _sqlite_languages_trigger("contributions_languages_ins", "INSERT", "NEW", inserted=True),
    _sqlite_languages_trigger("contributions_languages_del", "DELETE", "OLD", inserted=False),
]
SQLITE_DOWN = _v3.SQLITE_DOWN


def mark_summaries_stale(apps, schema_editor):
    """Summaries built before have no contributor rollups to fold into: rebuild them first."""
    apps.get_model("contributions", "ProjectStatsSummary").objects.update(ledger_version=-1)


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)
    else:
        for statement in SQLITE_DOWN + SQLITE_UP:
            schema_editor.execute(statement)


def restore_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)
    else:
        for statement in SQLITE_DOWN + _v3.SQLITE_UP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0008_moderator_is_not_the_contributor"),
        ("projects", "0003_motrecord_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProjectContributorRollup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "type",
                    models.CharField(
                        choices=[
                            ("code", "Code"),
                            ("code_review", "Code review"),
                            ("testing", "Testing"),
                            ("tooling", "Tooling and plugins"),
                            ("infrastructure", "Infrastructure and packaging"),
                            ("security", "Security"),
                            ("data_curation", "Data curation"),
                            ("data_annotation", "Data annotation"),
                            ("translation", "Translation and localization"),
                            ("evaluation", "Evaluation"),
                            ("red_teaming", "Red teaming and safety testing"),
                            ("evaluation_feedback", "Evaluation feedback and bug reports"),
                            ("training", "Training and fine-tuning"),
                            ("compute_donation", "Compute donation"),
                            ("funding", "Funding"),
                            ("documentation", "Documentation"),
                            ("community_support", "Community support and mentoring"),
                            ("events_outreach", "Events and outreach"),
                            ("research", "Research"),
                            ("design_accessibility", "Design and accessibility"),
                            ("governance", "Governance and project management"),
                        ],
                        max_length=30,
                        verbose_name="type",
                    ),
                ),
                (
                    "contributions",
                    models.PositiveIntegerField(verbose_name="approved contributions"),
                ),
                ("first_day", models.DateField(verbose_name="first day")),
                ("last_day", models.DateField(verbose_name="last day")),
                (
                    "affiliation",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="projects.organisation",
                        verbose_name="affiliation at the time",
                    ),
                ),
                (
                    "contributor",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="contributions.contributor",
                        verbose_name="contributor",
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="contributor_rollups",
                        to="projects.project",
                        verbose_name="project",
                    ),
                ),
            ],
            options={
                "verbose_name": "project contributor rollup",
                "indexes": [
                    models.Index(
                        fields=["project", "contributor"], name="stats_contributor_rollup_key"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="StatsDelta",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.BigIntegerField(verbose_name="ledger version")),
                ("changes", models.JSONField(default=list, verbose_name="changes")),
                (
                    "project",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="projects.project",
                        verbose_name="project",
                    ),
                ),
            ],
            options={
                "verbose_name": "statistics delta",
                "indexes": [
                    models.Index(fields=["project", "version"], name="stats_delta_project_version")
                ],
            },
        ),
        migrations.RunPython(create_triggers, restore_triggers),
        migrations.RunPython(mark_summaries_stale, migrations.RunPython.noop),
    ]
