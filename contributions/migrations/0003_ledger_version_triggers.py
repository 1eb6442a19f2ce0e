# ruff: noqa: S608 - the SQL is built from this file's own table-name constants, never from input.
"""Database triggers that bump a project's ledger version with every statistics-relevant write.

Why triggers: the version must move in the same transaction as the write, whatever path makes it
(services, admin, importers, COPY bulk loads, hand-written SQL), so the reconciliation can trust
"summary version == ledger version" to mean "these numbers are exact". PostgreSQL gets
statement-level triggers with transition tables (one upsert per statement, cheap under COPY);
SQLite gets row-level triggers.

Relevant writes: an approved entry inserted or deleted; an update where the row was or becomes
approved; a language added to or removed from an approved entry.
"""

from django.db import migrations

VERSION = "contributions_projectledgerversion"
LEDGER = "contributions_contribution"
LANGS = "contributions_contribution_languages"

POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION contributions_bump_versions(project_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO {VERSION} (project_id, version)
    SELECT p, 1 FROM unnest(project_ids) AS p GROUP BY p ORDER BY p
    ON CONFLICT (project_id) DO UPDATE SET version = {VERSION}.version + 1;
$$;

CREATE OR REPLACE FUNCTION contributions_ledger_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM contributions_bump_versions(ARRAY(
        SELECT DISTINCT project_id FROM new_rows WHERE status = 'approved'));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION contributions_ledger_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM contributions_bump_versions(ARRAY(
        SELECT project_id FROM new_rows WHERE status = 'approved'
        UNION SELECT project_id FROM old_rows WHERE status = 'approved'));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION contributions_ledger_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM contributions_bump_versions(ARRAY(
        SELECT DISTINCT project_id FROM old_rows WHERE status = 'approved'));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION contributions_languages_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- A lookup by primary key per link: the transition table has no statistics, and a join
    -- planned blind can scan the whole ledger for every bulk insert.
    IF TG_OP = 'INSERT' THEN
        PERFORM contributions_bump_versions(ARRAY(
            SELECT DISTINCT p FROM (
                SELECT (SELECT c.project_id FROM {LEDGER} c
                        WHERE c.id = r.contribution_id AND c.status = 'approved') AS p
                FROM new_rows r) AS links WHERE p IS NOT NULL));
    ELSE
        PERFORM contributions_bump_versions(ARRAY(
            SELECT DISTINCT p FROM (
                SELECT (SELECT c.project_id FROM {LEDGER} c
                        WHERE c.id = r.contribution_id AND c.status = 'approved') AS p
                FROM old_rows r) AS links WHERE p IS NOT NULL));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER contributions_ledger_ins AFTER INSERT ON {LEDGER}
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION contributions_ledger_inserted();
CREATE TRIGGER contributions_ledger_upd AFTER UPDATE ON {LEDGER}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION contributions_ledger_updated();
CREATE TRIGGER contributions_ledger_del AFTER DELETE ON {LEDGER}
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION contributions_ledger_deleted();
CREATE TRIGGER contributions_languages_ins AFTER INSERT ON {LANGS}
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION contributions_languages_changed();
CREATE TRIGGER contributions_languages_del AFTER DELETE ON {LANGS}
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION contributions_languages_changed();
"""

POSTGRES_DOWN = f"""
DROP TRIGGER IF EXISTS contributions_ledger_ins ON {LEDGER};
DROP TRIGGER IF EXISTS contributions_ledger_upd ON {LEDGER};
DROP TRIGGER IF EXISTS contributions_ledger_del ON {LEDGER};
DROP TRIGGER IF EXISTS contributions_languages_ins ON {LANGS};
DROP TRIGGER IF EXISTS contributions_languages_del ON {LANGS};
DROP FUNCTION IF EXISTS contributions_ledger_inserted();
DROP FUNCTION IF EXISTS contributions_ledger_updated();
DROP FUNCTION IF EXISTS contributions_ledger_deleted();
DROP FUNCTION IF EXISTS contributions_languages_changed();
DROP FUNCTION IF EXISTS contributions_bump_versions(bigint[]);
"""


def _sqlite_bump(project: str) -> str:
    return (
        f"INSERT INTO {VERSION} (project_id, version) VALUES ({project}, 1) "
        f"ON CONFLICT(project_id) DO UPDATE SET version = version + 1;"
    )


SQLITE_UP = [
    f"""CREATE TRIGGER contributions_ledger_ins AFTER INSERT ON {LEDGER}
    WHEN NEW.status = 'approved' BEGIN {_sqlite_bump("NEW.project_id")} END;""",
    f"""CREATE TRIGGER contributions_ledger_upd_new AFTER UPDATE ON {LEDGER}
    WHEN NEW.status = 'approved' BEGIN {_sqlite_bump("NEW.project_id")} END;""",
    f"""CREATE TRIGGER contributions_ledger_upd_old AFTER UPDATE ON {LEDGER}
    WHEN OLD.status = 'approved' AND (NEW.status != 'approved' OR NEW.project_id != OLD.project_id)
    BEGIN {_sqlite_bump("OLD.project_id")} END;""",
    f"""CREATE TRIGGER contributions_ledger_del AFTER DELETE ON {LEDGER}
    WHEN OLD.status = 'approved' BEGIN {_sqlite_bump("OLD.project_id")} END;""",
    f"""CREATE TRIGGER contributions_languages_ins AFTER INSERT ON {LANGS}
    WHEN (SELECT status FROM {LEDGER} WHERE id = NEW.contribution_id) = 'approved'
    BEGIN {_sqlite_bump(f"(SELECT project_id FROM {LEDGER} WHERE id = NEW.contribution_id)")} END;""",
    f"""CREATE TRIGGER contributions_languages_del AFTER DELETE ON {LANGS}
    WHEN (SELECT status FROM {LEDGER} WHERE id = OLD.contribution_id) = 'approved'
    BEGIN {_sqlite_bump(f"(SELECT project_id FROM {LEDGER} WHERE id = OLD.contribution_id)")} END;""",
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS {name};"
    for name in (
        "contributions_ledger_ins",
        "contributions_ledger_upd_new",
        "contributions_ledger_upd_old",
        "contributions_ledger_del",
        "contributions_languages_ins",
        "contributions_languages_del",
    )
]

# Projects that already have approved work start stale, so the first reconciliation builds them.
SEED_VERSIONS = f"""
INSERT INTO {VERSION} (project_id, version)
SELECT DISTINCT project_id, 1 FROM {LEDGER} WHERE status = 'approved'
"""


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)
    else:  # pragma: no cover - the platform supports these two databases only
        raise NotImplementedError(f"No ledger version triggers for {vendor}.")
    schema_editor.execute(SEED_VERSIONS)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)
    else:
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("contributions", "0002_statistics_rollups")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
