import secrets

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from projects.choices import FactSource
from projects.models import Project
from projects.services import maintainer_add

USERNAME = "demo-maintainer"


class Command(BaseCommand):
    help = (
        "Create the demo maintainer of the seeded projects, once, with a random password that is "
        "printed a single time. Later runs say how to set a new password."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--site",
            default="http://127.0.0.1:8000",
            help="The address the platform is served at (make run passes its ADDRESS and PORT).",
        )

    def handle(self, *args, site: str, **options):
        User = get_user_model()
        existing = User.objects.filter(username=USERNAME).first()
        if existing is not None:
            self._verified_address(existing)
            self.stdout.write(
                f"Demo maintainer '{USERNAME}' exists. To set a new password: "
                f".venv/bin/python manage.py changepassword {USERNAME}"
            )
            return
        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            user = User.objects.create_user(
                username=USERNAME,
                email="demo-maintainer@localhost",
                password=password,
                is_staff=True,
            )
            self._verified_address(user)
            for project in Project.objects.filter(source=FactSource.SEED):
                maintainer_add(project=project, user=user, added_by=None)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo maintainer created (staff, maintains every seeded project).\n"
                f"  Sign in at {site.rstrip('/')}/accounts/login/ as '{USERNAME}' "
                f"with password: {password}\n"
                f"  This password is shown once; set a new one with "
                f".venv/bin/python manage.py changepassword {USERNAME}"
            )
        )

    @staticmethod
    def _verified_address(user) -> None:
        """Sign-in needs a confirmed address; the demo account's local one counts as confirmed
        (nothing could receive a confirmation mail for it)."""
        EmailAddress.objects.update_or_create(
            user=user, email=user.email.lower(), defaults={"verified": True, "primary": True}
        )
