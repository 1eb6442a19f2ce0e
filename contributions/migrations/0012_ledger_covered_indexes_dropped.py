# The ledger's single-column indexes on project and contributor are dropped: the composite
# indexes contrib_project_status and contrib_contributor_status start with those columns. Only
# the indexes go (DROP INDEX), not the foreign keys, which Django's own AlterField would drop
# and add again, checking every row of the ledger under lock.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0011_approved_list_indexes"),
        ("projects", "0004_organisation_proposed_with"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="contribution",
                    name="contributor",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="contributions",
                        to="contributions.contributor",
                    ),
                ),
                migrations.AlterField(
                    model_name="contribution",
                    name="project",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="contributions",
                        to="projects.project",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "contributions_contribution_contributor_id_e094d6fc"',
                    reverse_sql=(
                        'CREATE INDEX "contributions_contribution_contributor_id_e094d6fc" '
                        'ON "contributions_contribution" ("contributor_id")'
                    ),
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "contributions_contribution_project_id_b390145a"',
                    reverse_sql=(
                        'CREATE INDEX "contributions_contribution_project_id_b390145a" '
                        'ON "contributions_contribution" ("project_id")'
                    ),
                ),
            ],
        ),
    ]
