"""schemathesis over the whole OpenAPI schema, against the WSGI application in-process.

Every operation gets 50 generated requests (hypothesis derandomized, so a CI run is
reproducible), each one drawn as an anonymous client or with a token, against a database with rows
for the paths to find. No response may be a server error, and each must have a status, content
type and body that the schema documents. Throttling is lifted for the run: it would answer 429 to
most of it. Drawing the caller per request rather than running each operation twice keeps the run
near two and a half minutes on two cores, in each of CI's two database runs.
"""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from accounts.tokens import token_create
from tests import factories
from tests.api.conftest import SCHEMATHESIS_TOTALS

pytestmark = pytest.mark.django_db

EXAMPLES = 50

raw_schema = json.loads(
    OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
)
schema = schemathesis.openapi.from_dict(raw_schema)
app = get_wsgi_application()

CHECKS = [
    schemathesis.checks.not_a_server_error,
    *(
        getattr(schemathesis.specs.openapi.checks, name)
        for name in (
            "status_code_conformance",
            "content_type_conformance",
            "response_schema_conformance",
        )
    ),
]


@pytest.fixture
def seeded(settings, project, maintainer, contributor_user):
    """Rows for generated paths to hit (ids 1.., the slug bielik), and throttling lifted."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None, "write": None},
    }
    factories.LanguageFactory()
    factories.LicenceFactory()
    organisation = factories.OrganisationFactory(country=factories.CountryFactory())
    project.organisations.add(organisation, through_defaults={"role": "lead"})
    artifact = factories.ArtifactFactory(project=project, licence=factories.LicenceFactory())
    mine = factories.ContributorFactory(user=contributor_user, github="contributor")
    for status in ("approved", "pending", "changes_requested", "rejected"):
        factories.ContributionFactory(
            project=project, artifact=artifact, contributor=mine, status=status
        )
    _, plaintext = token_create(user=contributor_user, name="schemathesis")
    # The real WSGI handler closes the database connection when a request ends; inside the test's
    # transaction that would end the test's connection (PostgreSQL). Django's test client detaches
    # the same handler for the same reason.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {"Authorization": f"Bearer {plaintext}"}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@schema.given(with_token=st.booleans())
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, with_token, seeded):
    case.call_and_validate(app=app, headers=seeded if with_token else {}, checks=CHECKS)
    SCHEMATHESIS_TOTALS["requests"][(case.operation.label, with_token)] += 1


def test_the_schema_offers_every_endpoint_to_schemathesis():
    labels = {op.ok().label for op in schema.get_all_operations()}
    assert len(labels) == sum(
        1
        for methods in raw_schema["paths"].values()
        for method in methods
        if method in ("get", "post", "put", "patch", "delete")
    )
    assert "POST /api/v1/contributions/{id}/approve/" in labels
