"""With Redis as the cache (production), a repeated public API answer is checked and counted
against the rate limit in one round trip, and is still the whole stack's answer: current after
a suspension, refused over the limit. Needs the Redis of this machine (database 2)."""

from unittest import mock

import pytest
import redis

from certification.tests.factories import suspend_at_once
from certification.tests.test_public_short_circuit import (
    _headers,
    _prime,
    whole_stack,
)

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

__all__ = ["whole_stack"]  # the fixture, shared with the tests on the local cache


def _round_trips(stack, url, **kwargs):
    with mock.patch.object(
        redis.Redis, "execute_command", autospec=True, side_effect=redis.Redis.execute_command
    ) as commands:
        response = stack.get(url, **kwargs)
    return response, [call.args[1] for call in commands.call_args_list]


def test_a_repeated_api_answer_costs_one_redis_round_trip_and_stays_current(
    redis_cache, whole_stack, certificate, cb_staff, django_capture_on_commit_callbacks
):
    stack = whole_stack()
    url = f"/api/v1/public/certificates/{certificate.number}/"
    _prime(stack, url)
    stack.get(url, short_circuit=True)  # this process now holds the answer
    fast, commands = _round_trips(stack, url, short_circuit=True)
    normal = stack.get(url, short_circuit=False)
    assert not fast.passed_the_stack
    assert commands == ["EVALSHA"]  # rate limit and the answer's generation together
    assert fast.json()["state"] == "active"
    assert fast.content == normal.content and _headers(fast) == _headers(normal)

    suspend_at_once(certificate, cb_staff, django_capture_on_commit_callbacks)
    after = stack.get(url, short_circuit=True)
    assert after.passed_the_stack  # the remembered answer is stale: never sent
    assert after.json()["state"] == "suspended"


def test_over_the_rate_limit_a_remembered_api_answer_is_refused(
    redis_cache, whole_stack, certificate, settings
):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "public": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    stack = whole_stack()
    url = f"/api/v1/public/certificates/{certificate.number}/"
    _prime(stack, url)  # two of the minute's three
    assert stack.get(url, short_circuit=True).status_code == 200
    refused = stack.get(url, short_circuit=True)
    assert refused.status_code == 429
    assert "Retry-After" in refused
