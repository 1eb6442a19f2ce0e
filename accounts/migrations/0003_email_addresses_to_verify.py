"""Existing accounts get their address in allauth's table, unverified.

Password accounts now verify their e-mail address (ACCOUNT_EMAIL_VERIFICATION = "mandatory"),
and only a verified address claims credit imported under it. Addresses given at sign-up before
were never confirmed, so they are recorded as they are: the first sign-in after this change
sends the confirmation mail, and the link in it completes the sign-in.
"""

from django.db import migrations


def record_addresses(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    known = set(EmailAddress.objects.values_list("user_id", flat=True))
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user_id=user_id, email=email.lower(), primary=True, verified=False)
            for user_id, email in User.objects.exclude(email="").values_list("id", "email")
            if user_id not in known
        ],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_api_tokens"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(record_addresses, migrations.RunPython.noop)]
