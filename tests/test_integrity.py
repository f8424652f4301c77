"""Issue 14, certification integrity: one test (at least) per numbered problem, each showing
what an accreditation assessor would have found, and that it no longer happens."""

import datetime
import io

import docx
import pytest
from dateutil.relativedelta import relativedelta

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

        def certified(self) -> Certificate:
            return certify(
                self.in_evaluation(), staff=cb_staff, lead=lead_assessor, decider=decider
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
