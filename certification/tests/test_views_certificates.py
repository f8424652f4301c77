"""Certificate pages for signed-in users: the register and a certificate's file."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits.tests.factories import planned_audit
from certification.models import Certificate
from certification.services import certificate_reissue, certificate_suspend
from core.clock import today
from documents.services import document_generate_certificate

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def extra_certificates(certificate: Certificate, count: int, **fields) -> list[Certificate]:
    """`count` more certificates of the same holder, body and scheme (test data)."""
    made = []
    for i in range(count):
        number = f"{certificate.base_number}-T{i}"
        made.append(
            Certificate.objects.create(
                number=number,
                base_number=number,
                application=certificate.application,
                decision=certificate.decision,
                enterprise=certificate.enterprise,
                body=certificate.body,
                scheme=certificate.scheme,
                standard=certificate.standard,
                products=certificate.products,
                sites=certificate.sites,
                stages=certificate.stages,
                issued_on=certificate.issued_on,
                valid_from=certificate.valid_from,
                valid_until=certificate.valid_until,
                original_valid_until=certificate.original_valid_until,
                **fields,
            )
        )
    return made


def reissue(certificate: Certificate, by) -> Certificate:
    return certificate_reissue(
        certificate=certificate,
        by=by,
        application=certificate.application,
        decision=certificate.decision,
    )


# --- The register -------------------------------------------------------------------------


def test_body_staff_see_the_register_in_vietnamese(client, certificate, cb_staff):
    client.force_login(cb_staff)
    response = client.get("/certificates/")
    assert response.status_code == 200
    assert 'lang="vi"' in response.text
    assert certificate.number in response.text
    assert "Còn hiệu lực" in response.text
    assert certificate.enterprise.name in response.text


@pytest.mark.parametrize("who", ["enterprise_user", "regulator", "decider"])
def test_the_holder_the_regulator_and_the_decider_see_the_certificate_listed(
    client, certificate, who, request
):
    client.force_login(request.getfixturevalue(who))
    response = client.get("/certificates/")
    assert response.status_code == 200
    assert certificate.number in response.text


@pytest.mark.parametrize("who", ["other_enterprise_user", "outsider"])
def test_others_get_an_empty_register(client, certificate, who, request):
    client.force_login(request.getfixturevalue(who))
    response = client.get("/certificates/")
    assert response.status_code == 200
    assert certificate.number not in response.text
    assert "empty-state" in response.text


def test_the_register_needs_sign_in(client, certificate):
    response = client.get("/certificates/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_register_filters_by_state_search_body_and_sector(client, certificate, cb_staff):
    (suspended,) = extra_certificates(certificate, 1, state=Certificate.State.SUSPENDED)
    client.force_login(cb_staff)

    by_state = client.get("/certificates/", {"state": "suspended"}).text
    assert suspended.number in by_state
    assert f">{certificate.number}<" not in by_state

    by_number = client.get("/certificates/", {"q": suspended.number.lower()}).text
    assert suspended.number in by_number
    assert f">{certificate.number}<" not in by_number

    by_body = client.get("/certificates/", {"body": certificate.body_id}).text
    assert certificate.number in by_body and suspended.number in by_body

    other_sector = "livestock" if certificate.enterprise.sector != "livestock" else "crop"
    by_sector = client.get("/certificates/", {"sector": other_sector}).text
    assert certificate.number not in by_sector
    assert "empty-state" in by_sector


def test_the_register_is_paginated(client, certificate, cb_staff):
    extra_certificates(certificate, 25)
    client.force_login(cb_staff)
    first = client.get("/certificates/")
    assert first.context["page_obj"].paginator.num_pages == 2
    assert len(first.context["page_obj"].object_list) == 25
    second = client.get("/certificates/", {"page": 2})
    assert len(second.context["page_obj"].object_list) == 1


def test_the_register_renders_in_english(client, certificate, cb_staff):
    client.force_login(cb_staff)
    client.cookies["django_language"] = "en"
    response = client.get("/certificates/")
    assert 'lang="en"' in response.text
    assert "Certificates" in response.text
    assert "Valid" in response.text


def test_the_register_makes_the_same_number_of_queries_for_more_certificates(
    client, certificate, cb_staff
):
    client.force_login(cb_staff)
    client.get("/certificates/")  # warm the per-process caches (content types)
    few = queries(client, "/certificates/")
    extra_certificates(certificate, 8)
    assert queries(client, "/certificates/") == few


# --- A certificate's file -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["cb_staff", "enterprise_user", "regulator", "decider"])
def test_the_certificate_file_shows_holder_scope_and_dates_in_vietnamese(
    client, certificate, who, request
):
    client.force_login(request.getfixturevalue(who))
    response = client.get(f"/certificates/{certificate.pk}/")
    assert response.status_code == 200
    text = response.text
    assert certificate.enterprise.name in text
    assert certificate.standard in text
    assert "8934567000017" in text  # the product's GTIN
    assert "Nhà máy chế biến Chư Sê" in text  # the site
    assert certificate.valid_until.strftime("%d/%m/%Y") in text
    assert certificate.original_valid_until.strftime("%d/%m/%Y") in text
    assert certificate.next_surveillance_due.strftime("%d/%m/%Y") in text
    assert "Còn hiệu lực" in text


@pytest.mark.parametrize("who", ["other_enterprise_user", "outsider"])
def test_others_do_not_find_the_certificate_file(client, certificate, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/certificates/{certificate.pk}/").status_code == 404


def test_older_versions_are_listed_as_obsolete(client, certificate, cb_staff, decider):
    newer = reissue(certificate, decider)
    client.force_login(cb_staff)
    response = client.get(f"/certificates/{newer.pk}/")
    versions = response.context["versions"]
    assert [v.number for v in versions] == [newer.number, certificate.number]
    assert response.text.count("obsolete-version") == 1
    old = client.get(f"/certificates/{certificate.pk}/")
    assert "Đã bị thay thế" in old.text


def test_only_body_staff_are_offered_to_plan_a_surveillance_audit(
    client, certificate, cb_staff, enterprise_user
):
    link = f"/audits/new/?certificate={certificate.pk}"
    client.force_login(cb_staff)
    assert link in client.get(f"/certificates/{certificate.pk}/").text
    client.force_login(enterprise_user)
    assert link not in client.get(f"/certificates/{certificate.pk}/").text


def test_the_surveillance_audits_of_the_certificate_are_listed(
    client, certificate, cb_staff, lead_assessor
):
    audit = planned_audit(
        staff=cb_staff, lead=lead_assessor, certificate=certificate, kind="surveillance"
    )
    client.force_login(cb_staff)
    response = client.get(f"/certificates/{certificate.pk}/")
    assert f"/audits/{audit.pk}/" in response.text


def test_the_generated_certificate_document_can_be_downloaded(client, certificate, enterprise_user):
    client.force_login(enterprise_user)
    assert "/documents/" not in client.get(f"/certificates/{certificate.pk}/").text
    document = document_generate_certificate(certificate_id=certificate.pk)
    response = client.get(f"/certificates/{certificate.pk}/")
    url = f"/documents/{document.pk}/download/"
    assert url in response.text
    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"  # a .docx is a zip


def test_body_staff_suspend_a_certificate_until_a_date(client, certificate, cb_staff):
    client.force_login(cb_staff)
    until = today() + datetime.timedelta(days=60)
    response = client.post(
        f"/certificates/{certificate.pk}/transitions/suspend/",
        {"comment": "Không duy trì hệ thống TXNG.", "until": until.isoformat()},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/certificates/{certificate.pk}/"
    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.SUSPENDED
    assert certificate.suspended_until == until
    page = client.get(f"/certificates/{certificate.pk}/").text
    assert "Bị đình chỉ" in page
    assert "Không duy trì hệ thống TXNG." in page  # in the history
    assert until.strftime("%d/%m/%Y") in page


def test_a_suspension_without_an_end_date_is_refused_as_incomplete(client, certificate, cb_staff):
    client.force_login(cb_staff)
    response = client.post(
        f"/certificates/{certificate.pk}/transitions/suspend/", {"comment": "Lý do."}
    )
    assert response.status_code == 400
    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.ACTIVE


def test_a_suspension_beyond_the_scheme_maximum_is_refused(client, certificate, cb_staff):
    client.force_login(cb_staff)
    response = client.post(
        f"/certificates/{certificate.pk}/transitions/suspend/",
        {"comment": "Lý do.", "until": (today() + datetime.timedelta(days=400)).isoformat()},
    )
    assert response.status_code == 400
    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.ACTIVE


def test_body_staff_reinstate_and_withdraw(client, certificate, cb_staff):
    certificate_suspend(
        certificate=certificate,
        by=cb_staff,
        comment="Tạm dừng.",
        until=today() + datetime.timedelta(days=30),
    )
    client.force_login(cb_staff)
    url = f"/certificates/{certificate.pk}/transitions/"
    assert client.post(url + "reinstate/", {"comment": "Đã khắc phục."}).status_code == 302
    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.ACTIVE
    assert client.post(url + "withdraw/", {"comment": "Vi phạm nghiêm trọng."}).status_code == 302
    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.WITHDRAWN


def test_the_holder_may_not_suspend_its_certificate(client, certificate, enterprise_user):
    client.force_login(enterprise_user)
    response = client.post(
        f"/certificates/{certificate.pk}/transitions/withdraw/", {"comment": "Tự thu hồi."}
    )
    assert response.status_code == 403
    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.ACTIVE


def test_reinstating_an_active_certificate_is_refused_with_the_reason(
    client, certificate, cb_staff
):
    client.force_login(cb_staff)
    response = client.post(
        f"/certificates/{certificate.pk}/transitions/reinstate/", {"comment": "?"}
    )
    assert response.status_code == 409
    assert response.context["message"]
    assert response.context["message"] in response.text
    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.ACTIVE


def test_an_outsider_cannot_act_on_a_certificate_it_cannot_see(client, certificate, outsider):
    client.force_login(outsider)
    response = client.post(
        f"/certificates/{certificate.pk}/transitions/withdraw/", {"comment": "x"}
    )
    assert response.status_code == 404


def test_the_holder_is_offered_to_appeal_a_suspension(
    client, certificate, cb_staff, enterprise_user
):
    link = f"/appeals/new/?certificate={certificate.pk}"
    client.force_login(enterprise_user)
    assert link not in client.get(f"/certificates/{certificate.pk}/").text
    certificate_suspend(
        certificate=certificate,
        by=cb_staff,
        comment="Tạm dừng.",
        until=today() + datetime.timedelta(days=30),
    )
    assert link in client.get(f"/certificates/{certificate.pk}/").text


def test_the_certificate_file_renders_in_english(client, certificate, cb_staff):
    client.force_login(cb_staff)
    client.cookies["django_language"] = "en"
    response = client.get(f"/certificates/{certificate.pk}/")
    assert 'lang="en"' in response.text
    assert "Scope of certification" in response.text
    assert "Valid" in response.text
    assert "Suspend" in response.text


def test_the_certificate_file_makes_the_same_number_of_queries_with_more_versions_and_audits(
    client, certificate, cb_staff, decider, lead_assessor
):
    client.force_login(cb_staff)
    second = reissue(certificate, decider)
    client.get(f"/certificates/{second.pk}/")
    few = queries(client, f"/certificates/{second.pk}/")
    fourth = reissue(reissue(second, decider), decider)
    planned_audit(staff=cb_staff, lead=lead_assessor, certificate=fourth, kind="surveillance")
    planned_audit(staff=cb_staff, lead=lead_assessor, certificate=fourth, kind="special")
    document_generate_certificate(certificate_id=fourth.pk)
    assert queries(client, f"/certificates/{fourth.pk}/") == few
