"""M4 and M5: one TRUSTED_PROXIES setting decides the client's address for the API throttles,
the sign-in lockout and the complaint form's hourly limit; X-Forwarded-For counts only when a
trusted proxy sent it."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from certification.models import Complaint
from certification.views.public import COMPLAINTS_PER_HOUR
from core.net import client_ip, parse_trusted_proxies
from core.tests.api_helpers import API, api_as


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def _request(remote="198.51.100.7", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


# --- client_ip ---------------------------------------------------------------------------


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = ""
    assert client_ip(_request(forwarded="1.2.3.4")) == "198.51.100.7"


def test_with_one_proxy_the_client_is_what_the_proxy_appended(settings):
    settings.TRUSTED_PROXIES = "1"
    # The client forged "1.2.3.4"; nginx appended the address it really saw.
    request = _request(remote="10.0.0.2", forwarded="1.2.3.4, 203.0.113.9")
    assert client_ip(request) == "203.0.113.9"


def test_with_proxy_addresses_only_a_trusted_connection_may_speak_for_a_client(settings):
    settings.TRUSTED_PROXIES = "10.0.0.0/8, 192.0.2.1"
    # From the proxy: walk past trusted hops to the first untrusted address.
    assert client_ip(_request("10.0.0.2", "1.2.3.4, 203.0.113.9, 10.1.1.1")) == "203.0.113.9"
    # Straight from the internet: the header is the client's own claim, ignored.
    assert client_ip(_request("203.0.113.50", "10.0.0.3")) == "203.0.113.50"
    # Garbage in the header: stop at the last address that could be trusted.
    assert client_ip(_request("192.0.2.1", "not-an-ip")) == "192.0.2.1"


def test_a_bad_trusted_proxies_value_is_refused_with_its_name():
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        parse_trusted_proxies("10.0.0.0/8, nginx")


# --- M4: throttles -----------------------------------------------------------------------


def _complaint(body):
    return {
        "body": body.pk,
        "complainant_email": "nguoi.mua@example.vn",
        "subject": "Tem truy xuất không mở được",
        "description": "Mã QR trên gói cà phê dẫn tới trang lỗi.",
    }


@pytest.mark.django_db
def test_changing_x_forwarded_for_does_not_bypass_the_complaint_throttle(settings, body):
    settings.TRUSTED_PROXIES = ""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "complaints": "2/hour",
        },
    }
    statuses = [
        api_as()
        .post(
            f"{API}/complaints/",
            _complaint(body),
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
        .status_code
        for n in range(4)
    ]
    assert statuses == [201, 201, 429, 429]
    assert Complaint.objects.count() == 2


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_client_has_its_own_allowance(settings, body):
    settings.TRUSTED_PROXIES = "127.0.0.1"
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "complaints": "1/hour",
        },
    }

    def lodge(client_address):
        return (
            api_as()
            .post(
                f"{API}/complaints/",
                _complaint(body),
                format="json",
                HTTP_X_FORWARDED_FOR=client_address,
            )
            .status_code
        )

    assert [lodge("203.0.113.1"), lodge("203.0.113.2"), lodge("203.0.113.1")] == [201, 201, 429]


# --- M5: lockout -------------------------------------------------------------------------


@pytest.mark.django_db
def test_behind_the_proxy_wrong_passwords_lock_only_the_client_that_sent_them(
    settings, client, enterprise_user
):
    settings.TRUSTED_PROXIES = "1"
    settings.AXES_FAILURE_LIMIT = 3
    attacker = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    for _ in range(3):
        client.post("/accounts/login/", {"username": "ent", "password": "wrong"}, **attacker)
    locked = client.post(
        "/accounts/login/", {"username": "ent", "password": "pw-Secret-2026"}, **attacker
    )
    assert locked.status_code == 429
    # The real owner, through the same nginx, from their own address, still signs in.
    owner = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.20"}
    signed_in = client.post(
        "/accounts/login/", {"username": "ent", "password": "pw-Secret-2026"}, **owner
    )
    assert signed_in.status_code == 302


@pytest.mark.django_db
def test_a_forged_header_does_not_reset_the_lockout(settings, enterprise_user):
    settings.TRUSTED_PROXIES = ""
    settings.AXES_FAILURE_LIMIT = 3
    api = api_as()
    statuses = [
        api.post(
            f"{API}/auth/token/",
            {"username": "ent", "password": "wrong"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(4)
    ]
    assert statuses == [400, 400, 429, 429]


# --- the complaint form's hourly limit ---------------------------------------------------


@pytest.mark.django_db
def test_the_complaint_form_counts_per_client_behind_the_proxy(settings, client, body):
    settings.TRUSTED_PROXIES = "1"
    data = {
        "complainant_email": "spam@example.vn",
        "body": body.pk,
        "subject": "Phản ánh",
        "description": "Nội dung.",
    }
    via_proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(COMPLAINTS_PER_HOUR):
        sent = client.post("/complaints/new/", data, HTTP_X_FORWARDED_FOR="1.1.1.1", **via_proxy)
        assert sent.status_code == 302
    refused = client.post("/complaints/new/", data, HTTP_X_FORWARDED_FOR="1.1.1.1", **via_proxy)
    assert refused.status_code == 429
    # Another client behind the same proxy is not affected.
    other = client.post("/complaints/new/", data, HTTP_X_FORWARDED_FOR="2.2.2.2", **via_proxy)
    assert other.status_code == 302
