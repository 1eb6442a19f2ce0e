"""Each project's summary counts its synthetic (demo) contributions, so the project page reads that
number from the rollups instead of the ledger. Existing summaries are marked for a rebuild: the
reconciliation fills the new count in."""

from django.db import migrations, models


def mark_summaries_stale(apps, schema_editor):
    summary = apps.get_model("contributions", "ProjectStatsSummary")
    summary.objects.update(ledger_version=-1)


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0005_placeholder_emails_and_proven_handles"),
    ]

    operations = [
        migrations.AddField(
            model_name="projectstatssummary",
            name="synthetic_contributions",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Generated demo data included in the counts.",
                verbose_name="synthetic contributions",
            ),
        ),
        migrations.RunPython(mark_summaries_stale, migrations.RunPython.noop),
    ]
