"""The connected-system path (acceptance 3): the project's own EPCIS query server on
127.0.0.1 serves the coffee enterprise's demo events in pages; the assessor's request is sent
there during the audit, the time to answer is recorded, and the trace test is filled from it."""

import pytest
from django.core.cache import cache

from core.tests.api_helpers import API, api_as
from tracing import services
from tracing.demo import DEMO_TRACES, FIXTURES
from tracing.query_server import QueryServer

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

NAME, GTIN, LOT = DEMO_TRACES["5900432185"]


@pytest.fixture
def server():
    with QueryServer(FIXTURES / NAME, token="demo-token", per_page=3) as running:
        yield running


@pytest.fixture
def connected(settings, server, enterprise, enterprise_user):
    settings.EPCIS_QUERY_ALLOW_HTTP = True
    return services.epcis_endpoint_register(
        enterprise=enterprise, by=enterprise_user, url=server.url, token="demo-token"
    )


def test_the_query_interface_is_asked_timed_and_traced(connected, audit, member):
    dataset = services.epcis_dataset_query(audit=audit, by=member)
    assert dataset.source == "query" and dataset.event_count == 8  # three pages of 3, 3, 2
    assert dataset.query_url == f"{connected.url}/events"
    assert dataset.answer_seconds is not None and dataset.answer_seconds > 0
    assert dataset.answered_at > dataset.requested_at
    analysis = services.trace_analyse(dataset=dataset, by=member, gtin=GTIN, lot=LOT)
    assert analysis.result == "pass"
    trace = services.trace_test_prefill(analysis=analysis, by=member)
    assert (trace.started_at, trace.ended_at) == (dataset.requested_at, dataset.answered_at)
    assert trace.result == "pass"


def test_the_api_answers_with_the_time_to_answer(connected, audit, member):
    cache.clear()
    response = api_as(member).post(f"{API}/audits/{audit.pk}/epcis-queries/")
    assert response.status_code == 201, response.json()
    assert float(response.json()["answer_seconds"]) > 0


def test_a_wrong_token_is_a_clear_failure_and_nothing_is_stored(
    settings, server, enterprise, enterprise_user, audit, member
):
    settings.EPCIS_QUERY_ALLOW_HTTP = True
    services.epcis_endpoint_register(
        enterprise=enterprise, by=enterprise_user, url=server.url, token="wrong"
    )
    with pytest.raises(services.QueryFailed, match="HTTP 401"):
        services.epcis_dataset_query(audit=audit, by=member)
    assert not audit.epcis_datasets.exists()
    cache.clear()
    response = api_as(member).post(f"{API}/audits/{audit.pk}/epcis-queries/")
    assert response.status_code == 502 and "401" in response.json()["detail"]
