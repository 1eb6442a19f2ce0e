"""Credit read from a repository's history is claimed end to end: commits made under a GitHub
no-reply address by signing in with that GitHub account (the fake provider, allauth's real flow),
commits made under an e-mail address by confirming it (the real confirmation link)."""

import re
from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from contributions.choices import ContributionSource, ContributionStatus, VerificationKind
from contributions.models import Contribution, Contributor, ContributorEmail
from repositories.services import (
    repository_source_add,
    repository_sync_execute,
    repository_sync_request,
)
from tests import factories
from tests.accounts.conftest import provider_flow
from tests.accounts.test_provider_sign_in import OCTO, signed_in_user
from tests.repositories.gitrepo import GitRepo, lines

pytestmark = pytest.mark.django_db

OCTO_NOREPLY = "Octo Developer <5831+octo-dev@users.noreply.github.com>"
ADA = "Ada <ada@example.org>"


@pytest.fixture(autouse=True)
def repository_cache(settings, tmp_path):
    settings.REPOSITORY_CACHE_DIR = str(tmp_path / "cache")


def sync(source) -> None:
    request = repository_sync_request(source=source)
    repository_sync_execute(sync_id=request.pk)
    request.refresh_from_db()
    assert request.status == "succeeded", request.message


@pytest.fixture
def history(tmp_path):
    repo = GitRepo(tmp_path / "history")
    repo.commit({"src/app.py": lines(5)}, author=OCTO_NOREPLY, date="2025-01-10T12:00:00+00:00")
    repo.commit({"docs/guide.md": lines(3)}, author=OCTO_NOREPLY, date="2025-01-11T12:00:00+00:00")
    repo.commit({"data/train.csv": lines(2)}, author=ADA, date="2025-02-01T12:00:00+00:00")
    repo.commit({"README.md": lines(1)}, author=ADA, date="2025-03-01T12:00:00+00:00")
    return repo


def repository_work(**filters) -> dict[tuple[str, str], int]:
    return {
        (c.external_id.split(":")[3], c.type): int(c.quantity)
        for c in Contribution.objects.filter(source=ContributionSource.REPOSITORY, **filters)
    }


def test_signing_in_with_github_claims_commits_made_under_its_no_reply_address(
    client, providers, project, history, django_capture_on_commit_callbacks
):
    source = repository_source_add(project=project, url=str(history.path), allow_local=True)
    sync(source)
    placeholder = Contributor.objects.get(github="octo-dev")
    assert placeholder.user is None
    assert repository_work(contributor=placeholder) == {
        ("2025-01", "code"): 1,
        ("2025-01", "documentation"): 1,
    }
    providers.person("github", OCTO)
    with django_capture_on_commit_callbacks(execute=True):
        provider_flow(client, providers, "github")
    user = signed_in_user(client)
    record = Contributor.objects.get(user=user)
    assert record.pk == placeholder.pk
    mine = Contribution.objects.filter(contributor__user=user)
    assert repository_work(contributor__user=user) == {
        ("2025-01", "code"): 1,
        ("2025-01", "documentation"): 1,
    }
    # Still approved on the history's strength: nobody is named as having decided it.
    assert {(c.status, c.verification, c.moderated_by_id) for c in mine} == {
        (ContributionStatus.APPROVED, VerificationKind.REPOSITORY_HISTORY, None)
    }
    assert (
        "Documentation commits in history" in client.get(record.get_absolute_url()).content.decode()
    )
    # Later commits under the same address go straight to the account.
    history.commit({"docs/api.md": lines(2)}, author=OCTO_NOREPLY, date="2025-02-02T12:00:00+00:00")
    sync(source)
    assert repository_work(contributor__user=user)[("2025-02", "documentation")] == 1
    assert not Contributor.objects.filter(user=None, github="octo-dev").exists()
    # Ada's work was made under an address nobody proved: it waits on her placeholder.
    assert Contributor.objects.get(display_name="Ada").user is None


def test_confirming_an_address_claims_commits_made_under_it(
    client, project, history, django_capture_on_commit_callbacks
):
    source = repository_source_add(project=project, url=str(history.path), allow_local=True)
    sync(source)
    placeholder = Contributor.objects.get(display_name="Ada")
    assert placeholder.user is None
    assert ContributorEmail.objects.filter(
        contributor=placeholder, email="ada@example.org"
    ).exists()
    person = factories.UserFactory(username="ada-l", email="lovelace@example.org")
    client.force_login(person)
    client.post(reverse("account_email"), {"action_add": "", "email": "ADA@example.org"})
    # Adding the address claims nothing until it is confirmed.
    assert not Contribution.objects.filter(contributor__user=person).exists()
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link.group(1))
    assert response.status_code == HTTPStatus.FOUND
    assert EmailAddress.objects.get(email__iexact="ada@example.org").verified
    assert repository_work(contributor__user=person) == {
        ("2025-02", "data_curation"): 1,
        ("2025-03", "documentation"): 1,
    }
    # The address is no longer kept on the ledger's side, and never shown.
    assert not ContributorEmail.objects.filter(email="ada@example.org").exists()
    profile = Client().get(Contributor.objects.get(user=person).get_absolute_url())
    assert profile.status_code == HTTPStatus.OK
    assert "ada@example.org" not in profile.content.decode().lower()
    # Later commits under the address are credited to the account directly.
    history.commit({"docs/more.md": lines(1)}, author=ADA, date="2025-03-05T12:00:00+00:00")
    sync(source)
    assert repository_work(contributor__user=person)[("2025-03", "documentation")] == 2
