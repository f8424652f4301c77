"""A cached public answer sent by PublicAnswerMiddleware, before sessions, authentication and
the view, is the very answer the whole stack gives: same status, bytes and headers (security
headers, CSP, Vary, validators, language) — and a transition changes it at once."""

from unittest import mock

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache import cache
from django.test import Client

from certification.tests.factories import suspend_at_once

pytestmark = pytest.mark.django_db

SHORT_CIRCUIT = "certification.middleware.PublicAnswerMiddleware"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def whole_stack(settings):
    """A client whose requests all take the normal path (the short-circuit taken out)."""

    def make():
        middleware = list(settings.MIDDLEWARE)
        return _WithMiddleware(middleware, [m for m in middleware if m != SHORT_CIRCUIT])

    return make


class _WithMiddleware:
    def __init__(self, full, without):
        self.full, self.without = full, without

    def get(self, url, *, short_circuit: bool, cookies=None, method="get", **headers):
        from django.test import override_settings

        with override_settings(MIDDLEWARE=self.full if short_circuit else self.without):
            client = Client()
            for name, value in (cookies or {}).items():
                client.cookies[name] = value
            with mock.patch.object(
                SessionMiddleware,
                "process_request",
                autospec=True,
                side_effect=SessionMiddleware.process_request,
            ) as sessions:
                response = getattr(client, method)(url, headers=headers)
        response.passed_the_stack = sessions.called
        return response


def _headers(response) -> dict:
    return {name.lower(): value for name, value in response.headers.items()}


def _prime(stack, url, **kwargs):
    """The first answer records the number's family, the second is cached."""
    for _ in range(2):
        assert stack.get(url, short_circuit=False, **kwargs).status_code == 200


@pytest.mark.parametrize(
    ("kind", "cookies", "headers"),
    [
        ("page", {}, {}),
        ("page", {"django_language": "en"}, {}),
        # Pages ignore Accept-Language; the API honours it.
        ("page", {}, {"accept_language": "en"}),
        ("api", {}, {}),
        ("api", {}, {"accept_language": "en"}),
        ("api", {}, {"accept": "application/json"}),
    ],
)
def test_the_short_circuit_answer_is_byte_and_header_identical(
    whole_stack, certificate, kind, cookies, headers
):
    stack = whole_stack()
    url = (
        f"/verify/{certificate.number}/"
        if kind == "page"
        else f"/api/v1/public/certificates/{certificate.number}/"
    )
    _prime(stack, url, cookies=cookies, **headers)
    normal = stack.get(url, short_circuit=False, cookies=cookies, **headers)
    fast = stack.get(url, short_circuit=True, cookies=cookies, **headers)
    assert normal.passed_the_stack and not fast.passed_the_stack
    assert fast.status_code == normal.status_code == 200
    assert fast.content == normal.content
    assert _headers(fast) == _headers(normal)
    for name in (
        "content-security-policy",
        "x-frame-options",
        "x-content-type-options",
        "etag",
        "last-modified",
        "content-language",
        "vary",
        "content-length",
    ):
        assert name in _headers(fast), name
    assert not fast.cookies

    # Revalidation: the same 304, also header for header; and HEAD alike.
    etag = fast["ETag"]
    normal = stack.get(url, short_circuit=False, cookies=cookies, if_none_match=etag, **headers)
    fast = stack.get(url, short_circuit=True, cookies=cookies, if_none_match=etag, **headers)
    assert not fast.passed_the_stack
    assert fast.status_code == normal.status_code == 304
    assert fast.content == normal.content == b""
    assert _headers(fast) == _headers(normal)
    normal = stack.get(url, short_circuit=False, cookies=cookies, method="head", **headers)
    fast = stack.get(url, short_circuit=True, cookies=cookies, method="head", **headers)
    assert not fast.passed_the_stack
    assert (fast.status_code, fast.content) == (normal.status_code, normal.content)
    assert _headers(fast) == _headers(normal)


def test_a_suspension_changes_the_short_circuit_answer_at_once(
    whole_stack, certificate, cb_staff, django_capture_on_commit_callbacks
):
    stack = whole_stack()
    url = f"/verify/{certificate.number}/"
    _prime(stack, url)
    before = stack.get(url, short_circuit=True)
    assert not before.passed_the_stack
    assert 'data-state="active"' in before.text

    suspend_at_once(certificate, cb_staff, django_capture_on_commit_callbacks)
    # The stale answer is never sent: the next request takes the normal path and shows the
    # suspension, then the new answer is sent from the cache, still identical to the stack's.
    after = stack.get(url, short_circuit=True, if_none_match=before["ETag"])
    assert after.passed_the_stack
    assert after.status_code == 200
    assert 'data-state="suspended"' in after.text
    assert after["ETag"] != before["ETag"]
    stack.get(url, short_circuit=True)
    fast = stack.get(url, short_circuit=True)
    normal = stack.get(url, short_circuit=False)
    assert not fast.passed_the_stack
    assert 'data-state="suspended"' in fast.text
    assert fast.content == normal.content and _headers(fast) == _headers(normal)


def test_a_visitor_with_a_session_takes_the_normal_path(whole_stack, certificate, client, cb_staff):
    stack = whole_stack()
    url = f"/verify/{certificate.number}/"
    _prime(stack, url)
    client.force_login(cb_staff)
    session = {"sessionid": client.cookies["sessionid"].value}
    response = stack.get(url, short_circuit=True, cookies=session)
    assert response.passed_the_stack
    assert "private" in response["Cache-Control"]
    assert cb_staff.get_full_name() in response.text


def test_the_api_rate_limit_and_negotiation_still_apply(whole_stack, certificate, settings):
    stack = whole_stack()
    url = f"/api/v1/public/certificates/{certificate.number}/"
    _prime(stack, url)
    # A type the API cannot give: refused as by the view.
    refused = stack.get(url, short_circuit=True, accept="text/csv")
    assert refused.passed_the_stack
    assert refused.status_code == 406
    # Over the public rate, a cached answer is refused too.
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "public": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    cache.clear()
    _prime(stack, url)  # two requests: the allowance of the minute
    answer = stack.get(url, short_circuit=True)
    assert answer.status_code == 429


def test_a_stale_remembered_api_answer_is_counted_once_by_the_rate_limit(
    whole_stack, certificate, settings, cb_staff, django_capture_on_commit_callbacks
):
    stack = whole_stack()
    url = f"/api/v1/public/certificates/{certificate.number}/"
    _prime(stack, url)
    assert not stack.get(url, short_circuit=True).passed_the_stack  # remembered now
    suspend_at_once(certificate, cb_staff, django_capture_on_commit_callbacks)
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "public": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    cache.clear()  # the rate limit's counts start again; the answer is stale either way
    answers = [stack.get(url, short_circuit=True) for _ in range(4)]
    # The first takes the normal path (the remembered answer is stale), counted there only.
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].passed_the_stack and answers[0].json()["state"] == "suspended"
