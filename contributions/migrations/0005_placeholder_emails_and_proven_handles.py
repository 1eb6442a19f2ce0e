"""Placeholders keyed by e-mail address, and handles that only connected accounts prove.

Handles typed into profiles before sign-in with GitHub, Hugging Face and ORCID existed proved
nothing, yet an import gave credit to whoever had typed them. They are cleared from account
records with no connected account of that provider behind them; connecting the account shows
the handle again. Placeholders (no account) keep theirs: it is the key their credit waits under.
"""

import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Exists, OuterRef

PROVIDER_OF = {"github": "github", "huggingface": "huggingface", "orcid": "orcid"}


def clear_unproven_handles(apps, schema_editor):
    Contributor = apps.get_model("contributions", "Contributor")
    SocialAccount = apps.get_model("socialaccount", "SocialAccount")
    for field, provider in PROVIDER_OF.items():
        proof = SocialAccount.objects.filter(user_id=OuterRef("user_id"), provider=provider)
        (
            Contributor.objects.filter(user__isnull=False)
            .exclude(**{field: ""})
            .exclude(Exists(proof))
            .update(**{field: ""})
        )


class Migration(migrations.Migration):

    dependencies = [
        ('contributions', '0004_orcid_ascii_digits'),
        ('socialaccount', '0006_alter_socialaccount_extra_data'),
    ]

    operations = [
        migrations.AlterField(
            model_name='contributor',
            name='github',
            field=models.CharField(blank=True, help_text='On an account: from its connected GitHub account. On a placeholder: the login its credits were imported under.', max_length=39, verbose_name='GitHub handle'),
        ),
        migrations.AlterField(
            model_name='contributor',
            name='huggingface',
            field=models.CharField(blank=True, help_text='On an account: from its connected Hugging Face account.', max_length=96, verbose_name='Hugging Face handle'),
        ),
        migrations.AlterField(
            model_name='contributor',
            name='orcid',
            field=models.CharField(blank=True, help_text='Like 0000-0002-1825-0097. On an account: from its connected ORCID account.', max_length=19, verbose_name='ORCID iD'),
        ),
        migrations.CreateModel(
            name='ContributorEmail',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email', models.EmailField(help_text='Lowercased; one placeholder per address.', max_length=254, verbose_name='e-mail address')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                ('contributor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='emails', to='contributions.contributor', verbose_name='contributor')),
            ],
            options={
                'verbose_name': 'placeholder e-mail address',
                'verbose_name_plural': 'placeholder e-mail addresses',
                'ordering': ['email'],
                'constraints': [models.UniqueConstraint(fields=('email',), name='contributor_email_unique', violation_error_message='Credits are already waiting under this address.'), models.CheckConstraint(condition=models.Q(('email', django.db.models.functions.text.Lower('email')), models.Q(('email', ''), _negated=True)), name='contributor_email_lowercase')],
            },
        ),
        migrations.RunPython(clear_unproven_handles, migrations.RunPython.noop),
    ]
