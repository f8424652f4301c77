"""With a Redis cache, the API's rate limits keep their sliding log in a Redis sorted set
(core.api.views.ScopedThrottle): the same rule and Retry-After as DRF's own, which the other
caches use. Needs the Redis of this machine (database 2)."""

import time
from types import SimpleNamespace

import pytest
from django.test import RequestFactory
from rest_framework.request import Request

from core.api.views import ScopedThrottle

pytestmark = pytest.mark.integration


def _ask(address: str) -> tuple[bool, ScopedThrottle]:
    throttle = ScopedThrottle()
    request = Request(RequestFactory().get("/", REMOTE_ADDR=address), authenticators=())
    return throttle.allow_request(request, SimpleNamespace(throttle_scope="public")), throttle


def test_the_rate_is_kept_in_redis_with_the_same_rule_and_retry_after(redis_cache, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "public": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    started = time.time()
    assert [_ask("203.0.113.9")[0] for _ in range(3)] == [True, True, True]
    refused, throttle = _ask("203.0.113.9")
    assert refused is False
    # As DRF counts it: the oldest request leaves the minute's window in just under 60 s.
    assert 55 < throttle.wait() <= 60 - (throttle.now - started) + 0.01
    # Another address has its own allowance; the log is a sorted set, not a pickled list.
    assert _ask("203.0.113.10")[0] is True
    client = redis_cache._cache.get_client()
    key = redis_cache.make_key(f"{throttle.key}:log")
    assert client.type(key) == b"zset"
    assert client.zcard(key) == 3
    assert 0 < client.ttl(key) <= 60


def test_a_refused_request_is_not_counted(redis_cache, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "public": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    results = [_ask("198.51.100.7")[0] for _ in range(5)]
    assert results == [True, True, False, False, False]
    _allowed, throttle = _ask("198.51.100.7")
    key = redis_cache.make_key(f"{throttle.key}:log")
    assert redis_cache._cache.get_client().zcard(key) == 2


def test_a_request_is_counted_only_while_a_cache_key_holds_the_value_given(redis_cache, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "public": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    redis_cache.set("generation", "a1b2")
    request = Request(RequestFactory().get("/", REMOTE_ADDR="192.0.2.44"), authenticators=())
    view = SimpleNamespace(throttle_scope="public")

    def ask(value):
        throttle = ScopedThrottle()
        return throttle.allow_request_if(request, view, "generation", value), throttle

    # Another value, or none stored: not counted at all.
    assert ask("c3d4")[0] is None
    redis_cache.delete("missing")
    assert ScopedThrottle().allow_request_if(request, view, "missing", "a1b2") is None
    # The value held: counted as allow_request counts, up to the limit.
    assert [ask("a1b2")[0] for _ in range(3)] == [True, True, False]
    refused, throttle = ask("a1b2")
    assert refused is False and 0 < throttle.wait() <= 60
    key = redis_cache.make_key(f"{throttle.key}:log")
    assert redis_cache._cache.get_client().zcard(key) == 2
