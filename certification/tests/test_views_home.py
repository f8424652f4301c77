"""The role home: each role's work list."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits.services import finding_raise, finding_respond
from audits.tests.factories import planned_audit, started_audit, submit_report
from certification.services import application_create, registration_create
from certification.tests.factories import BodyFactory, attach_documents
from core.clock import today

pytestmark = pytest.mark.django_db


def home_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/")
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_enterprise_home_lists_drafts_findings_to_answer_and_certificates(
    client, enterprise_user, certificate, enterprise, body, scheme
):
    draft = application_create(enterprise=enterprise, body=body, scheme=scheme, by=enterprise_user)
    client.force_login(enterprise_user)
    text = client.get("/").text
    assert draft.number in text
    assert certificate.number in text and "Còn hiệu lực" in text


def test_the_enterprise_home_shows_open_findings(
    client, enterprise_user, in_evaluation, cb_staff, lead_assessor
):
    audit = started_audit(staff=cb_staff, lead=lead_assessor, application=in_evaluation)
    finding = finding_raise(audit=audit, by=lead_assessor, severity="minor", description="Thiếu.")
    client.force_login(enterprise_user)
    assert f'href="/findings/{finding.pk}/"' in client.get("/").text


def test_the_enterprise_home_queries_do_not_grow(
    client, enterprise_user, enterprise, body, scheme, in_evaluation, cb_staff, lead_assessor
):
    audit = started_audit(staff=cb_staff, lead=lead_assessor, application=in_evaluation)
    finding_raise(audit=audit, by=lead_assessor, severity="minor", description="Thiếu 1.")
    application_create(enterprise=enterprise, body=body, scheme=scheme, by=enterprise_user)
    client.force_login(enterprise_user)
    client.get("/")
    small = home_queries(client)
    for n in range(5):
        application_create(enterprise=enterprise, body=body, scheme=scheme, by=enterprise_user)
        finding_raise(audit=audit, by=lead_assessor, severity="minor", description=f"Thiếu {n}.")
    assert home_queries(client) == small


def test_the_officer_home_lists_applications_to_review_and_reports_to_approve(
    client, cb_staff, in_evaluation, lead_assessor
):
    audit = started_audit(staff=cb_staff, lead=lead_assessor, application=in_evaluation)
    submit_report(audit, lead_assessor)
    client.force_login(cb_staff)
    text = client.get("/").text
    assert in_evaluation.number in text and "Đang đánh giá" in text
    assert f'href="/audits/{audit.pk}/"' in text and "Đã nộp báo cáo" in text


def test_the_assessor_home_lists_their_audits_and_responses_to_review(
    client, in_evaluation, cb_staff, lead_assessor, enterprise_user
):
    audit = started_audit(staff=cb_staff, lead=lead_assessor, application=in_evaluation)
    finding = finding_raise(audit=audit, by=lead_assessor, severity="minor", description="Thiếu.")
    finding_respond(
        finding=finding,
        by=enterprise_user,
        root_cause="a",
        correction="b",
        corrective_action="c",
        planned_completion=today(),
    )
    client.force_login(lead_assessor)
    text = client.get("/").text
    assert f'href="/audits/{audit.pk}/"' in text and "Đang thực hiện" in text
    assert f'href="/findings/{finding.pk}/"' in text and "Đã phản hồi" in text


def test_the_lead_home_lists_the_audit_they_lead_while_its_report_awaits_approval(
    client, in_evaluation, cb_staff, lead_assessor
):
    audit = started_audit(staff=cb_staff, lead=lead_assessor, application=in_evaluation)
    submit_report(audit, lead_assessor)
    client.force_login(lead_assessor)
    text = client.get("/").text
    assert f'href="/audits/{audit.pk}/"' in text and "Đã nộp báo cáo" in text
    assert 'data-role="lead"' in text and "Trưởng đoàn" in text
    assert "Hiện bạn không tham gia đoàn đánh giá nào." not in text


def test_the_assessor_home_queries_do_not_grow_with_their_audits(
    client, in_evaluation, cb_staff, lead_assessor, body, scheme, admin_user
):
    from audits.tests.factories import application_in_evaluation
    from certification.models import Role
    from certification.tests.factories import EnterpriseFactory, UserFactory, grant

    planned_audit(staff=cb_staff, lead=lead_assessor, application=in_evaluation)
    client.force_login(lead_assessor)
    client.get("/")
    small = home_queries(client)
    for _n in range(3):
        enterprise = EnterpriseFactory(province=body.province)
        user = grant(UserFactory(), Role.ENTERPRISE, enterprise, by=admin_user)
        application = application_in_evaluation(
            enterprise=enterprise, body=body, scheme=scheme, enterprise_user=user, cb_staff=cb_staff
        )
        planned_audit(staff=cb_staff, lead=lead_assessor, application=application)
    text = client.get("/").text
    assert text.count('data-role="lead"') == 4
    assert home_queries(client) == small


def test_an_assessor_sees_only_the_audits_they_are_on(
    client, in_evaluation, cb_staff, lead_assessor, body, admin_user
):
    from certification.models import Role
    from certification.tests.factories import UserFactory, grant

    other = grant(UserFactory(), Role.ASSESSOR, body, by=admin_user)
    audit = planned_audit(staff=cb_staff, lead=lead_assessor, application=in_evaluation)
    client.force_login(other)
    assert f'href="/audits/{audit.pk}/"' not in client.get("/").text


def test_the_decision_maker_home_lists_files_awaiting_a_decision(client, decider, decision_pending):
    client.force_login(decider)
    text = client.get("/").text
    assert decision_pending.number in text and "Chờ quyết định" in text


def test_the_regulator_home_lists_registrations_submitted_to_them(
    client, regulator, province, admin_user, scheme
):
    from certification.models import Role
    from certification.services import registration_submit
    from certification.tests.factories import UserFactory, grant

    other_body = BodyFactory(province=province, name="Trung tâm Kiểm định Tây Nguyên")
    staff = grant(UserFactory(), Role.CB_STAFF, other_body, by=admin_user)
    registration = registration_create(
        body=other_body, scheme=scheme, jurisdiction=province, by=staff
    )
    attach_documents(registration, ["quality_manual", "assessor_list", "legal_documents"], by=staff)
    registration_submit(registration=registration, by=staff)
    client.force_login(regulator)
    text = client.get("/").text
    assert "Trung tâm Kiểm định Tây Nguyên" in text and "Đã nộp" in text


def test_the_home_renders_in_english(client, enterprise_user, draft):
    client.force_login(enterprise_user)
    client.cookies["django_language"] = "en"
    text = client.get("/").text
    assert draft.number in text and "Draft" in text
