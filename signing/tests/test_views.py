"""The public page and API that check a file, and the download of the current signed PDF."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certification.services import certificate_withdraw
from documents.tests import factories
from signing.services import signed_pdf_of_certificate

pytestmark = pytest.mark.django_db

PAGE = "/verify/file/"
API = "/api/v1/public/verify-file/"


@pytest.fixture(autouse=True)
def _fresh_rate_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def signed(issued_certificate, body_key):
    return signed_pdf_of_certificate(
        certificate_id=issued_certificate.pk, source_key="view:1", reason="issue"
    )


def pdf_bytes(signed) -> bytes:
    with signed.document.file.open("rb") as handle:
        return handle.read()


def upload(data: bytes, name="giay-chung-nhan.pdf"):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def stored_files(settings) -> set:
    from pathlib import Path

    return {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


# --- the page ------------------------------------------------------------------------------


def test_the_page_offers_the_upload_form(client):
    response = client.get(PAGE)
    assert response.status_code == 200
    assert b'type="file"' in response.content
    assert reverse("signing:verify_file") == PAGE


def test_the_page_says_an_issued_file_is_valid_and_stores_nothing(client, signed, settings):
    before = stored_files(settings)
    response = client.post(PAGE, {"file": upload(pdf_bytes(signed))})
    assert response.status_code == 200
    assert response.context["check"].verdict == "valid"
    assert b'data-verdict="valid"' in response.content
    assert stored_files(settings) == before


def test_checking_a_file_reads_a_fixed_number_of_queries(
    client, signed, django_assert_max_num_queries
):
    data = pdf_bytes(signed)
    with django_assert_max_num_queries(8):
        assert client.post(PAGE, {"file": upload(data)}).status_code == 200


def test_the_page_says_a_withdrawn_certificates_file_is_withdrawn(
    client, signed, issued_certificate, cb_staff
):
    data = pdf_bytes(signed)
    certificate_withdraw(certificate=issued_certificate, by=cb_staff, comment="Vi phạm.")
    response = client.post(PAGE, {"file": upload(data)}, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.context["check"].verdict == "withdrawn"
    assert "đã bị thu hồi" in response.content.decode()


def test_the_page_links_a_superseded_file_to_the_current_version(client, signed):
    from signing.services import signed_pdf_of_certificate

    data = pdf_bytes(signed)
    signed_pdf_of_certificate(
        certificate_id=signed.certificate_id, source_key="view:2", reason="reinstate"
    )
    response = client.post(PAGE, {"file": upload(data)})
    assert response.context["check"].verdict == "not_current"
    assert b'id="current-version"' in response.content
    assert b"/verify/pdf/GLCERT-TXNG-2026-0001/" in response.content


def test_the_page_without_a_file_asks_for_one(client):
    response = client.post(PAGE, {})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]


def test_the_page_refuses_a_file_that_is_not_a_pdf_and_stores_nothing(client, settings, db):
    before = stored_files(settings)
    response = client.post(PAGE, {"file": upload(factories.docx_bytes(), "a.pdf")})
    assert response.status_code == 415
    assert stored_files(settings) == before


def test_the_page_refuses_a_file_over_the_size_limit(client, settings, db):
    settings.VERIFY_FILE_MAX_BYTES = 2048
    response = client.post(PAGE, {"file": upload(b"%PDF-1.7\n" + b"0" * 4096)})
    assert response.status_code == 413


def test_the_page_is_rate_limited_per_address(client, settings, signed):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "verify_file": "2/min",
        },
    }
    data = pdf_bytes(signed)
    statuses = [client.post(PAGE, {"file": upload(data)}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


# --- the API -------------------------------------------------------------------------------


def test_the_api_answers_for_an_issued_file(client, signed, settings):
    before = stored_files(settings)
    response = client.post(API, {"file": upload(pdf_bytes(signed))})
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "valid"
    assert body["intact"] and body["signed_by_registered_certificate"] and body["issued_by_us"]
    assert body["is_current"] is True
    assert body["certificate_number"] == "GLCERT-TXNG-2026-0001"
    assert body["current_pdf_url"].endswith("/verify/pdf/GLCERT-TXNG-2026-0001/")
    assert stored_files(settings) == before


def test_the_api_reports_a_changed_byte_as_modified(client, signed):
    data = bytearray(pdf_bytes(signed))
    data[data.index(b"stream") + 100] ^= 0x01
    response = client.post(API, {"file": upload(bytes(data))})
    assert response.status_code == 200
    assert response.json()["verdict"] == "modified"


def test_the_api_without_a_file_is_a_400(client, db):
    response = client.post(API, {})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_the_api_refuses_a_non_pdf_with_415(client, db):
    response = client.post(API, {"file": upload(factories.png_bytes(), "x.pdf")})
    assert response.status_code == 415


def test_the_api_refuses_an_oversized_file_with_413(client, settings, db):
    settings.VERIFY_FILE_MAX_BYTES = 2048
    response = client.post(API, {"file": upload(b"%PDF-1.7\n" + b"0" * 200_000)})
    assert response.status_code == 413


def test_the_api_is_rate_limited(client, settings, signed):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "verify_file": "1/min",
        },
    }
    data = pdf_bytes(signed)
    assert client.post(API, {"file": upload(data)}).status_code == 200
    assert client.post(API, {"file": upload(data)}).status_code == 429


# --- the current signed PDF, offered on the verification page -------------------------------


def test_the_verification_page_offers_the_current_signed_pdf(client, signed):
    page = client.get("/verify/GLCERT-TXNG-2026-0001/")
    assert b"/verify/pdf/GLCERT-TXNG-2026-0001/" in page.content
    response = client.get("/verify/pdf/GLCERT-TXNG-2026-0001/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == pdf_bytes(signed)


def test_no_pdf_is_offered_before_the_certificate_is_signed(client, issued_certificate):
    page = client.get("/verify/GLCERT-TXNG-2026-0001/")
    assert b"/verify/pdf/" not in page.content
    assert client.get("/verify/pdf/GLCERT-TXNG-2026-0001/").status_code == 404


def test_no_pdf_is_offered_for_a_withdrawn_certificate(
    client, signed, issued_certificate, cb_staff
):
    certificate_withdraw(certificate=issued_certificate, by=cb_staff, comment="Vi phạm.")
    assert b"/verify/pdf/" not in client.get("/verify/GLCERT-TXNG-2026-0001/").content
    assert client.get("/verify/pdf/GLCERT-TXNG-2026-0001/").status_code == 404


def test_an_unknown_number_has_no_pdf(client, db):
    assert client.get("/verify/pdf/NOPE-1/").status_code == 404
