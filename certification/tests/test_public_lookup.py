"""Bulk verification (`POST /api/v1/public/certificates/lookup/`): up to 500 numbers, the same
public data as the single lookup, a constant number of queries, its own rate limit."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from certification.models import Certificate
from certification.services import certificate_reissue, certificate_suspend
from core.clock import today
from core.tests.api_helpers import API, api_as, queries_of

LOOKUP = f"{API}/public/certificates/lookup/"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


def copies(certificate: Certificate, n: int) -> list[Certificate]:
    """`n` more certificates like `certificate` (other numbers), made directly."""
    fields = {
        f.name: getattr(certificate, f.name)
        for f in Certificate._meta.concrete_fields
        if f.name not in ("id", "number", "base_number", "verification_token", "state")
    }
    made = []
    for i in range(n):
        number = f"GLCERT-TXNG-2025-{i + 1:04d}"
        made.append(Certificate(**fields, number=number, base_number=number))
    return Certificate.objects.bulk_create(made)


def test_known_and_unknown_numbers_answer_in_the_order_asked(certificate):
    response = api_as().post(
        LOOKUP,
        {"numbers": ["NOPE-1", certificate.number.lower(), f"  {certificate.number} ", "NOPE-1"]},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["found"]) == (3, 2)  # one row per distinct number (trimmed)
    unknown, lower, exact = body["results"]
    assert unknown == {"number": "NOPE-1", "found": False, "certificate": None}
    assert lower["number"] == certificate.number.lower()
    assert lower["certificate"]["number"] == certificate.number
    assert exact["number"] == certificate.number
    assert exact["certificate"] == lower["certificate"]
    assert response["Cache-Control"] == "no-store"


def test_a_row_is_the_same_as_the_single_public_lookup(certificate):
    single = api_as().get(f"{API}/public/certificates/{certificate.number}/").json()
    bulk = api_as().post(LOOKUP, {"numbers": [certificate.number]}, format="json").json()
    assert bulk["results"][0]["certificate"] == single
    assert single["scope"]["products"] == [
        {"name": "Cà phê nhân Robusta Chư Sê", "gtin": "8934567000017"}
    ]
    assert single["scope"]["stages"] == ["primary_production", "processing", "packing"]


def test_a_superseded_number_names_the_current_one(certificate, decider):
    newer = certificate_reissue(
        certificate=certificate,
        by=decider,
        application=certificate.application,
        decision=certificate.decision,
    )
    newest = certificate_reissue(
        certificate=newer, by=decider, application=newer.application, decision=newer.decision
    )
    body = api_as().post(LOOKUP, {"numbers": [certificate.number]}, format="json").json()
    row = body["results"][0]["certificate"]
    assert (row["state"], row["is_current"]) == ("superseded", False)
    assert row["current_number"] == newest.number


def test_500_numbers_are_answered_in_the_same_number_of_queries_as_3(certificate):
    numbers = [c.number for c in copies(certificate, 499)]
    api = api_as()

    def ask(these):
        return lambda: api.post(LOOKUP, {"numbers": these}, format="json")

    few = queries_of(ask(numbers[:3]))
    cache.clear()
    many = queries_of(ask([*numbers, certificate.number]))
    assert many == few
    cache.clear()
    body = api.post(LOOKUP, {"numbers": [*numbers, certificate.number]}, format="json").json()
    assert (body["count"], body["found"]) == (500, 500)


def test_answers_come_from_the_public_cache_and_change_after_a_suspension(certificate, cb_staff):
    """The bulk lookup shares the single lookup's cache: asked twice, the second answer needs
    no query for the certificates; a suspension (a new cache generation) shows at once."""
    numbers = [c.number for c in copies(certificate, 20)] + [certificate.number]
    api = api_as()

    def ask():
        return api.post(LOOKUP, {"numbers": numbers}, format="json")

    cold = queries_of(ask)  # the first answer records each number's family, the second caches
    warm = queries_of(ask)
    assert cold > 0 and warm == 0, (cold, warm)
    single = api.get(f"{API}/public/certificates/{certificate.number}/")
    assert single.headers.get("ETag")  # the single lookup reads the same cached answer
    assert ask().json()["results"][-1]["certificate"] == single.json()

    certificate_suspend(
        certificate=certificate,
        by=cb_staff,
        comment="Chưa khắc phục lỗi nặng.",
        until=today() + datetime.timedelta(days=30),
    )
    row = ask().json()["results"][-1]["certificate"]
    assert row["state"] == "suspended"
    assert api.get(f"{API}/public/certificates/{certificate.number}/").json() == row


@pytest.mark.parametrize(
    "payload",
    [
        {"numbers": [f"N-{i}" for i in range(501)]},
        {"numbers": []},
        {"numbers": "GLCERT-TXNG-2026-0001"},
        {"numbers": ["x" * 61]},
        {"numbers": ["GLCERT\x00"]},
        {},
    ],
)
def test_bad_requests_are_400_with_the_field(db, payload):
    response = api_as().post(LOOKUP, payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "numbers" in response.json()["errors"]


def test_the_lookup_has_its_own_rate_limit(settings, certificate):
    settings.REST_FRAMEWORK = {
        **django_settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "public_lookup": "2/min",
            "public": "100/min",
        },
    }
    api = api_as()
    for _ in range(2):
        assert api.post(LOOKUP, {"numbers": ["A"]}, format="json").status_code == 200
    refused = api.post(LOOKUP, {"numbers": ["A"]}, format="json")
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    # The single lookup keeps its own allowance.
    assert api.get(f"{API}/public/certificates/{certificate.number}/").status_code == 200


def test_the_lookup_needs_no_credentials_and_ignores_a_session(client, certificate, cb_staff):
    client.force_login(cb_staff)  # no CSRF token: a session is not what this route reads
    response = client.post(
        LOOKUP, {"numbers": [certificate.number]}, content_type="application/json"
    )
    assert response.status_code == 200


def test_numbers_with_any_characters_are_answered_not_found(certificate):
    """The cache keys are digests: a number with spaces or control characters cannot break
    them (memcached refuses such keys; Django warns)."""
    numbers = ["7\x0fV", "số có dấu cách", "*" * 60, certificate.number]
    for _ in range(3):  # the first answers record, the later ones read the cache
        body = api_as().post(LOOKUP, {"numbers": numbers}, format="json").json()
        assert [row["found"] for row in body["results"]] == [False, False, False, True]
