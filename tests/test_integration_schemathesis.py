"""Property-based run of the whole REST API against its live schema (schemathesis).

Every operation of /api/v1/schema/ gets a few generated requests (positive data, a fixed
seed) against a live server seeded with the demo data, signed in with an officer's token.
No response may be a server error, and every response must conform to the schema: a
documented status code and content type, and a body that validates."""

import io
from collections import Counter

import pytest
import requests
import schemathesis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

EXAMPLES_PER_OPERATION = 5
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def fuzzing_settings(settings):
    # The fuzzer sends wrong passwords on purpose: no lockout, and throttles it never reaches.
    settings.AXES_ENABLED = False
    settings.REST_FRAMEWORK = {
        **django_settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "token": "10000/min",
            "public": "10000/min",
            "public_lookup": "10000/min",
            "complaints": "10000/min",
            "verify_file": "10000/min",
        },
    }
    cache.clear()


def test_every_operation_answers_within_its_schema_and_never_with_a_server_error(
    live_server, fuzzing_settings
):
    call_command("import_checklists", stdout=io.StringIO())
    call_command("seed_demo", "--force", stdout=io.StringIO())
    token = requests.post(
        f"{live_server.url}/api/v1/auth/token/",
        json={"username": "cbstaff", "password": django_settings.DEMO_PASSWORD},
        timeout=10,
    ).json()["token"]

    config = schemathesis.Config()
    config.projects.default.update(base_url=live_server.url)
    config.projects.default.generation.update(
        modes=["positive"], deterministic=True, with_security_parameters=False
    )
    schema = schemathesis.openapi.from_url(
        f"{live_server.url}/api/v1/schema/?format=json", config=config
    )
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"

    failures: list[str] = []
    operations = 0
    statuses: Counter[int] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def exercise(case):
            response = case.call(session=session, timeout=30)
            statuses[response.status_code // 100 * 100] += 1
            case.validate_response(response, checks=CHECKS)

        try:
            exercise()
        except (Exception, BaseExceptionGroup) as exc:  # report every operation's failures
            failures.append(f"{operation.label}: {exc}")
    assert operations >= 60
    assert statuses[200] >= 50, statuses  # signed in: real answers, not only refusals
    assert not failures, "\n\n".join(failures)
