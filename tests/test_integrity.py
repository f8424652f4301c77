"""Issue 14, certification integrity: one test (at least) per numbered problem, each showing
what an accreditation assessor would have found, and that it no longer happens."""

import datetime
import io

import docx
import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits.services import audit_approve_report, finding_raise
from audits.tests.factories import (
    application_in_evaluation,
    certify,
    closed_audit,
    record_trace_test,
    started_audit,
    submit_report,
)
from certification.models import Application, Certificate, Decision, Membership, Role
from certification.services import application_refuse, application_submit_for_decision
from certification.tests.factories import SchemeFactory, registered_body
from core.clock import as_of, today
from documents.generation.certificate import render_certificate
from documents.generation.decision import render_decision

pytestmark = pytest.mark.django_db


def docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)


@pytest.fixture
def scheme(db):
    return SchemeFactory()


@pytest.fixture
def registration(body, scheme, regulator, cb_staff):
    return registered_body(body, scheme, regulator=regulator, staff=cb_staff)


@pytest.fixture
def walk(enterprise, body, scheme, registration, enterprise_user, cb_staff, lead_assessor, decider):
    """Helpers that walk applications through the services as the cast would."""

    class Walk:
        def in_evaluation(self, **kwargs) -> Application:
            return application_in_evaluation(
                enterprise=enterprise,
                body=body,
                scheme=scheme,
                enterprise_user=enterprise_user,
                cb_staff=cb_staff,
                **kwargs,
            )

        def certified(self, **scope) -> Certificate:
            return certify(
                self.in_evaluation(**scope), staff=cb_staff, lead=lead_assessor, decider=decider
            )

    return Walk()


# --- Problem 4: the documents are not finished -------------------------------------------


def test_4_every_grant_gets_the_next_decision_number_of_the_body_for_the_year(walk, body):
    first = walk.certified()
    second = walk.certified()
    year = first.decision.decided_on.year
    assert first.decision.number == f"1/{year}/QĐ-{body.code}"
    assert second.decision.number == f"2/{year}/QĐ-{body.code}"


def test_4_a_refusal_is_numbered_from_the_same_series(walk, body, cb_staff, lead_assessor, decider):
    granted = walk.certified()
    application = walk.in_evaluation()
    closed_audit(staff=cb_staff, lead=lead_assessor, application=application, kind="stage1")
    closed_audit(staff=cb_staff, lead=lead_assessor, application=application, kind="stage2")
    application_submit_for_decision(
        application=application, by=cb_staff, technical_review_note="Xem xét xong."
    )
    application_refuse(application=application, by=decider, comment="Không đạt yêu cầu C-10.")
    refusal = Decision.objects.get(application=application)
    year = refusal.decided_on.year
    assert granted.decision.number == f"1/{year}/QĐ-{body.code}"
    assert refusal.number == f"2/{year}/QĐ-{body.code}"
    assert f"Số: 2/{year}/QĐ-{body.code}" in docx_text(render_decision(refusal))


def test_4_certificate_and_decision_carry_number_sector_standard_initial_date_and_signer_title(
    walk, body, decider
):
    Membership.objects.filter(user=decider, role=Role.DECISION_MAKER).update(title="Phó Giám đốc")
    body.accreditation_body = "Văn phòng Công nhận Chất lượng (BoA)"
    body.accreditation_number = "VICAS 123-PRO"
    body.save(update_fields=["accreditation_body", "accreditation_number"])
    certificate = walk.certified()
    decision = certificate.decision
    assert (decision.signer_name, decision.signer_title) == (
        decider.get_full_name(),
        "Phó Giám đốc",
    )

    certificate_text = docx_text(render_certificate(certificate))
    assert decision.number in certificate_text
    assert "…" not in certificate_text.split("Certification decision")[1].split("\n")[1]
    assert "TCVN 12827:2023" in certificate_text
    assert "Ngày chứng nhận lần đầu / Initial certification date" in certificate_text
    assert "PHÓ GIÁM ĐỐC" in certificate_text and decider.get_full_name() in certificate_text
    assert "VICAS 123-PRO" in certificate_text
    assert "GIẤY CHỨNG NHẬN HỢP CHUẨN" in certificate_text

    decision_text = docx_text(render_decision(decision, certificate))
    assert f"Số: {decision.number}" in decision_text
    assert "TCVN 12827:2023" in decision_text
    assert "PHÓ GIÁM ĐỐC" in decision_text
    assert "giấy chứng nhận hợp chuẩn" in decision_text


def test_4_a_recertified_certificate_keeps_the_initial_certification_date(
    walk, enterprise, body, scheme, enterprise_user, cb_staff, lead_assessor, decider
):
    first = walk.certified()
    with as_of(first.valid_until - relativedelta(months=3)):
        renewal = walk.in_evaluation(kind=Application.Kind.RECERTIFICATION, renews=first)
        closed_audit(
            staff=cb_staff, lead=lead_assessor, application=renewal, kind="recertification"
        )
        application_submit_for_decision(
            application=renewal, by=cb_staff, technical_review_note="Đạt."
        )
        from certification.services import application_grant

        second = application_grant(application=renewal, by=decider)
    assert second.valid_from != first.valid_from
    assert second.initially_certified_on == first.valid_from
    text = docx_text(render_certificate(second))
    assert f"{first.valid_from:%d/%m/%Y}" in text


def test_4_the_findings_report_is_regenerated_after_each_change_and_numbers_as_the_screens(
    walk, cb_staff, lead_assessor, enterprise_user, django_capture_on_commit_callbacks
):
    from audits.services import finding_accept_plan, finding_respond
    from documents.models import Document

    application = walk.in_evaluation()
    closed_audit(staff=cb_staff, lead=lead_assessor, application=application, kind="stage1")
    stage2 = started_audit(
        staff=cb_staff, lead=lead_assessor, application=application, kind="stage2"
    )
    record_trace_test(stage2, lead_assessor)
    minor = finding_raise(
        audit=stage2,
        by=lead_assessor,
        severity="minor",
        description="Phiếu xuất kho thiếu mã lô thành phẩm.",
    )
    submit_report(stage2, lead_assessor)
    with django_capture_on_commit_callbacks(execute=True):
        audit_approve_report(audit=stage2, by=cb_staff)
    reports = Document.objects.filter(doc_type="findings_report", object_id=str(stage2.pk))
    assert reports.count() == 1
    first = docx_text(reports.get().file.read())
    assert f"Finding {minor.reference}" in first and "Chưa trả lời / Open" in first

    with django_capture_on_commit_callbacks(execute=True):
        minor = finding_respond(
            finding=minor,
            by=enterprise_user,
            root_cause="Biểu mẫu cũ.",
            correction="Bổ sung mã lô.",
            corrective_action="Sửa biểu mẫu BM-07.",
            planned_completion=today() + datetime.timedelta(days=20),
        )
    with django_capture_on_commit_callbacks(execute=True):
        finding_accept_plan(finding=minor, by=lead_assessor)
    assert reports.count() == 3
    newest = reports.order_by("-version").first()
    text = docx_text(newest.file.read())
    assert "Đã chấp nhận kế hoạch / Plan accepted" in text
    assert "Chưa trả lời / Open" not in text
    assert f"#{minor.pk}" in text


# --- Problem 10: the legal bases of the decision ------------------------------------------


def test_10_the_decision_cites_the_updated_legal_bases_kept_in_the_scheme(walk, scheme):
    certificate = walk.certified()
    text = docx_text(render_decision(certificate.decision, certificate))
    assert "Luật Tiêu chuẩn và Quy chuẩn kỹ thuật số 68/2006/QH11" in text
    assert "05/2007/QH12" in text and "78/2025/QH15" in text
    assert "28/2012/TT-BKHCN" in text


def test_10_the_legal_bases_are_edited_in_the_scheme_and_each_decision_keeps_its_own(walk, scheme):
    before = walk.certified()
    scheme.legal_bases = ["Căn cứ Quyết định số 99/2026/QĐ-XYZ về một điều mới;"]
    scheme.save(update_fields=["legal_bases"])
    after = walk.certified()
    assert "99/2026/QĐ-XYZ" in docx_text(render_decision(after.decision, after))
    assert "99/2026/QĐ-XYZ" not in docx_text(render_decision(before.decision, before))


# --- Problem 1: lapsed certificates renewed without limit ----------------------------------


def expire(certificate: Certificate) -> Certificate:
    from certification.services import certificate_expire_due

    certificate_expire_due(certificate.valid_until)
    certificate.refresh_from_db()
    return certificate


def test_1_a_recertification_naming_a_certificate_expired_two_years_ago_is_refused_over_the_api(
    walk, enterprise, body, scheme, enterprise_user
):
    from core.tests.api_helpers import API, api_as

    lapsed = expire(walk.certified())
    with as_of(lapsed.expired_on + relativedelta(years=2)):
        response = api_as(enterprise_user).post(
            f"{API}/applications/",
            {
                "enterprise": enterprise.pk,
                "body": body.pk,
                "scheme": scheme.pk,
                "kind": "recertification",
                "renews": lapsed.pk,
                "products": [{"name": "Cà phê nhân", "gtin": "8934588012228"}],
                "sites": [{"name": "Nhà máy", "address": "Chư Sê"}],
                "stages": ["processing"],
            },
            format="json",
        )
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "recertification_window_passed"
    assert not Application.objects.filter(renews=lapsed).exists()


def test_1_the_application_page_offers_an_initial_application_past_the_window(
    client, walk, enterprise, body, scheme, enterprise_user
):
    lapsed = expire(walk.certified())
    client.force_login(enterprise_user)
    with as_of(lapsed.expired_on + relativedelta(months=7)):
        response = client.post(
            "/applications/new/",
            {
                "enterprise": enterprise.pk,
                "body": body.pk,
                "scheme": scheme.pk,
                "kind": "recertification",
                "renews": lapsed.pk,
                "product_name": "Cà phê nhân",
                "product_gtin": "8934588012228",
                "site_name": "Nhà máy",
                "site_address": "Chư Sê",
                "stages": ["processing"],
            },
            HTTP_ACCEPT_LANGUAGE="vi",
        )
    assert response.status_code == 409
    assert "Hãy đăng ký chứng nhận lần đầu" in response.content.decode()


# --- Problem 2: restoration is not a decision ----------------------------------------------


def test_2_an_officer_alone_cannot_restore_and_the_grant_restores_with_a_gap(
    client, walk, cb_staff, lead_assessor, decider
):
    from django.core.exceptions import PermissionDenied

    from certification.services import application_grant
    from core.workflow import execute

    lapsed = expire(walk.certified())
    day = lapsed.expired_on + relativedelta(months=1)
    with as_of(day):
        renewal = walk.in_evaluation(kind=Application.Kind.RECERTIFICATION, renews=lapsed)
        closed_audit(
            staff=cb_staff, lead=lead_assessor, application=renewal, kind="recertification"
        )
        with pytest.raises(PermissionDenied):
            execute(lapsed, "restore", by=cb_staff)
        application_submit_for_decision(
            application=renewal, by=cb_staff, technical_review_note="Đạt."
        )
        restored = application_grant(application=renewal, by=decider)
    restored.refresh_from_db()
    assert restored.valid_from == day  # not the original date: no continuous validity
    assert (restored.lapsed_from, restored.lapsed_until) == (lapsed.expired_on, day)
    renewal.refresh_from_db()
    assert renewal.state == Application.State.CERTIFIED
    page = client.get(f"/verify/{restored.number}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert f"hết hiệu lực từ {lapsed.expired_on:%d/%m/%Y} đến {day:%d/%m/%Y}" in page
    text = docx_text(render_certificate(restored))
    assert f"hết hiệu lực từ {lapsed.expired_on:%d/%m/%Y} đến {day:%d/%m/%Y}" in text
    decision_text = docx_text(render_decision(restored.decision, restored))
    assert "khôi phục hiệu lực" in decision_text


# --- Problem 3: a trace test passes without proving traceability ---------------------------

T0 = datetime.datetime(2026, 5, 4, 8, tzinfo=datetime.UTC)


@pytest.fixture
def stage2(walk, cb_staff, lead_assessor):
    application = walk.in_evaluation()
    closed_audit(staff=cb_staff, lead=lead_assessor, application=application, kind="stage1")
    return started_audit(staff=cb_staff, lead=lead_assessor, application=application, kind="stage2")


def direction(audit, by, name, *, hours, inputs=(), outputs=(), lot="L-29"):
    from audits.services import trace_test_record_direction

    return trace_test_record_direction(
        audit=audit,
        by=by,
        gtin="8934588012228",
        lot=lot,
        direction=name,
        started_at=T0,
        answered_at=T0 + datetime.timedelta(hours=hours),
        inputs=list(inputs),
        outputs=list(outputs),
        documents_shown="Phiếu nhập kho PN-102, hóa đơn HĐ-0456",
    )


def conclude(audit, by, lot="L-29"):
    from audits.services import trace_test_conclude

    return trace_test_conclude(audit=audit, by=by, gtin="8934588012228", lot=lot)


def test_3_a_backward_only_trace_taking_29_hours_fails_with_its_reasons_and_a_major(
    stage2, lead_assessor
):
    direction(
        stage2,
        lead_assessor,
        "backward",
        hours=29,
        inputs=[{"party": "HTX Ia Blang", "lot": "NL-7", "quantity": "1000"}],
    )
    trace = conclude(stage2, lead_assessor)
    assert trace.result == "fail"
    reasons = " ".join(trace.failure_reasons)
    assert "29.00" in reasons and "4" in reasons
    assert len(trace.failure_reasons) == 2  # no step forward; too slow
    assert trace.finding.severity == "major"
    assert trace.failure_reasons[0] in trace.finding.description
    assert trace.directions.count() == 1


def test_3_a_mass_balance_missing_60_percent_fails_even_within_time(stage2, lead_assessor):
    direction(stage2, lead_assessor, "backward", hours=1, inputs=[{"quantity": "1000"}])
    direction(
        stage2,
        lead_assessor,
        "forward",
        hours=2,
        outputs=[{"party": "Siêu thị A", "quantity": "300"}, {"party": "Kho", "quantity": "100"}],
    )
    trace = conclude(stage2, lead_assessor)
    assert trace.result == "fail"
    assert (trace.quantity_in, trace.quantity_out) == (1000, 400)
    assert "60.00" in trace.failure_reasons[0]
    assert trace.finding is not None


def test_3_the_mass_balance_tolerance_is_a_scheme_setting(stage2, lead_assessor, scheme):
    direction(stage2, lead_assessor, "backward", hours=1, inputs=[{"quantity": "1000"}])
    direction(stage2, lead_assessor, "forward", hours=1, outputs=[{"quantity": "970"}])
    scheme.trace_test_tolerance_percent = 5
    scheme.save(update_fields=["trace_test_tolerance_percent"])
    stage2.refresh_from_db()
    trace = conclude(stage2, lead_assessor)
    assert (trace.result, trace.failure_reasons, trace.finding) == ("pass", [], None)


def test_3_both_directions_in_time_and_in_balance_pass_and_evidence_is_attached(
    stage2, lead_assessor
):
    from documents.services import document_upload
    from documents.tests.factories import pdf

    direction(stage2, lead_assessor, "backward", hours=1, inputs=[{"quantity": "1200"}])
    direction(stage2, lead_assessor, "forward", hours=2, outputs=[{"quantity": "1190"}])
    trace = conclude(stage2, lead_assessor)
    assert trace.result == "pass"
    assert trace.direction == "both"
    evidence = document_upload(
        owner=trace, doc_type="evidence", file=pdf("truy-xuat-L29.pdf"), by=lead_assessor
    )
    assert evidence.object_id == trace.pk


def test_3_directions_and_conclusion_over_the_api(stage2, lead_assessor):
    from core.tests.api_helpers import API, api_as

    client = api_as(lead_assessor)
    base = f"{API}/audits/{stage2.pk}/trace-tests"
    for name, key, quantity in (("backward", "inputs", "500"), ("forward", "outputs", "200")):
        response = client.post(
            f"{base}/directions/",
            {
                "gtin": "8934588012228",
                "lot": "L-29",
                "direction": name,
                "started_at": T0.isoformat(),
                "answered_at": (T0 + datetime.timedelta(hours=1)).isoformat(),
                key: [{"party": "Đối tác", "quantity": quantity}],
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
    response = client.post(
        f"{base}/conclude/", {"gtin": "8934588012228", "lot": "L-29"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["result"] == "fail" and body["finding"]
    assert len(body["directions"]) == 2 and body["failure_reasons"]


# --- Problem 9: clause numbers printed as fact but inferred --------------------------------


def test_9_an_inferred_clause_is_printed_as_its_requirement_group_in_the_reports(
    stage2, lead_assessor
):
    from documents.generation.audit_report import audit_for_report, render_findings_report

    finding = finding_raise(
        audit=stage2,
        by=lead_assessor,
        severity="minor",
        description="Mã lô trên phiếu xuất không theo quy tắc.",
        clause_reference="TCVN 12850:2019 §5.3",
    )
    verified = finding_raise(
        audit=stage2,
        by=lead_assessor,
        severity="observation",
        description="Kế hoạch lưu trữ chưa tính tăng trưởng dữ liệu.",
        clause_reference="TCVN 12850:2019 §5.5.1",
    )
    assert (finding.clause_status, verified.clause_status) == ("inferred", "verified")
    text = docx_text(render_findings_report(audit_for_report(stage2.pk)))
    assert "TCVN 12850:2019 \u2013 yêu cầu về định danh" in text
    assert "§5.3" not in text
    assert "§5.5.1" in text


def test_9_checklist_items_carry_their_clause_status_from_the_imported_data(db):
    from django.core.management import call_command

    from checklists.models import ChecklistItem

    call_command("import_checklists", verbosity=0)
    items = ChecklistItem.objects.filter(template__code="tcvn-12850-2019-system")
    a01 = items.get(code="A-01")
    assert (a01.clause_status, a01.clause_printed) == (
        "inferred",
        "TCVN 12850:2019 \u2013 yêu cầu về phạm vi của hệ thống",
    )
    assert items.filter(clause_status="verified").exists()


# --- Problem 5: use of certificates and marks not controlled -------------------------------


def test_5_a_suspension_tells_the_holder_to_stop_using_the_certificate_by_a_deadline(
    client, walk, cb_staff, django_capture_on_commit_callbacks
):
    from certification.services import certificate_suspend, certificate_withdraw
    from core.tests.api_helpers import API
    from notifications.models import Notification

    certificate = walk.certified()
    with django_capture_on_commit_callbacks(execute=True):
        suspended = certificate_suspend(
            certificate=certificate,
            by=cb_staff,
            comment="Quá hạn khắc phục điểm không phù hợp nặng.",
            until=today() + relativedelta(months=2),
        )
    notice = suspended.stop_use_notices.get()
    deadline = today() + datetime.timedelta(days=suspended.scheme.stop_use_days)
    assert (notice.cause, notice.deadline) == ("suspension", deadline)
    page = client.get(f"/verify/{suspended.number}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'id="stop-use-notice"' in page and f"{deadline:%d/%m/%Y}" in page
    public = client.get(f"{API}/public/certificates/{suspended.number}/").json()
    assert public["stop_use_by"] == deadline.isoformat()
    assert Notification.objects.filter(body__icontains="ngừng sử dụng giấy chứng nhận").exists()

    withdrawn = certificate_withdraw(certificate=suspended, by=cb_staff, comment="Không khắc phục.")
    assert list(withdrawn.stop_use_notices.values_list("cause", flat=True)) == [
        "withdrawal",
        "suspension",
    ]


# --- Problem 8: no audit time and no multi-site sampling -----------------------------------


def test_8_a_multi_site_plan_computes_man_days_and_samples_sites_with_the_riskiest(
    enterprise, body, scheme, registration, enterprise_user, cb_staff
):
    from audits.models import Audit
    from audits.services import audit_plan
    from certification.services import (
        application_accept,
        application_create,
        application_start_review,
        application_submit,
    )

    sites = [{"name": f"Vùng trồng {n}", "address": "Chư Sê"} for n in range(1, 10)]
    sites[7]["risk"] = "high"
    application = application_create(
        enterprise=enterprise,
        body=body,
        scheme=scheme,
        by=enterprise_user,
        products=[{"name": "Hồ tiêu đen", "gtin": "8934588012228"}],
        sites=sites,
        stages=["primary_production"],
        employees_in_scope=80,
    )
    application_submit(application=application, by=enterprise_user)
    application_start_review(application=application, by=cb_staff)
    application_accept(
        application=application,
        by=cb_staff,
        contract_reference="HĐ-1",
        scope_within_competence=True,
    )
    audit = audit_plan(
        application=application,
        kind=Audit.Kind.STAGE1,
        planned_start=today(),
        planned_end=today(),
        by=cb_staff,
    )
    assert len(audit.sampled_sites) == 3  # √9
    assert "Vùng trồng 8" in audit.sampled_sites  # the high-risk site, always
    # 80 employees → 3 man-days in the default table; 2 more sampled sites at 0.5 each.
    assert audit.planned_man_days == 4


def test_5_rules_for_using_the_certificate_are_accepted_before_the_application_is_submitted(
    client, enterprise, body, scheme, registration, enterprise_user, cb_staff
):
    from django.core.exceptions import PermissionDenied

    from certification.services import (
        application_accept_mark_rules,
        application_create,
        application_submit,
    )
    from certification.tests.factories import attach_documents
    from core.exceptions import DomainError

    scheme.mark_use_rules = "Chỉ dùng dấu chứng nhận cho sản phẩm trong phạm vi."
    scheme.save(update_fields=["mark_use_rules"])
    application = application_create(
        enterprise=enterprise,
        body=body,
        scheme=scheme,
        by=enterprise_user,
        products=[{"name": "Cà phê nhân", "gtin": "8934588012228"}],
        sites=[{"name": "Nhà máy", "address": "Chư Sê"}],
        stages=["processing"],
    )
    attach_documents(application, scheme.required_document_types, by=enterprise_user)
    with pytest.raises(DomainError) as refused:
        application_submit(application=application, by=enterprise_user)
    assert refused.value.code == "mark_rules_not_accepted"

    client.force_login(enterprise_user)
    page = client.get(f"/applications/{application.pk}/").content.decode()
    assert "Chỉ dùng dấu chứng nhận" in page
    response = client.post(f"/applications/{application.pk}/mark-rules/")
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.mark_rules_accepted_by == enterprise_user
    with pytest.raises(PermissionDenied):  # not the body's to accept for an online applicant
        application_accept_mark_rules(application=application, by=cb_staff)
    application = application_submit(application=application, by=enterprise_user)
    assert application.state == "submitted"


# --- Problem 6: no audit programme ---------------------------------------------------------


NINE_SITES = [
    {"name": f"Vùng trồng {n}", "address": "Chư Sê", **({"risk": "high"} if n == 9 else {})}
    for n in range(1, 10)
]


def publish_checklists():
    """Publish the system checklist and both versions of the surveillance checklist (after
    certification: the walk's stage audits answer no checklist)."""
    from checklists.importer import DATA_DIR
    from checklists.services import template_import

    template_import(
        paths=[
            DATA_DIR / "tcvn-12850-2019-system.v1.yaml",
            DATA_DIR / "tcvn-12850-2019-surveillance.v1.yaml",
            DATA_DIR / "tcvn-12850-2019-surveillance.v2.yaml",
        ]
    )


def _surveillance(certificate, *, staff, lead):
    """Plan and run a surveillance of `certificate`, answering every item of its programme
    (conform), with a passing trace test; closed."""
    from checklists.selectors import applicable_items
    from checklists.services import checklist_save_answers

    audit = started_audit(staff=staff, lead=lead, certificate=certificate, kind="surveillance")
    checklist_save_answers(
        audit=audit,
        by=lead,
        answers=[{"item": item.pk, "result": "conform"} for item in applicable_items(audit)],
    )
    record_trace_test(audit, lead)
    submit_report(audit, lead)
    return audit_approve_report(audit=audit, by=staff)


def test_6_surveillances_rotate_the_rest_of_the_checklist_and_year_3_asks_for_recertification(
    client, walk, cb_staff, lead_assessor, django_assert_max_num_queries
):
    from audits.models import Audit
    from audits.services import audit_plan
    from checklists.models import ChecklistItem
    from core.exceptions import DomainError

    certificate = walk.certified(sites=NINE_SITES)
    publish_checklists()
    surveillance_v2 = ChecklistItem.objects.filter(
        template__code="tcvn-12850-2019-surveillance", template__version=2
    )
    core = {i.code for i in surveillance_v2 if "surveillance" in i.applies_to}
    rest = {i.code for i in surveillance_v2} - core
    assert (len(core), len(rest)) == (23, 34) and "M-01" in core

    client.force_login(cb_staff)
    programme = f"/certificates/{certificate.pk}/programme/"
    with as_of(certificate.next_surveillance_due):
        first = _surveillance(certificate, staff=cb_staff, lead=lead_assessor)
    with CaptureQueriesContext(connection) as after_one:
        client.get(programme)
    certificate.refresh_from_db()
    with as_of(certificate.next_surveillance_due):
        second = _surveillance(certificate, staff=cb_staff, lead=lead_assessor)
    first_share = set(first.programme_items) - core
    second_share = set(second.programme_items) - core
    # Each surveillance: every core item and a third of the rest, never the same third twice.
    assert core <= set(first.programme_items) and core <= set(second.programme_items)
    assert len(first_share) == len(second_share) == 12
    assert not first_share & second_share
    # Sites rotate as well: the riskiest every time, the others not yet visited first.
    assert "Vùng trồng 9" in first.sampled_sites and "Vùng trồng 9" in second.sampled_sites
    assert not (set(first.sampled_sites) & set(second.sampled_sites)) - {"Vùng trồng 9"}

    # Year 3: the next audit is the recertification, never a third surveillance.
    certificate.refresh_from_db()
    assert certificate.recertification_due
    with as_of(certificate.next_surveillance_due), pytest.raises(DomainError) as refused:
        audit_plan(
            certificate=certificate,
            kind=Audit.Kind.SURVEILLANCE,
            planned_start=today(),
            planned_end=today(),
            by=cb_staff,
        )
    assert refused.value.code == "recertification_due"

    # The programme page shows the coverage of the cycle per item and per site, in as many
    # queries with two surveillances as with one.
    with django_assert_max_num_queries(len(after_one)):
        page = client.get(programme, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'id="programme-items-count">47/57<' in page  # the last third: at recertification
    assert 'id="programme-sites-count">7/9<' in page  # 3 at stage 1 and 2, then 2 + 2 more
    assert "Chưa có trong chu kỳ này" in page


def test_6_audits_pinned_to_the_first_surveillance_checklist_keep_it(walk, cb_staff, lead_assessor):
    from checklists.importer import DATA_DIR
    from checklists.models import AuditChecklist
    from checklists.selectors import applicable_items
    from checklists.services import template_import

    certificate = walk.certified()
    template_import(
        paths=[
            DATA_DIR / "tcvn-12850-2019-system.v1.yaml",
            DATA_DIR / "tcvn-12850-2019-surveillance.v1.yaml",
        ]
    )
    with as_of(certificate.next_surveillance_due):
        audit = started_audit(
            staff=cb_staff, lead=lead_assessor, certificate=certificate, kind="surveillance"
        )
    template_import(paths=[DATA_DIR / "tcvn-12850-2019-surveillance.v2.yaml"])
    assert AuditChecklist.objects.get(audit=audit).template.version == 1
    assert audit.programme_items == [] and len(applicable_items(audit)) == 22


# --- Problem 5: a certificate and mark-use item at every surveillance ------------------------


def test_5_every_surveillance_checks_the_use_of_the_certificate_and_mark(
    walk, cb_staff, lead_assessor
):
    from checklists.selectors import applicable_items

    certificate = walk.certified()
    publish_checklists()
    with as_of(certificate.next_surveillance_due):
        audit = started_audit(
            staff=cb_staff, lead=lead_assessor, certificate=certificate, kind="surveillance"
        )
    codes = [item.code for item in applicable_items(audit)]
    assert "M-01" in codes
    item = next(i for i in applicable_items(audit) if i.code == "M-01")
    assert "dấu chứng nhận" in item.requirement_vi


# --- Problem 7: missing case types ----------------------------------------------------------


def test_7_a_scope_reduction_is_decided_and_the_public_page_shows_the_reduced_scope(
    client, walk, enterprise, body, scheme, cb_staff, decider
):
    from certification.services import (
        application_accept,
        application_create,
        application_grant,
        application_start_review,
        application_submit,
        application_submit_for_decision,
    )
    from core.exceptions import DomainError

    certificate = walk.certified(
        products=[
            {"name": "Cà phê nhân Robusta", "gtin": "8934588012228"},
            {"name": "Cà phê rang xay", "gtin": ""},
        ],
    )
    reduction = application_create(
        enterprise=enterprise,
        body=body,
        scheme=scheme,
        by=cb_staff,  # imposed by the body (17021-1 §9.6.5.3)
        kind=Application.Kind.SCOPE_REDUCTION,
        renews=certificate,
        products=[{"name": "Cà phê nhân Robusta", "gtin": "8934588012228"}, {"name": "Tiêu"}],
        sites=certificate.sites,
        stages=certificate.stages,
    )
    with pytest.raises(DomainError) as refused:
        application_submit(application=reduction, by=cb_staff)
    assert refused.value.code == "scope_not_reduced"  # a reduction adds nothing

    from certification.services import application_update_scope

    application_update_scope(
        application=reduction,
        by=cb_staff,
        products=[{"name": "Cà phê nhân Robusta", "gtin": "8934588012228"}],
    )
    application_submit(application=reduction, by=cb_staff)
    application_start_review(application=reduction, by=cb_staff)
    application_accept(
        application=reduction, by=cb_staff, contract_reference="HĐ-1", scope_within_competence=True
    )
    # No audit is required: the reduction is decided on the evidence already held.
    application_submit_for_decision(
        application=reduction, by=cb_staff, technical_review_note="Thu hẹp theo kết quả giám sát."
    )
    reduced = application_grant(application=reduction, by=decider)
    certificate.refresh_from_db()
    assert certificate.state == "superseded" and reduced.number == f"{certificate.number}/1"
    assert [p["name"] for p in reduced.products] == ["Cà phê nhân Robusta"]
    assert reduced.decision.number and reduced.valid_until == certificate.valid_until
    page = client.get(f"/verify/{reduced.number}/").content.decode()
    assert "Cà phê nhân Robusta" in page and "Cà phê rang xay" not in page
    # The replaced version may no longer be used for what was removed: a notice with a deadline.
    notice = certificate.stop_use_notices.get()
    assert notice.cause == "reduction" and "Cà phê rang xay" in notice.text
    assert reduced.number in notice.text
    old_page = client.get(f"/verify/{certificate.number}/").content.decode()
    assert 'id="stop-use-notice"' in old_page and f"{notice.deadline:%d/%m/%Y}" in old_page
    decision = docx_text(render_decision(reduced.decision, reduced))
    assert "Về việc thu hẹp phạm vi và cấp lại" in decision
    assert "Điều 1. Thu hẹp phạm vi chứng nhận và cấp lại" in decision
    assert f"số {reduced.number} cho" in decision


def test_7_a_transfer_needs_the_previous_certificate_a_review_and_no_open_major(
    client, enterprise, body, scheme, registration, enterprise_user, cb_staff, decider
):
    from certification.services import (
        application_accept,
        application_create,
        application_grant,
        application_record_transfer_review,
        application_start_review,
        application_submit,
        application_submit_for_decision,
    )
    from certification.tests.factories import attach_documents
    from core.exceptions import DomainError
    from core.tests.api_helpers import API, api_as

    valid_until = today() + relativedelta(months=20)
    transfer = application_create(
        enterprise=enterprise,
        body=body,
        scheme=scheme,
        by=enterprise_user,
        kind=Application.Kind.TRANSFER,
        products=[{"name": "Cà phê nhân", "gtin": "8934588012228"}],
        sites=[{"name": "Nhà máy", "address": "Chư Sê"}],
        stages=["processing"],
        previous_body_name="Trung tâm Chứng nhận Phù hợp QUACERT",
        previous_certificate_number="QUACERT-TXNG-2025-0042",
        previous_certificate_valid_until=valid_until.isoformat(),
    )
    with pytest.raises(DomainError) as refused:
        application_submit(application=transfer, by=enterprise_user)
    assert refused.value.code == "documents_missing"  # the previous body's certificate
    attach_documents(transfer, ["previous_certificate"], by=enterprise_user)
    application_submit(application=transfer, by=enterprise_user)
    application_start_review(application=transfer, by=cb_staff)

    accept = {"contract_reference": "HĐ-CT-1", "scope_within_competence": True}
    url = f"{API}/applications/{transfer.pk}/transitions/accept/"
    response = api_as(cb_staff).post(url, accept, format="json")
    assert response.status_code == 409 and response.json()["code"] == "transfer_review_missing"
    review = f"{API}/applications/{transfer.pk}/transfer-review/"
    refused = api_as(enterprise_user).post(review, {"note": "x", "open_majors": 0}, format="json")
    assert refused.status_code == 403
    reviewed = api_as(cb_staff).post(
        review, {"note": "Còn 1 điểm không phù hợp nặng.", "open_majors": 1}, format="json"
    )
    assert (reviewed.status_code, reviewed.json()["transfer_open_majors"]) == (200, 1)
    response = api_as(cb_staff).post(url, accept, format="json")
    assert response.status_code == 409 and response.json()["code"] == "transfer_open_major"
    application_record_transfer_review(
        application=transfer,
        by=cb_staff,
        note="Giấy chứng nhận còn hiệu lực; điểm không phù hợp nặng đã được khắc phục.",
        open_majors=0,
    )
    application_accept(application=transfer, by=cb_staff, **accept)
    application_submit_for_decision(
        application=transfer, by=cb_staff, technical_review_note="Xem xét trước chuyển đổi đạt."
    )
    certificate = application_grant(application=transfer, by=decider)
    assert certificate.valid_until == valid_until  # the previous certificate's cycle
    assert certificate.transferred_from == (
        "Trung tâm Chứng nhận Phù hợp QUACERT · QUACERT-TXNG-2025-0042"
    )
    page = client.get(f"/verify/{certificate.number}/").content.decode()
    assert 'id="verify-transferred-from"' in page and "QUACERT-TXNG-2025-0042" in page
    decision = docx_text(render_decision(certificate.decision, certificate))
    assert (
        "Chuyển đổi giấy chứng nhận (Trung tâm Chứng nhận Phù hợp QUACERT · "
        "QUACERT-TXNG-2025-0042) và cấp" in decision
    )
    text = docx_text(render_certificate(certificate))
    assert "Chuyển đổi từ" in text and "QUACERT-TXNG-2025-0042" in text


def test_7_a_special_audit_at_short_notice_after_a_complaint_is_flagged_and_announced(
    client, walk, cb_staff, enterprise_user, django_capture_on_commit_callbacks
):
    from django.core.exceptions import PermissionDenied, ValidationError

    from audits.services import special_audit_open
    from certification.models import Complaint
    from notifications.models import Notification

    certificate = walk.certified()
    complaint = Complaint.objects.create(
        body=certificate.body,
        enterprise=certificate.enterprise,
        certificate=certificate,
        complainant_name="Nguyễn Văn A",
        complainant_email="a@example.vn",
        subject="Nhãn sai vùng trồng",
        description="Nhãn ghi sai vùng trồng.",
    )
    with pytest.raises(ValidationError):
        special_audit_open(certificate=certificate, reason=" ", by=cb_staff)
    with pytest.raises(PermissionDenied):
        special_audit_open(certificate=certificate, reason="Khiếu nại", by=enterprise_user)
    with django_capture_on_commit_callbacks(execute=True):
        audit = special_audit_open(
            certificate=certificate,
            reason="Khiếu nại về nhãn ghi sai vùng trồng.",
            by=cb_staff,
            short_notice=True,
            complaint=complaint,
        )
    assert (audit.kind, audit.short_notice, audit.complaint) == ("special", True, complaint)
    assert audit.planned_start == today()
    assert list(complaint.special_audits.all()) == [audit]
    assert Notification.objects.filter(recipient=enterprise_user).exists()
    client.force_login(cb_staff)
    response = client.get(f"/audits/{audit.pk}/", HTTP_ACCEPT_LANGUAGE="vi")
    page = response.content.decode()
    assert 'id="audit-special"' in page and "Thông báo ngắn hạn" in page


# --- Problem 8: a justified reduction of audit time; site coverage in plan and report --------


def test_8_a_reduction_of_audit_time_needs_a_reason_and_the_plan_and_report_show_it(
    client, walk, cb_staff, lead_assessor
):
    from decimal import Decimal

    from django.core.exceptions import ValidationError

    from audits.services import audit_set_time, audit_start
    from audits.tests.factories import planned_audit
    from core.exceptions import DomainError
    from documents.generation.audit_report import render_audit_report

    certificate = walk.certified(sites=NINE_SITES)
    with as_of(certificate.next_surveillance_due):
        audit = planned_audit(
            staff=cb_staff, lead=lead_assessor, certificate=certificate, kind="surveillance"
        )
    # 80 employees are not given: the table's first row (1.5) and two more sites at 0.5.
    assert audit.computed_man_days == audit.planned_man_days == Decimal("2.5")
    with pytest.raises(ValidationError) as refused:
        audit_set_time(audit=audit, by=cb_staff, reduction="0.5", reason="")
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError):  # more than 30 % of the table's time
        audit_set_time(audit=audit, by=cb_staff, reduction="1.0", reason="Hồ sơ số hóa.")
    audit = audit_set_time(
        audit=audit, by=cb_staff, reduction="0.5", reason="Hồ sơ truy xuất số hóa toàn bộ."
    )
    assert (audit.planned_man_days, audit.man_day_reduction) == (Decimal("2.0"), Decimal("0.5"))

    client.force_login(cb_staff)
    page = client.get(f"/audits/{audit.pk}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Hồ sơ truy xuất số hóa toàn bộ." in page and "Bảng ngày công: 2,5" in page
    assert page.count("<tr") >= 10 and 'id="audit-site-coverage"' in page  # nine sites

    audit = audit_start(audit=audit, by=lead_assessor)
    with pytest.raises(DomainError):  # the time is set while the audit is planned
        audit_set_time(audit=audit, by=cb_staff, reduction="0", reason="")
    text = docx_text(render_audit_report(audit))
    assert "giảm / reduced by 0.5: Hồ sơ truy xuất số hóa toàn bộ." in text
    assert text.count("Không / Not sampled") == 6 and text.count("Có / Audited") == 3
