"""Public verification is cacheable (performance.md, target 10): answered from the server-side
cache, no cookie, ETag/Last-Modified with 304, and changed at once after a transition."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certification import public_cache
from certification.services import certificate_reinstate, certificate_suspend
from certification.tests.factories import suspend_at_once
from core.clock import today

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _get(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return response, len(queries)


def test_repeated_verification_is_answered_from_the_cache_without_cookie_and_revalidates(
    client, certificate, cb_staff, django_capture_on_commit_callbacks
):
    url = f"/verify/{certificate.number}/"
    first, _ = _get(client, url)
    second, _ = _get(client, url)
    third, queries = _get(client, url)
    assert first.status_code == second.status_code == third.status_code == 200
    # The third answer comes from the cache: not one query.
    assert queries == 0
    assert third.content == first.content
    for response in (first, second, third):
        assert not response.cookies, response.cookies
        assert "Set-Cookie" not in response.headers
        assert "csrfmiddlewaretoken" not in response.text
        assert "public" in response["Cache-Control"]
    etag = third["ETag"]
    assert etag and third["Last-Modified"]

    revalidated, queries = _get(client, url, if_none_match=etag)
    assert revalidated.status_code == 304
    assert revalidated.content == b""
    assert revalidated["ETag"] == etag
    assert queries == 0
    since, _ = _get(client, url, if_modified_since=third["Last-Modified"])
    assert since.status_code == 304

    # A suspension shows at once, in the same request cycle, with a new ETag.
    suspend_at_once(certificate, cb_staff, django_capture_on_commit_callbacks)
    after, _ = _get(client, url, if_none_match=etag)
    assert after.status_code == 200
    assert 'data-state="suspended"' in after.text
    assert after["ETag"] != etag
    # …and the public API changed too.
    api = client.get(f"/api/v1/public/certificates/{certificate.number}/")
    assert api.json()["state"] == "suspended"


def test_the_public_api_is_served_from_the_same_cache(client, certificate, cb_staff):
    url = f"/api/v1/public/certificates/{certificate.number}/"
    client.get(url)
    client.get(url)
    response, queries = _get(client, url)
    assert response.status_code == 200
    assert response.json()["state"] == "active"
    assert queries == 0
    assert not response.cookies
    again, _ = _get(client, url, if_none_match=response["ETag"])
    assert again.status_code == 304
    certificate_suspend(
        certificate=certificate,
        by=cb_staff,
        comment="Tạm đình chỉ.",
        until=today() + datetime.timedelta(days=10),
    )
    assert client.get(url).json()["state"] == "suspended"
    certificate.refresh_from_db()
    certificate_reinstate(certificate=certificate, by=cb_staff, comment="Đã khắc phục.")
    assert client.get(url).json()["state"] == "active"


def test_each_language_has_its_own_cached_answer(client, certificate):
    url = f"/verify/{certificate.number}/"
    client.get(url)
    client.get(url)
    client.cookies["django_language"] = "en"
    client.get(url)
    english = client.get(url)
    assert "Valid" in english.text
    assert english["Vary"] and "Cookie" in english["Vary"]
    del client.cookies["django_language"]
    assert "Còn hiệu lực" in client.get(url).text


def test_a_signed_in_visitor_gets_a_private_fresh_page(client, certificate, cb_staff):
    client.force_login(cb_staff)
    url = f"/verify/{certificate.number}/"
    client.get(url)
    response = client.get(url)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert cb_staff.get_full_name() in response.text


def test_an_unknown_number_is_not_cached(client, certificate):
    response = client.get("/verify/KHONG-CO-SO-NAY/")
    assert response.status_code == 404
    assert not response.cookies
    assert public_cache.get("KHONG-CO-SO-NAY", "page:vi") is None


def test_the_language_link_of_public_pages_needs_no_token(client, certificate):
    page = client.get(f"/verify/{certificate.number}/")
    assert "/language/?language=en" in page.text
    response = client.get(f"/language/?language=en&next=/verify/{certificate.number}/")
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
    assert response["Location"] == f"/verify/{certificate.number}/"


def test_a_stale_generation_is_never_served(certificate):
    number = certificate.number
    answer = public_cache.PublicAnswer.build(b"old", "text/html")
    family = public_cache.family_of(certificate)
    # The first answer only records the family; the second is stored.
    public_cache.set(number, "page:vi", answer, family=family, before=None)
    assert public_cache.get(number, "page:vi") is None
    before = public_cache.generation_for(number)
    public_cache.set(number, "page:vi", answer, family=family, before=before)
    assert public_cache.get(number, "page:vi") == answer
    # Rendered from data read before an invalidation: stored under the old generation.
    public_cache.invalidate(certificate)
    public_cache.set(number, "page:vi", answer, family=family, before=before)
    assert public_cache.get(number, "page:vi") is None


def test_an_answer_this_process_remembers_is_not_served_after_an_invalidation(certificate):
    number, family = certificate.number, public_cache.family_of(certificate)
    answer = public_cache.PublicAnswer.build(b"current", "text/html")
    public_cache.set(number, "page:vi", answer, family=family, before=None)
    public_cache.set(
        number, "page:vi", answer, family=family, before=public_cache.generation_for(number)
    )
    assert public_cache.get(number, "page:vi") == answer  # now remembered by this process
    assert public_cache.get(number, "page:vi") == answer
    # Another worker changes the certificate: the shared generation moves on.
    public_cache.invalidate(certificate)
    assert public_cache.get(number, "page:vi") is None
