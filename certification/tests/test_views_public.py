"""Public pages without sign-in: verification (what the QR code opens), the register search
and the complaint form."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certification.models import Certificate, Complaint
from certification.services import (
    certificate_expire_due,
    certificate_reissue,
    certificate_suspend,
    certificate_withdraw,
)
from certification.tests.factories import BodyFactory
from certification.views.public import COMPLAINTS_PER_HOUR
from core.clock import today

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def reissue(certificate: Certificate, by) -> Certificate:
    return certificate_reissue(
        certificate=certificate,
        by=by,
        application=certificate.application,
        decision=certificate.decision,
    )


def suspended(certificate, by):
    return certificate_suspend(
        certificate=certificate,
        by=by,
        comment="Không duy trì hệ thống.",
        until=today() + datetime.timedelta(days=30),
    )


def withdrawn(certificate, by):
    return certificate_withdraw(certificate=certificate, by=by, comment="Vi phạm.")


def expired(certificate, by):
    certificate_expire_due(certificate.valid_until)
    certificate.refresh_from_db()
    return certificate


# --- Verification -------------------------------------------------------------------------


def test_anyone_verifies_a_valid_certificate_without_signing_in(client, certificate):
    response = client.get(f"/verify/{certificate.number}/")
    assert response.status_code == 200
    text = response.text
    assert "Còn hiệu lực" in text
    assert "alert-success" in text
    assert certificate.enterprise.name in text
    assert certificate.standard in text
    assert certificate.body.name in text
    assert certificate.body.registration_number in text
    assert "8934567000017" in text
    assert "Nhà máy chế biến Chư Sê" in text
    assert certificate.valid_until.strftime("%d/%m/%Y") in text
    assert 'id="current-version"' in text
    assert 'id="superseded-notice"' not in text


@pytest.mark.parametrize(
    ("change", "words", "colour"),
    [
        (suspended, "Bị đình chỉ", "alert-warning"),
        (withdrawn, "Đã thu hồi", "alert-danger"),
        (expired, "Hết hiệu lực", "alert-secondary"),
    ],
)
def test_each_state_is_shown_in_vietnamese_words_and_its_colour(
    client, certificate, cb_staff, change, words, colour
):
    change(certificate, cb_staff)
    response = client.get(f"/verify/{certificate.number}/")
    assert response.status_code == 200
    state_panel = response.text.split('id="verify-state"', 1)[1].split("</section>", 1)[0]
    assert f"alert {colour}" in state_panel  # the panel's own class
    assert words in state_panel
    assert "Còn hiệu lực" not in state_panel


def test_a_superseded_version_says_so_and_links_to_the_current_version(
    client, certificate, decider
):
    newer = reissue(certificate, decider)
    old = client.get(f"/verify/{certificate.number}/")
    assert old.status_code == 200
    assert 'id="superseded-notice"' in old.text
    assert f'href="/verify/{newer.number}/"' in old.text
    assert "Đã bị thay thế" in old.text
    assert old.text.count("obsolete-version") == 1

    current = client.get(f"/verify/{newer.number}/")
    assert current.status_code == 200
    assert 'id="current-version"' in current.text
    assert "Còn hiệu lực" in current.text
    assert f'href="/verify/{certificate.number}/"' in current.text  # the older version, obsolete
    assert current.text.count("obsolete-version") == 1


def test_a_chain_of_versions_points_to_the_newest(client, certificate, decider):
    second = reissue(certificate, decider)
    third = reissue(second, decider)
    response = client.get(f"/verify/{certificate.number}/")
    assert response.context["current"].pk == third.pk
    assert f'id="current-version-link">{third.number}<' in response.text


def test_the_number_is_found_whatever_its_case(client, certificate):
    response = client.get(f"/verify/{certificate.number.lower()}/")
    assert response.status_code == 200
    assert response.context["certificate"].pk == certificate.pk


def test_an_unknown_number_answers_404_with_a_search_box(client, certificate):
    response = client.get("/verify/GLCERT-TXNG-1999-9999/")
    assert response.status_code == 404
    assert 'name="q"' in response.text
    assert 'action="/verify/"' in response.text
    assert "GLCERT-TXNG-1999-9999" in response.text


def test_the_verification_page_may_be_cached_for_a_minute(client, certificate):
    response = client.get(f"/verify/{certificate.number}/")
    assert "public" in response["Cache-Control"]
    assert "max-age=60" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_the_verification_page_shows_no_personal_data(
    client, certificate, enterprise_user, decider, cb_staff
):
    text = client.get(f"/verify/{certificate.number}/").text
    for person in (enterprise_user, decider, cb_staff):
        assert person.get_full_name() not in text
        assert person.email not in text
    assert certificate.enterprise.phone not in text
    assert certificate.enterprise.email not in text
    assert certificate.verification_token not in text


def test_the_verification_page_links_to_a_complaint_about_this_certificate(client, certificate):
    text = client.get(f"/verify/{certificate.number}/").text
    assert f"/complaints/new/?certificate={certificate.number}" in text


def test_the_verification_page_renders_in_english(client, certificate):
    client.cookies["django_language"] = "en"
    response = client.get(f"/verify/{certificate.number}/")
    assert 'lang="en"' in response.text
    assert "Valid" in response.text
    assert "Certificate verification" in response.text


def test_verification_makes_the_same_number_of_queries_with_more_versions(
    client, certificate, decider
):
    second = reissue(certificate, decider)
    client.get(f"/verify/{second.number}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/verify/{second.number}/")
    fourth = reissue(reissue(second, decider), decider)
    with CaptureQueriesContext(connection) as more:
        client.get(f"/verify/{certificate.number}/")
    assert len(more) == len(few)
    with CaptureQueriesContext(connection) as newest:
        client.get(f"/verify/{fourth.number}/")
    assert len(newest) == len(few)
    assert len(few) <= 3


# --- Searching the register ---------------------------------------------------------------


def test_the_register_is_searched_by_number_or_enterprise_name(client, certificate):
    by_number = client.get("/verify/", {"q": certificate.number[-9:]})
    assert by_number.status_code == 200
    assert f'href="/verify/{certificate.number}/"' in by_number.text
    assert "Còn hiệu lực" in by_number.text
    by_name = client.get("/verify/", {"q": certificate.enterprise.name})
    assert f'href="/verify/{certificate.number}/"' in by_name.text


def test_a_search_needs_three_characters(client, certificate):
    response = client.get("/verify/", {"q": "GL"})
    assert response.status_code == 200
    assert response.context["too_short"] is True
    assert certificate.number not in response.text


def test_the_search_lists_only_current_certificates(client, certificate, decider):
    newer = reissue(certificate, decider)
    response = client.get("/verify/", {"q": certificate.base_number})
    assert f'href="/verify/{newer.number}/"' in response.text
    assert f'href="/verify/{certificate.number}/"' not in response.text


def test_a_search_without_results_says_so(client, certificate):
    response = client.get("/verify/", {"q": "không có gì"})
    assert "empty-state" in response.text


def test_the_search_page_renders_in_english(client):
    client.cookies["django_language"] = "en"
    response = client.get("/verify/")
    assert response.status_code == 200
    assert "Verify a certificate" in response.text


# --- Complaints from anyone ---------------------------------------------------------------


def test_the_complaint_form_is_filled_in_from_the_certificate(client, certificate):
    response = client.get(f"/complaints/new/?certificate={certificate.number}")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["certificate_number"] == certificate.number
    assert form.initial["body"] == certificate.body_id


def test_anyone_lodges_a_complaint_about_a_certificate_without_an_account(client, certificate):
    response = client.post(
        "/complaints/new/",
        {
            "complainant_name": "Nguyễn Văn A",
            "complainant_email": "nguoimua@example.vn",
            "body": certificate.body_id,
            "certificate_number": certificate.number.lower(),
            "subject": "Tem truy xuất không khớp",
            "description": "Mã QR trên bao cà phê dẫn tới lô hàng khác.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/complaints/sent/"
    complaint = Complaint.objects.get()
    assert complaint.certificate == certificate
    assert complaint.enterprise == certificate.enterprise
    assert complaint.submitted_by is None
    assert complaint.state == Complaint.State.RECEIVED
    assert client.get("/complaints/sent/").status_code == 200


def test_a_complaint_naming_an_unknown_certificate_is_not_lodged(client, certificate):
    response = client.post(
        "/complaints/new/",
        {
            "complainant_email": "nguoimua@example.vn",
            "body": certificate.body_id,
            "certificate_number": "KHONG-CO-SO-NAY",
            "subject": "Tem giả",
            "description": "Không tra được.",
        },
    )
    assert response.status_code == 200
    assert "certificate_number" in response.context["form"].errors
    assert not Complaint.objects.exists()


def test_a_complaint_about_another_bodys_certificate_is_not_lodged(client, certificate, province):
    other_body = BodyFactory(province=province)
    response = client.post(
        "/complaints/new/",
        {
            "complainant_email": "nguoimua@example.vn",
            "body": other_body.pk,
            "certificate_number": certificate.number,
            "subject": "Tem giả",
            "description": "Không tra được.",
        },
    )
    assert response.status_code == 200
    assert "certificate_number" in response.context["form"].errors
    assert not Complaint.objects.exists()


def test_complaints_from_one_address_are_rate_limited(client, body):
    data = {
        "complainant_email": "spam@example.vn",
        "body": body.pk,
        "subject": "Phản ánh",
        "description": "Nội dung.",
    }
    for _ in range(COMPLAINTS_PER_HOUR):
        assert client.post("/complaints/new/", data).status_code == 302
    response = client.post("/complaints/new/", data)
    assert response.status_code == 429
    assert response["Retry-After"]
    assert Complaint.objects.count() == COMPLAINTS_PER_HOUR
    # Another address is not affected.
    assert client.post("/complaints/new/", data, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_the_complaint_form_renders_in_english(client, body):
    client.cookies["django_language"] = "en"
    response = client.get("/complaints/new/")
    assert response.status_code == 200
    assert "Lodge a complaint" in response.text
