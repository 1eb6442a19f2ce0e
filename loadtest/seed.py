"""Accounts for the load test, written to a JSON file the locustfile reads.

Run by loadtest/run.py after `load_cartography` and `generate_demo_data`, with the load test's own
environment (its scratch database). Every account has a known random password and an API token:
contributors log work through the forms and the API; each maintainer moderates one of the projects
that received the synthetic work.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contributors", type=int, default=60)
    parser.add_argument("--maintainers", type=int, default=8)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cartography.settings.production")
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from accounts.tokens import token_create
    from contributions.choices import ContributionSource
    from contributions.services import contributor_for_user
    from projects.choices import ListingStatus
    from projects.models import Language, Maintainership, Project

    user_model = get_user_model()
    projects = list(
        Project.objects.filter(
            contributions__source=ContributionSource.SYNTHETIC,
            listing_status=ListingStatus.LISTED,
        )
        .distinct()
        .order_by("pk")
        .values("pk", "slug")
    )
    if not projects:
        raise SystemExit("No synthetic work: run generate_demo_data first.")
    all_projects = list(
        Project.objects.filter(listing_status=ListingStatus.LISTED)
        .order_by("pk")
        .values("pk", "slug")
    )

    def account(username: str) -> dict:
        """The account, created or (a kept database, `--keep`) found, with a new password."""
        password = secrets.token_urlsafe(16)
        user, _ = user_model.objects.get_or_create(
            username=username, defaults={"email": f"{username}@loadtest.invalid"}
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        # Sign-in needs a confirmed address; these load-test ones are confirmed by fiat.
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        contributor_for_user(user=user)
        _, token = token_create(user=user, name="load test")
        return {"username": username, "password": password, "token": token, "id": user.pk}

    with transaction.atomic():
        contributors = [account(f"load-contributor-{n}") for n in range(args.contributors)]
        maintainers = []
        for n in range(args.maintainers):
            project = projects[n % len(projects)]
            entry = account(f"load-maintainer-{n}")
            Maintainership.objects.get_or_create(project_id=project["pk"], user_id=entry["id"])
            maintainers.append({**entry, "project": project["slug"], "project_id": project["pk"]})

    languages = list(Language.objects.order_by("code").values_list("code", flat=True)[:40])
    args.output.write_text(
        json.dumps(
            {
                "contributors": contributors,
                "maintainers": maintainers,
                "projects": all_projects,
                "demo_projects": projects,
                "languages": languages,
            }
        )
    )
    print(
        f"Seeded {len(contributors)} contributors and {len(maintainers)} maintainers "
        f"over {len(projects)} demo projects."
    )


if __name__ == "__main__":
    main()
