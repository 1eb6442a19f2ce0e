"""factory_boy factories, one per model, shared by every test layer."""

import datetime as dt

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from contributions.choices import MODERATED_STATUSES, ContributionStatus
from contributions.models import Contribution, Contributor, ModerationEvent
from projects.choices import ArtifactKind, GovernanceModel, ListingStatus, OrganisationKind
from projects.models import (
    Artifact,
    Country,
    Language,
    Licence,
    Maintainership,
    Organisation,
    Project,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("a-long-test-passphrase")

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        """Accounts sign in with a confirmed address (ACCOUNT_EMAIL_VERIFICATION is mandatory):
        pass verified_email=False for one that has not confirmed its address."""
        if create and self.email and extracted is not False:
            EmailAddress.objects.get_or_create(
                user=self, email=self.email.lower(), defaults={"verified": True, "primary": True}
            )


class StaffFactory(UserFactory):
    is_staff = True


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ("code",)

    code = "PL"
    name = "Poland"
    continent = "EU"
    numeric = "616"


class LanguageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Language
        django_get_or_create = ("code",)

    code = "pol"
    name = "Polish"
    resource_level = "medium"


class LicenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Licence
        django_get_or_create = ("identifier",)

    identifier = "Apache-2.0"
    name = "Apache License 2.0"
    is_spdx = True
    osi_approved = True


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.NON_PROFIT


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    slug = factory.Sequence(lambda n: f"project-{n}")
    name = factory.Sequence(lambda n: f"Project {n}")
    summary = "An open LLM project."
    governance_model = GovernanceModel.NONPROFIT_GRASSROOTS
    listing_status = ListingStatus.LISTED


class MaintainershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Maintainership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)


class ArtifactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Artifact

    project = factory.SubFactory(ProjectFactory)
    slug = factory.Sequence(lambda n: f"artifact-{n}")
    kind = ArtifactKind.MODEL
    name = factory.Sequence(lambda n: f"Model {n}")


class ContributorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contributor

    user = factory.SubFactory(UserFactory)
    display_name = factory.LazyAttribute(lambda c: c.user.username if c.user else "Someone")


class ContributionFactory(factory.django.DjangoModelFactory):
    """A pending contribution; pass status=approved etc. and the moderator fields are filled."""

    class Meta:
        model = Contribution

    project = factory.SubFactory(ProjectFactory)
    contributor = factory.SubFactory(ContributorFactory)
    type = "data_annotation"
    phase = "post_training"
    title = factory.Sequence(lambda n: f"Annotated preference pairs, batch {n}")
    occurred_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=3))
    quantity = 100
    unit = "items annotated"
    status = ContributionStatus.PENDING
    moderated_by = factory.Maybe(
        factory.LazyAttribute(lambda c: c.status in MODERATED_STATUSES),
        yes_declaration=factory.SubFactory(UserFactory),
        no_declaration=None,
    )
    moderated_at = factory.Maybe(
        factory.LazyAttribute(lambda c: c.status in MODERATED_STATUSES),
        yes_declaration=factory.LazyFunction(timezone.now),
        no_declaration=None,
    )


class ModerationEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModerationEvent

    contribution = factory.SubFactory(ContributionFactory)
    to_status = ContributionStatus.PENDING
