# ruff: noqa: S608 - the SQL is built from this file's own constants, never from input.
"""The moderation invariant, held by the database: a decided entry (approved, rejected, changes
requested) is never decided by the person it credits.

`contributions.services` refuses self-moderation on every path; these triggers hold the same rule
for whatever else writes (the admin's raw edits, COPY loads, hand-written SQL, a future path that
forgets). A CHECK constraint cannot see the contributor's user in another table, hence triggers:

- on the ledger, after an insert or update: no decided row whose moderator is its contributor's
  user (PostgreSQL: one statement-level check over the transition table, a primary-key lookup per
  decided row; SQLite: a row-level check);
- on contributors, after their user changes (a placeholder claimed, credits merged): no decided
  entry of theirs moderated by that user.

A violation raises an integrity error naming the rule. On SQLite a later migration that rebuilds
either table (an AlterField there) drops these triggers with the old table: it must drop and
restore them around the rebuild, as 0007 does for 0003's (the guard's tests fail otherwise). Entries that already break it (only
possible through a path that no longer exists) are reopened first: back to pending, with an event
saying why, so another maintainer decides them.
"""

from django.db import migrations
from django.db.models import F

LEDGER = "contributions_contribution"
PEOPLE = "contributions_contributor"
DECIDED = "('approved', 'rejected', 'changes_requested')"
MESSAGE = "contribution_moderator_not_contributor: nobody moderates an entry credited to themselves"

POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION contributions_ledger_not_self_moderated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM new_rows n
        WHERE n.moderated_by_id IS NOT NULL AND n.status IN {DECIDED}
          AND n.moderated_by_id = (SELECT c.user_id FROM {PEOPLE} c WHERE c.id = n.contributor_id)
    ) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION contributions_contributor_not_self_moderated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM new_rows c
        WHERE c.user_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM {LEDGER} x
            WHERE x.contributor_id = c.id AND x.moderated_by_id = c.user_id
              AND x.status IN {DECIDED})
    ) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER contributions_ledger_not_self_moderated_ins AFTER INSERT ON {LEDGER}
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION contributions_ledger_not_self_moderated();
CREATE TRIGGER contributions_ledger_not_self_moderated_upd AFTER UPDATE ON {LEDGER}
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION contributions_ledger_not_self_moderated();
CREATE TRIGGER contributions_contributor_not_self_moderated_upd AFTER UPDATE ON {PEOPLE}
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION contributions_contributor_not_self_moderated();
"""

POSTGRES_DOWN = f"""
DROP TRIGGER IF EXISTS contributions_ledger_not_self_moderated_ins ON {LEDGER};
DROP TRIGGER IF EXISTS contributions_ledger_not_self_moderated_upd ON {LEDGER};
DROP TRIGGER IF EXISTS contributions_contributor_not_self_moderated_upd ON {PEOPLE};
DROP FUNCTION IF EXISTS contributions_ledger_not_self_moderated();
DROP FUNCTION IF EXISTS contributions_contributor_not_self_moderated();
"""

_SQLITE_LEDGER_WHEN = (
    f"NEW.moderated_by_id IS NOT NULL AND NEW.status IN {DECIDED} "
    f"AND NEW.moderated_by_id = (SELECT user_id FROM {PEOPLE} WHERE id = NEW.contributor_id)"
)
SQLITE_UP = [
    f"""CREATE TRIGGER contributions_ledger_not_self_moderated_ins AFTER INSERT ON {LEDGER}
    WHEN {_SQLITE_LEDGER_WHEN} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER contributions_ledger_not_self_moderated_upd AFTER UPDATE ON {LEDGER}
    WHEN {_SQLITE_LEDGER_WHEN} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER contributions_contributor_not_self_moderated_upd AFTER UPDATE ON {PEOPLE}
    WHEN NEW.user_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM {LEDGER} x WHERE x.contributor_id = NEW.id
        AND x.moderated_by_id = NEW.user_id AND x.status IN {DECIDED})
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS contributions_ledger_not_self_moderated_ins;",
    "DROP TRIGGER IF EXISTS contributions_ledger_not_self_moderated_upd;",
    "DROP TRIGGER IF EXISTS contributions_contributor_not_self_moderated_upd;",
]

REOPEN_NOTE = (
    "Reopened: this entry was decided by the person it credits; another maintainer decides it."
)


def reopen_self_moderated(apps, schema_editor):
    """Entries that already break the rule go back to pending, each with an event saying why."""
    Contribution = apps.get_model("contributions", "Contribution")
    ModerationEvent = apps.get_model("contributions", "ModerationEvent")
    broken = Contribution.objects.filter(
        status__in=["approved", "rejected", "changes_requested"],
        moderated_by__isnull=False,
        contributor__user_id=F("moderated_by_id"),
    )
    for entry in broken.iterator():
        ModerationEvent.objects.create(
            contribution=entry,
            actor=None,
            from_status=entry.status,
            to_status="pending",
            note=REOPEN_NOTE,
        )
        Contribution.objects.filter(pk=entry.pk).update(
            status="pending", moderated_by=None, moderated_at=None
        )


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)
    else:  # pragma: no cover - the platform supports these two databases only
        raise NotImplementedError(f"No moderation triggers for {vendor}.")


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)
    else:
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("contributions", "0007_contribution_repository_credit")]

    operations = [
        migrations.RunPython(reopen_self_moderated, migrations.RunPython.noop),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
