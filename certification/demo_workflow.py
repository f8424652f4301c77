"""Demo files in several states, made through the real services (used by seed_demo)."""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audits.models import AssessorQualification, Audit
from audits.services import (
    audit_approve_report,
    audit_plan,
    audit_start,
    audit_submit_report,
    audit_team_add,
    declaration_sign,
    finding_raise,
    trace_test_record,
)
from certification.models import Application, BodyRegistration, Organisation, Province, Scheme
from certification.services import (
    application_accept,
    application_create,
    application_grant,
    application_start_review,
    application_submit,
    application_submit_for_decision,
    registration_create,
    registration_register,
    registration_start_review,
    registration_submit,
)
from checklists.selectors import applicable_items
from checklists.services import checklist_save_answers
from core.clock import as_of, today
from documents.services import document_upload

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
SCHEME = {
    "code": "tcvn-12850-2019",
    "name": "Chứng nhận hệ thống truy xuất nguồn gốc theo TCVN 12850:2019",
    "standard": "TCVN 12850:2019",
    "checklist_code": "tcvn-12850-2019-system",
    "required_document_types": [
        "business_registration",
        "traceability_procedure",
        "scope_statement",
    ],
}
COFFEE = {
    "products": [
        {"name": "Cà phê nhân Robusta Chư Sê", "gtin": "8934588012228"},
        {"name": "Cà phê bột nguyên chất 500 g", "gtin": "8934588012235"},
    ],
    "sites": [
        {"name": "Vùng trồng Ia Bang", "address": "Thôn Ia Bang, xã Chư Sê"},
        {"name": "Nhà máy chế biến Chư Sê", "address": "Quốc lộ 14, xã Chư Sê"},
    ],
    "stages": ["primary_production", "processing", "packing", "storage"],
    "sector_standard": "TCVN 12827:2023",
    "contact_name": "Nguyễn Thị Hạnh",
    "contact_email": "lienhe@caphechuse.example.vn",
}
DURIAN = {
    "products": [{"name": "Sầu riêng Ri6 tươi", "gtin": "8934588020018"}],
    "sites": [{"name": "Vườn sầu riêng Làng Dơr", "address": "Làng Dơr, xã Ia Grai"}],
    "stages": ["primary_production", "harvesting", "packing", "export"],
    "sector_standard": "TCVN 12827:2023",
}


def _upload(owner, doc_types, by):
    for doc_type in doc_types:
        document_upload(
            owner=owner, doc_type=doc_type, file=SimpleUploadedFile(f"{doc_type}.pdf", PDF), by=by
        )


def seed_workflow(*, people: dict, orgs: dict[str, Organisation], province: Province) -> None:
    """Registration, qualifications, and three applications: certified (with its certificate),
    in evaluation with open findings, and a draft scope extension. Idempotent: does nothing
    when the demo enterprise already has applications."""
    scheme, _ = Scheme.objects.update_or_create(code=SCHEME["code"], defaults=SCHEME)
    body, staff, regulator = orgs["body"], people["cbstaff"], people["regulator"]
    lead, assessor, decider = people["lead"], people["assessor"], people["decider"]
    for user, is_lead in ((lead, True), (assessor, False)):
        AssessorQualification.objects.get_or_create(
            user=user,
            scheme=scheme,
            defaults={"valid_from": datetime.date(2025, 1, 1), "is_lead_qualified": is_lead},
        )
    if Application.objects.filter(
        enterprise__in=[orgs["enterprise"], orgs["enterprise2"]]
    ).exists():
        return
    start = today() - datetime.timedelta(days=120)
    with as_of(start):
        if not BodyRegistration.objects.active_for(body.pk, scheme.pk).exists():
            registration = registration_create(
                body=body, scheme=scheme, jurisdiction=province, by=staff, assessor_count=6
            )
            _upload(registration, ["quality_manual", "assessor_list", "legal_documents"], staff)
            registration_submit(registration=registration, by=staff)
            registration_start_review(registration=registration, by=regulator)
            registration_register(
                registration=registration, by=regulator, registration_number="12/2026/ĐK-KHCN"
            )

        certified = _in_evaluation(
            orgs["enterprise"], body, scheme, people["enterprise"], staff, COFFEE
        )
    with as_of(start + datetime.timedelta(days=10)):
        _closed_audit(certified, Audit.Kind.STAGE1, staff, lead, assessor)
    with as_of(start + datetime.timedelta(days=40)):
        _closed_audit(certified, Audit.Kind.STAGE2, staff, lead, assessor)
    with as_of(start + datetime.timedelta(days=50)):
        application_submit_for_decision(
            application=certified,
            by=staff,
            technical_review_note="Hồ sơ và báo cáo đánh giá đầy đủ, đạt yêu cầu.",
        )
        certificate = application_grant(
            application=certified, by=decider, comment="Đáp ứng TCVN 12850:2019."
        )

    with as_of(today() - datetime.timedelta(days=30)):
        evaluating = _in_evaluation(
            orgs["enterprise2"], body, scheme, people["enterprise2"], staff, DURIAN
        )
    with as_of(today() - datetime.timedelta(days=20)):
        _closed_audit(evaluating, Audit.Kind.STAGE1, staff, lead, assessor)
    with as_of(today() - datetime.timedelta(days=5)):
        stage2 = _started_audit(evaluating, Audit.Kind.STAGE2, staff, lead, assessor)
        _answer_all(stage2, lead, minor_on="C-06")
        finding_raise(
            audit=stage2,
            by=lead,
            severity="major",
            description="Không ghi nhận được khách hàng trực tiếp của lô SR-2026-014 "
            "khi truy xuôi.",
            evidence="Phiếu xuất kho ngày 12/10 không có tên bên nhận.",
            clause_reference="TCVN 12850:2019 §5.5 — C-06",
        )
        _trace_test(stage2, lead)
        audit_submit_report(
            audit=stage2,
            by=lead,
            report_summary="Hệ thống TXNG vận hành tại vùng trồng và khâu đóng gói; "
            "thiếu ghi nhận truy xuôi.",
            conclusion="Chờ hành động khắc phục cho 1 điểm không phù hợp nặng và 1 điểm nhẹ.",
        )

    application_create(
        enterprise=orgs["enterprise"],
        body=body,
        scheme=scheme,
        by=people["enterprise"],
        kind=Application.Kind.SCOPE_EXTENSION,
        renews=certificate,
        products=[
            *COFFEE["products"],
            {"name": "Cà phê rang xay Chư Sê 250 g", "gtin": "8934588012242"},
        ],
        sites=COFFEE["sites"],
        stages=COFFEE["stages"],
        scope_note="Mở rộng phạm vi cho sản phẩm cà phê rang xay.",
    )


def _in_evaluation(enterprise, body, scheme, enterprise_user, staff, scope) -> Application:
    application = application_create(
        enterprise=enterprise, body=body, scheme=scheme, by=enterprise_user, **scope
    )
    _upload(application, scheme.required_document_types, enterprise_user)
    application_submit(application=application, by=enterprise_user)
    application_start_review(application=application, by=staff)
    return application_accept(
        application=application,
        by=staff,
        contract_reference=f"HĐ-{application.number}",
        scope_within_competence=True,
    )


def _started_audit(application, kind, staff, lead, assessor) -> Audit:
    audit = audit_plan(
        application=application,
        kind=kind,
        planned_start=today(),
        planned_end=today() + datetime.timedelta(days=1),
        by=staff,
    )
    for user, role in ((lead, "lead"), (assessor, "member")):
        audit_team_add(audit=audit, user=user, role=role, by=staff)
        declaration_sign(
            audit=audit,
            by=user,
            no_consultancy=True,
            no_employment=True,
            no_financial_interest=True,
            no_family_ties=True,
        )
    return audit_start(audit=audit, by=lead)


def _answer_all(audit: Audit, by, *, minor_on: str = "") -> None:
    answers = []
    for item in applicable_items(audit):
        if item.code == minor_on:
            answers.append(
                {
                    "item": item.pk,
                    "result": "minor",
                    "note": "Hồ sơ xuất hàng thiếu số lô ở 2/10 mẫu.",
                }
            )
        else:
            answers.append({"item": item.pk, "result": "conform", "note": ""})
    checklist_save_answers(audit=audit, answers=answers, by=by)


def _trace_test(audit: Audit, by) -> None:
    # The demo enterprises' trace tests are read from their EPCIS documents (tracing app).
    from tracing.demo import trace_test_from_epcis

    if trace_test_from_epcis(audit=audit, by=by) is not None:
        return
    now = timezone.now()
    trace_test_record(
        audit=audit,
        by=by,
        gtin="8934588012228",
        lot="L2026-031",
        direction="both",
        started_at=now - datetime.timedelta(hours=3),
        ended_at=now - datetime.timedelta(hours=1),
        quantity_in=Decimal("1200.000"),
        quantity_out=Decimal("1180.500"),
        result="pass",
        note="Truy ngược tới 3 hộ cung cấp, truy xuôi tới 2 khách hàng trong 2 giờ.",
    )


def _closed_audit(application, kind, staff, lead, assessor) -> Audit:
    audit = _started_audit(application, kind, staff, lead, assessor)
    _answer_all(audit, lead)
    if kind != Audit.Kind.STAGE1:
        _trace_test(audit, lead)
    audit_submit_report(
        audit=audit,
        by=lead,
        report_summary="Đánh giá theo kế hoạch.",
        conclusion="Không có điểm không phù hợp.",
    )
    return audit_approve_report(audit=audit, by=staff)
