"""Pages of applications: list, form, detail with transitions, decision maker, decision page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from certification.models import Application, Certificate, Role
from certification.services import (
    application_create,
    application_start_review,
    application_submit,
    application_update_scope,
)
from certification.tests.conftest import SCOPE
from certification.tests.factories import EnterpriseFactory, UserFactory, attach_documents, grant
from core.tests.api_helpers import api_as
from core.workflow import blocker

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def english(client):
    client.cookies["django_language"] = "en"
    return client


def url(application, suffix=""):
    return f"/applications/{application.pk}/{suffix}"


# --- List -------------------------------------------------------------------------------------


def test_the_enterprise_sees_its_applications_listed_in_vietnamese(client, enterprise_user, draft):
    client.force_login(enterprise_user)
    response = client.get("/applications/")
    assert response.status_code == 200
    assert draft.number in response.text
    assert "Bản nháp" in response.text


def test_another_enterprise_and_an_outsider_see_an_empty_list(
    client, draft, other_enterprise_user, outsider
):
    for user in (other_enterprise_user, outsider):
        client.force_login(user)
        response = client.get("/applications/")
        assert response.status_code == 200
        assert draft.number not in response.text
        assert 'class="empty-state"' in response.text


def test_the_list_filters_by_state_and_searches_by_number_and_tax_code(
    client, cb_staff, submitted, enterprise, body, scheme, admin_user
):
    company = EnterpriseFactory(province=enterprise.province, name="Công ty Hồ tiêu Chư Pưh")
    user = grant(UserFactory(), Role.ENTERPRISE, company, by=admin_user)
    other = application_create(enterprise=company, body=body, scheme=scheme, by=user, **SCOPE)
    client.force_login(cb_staff)
    # An enterprise's draft is its own until submitted: the body does not find it.
    assert other.number not in client.get(f"/applications/?q={company.tax_code}").text
    application_submit(application=other, by=user)
    application_start_review(application=other, by=cb_staff)
    by_state = client.get("/applications/?state=submitted").text
    assert submitted.number in by_state and other.number not in by_state
    by_tax_code = client.get(f"/applications/?q={company.tax_code}").text
    assert other.number in by_tax_code and submitted.number not in by_tax_code
    by_number = client.get(f"/applications/?q={submitted.number}").text
    assert submitted.number in by_number and other.number not in by_number
    nothing = client.get("/applications/?q=không-có-gì")
    assert 'class="empty-state"' in nothing.text


def test_the_filters_do_not_list_every_enterprise_and_a_linked_enterprise_is_named(
    client, cb_staff, submitted, enterprise, body, scheme, admin_user
):
    companies = [
        EnterpriseFactory(province=enterprise.province, name=f"Công ty Nông sản {n}")
        for n in range(5)
    ]
    for company in companies:
        user = grant(UserFactory(), Role.ENTERPRISE, company, by=admin_user)
        application_create(enterprise=company, body=body, scheme=scheme, by=user, **SCOPE)
    client.force_login(cb_staff)
    page = client.get("/applications/").text
    # The enterprise is typed into the search box: no option per enterprise on the page.
    assert 'name="enterprise"' not in page
    assert "Công ty Nông sản 3</option>" not in page
    linked = client.get(f"/applications/?enterprise={enterprise.pk}").text
    assert 'id="f-enterprise"' in linked and str(enterprise) in linked
    assert submitted.number in linked
    assert "Công ty Nông sản 3" not in linked


def test_the_list_is_paginated(client, enterprise_user, enterprise, body, scheme):
    for _ in range(27):
        application_create(enterprise=enterprise, body=body, scheme=scheme, by=enterprise_user)
    client.force_login(enterprise_user)
    first, second = client.get("/applications/").text, client.get("/applications/?page=2").text
    assert first.count('href="/applications/') - second.count('href="/applications/') == 23
    assert "page=2" in first


def test_the_list_renders_in_english(client, enterprise_user, draft):
    client.force_login(enterprise_user)
    response = english(client).get("/applications/")
    assert 'lang="en"' in response.text
    assert "Draft" in response.text


def test_the_list_queries_do_not_grow_with_the_applications(
    client, enterprise_user, enterprise, body, scheme
):
    application_create(enterprise=enterprise, body=body, scheme=scheme, by=enterprise_user)
    client.force_login(enterprise_user)
    client.get("/applications/")
    small = queries(client, "/applications/")
    for _ in range(10):
        application_create(enterprise=enterprise, body=body, scheme=scheme, by=enterprise_user)
    assert queries(client, "/applications/") == small


# --- Form -------------------------------------------------------------------------------------


FORM = {
    "kind": "initial",
    "product_name": ["Cà phê nhân Robusta", "", "Cà phê bột 500 g"],
    "product_gtin": ["8934567000017", "", ""],
    "site_name": ["Nhà máy Chư Sê"],
    "site_address": ["Quốc lộ 14"],
    "stages": ["processing", "packing"],
    "sector_standard": "TCVN 12827:2023",
}


def test_an_enterprise_user_opens_an_application_with_its_scope(
    client, enterprise_user, enterprise, body, scheme
):
    client.force_login(enterprise_user)
    page = client.get("/applications/new/")
    assert page.status_code == 200
    assert "công đoạn trong chuỗi cung ứng".capitalize() in page.text
    response = client.post(
        "/applications/new/",
        {**FORM, "enterprise": enterprise.pk, "body": body.pk, "scheme": scheme.pk},
    )
    application = Application.objects.get(enterprise=enterprise)
    assert response.status_code == 302
    assert response["Location"] == url(application)
    assert application.products == [
        {"name": "Cà phê nhân Robusta", "gtin": "8934567000017"},
        {"name": "Cà phê bột 500 g", "gtin": ""},
    ]
    assert application.sites == [{"name": "Nhà máy Chư Sê", "address": "Quốc lộ 14"}]
    assert application.stages == ["processing", "packing"]
    assert not application.filed_by_body


def test_an_enterprise_applies_for_the_transfer_of_another_bodys_certificate(
    client, enterprise_user, enterprise, body, scheme
):
    client.force_login(enterprise_user)
    assert "tổ chức chứng nhận trước".capitalize() in client.get("/applications/new/").text
    response = client.post(
        "/applications/new/",
        {
            **FORM,
            "enterprise": enterprise.pk,
            "body": body.pk,
            "scheme": scheme.pk,
            "kind": "transfer",
            "previous_body_name": "QUACERT",
            "previous_certificate_number": "QUACERT-TXNG-2025-0042",
            "previous_certificate_valid_until": "2028-06-30",
        },
    )
    assert response.status_code == 302
    application = Application.objects.get(enterprise=enterprise)
    assert (application.kind, application.renews, application.previous_body_name) == (
        "transfer",
        None,
        "QUACERT",
    )
    assert application.previous_certificate_valid_until.isoformat() == "2028-06-30"
    page = client.get(url(application)).text
    assert 'id="transfer-previous"' in page and "QUACERT-TXNG-2025-0042" in page
    assert "previous_certificate" in application.missing_document_types()


def test_the_form_shows_the_services_errors_next_to_the_products(
    client, enterprise_user, enterprise, body, scheme
):
    client.force_login(enterprise_user)
    response = client.post(
        "/applications/new/",
        {
            **FORM,
            "product_gtin": ["8934567000018", "", ""],
            "enterprise": enterprise.pk,
            "body": body.pk,
            "scheme": scheme.pk,
        },
    )
    assert response.status_code == 400
    assert "8934567000018" in response.text
    assert 'role="alert"' in response.text
    assert not Application.objects.exists()


def test_an_officer_files_an_application_received_on_paper(
    client, cb_staff, enterprise, body, scheme
):
    client.force_login(cb_staff)
    assert client.get("/applications/new/").status_code == 200
    response = client.post(
        "/applications/new/",
        {**FORM, "enterprise": enterprise.pk, "body": body.pk, "scheme": scheme.pk},
    )
    assert response.status_code == 302
    assert Application.objects.get(enterprise=enterprise).filed_by_body


def test_someone_without_an_applying_role_may_not_open_the_form(client, regulator, decider):
    for user in (regulator, decider):
        client.force_login(user)
        assert client.get("/applications/new/").status_code == 403


def test_the_applicant_edits_the_scope_of_a_draft(client, enterprise_user, draft):
    client.force_login(enterprise_user)
    page = client.get(url(draft, "edit/"))
    assert page.status_code == 200
    assert "8934567000017" in page.text
    response = client.post(
        url(draft, "edit/"),
        {
            "product_name": ["Hạt tiêu đen"],
            "product_gtin": ["8934567000017"],
            "site_name": ["Kho Ia Grai"],
            "site_address": [""],
            "stages": ["storage"],
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.products == [{"name": "Hạt tiêu đen", "gtin": "8934567000017"}]
    assert draft.stages == ["storage"]


def test_editing_is_refused_to_others_and_after_submission(
    client, draft, other_enterprise_user, cb_staff, enterprise_user
):
    client.force_login(other_enterprise_user)
    assert client.get(url(draft, "edit/")).status_code == 404
    client.force_login(cb_staff)  # the enterprise's draft is not the body's to see yet
    assert client.get(url(draft, "edit/")).status_code == 404
    attach_documents(draft, [], by=enterprise_user)
    client.force_login(enterprise_user)
    client.post(url(draft, "transitions/submit/"))
    assert client.get(url(draft, "edit/")).status_code == 409


def test_a_product_row_is_added_with_htmx(client, enterprise_user):
    client.force_login(enterprise_user)
    response = client.get("/applications/scope-row/?kind=product", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'name="product_gtin"' in response.text


def test_the_form_renders_in_english(client, enterprise_user):
    client.force_login(enterprise_user)
    response = english(client).get("/applications/new/")
    assert "Supply-chain stages" in response.text


# --- Detail and transitions ------------------------------------------------------------------


def test_the_detail_shows_scope_missing_documents_and_actions_in_vietnamese(
    client, enterprise_user, enterprise, body, scheme
):
    scheme.required_document_types = ["business_registration", "traceability_procedure"]
    scheme.save()
    draft = application_create(
        enterprise=enterprise, body=body, scheme=scheme, by=enterprise_user, **SCOPE
    )
    attach_documents(draft, ["business_registration"], by=enterprise_user)
    client.force_login(enterprise_user)
    response = client.get(url(draft))
    assert response.status_code == 200
    text = response.text
    assert "8934567000017" in text and "TCVN 12827:2023" in text
    assert "Bản nháp" in text and "Tài liệu" in text
    with translation.override("vi"):
        reason = blocker(draft, "submit").message
    assert reason in text  # the submit button is disabled with the reason
    assert f'action="/applications/{draft.pk}/transitions/withdraw/"' in text


def test_the_detail_is_hidden_from_another_enterprise_and_outsiders(
    client, draft, other_enterprise_user, outsider
):
    for user in (other_enterprise_user, outsider):
        client.force_login(user)
        assert client.get(url(draft)).status_code == 404


def test_the_detail_renders_in_english(client, enterprise_user, draft):
    client.force_login(enterprise_user)
    response = english(client).get(url(draft))
    assert "Required documents" in response.text and "Draft" in response.text


def test_the_detail_queries_do_not_grow_with_history_and_documents(client, enterprise_user, draft):
    client.force_login(enterprise_user)
    client.get(url(draft))
    small = queries(client, url(draft))
    for n in range(6):
        application_update_scope(application=draft, by=enterprise_user, scope_note=f"Phiên bản {n}")
    attach_documents(
        draft, ["business_registration", "scope_statement", "general"], by=enterprise_user
    )
    assert queries(client, url(draft)) == small


def test_submitting_without_the_required_documents_is_refused_with_the_reason(
    client, enterprise_user, enterprise, body, scheme
):
    scheme.required_document_types = ["business_registration"]
    scheme.save()
    draft = application_create(
        enterprise=enterprise, body=body, scheme=scheme, by=enterprise_user, **SCOPE
    )
    client.force_login(enterprise_user)
    response = client.post(url(draft, "transitions/submit/"))
    assert response.status_code == 409
    with translation.override("vi"):
        assert blocker(draft, "submit").message in response.text
    draft.refresh_from_db()
    assert draft.state == Application.State.DRAFT
    client.post(
        "/documents/upload/",
        {
            "owner_type": "application",
            "owner_id": draft.pk,
            "doc_type": "business_registration",
            "file": SimpleUploadedFile("dkkd.pdf", PDF),
        },
    )
    assert client.post(url(draft, "transitions/submit/")).status_code == 302
    draft.refresh_from_db()
    assert draft.state == Application.State.SUBMITTED


def test_a_transition_the_user_may_not_make_is_forbidden(client, enterprise_user, submitted):
    client.force_login(enterprise_user)
    assert client.post(url(submitted, "transitions/start_review/")).status_code == 403


def test_an_outsider_cannot_reach_a_transition(client, outsider, submitted):
    client.force_login(outsider)
    assert client.post(url(submitted, "transitions/start_review/")).status_code == 404


def test_the_officer_reviews_and_accepts_with_the_contract_reference(
    client, cb_staff, submitted, registration
):
    client.force_login(cb_staff)
    assert client.post(url(submitted, "transitions/start_review/")).status_code == 302
    missing = client.post(url(submitted, "transitions/accept/"), {"contract_reference": "HĐ-1"})
    assert missing.status_code == 400
    response = client.post(
        url(submitted, "transitions/accept/"),
        {"contract_reference": "HĐ-2026/015", "scope_within_competence": "true"},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == Application.State.IN_EVALUATION
    assert submitted.contract_reference == "HĐ-2026/015"


def test_the_officer_assigns_a_decision_maker_of_the_body(
    client, cb_staff, in_evaluation, decider, enterprise_user
):
    client.force_login(cb_staff)
    page = client.get(url(in_evaluation))
    assert decider.get_full_name() in page.text
    response = client.post(url(in_evaluation, "decision-maker/"), {"decision_maker": decider.pk})
    assert response.status_code == 302
    in_evaluation.refresh_from_db()
    assert in_evaluation.decision_maker == decider
    assert (
        client.post(url(in_evaluation, "decision-maker/"), {"decision_maker": 0}).status_code == 400
    )
    client.force_login(enterprise_user)
    forbidden = client.post(url(in_evaluation, "decision-maker/"), {"decision_maker": decider.pk})
    assert forbidden.status_code == 403


# --- Decision page ----------------------------------------------------------------------------


def test_the_decision_maker_sees_the_file_and_grants(client, decider, decision_pending):
    client.force_login(decider)
    page = client.get(url(decision_pending, "decision/"))
    assert page.status_code == 200
    assert "Hồ sơ đầy đủ, đề nghị cấp." in page.text  # the technical review note
    assert "Cấp chứng nhận" in page.text
    assert "thử truy xuất".capitalize() in page.text
    response = client.post(
        url(decision_pending, "transitions/grant/"), {"next": url(decision_pending, "decision/")}
    )
    assert response.status_code == 302
    certificate = Certificate.objects.get(application=decision_pending)
    assert certificate.number in client.get(url(decision_pending, "decision/")).text


def test_refusing_needs_the_reasons(client, decider, decision_pending):
    client.force_login(decider)
    assert client.post(url(decision_pending, "transitions/refuse/")).status_code == 400
    response = client.post(url(decision_pending, "transitions/refuse/"), {"comment": "Thiếu."})
    assert response.status_code == 302
    decision_pending.refresh_from_db()
    assert decision_pending.state == Application.State.REFUSED


def test_a_decision_maker_on_an_audit_team_is_refused_with_the_reason(
    client, decision_pending, lead_assessor, admin_user, body
):
    grant(lead_assessor, Role.DECISION_MAKER, body, by=admin_user)
    client.force_login(lead_assessor)
    page = client.get(url(decision_pending, "decision/"))
    assert "disabled" in page.text
    assert client.post(url(decision_pending, "transitions/grant/")).status_code == 403


def test_the_decision_page_is_for_the_body_only(
    client, decision_pending, enterprise_user, outsider
):
    client.force_login(enterprise_user)
    assert client.get(url(decision_pending, "decision/")).status_code == 403
    client.force_login(outsider)
    assert client.get(url(decision_pending, "decision/")).status_code == 404


def test_the_decision_page_renders_in_english(client, decider, decision_pending):
    client.force_login(decider)
    response = english(client).get(url(decision_pending, "decision/"))
    assert "Grant certification" in response.text


def _file_ready_for_decision(enterprise, user, body, scheme, staff, lead, *, findings: int):
    """An application whose stage 2 audit carries `findings` observations (acknowledged) and
    as many trace tests, reviewed and waiting for a decision."""
    from audits.services import audit_approve_report, finding_acknowledge, finding_raise
    from audits.tests.factories import (
        application_in_evaluation,
        closed_audit,
        record_trace_test,
        started_audit,
        submit_report,
    )
    from certification.services import application_submit_for_decision

    application = application_in_evaluation(
        enterprise=enterprise, body=body, scheme=scheme, enterprise_user=user, cb_staff=staff
    )
    closed_audit(staff=staff, lead=lead, application=application, kind="stage1")
    stage2 = started_audit(staff=staff, lead=lead, application=application, kind="stage2")
    for n in range(max(findings, 1)):
        record_trace_test(stage2, lead, lot=f"L2026-{n:03d}")
    for n in range(findings):
        finding = finding_raise(
            audit=stage2, by=lead, severity="observation", description=f"Quan sát {n}"
        )
        finding_acknowledge(finding=finding, by=lead)
    submit_report(stage2, lead)
    audit_approve_report(audit=stage2, by=staff)
    return application_submit_for_decision(
        application=application, by=staff, technical_review_note="Đủ điều kiện."
    )


def test_the_decision_page_queries_do_not_grow_with_findings_and_trace_tests(
    client,
    decider,
    enterprise,
    enterprise_user,
    other_enterprise,
    other_enterprise_user,
    body,
    scheme,
    registration,
    cb_staff,
    lead_assessor,
):
    small_file = _file_ready_for_decision(
        enterprise, enterprise_user, body, scheme, cb_staff, lead_assessor, findings=0
    )
    large_file = _file_ready_for_decision(
        other_enterprise, other_enterprise_user, body, scheme, cb_staff, lead_assessor, findings=4
    )
    client.force_login(decider)
    client.get(url(small_file, "decision/"))
    small = queries(client, url(small_file, "decision/"))
    assert queries(client, url(large_file, "decision/")) == small


# --- Drafts are the enterprise's own until submitted ----------------------------------------------


@pytest.mark.parametrize("who", ["cb_staff", "decider", "regulator"])
def test_an_unsubmitted_draft_is_invisible_to_the_body_and_the_regulator_until_submitted(
    client, draft, enterprise_user, who, request
):
    someone = request.getfixturevalue(who)
    client.force_login(someone)
    assert draft.number not in client.get("/applications/").text
    assert client.get(url(draft)).status_code == 404
    api = api_as(someone)
    listed = api.get("/api/v1/applications/").json()
    assert draft.pk not in [row["id"] for row in listed["results"]]
    assert api.get(f"/api/v1/applications/{draft.pk}/").status_code == 404
    # Once submitted, the file is the body's (and the province's) to see.
    application_submit(application=draft, by=enterprise_user)
    client.force_login(someone)
    assert client.get(url(draft)).status_code == 200
    assert draft.number in client.get("/applications/").text


def test_a_draft_the_body_files_on_paper_is_the_bodys_from_the_start(
    client, cb_staff, enterprise, body, scheme
):
    application = application_create(
        enterprise=enterprise, body=body, scheme=scheme, by=cb_staff, **SCOPE
    )
    assert application.filed_by_body
    client.force_login(cb_staff)
    assert client.get(url(application)).status_code == 200


# --- Error summary, step indicator, what happens next ---------------------------------------------


def test_a_long_form_with_errors_starts_with_a_summary_linking_to_each_field(
    client, enterprise_user, enterprise, body, scheme
):
    client.force_login(enterprise_user)
    response = client.post(
        "/applications/new/",
        {**FORM, "body": "", "scheme": scheme.pk},
    )
    assert response.status_code == 400
    text = response.text
    summary = text[
        text.index("data-error-summary") : text.index("</ul>", text.index("data-error-summary"))
    ]
    assert "Vui lòng sửa" in summary
    assert 'href="#id_body"' in summary  # the missing body, linked to its field
    assert text.index("data-error-summary") < text.index('name="body"')


def test_the_application_page_shows_its_step_and_who_acts_next(
    client, enterprise_user, draft, submitted, cb_staff
):
    client.force_login(enterprise_user)
    text = client.get(url(submitted)).text
    steps = text[text.index('id="application-steps"') :]
    current = steps[: steps.index('aria-current="step"')]
    assert current.count('data-status="done"') == 1  # filed
    assert "Xem xét hồ sơ" in steps[steps.index('aria-current="step"') :][:400]
    assert "cán bộ của tổ chức chứng nhận xem xét hồ sơ" in steps
    assert submitted.submitted_at.strftime("%d/%m/%Y") in steps


def test_after_a_transition_the_message_says_what_happens_next(client, enterprise_user, draft):
    client.force_login(enterprise_user)
    response = client.post(url(draft, "transitions/submit/"), follow=True)
    assert "Đã thực hiện: Nộp." in response.text
    assert "Tiếp theo: Tổ chức chứng nhận xem xét hồ sơ" in response.text
