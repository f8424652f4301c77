"""Appeal pages (enterprise, officers, decision makers) and complaint handling (officers)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certification.models import Appeal, Complaint, Role
from certification.services import appeal_lodge, certificate_suspend, complaint_lodge
from certification.tests.factories import BodyFactory, UserFactory, grant
from core.clock import today

pytestmark = pytest.mark.django_db


@pytest.fixture
def suspended_certificate(certificate, cb_staff):
    return certificate_suspend(
        certificate=certificate,
        by=cb_staff,
        comment="Không duy trì hệ thống TXNG.",
        until=today() + datetime.timedelta(days=60),
    )


@pytest.fixture
def appeal(suspended_certificate, enterprise_user):
    return appeal_lodge(
        by=enterprise_user,
        subject=Appeal.Subject.SUSPENSION,
        grounds="Chúng tôi đã khắc phục trước khi bị đình chỉ.",
        certificate=suspended_certificate,
    )


@pytest.fixture
def complaint(certificate):
    return complaint_lodge(
        body=certificate.body,
        complainant_email="nguoimua@example.vn",
        complainant_name="Trần Thị B",
        subject="Tem truy xuất không khớp",
        description="Mã QR dẫn tới lô khác.",
        certificate=certificate,
    )


def query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


# --- Lodging an appeal --------------------------------------------------------------------


def test_the_enterprise_appeals_a_suspension_from_its_certificate(
    client, suspended_certificate, enterprise_user
):
    client.force_login(enterprise_user)
    url = f"/appeals/new/?certificate={suspended_certificate.pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["subject"] == Appeal.Subject.SUSPENSION
    assert suspended_certificate.number in page.text
    response = client.post(url, {"grounds": "Đã khắc phục toàn bộ."})
    appeal = Appeal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/appeals/{appeal.pk}/"
    assert appeal.subject == Appeal.Subject.SUSPENSION
    assert appeal.certificate == suspended_certificate
    assert appeal.lodged_by == enterprise_user


def test_the_enterprise_appeals_a_refusal_from_its_application(
    client, refused_application, enterprise_user
):
    client.force_login(enterprise_user)
    url = f"/appeals/new/?application={refused_application.pk}"
    assert client.get(url).context["subject"] == Appeal.Subject.REFUSAL
    response = client.post(url, {"grounds": "Lô hàng đã được truy xuất đầy đủ."})
    assert response.status_code == 302
    assert Appeal.objects.get().application == refused_application


def test_an_appeal_without_grounds_is_not_lodged(client, suspended_certificate, enterprise_user):
    client.force_login(enterprise_user)
    response = client.post(f"/appeals/new/?certificate={suspended_certificate.pk}", {})
    assert response.status_code == 200
    assert "grounds" in response.context["form"].errors
    assert not Appeal.objects.exists()


def test_an_active_certificate_has_no_decision_to_appeal(client, certificate, enterprise_user):
    client.force_login(enterprise_user)
    url = f"/appeals/new/?certificate={certificate.pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["subject"] == ""
    assert 'name="grounds"' not in page.text
    response = client.post(url, {"grounds": "?"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Appeal.objects.exists()


def test_another_enterprise_cannot_find_the_certificate_to_appeal(
    client, suspended_certificate, other_enterprise_user
):
    client.force_login(other_enterprise_user)
    url = f"/appeals/new/?certificate={suspended_certificate.pk}"
    assert client.get(url).status_code == 404


def test_body_staff_may_not_appeal_for_the_enterprise(client, suspended_certificate, cb_staff):
    client.force_login(cb_staff)
    url = f"/appeals/new/?certificate={suspended_certificate.pk}"
    assert client.get(url).status_code == 403
    assert client.post(url, {"grounds": "x"}).status_code == 403


def test_the_appeal_form_needs_what_is_appealed(client, enterprise_user):
    client.force_login(enterprise_user)
    assert client.get("/appeals/new/").status_code == 404
    assert client.get("/appeals/new/?certificate=abc").status_code == 404


def test_the_appeal_form_renders_in_english(client, suspended_certificate, enterprise_user):
    client.force_login(enterprise_user)
    client.cookies["django_language"] = "en"
    response = client.get(f"/appeals/new/?certificate={suspended_certificate.pk}")
    assert "Lodge an appeal" in response.text
    assert "Suspension of the certificate" in response.text


# --- Appeal list and file -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["enterprise_user", "cb_staff", "decider"])
def test_the_enterprise_and_the_body_see_the_appeal(client, appeal, who, request):
    client.force_login(request.getfixturevalue(who))
    listing = client.get("/appeals/")
    assert listing.status_code == 200
    assert f"/appeals/{appeal.pk}/" in listing.text
    page = client.get(f"/appeals/{appeal.pk}/")
    assert page.status_code == 200
    assert 'lang="vi"' in page.text
    assert "Chúng tôi đã khắc phục trước khi bị đình chỉ." in page.text
    assert "Đã tiếp nhận" in page.text or appeal.get_state_display() in page.text


@pytest.mark.parametrize("who", ["other_enterprise_user", "outsider", "lead_assessor"])
def test_others_do_not_find_the_appeal(client, appeal, who, request):
    client.force_login(request.getfixturevalue(who))
    assert f"/appeals/{appeal.pk}/" not in client.get("/appeals/").text
    assert client.get(f"/appeals/{appeal.pk}/").status_code == 404


def test_the_appeal_list_filters_by_state(client, appeal, cb_staff):
    client.force_login(cb_staff)
    assert f"/appeals/{appeal.pk}/" in client.get("/appeals/", {"state": "lodged"}).text
    other = client.get("/appeals/", {"state": "upheld"})
    assert f"/appeals/{appeal.pk}/" not in other.text
    assert "empty-state" in other.text


def test_the_officer_chooses_among_decision_makers_who_had_no_part(
    client, appeal, cb_staff, decider, other_decider
):
    client.force_login(cb_staff)
    page = client.get(f"/appeals/{appeal.pk}/")
    handlers = page.context["handlers"]
    assert other_decider in handlers
    assert decider not in handlers  # granted the certificate appealed
    assert 'name="handler"' in page.text
    assert f'<option value="{other_decider.pk}">' in page.text


def test_an_appeal_is_considered_and_upheld_by_the_chosen_decision_maker(
    client, appeal, cb_staff, other_decider
):
    client.force_login(cb_staff)
    base = f"/appeals/{appeal.pk}/transitions/"
    response = client.post(base + "start_consideration/", {"handler": other_decider.pk})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.UNDER_CONSIDERATION
    assert appeal.handler == other_decider

    client.force_login(other_decider)
    response = client.post(base + "uphold/", {"comment": "Doanh nghiệp đã khắc phục."})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.UPHELD
    page = client.get(f"/appeals/{appeal.pk}/").text
    assert "Doanh nghiệp đã khắc phục." in page


def test_starting_consideration_without_a_decision_maker_is_refused_as_incomplete(
    client, appeal, cb_staff
):
    client.force_login(cb_staff)
    response = client.post(f"/appeals/{appeal.pk}/transitions/start_consideration/", {})
    assert response.status_code == 400
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.LODGED


def test_a_decision_maker_involved_in_the_decision_cannot_be_chosen(
    client, appeal, cb_staff, decider
):
    client.force_login(cb_staff)
    response = client.post(
        f"/appeals/{appeal.pk}/transitions/start_consideration/", {"handler": decider.pk}
    )
    assert response.status_code == 400
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.LODGED


def test_the_enterprise_may_not_start_the_consideration(
    client, appeal, enterprise_user, other_decider
):
    client.force_login(enterprise_user)
    response = client.post(
        f"/appeals/{appeal.pk}/transitions/start_consideration/", {"handler": other_decider.pk}
    )
    assert response.status_code == 403
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.LODGED


def test_only_the_chosen_decision_maker_decides(
    client, appeal, cb_staff, other_decider, body, admin_user
):
    third = grant(UserFactory(username="decider3"), Role.DECISION_MAKER, body, by=admin_user)
    client.force_login(cb_staff)
    client.post(
        f"/appeals/{appeal.pk}/transitions/start_consideration/", {"handler": other_decider.pk}
    )
    client.force_login(third)
    response = client.post(f"/appeals/{appeal.pk}/transitions/dismiss/", {"comment": "Không."})
    assert response.status_code == 403
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.UNDER_CONSIDERATION


def test_deciding_an_appeal_not_yet_under_consideration_is_refused_with_the_reason(
    client, appeal, decider
):
    client.force_login(decider)
    response = client.post(f"/appeals/{appeal.pk}/transitions/uphold/", {"comment": "Có."})
    assert response.status_code == 409
    assert response.context["message"] in response.text
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.LODGED


def test_the_appeal_pages_render_in_english(client, appeal, cb_staff):
    client.force_login(cb_staff)
    client.cookies["django_language"] = "en"
    assert "Appeals" in client.get("/appeals/").text
    page = client.get(f"/appeals/{appeal.pk}/").text
    assert 'lang="en"' in page
    assert "Start consideration" in page
    assert "Lodged" in page


def test_the_appeal_list_makes_the_same_number_of_queries_for_more_appeals(
    client, appeal, cb_staff, enterprise_user, suspended_certificate
):
    client.force_login(cb_staff)
    client.get("/appeals/")
    few = query_count(client, "/appeals/")
    for i in range(4):
        appeal_lodge(
            by=enterprise_user,
            subject=Appeal.Subject.SUSPENSION,
            grounds=f"Lý do bổ sung {i}.",
            certificate=suspended_certificate,
        )
    assert query_count(client, "/appeals/") == few


# --- Complaints (officers) ----------------------------------------------------------------


def test_body_staff_see_the_complaints_in_vietnamese(client, complaint, cb_staff):
    client.force_login(cb_staff)
    listing = client.get("/complaints/")
    assert listing.status_code == 200
    assert complaint.subject in listing.text
    page = client.get(f"/complaints/{complaint.pk}/")
    assert page.status_code == 200
    assert 'lang="vi"' in page.text
    assert "nguoimua@example.vn" in page.text
    assert complaint.certificate.number in page.text


# The enterprise complained of sees the complaint (test_complaints_followup); another does not.
@pytest.mark.parametrize(
    "who", ["other_enterprise_user", "decider", "lead_assessor", "regulator", "outsider"]
)
def test_others_do_not_find_the_complaint(client, complaint, who, request):
    client.force_login(request.getfixturevalue(who))
    assert complaint.subject not in client.get("/complaints/").text
    assert client.get(f"/complaints/{complaint.pk}/").status_code == 404


def test_another_bodys_officers_do_not_find_the_complaint(client, complaint, province, admin_user):
    stranger = grant(
        UserFactory(username="staff2"), Role.CB_STAFF, BodyFactory(province=province), by=admin_user
    )
    client.force_login(stranger)
    assert client.get(f"/complaints/{complaint.pk}/").status_code == 404


def test_the_complaint_list_filters_by_state(client, complaint, cb_staff):
    client.force_login(cb_staff)
    assert complaint.subject in client.get("/complaints/", {"state": "received"}).text
    other = client.get("/complaints/", {"state": "resolved"})
    assert complaint.subject not in other.text
    assert "empty-state" in other.text


def test_an_officer_acknowledges_and_resolves_a_complaint(client, complaint, cb_staff):
    client.force_login(cb_staff)
    base = f"/complaints/{complaint.pk}/transitions/"
    assert client.post(base + "acknowledge/").status_code == 302
    complaint.refresh_from_db()
    assert complaint.state == Complaint.State.INVESTIGATING
    assert client.post(base + "resolve/", {}).status_code == 400
    response = client.post(base + "resolve/", {"comment": "Đã đánh giá đột xuất, không vi phạm."})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.state == Complaint.State.RESOLVED
    assert complaint.resolution == "Đã đánh giá đột xuất, không vi phạm."
    assert "Đã đánh giá đột xuất, không vi phạm." in client.get(f"/complaints/{complaint.pk}/").text


def test_acknowledging_twice_is_refused_with_the_reason(client, complaint, cb_staff):
    client.force_login(cb_staff)
    base = f"/complaints/{complaint.pk}/transitions/"
    client.post(base + "acknowledge/")
    response = client.post(base + "acknowledge/")
    assert response.status_code == 409
    assert response.context["message"] in response.text


def test_an_officer_who_audited_the_client_may_not_handle_the_complaint(
    client, complaint, lead_assessor, body, admin_user
):
    grant(lead_assessor, Role.CB_STAFF, body, by=admin_user)
    client.force_login(lead_assessor)
    assert client.get(f"/complaints/{complaint.pk}/").status_code == 200
    response = client.post(f"/complaints/{complaint.pk}/transitions/acknowledge/")
    assert response.status_code == 403
    complaint.refresh_from_db()
    assert complaint.state == Complaint.State.RECEIVED


def test_the_complaint_pages_render_in_english(client, complaint, cb_staff):
    client.force_login(cb_staff)
    client.cookies["django_language"] = "en"
    assert "Complaints" in client.get("/complaints/").text
    page = client.get(f"/complaints/{complaint.pk}/").text
    assert 'lang="en"' in page
    assert "Acknowledge" in page
    assert "Received" in page


def test_the_complaint_list_makes_the_same_number_of_queries_for_more_complaints(
    client, complaint, cb_staff, certificate
):
    client.force_login(cb_staff)
    client.get("/complaints/")
    few = query_count(client, "/complaints/")
    for i in range(4):
        complaint_lodge(
            body=certificate.body,
            complainant_email=f"n{i}@example.vn",
            subject=f"Phản ánh {i}",
            description="Nội dung.",
            certificate=certificate,
        )
    assert query_count(client, "/complaints/") == few
