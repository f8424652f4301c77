"""Demo files in several states, made through the real services (used by seed_demo)."""

import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
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
    special_audit_open,
    trace_test_record,
)
from certification.models import Application, BodyRegistration, Organisation, Province, Scheme
from certification.services import (
    application_accept,
    application_accept_mark_rules,
    application_create,
    application_grant,
    application_start_review,
    application_submit,
    application_submit_for_decision,
    certificate_expire_due,
    certificate_suspend,
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
    "mark_use_rules": (
        "1. Chỉ sử dụng giấy chứng nhận và dấu chứng nhận cho các sản phẩm, công đoạn và địa "
        "điểm trong phạm vi chứng nhận, khi giấy chứng nhận còn hiệu lực.\n"
        "2. Không sử dụng theo cách gây hiểu nhầm rằng sản phẩm được chứng nhận chất lượng: "
        "chứng nhận áp dụng cho hệ thống truy xuất nguồn gốc.\n"
        "3. Khi giấy chứng nhận bị đình chỉ hoặc thu hồi, ngừng sử dụng giấy chứng nhận, dấu "
        "chứng nhận và mọi tham chiếu đến chúng trong thời hạn tổ chức chứng nhận thông báo.\n"
        "4. Việc sử dụng được kiểm tra ở mỗi lần đánh giá giám sát."
    ),
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
    # Body registration is decided by the national authority.
    body, staff, regulator = orgs["body"], people["cbstaff"], people["national"]
    lead, assessor, decider = people["lead"], people["assessor"], people["decider"]
    # Two more auditors of the body (they do not sign in) make the 4 that registration needs.
    others = [people[name] for name in ("auditor3", "auditor4") if name in people]
    # The competence matrix of the demo team: every technical area of the scheme, witnessed
    # within the last 3 years (the demo's audits are in the last months).
    witnessed = today() - datetime.timedelta(days=400)
    for user, function in (
        (lead, "lead"),
        (assessor, "auditor"),
        *((u, "auditor") for u in others),
        (staff, "technical_reviewer"),
        (decider, "decision_maker"),
    ):
        AssessorQualification.objects.get_or_create(
            user=user,
            scheme=scheme,
            function=function,
            defaults={
                "valid_from": datetime.date(2020, 1, 1),
                "witnessed_on": witnessed,
                "training": "Khóa đánh giá viên TCVN ISO/IEC 17021-1, 2024",
            },
        )
    if Application.objects.filter(
        enterprise__in=[orgs["enterprise"], orgs["enterprise2"]]
    ).exists():
        seed_integrity_cases(people=people, orgs=orgs, scheme=scheme)
        return
    start = today() - datetime.timedelta(days=120)
    with as_of(start):
        if not BodyRegistration.objects.active_for(body.pk, scheme.pk).exists():
            registration = registration_create(body=body, scheme=scheme, by=staff, assessor_count=4)
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

    seed_integrity_cases(people=people, orgs=orgs, scheme=scheme)

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
    application_accept_mark_rules(application=application, by=enterprise_user)
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


TEA = {
    "products": [{"name": "Chè xanh Biển Hồ 200 g", "gtin": "8934588030017"}],
    "sites": [{"name": "Đồi chè Biển Hồ", "address": "Phường Biển Hồ, Gia Lai"}],
    "stages": ["primary_production", "processing", "packing"],
    "sector_standard": "TCVN 12827:2023",
    "employees_in_scope": 40,
}
PEPPER_SITES = [
    {"name": f"Vườn tiêu hộ thành viên {n}", "address": f"Thôn Phú Tâm {n}, xã Chư Prông"}
    for n in range(1, 10)
]
# A site that sorts and dries for the others: the riskiest, always audited.
PEPPER_SITES[5] = {
    "name": "Sân phơi và kho tập kết Phú Tâm",
    "address": "Thôn Phú Tâm, xã Chư Prông",
    "risk": "high",
}
PEPPER = {
    "products": [{"name": "Hồ tiêu đen Chư Prông", "gtin": "8934588040016"}],
    "sites": PEPPER_SITES,
    "stages": ["primary_production", "harvesting", "storage"],
    "sector_standard": "TCVN 12827:2023",
    "employees_in_scope": 120,
}
HONEY = {
    "products": [{"name": "Mật ong hoa cà phê 500 ml", "gtin": "8934588050015"}],
    "sites": [{"name": "Trại ong Chư Gu", "address": "Buôn Chư Gu, xã Krông Pa"}],
    "stages": ["primary_production", "processing", "packing"],
    "sector_standard": "TCVN 13987:2024",
    "employees_in_scope": 15,
}


def _on_paper(enterprise, body, scheme, staff, scope, **kwargs) -> Application:
    """An application the body's officer files for an enterprise that applied on paper."""
    application = application_create(
        enterprise=enterprise, body=body, scheme=scheme, by=staff, **kwargs, **scope
    )
    _upload(application, scheme.required_document_types, staff)
    application_accept_mark_rules(application=application, by=staff)
    application_submit(application=application, by=staff)
    application_start_review(application=application, by=staff)
    return application_accept(
        application=application,
        by=staff,
        contract_reference=f"HĐ-{application.number}",
        scope_within_competence=True,
    )


def _certify(application, staff, lead, assessor, decider):
    _closed_audit(application, Audit.Kind.STAGE1, staff, lead, assessor)
    _closed_audit(application, Audit.Kind.STAGE2, staff, lead, assessor)
    application_submit_for_decision(
        application=application, by=staff, technical_review_note="Đạt yêu cầu."
    )
    return application_grant(application=application, by=decider, comment="Đạt yêu cầu.")


def seed_integrity_cases(*, people: dict, orgs: dict[str, Organisation], scheme: Scheme) -> None:
    """Three files for the integrity rules (idempotent, per enterprise):

    - a restored certificate: expired, then restored by the decision on its recertification
      within the restoration window (the gap shows on its pages);
    - a multi-site application in evaluation with its stage 1 planned on a sample of sites;
    - a suspended certificate with its notice to stop using it, and a special audit at short
      notice planned to verify the correction."""
    body, staff = orgs["body"], people["cbstaff"]
    lead, assessor, decider = people["lead"], people["assessor"], people["decider"]

    tea = orgs.get("enterprise3")
    if tea is not None and not Application.objects.filter(enterprise=tea).exists():
        decided = today() - relativedelta(months=scheme.validity_months + 2)
        with as_of(decided - datetime.timedelta(days=60)):
            application = _on_paper(tea, body, scheme, staff, TEA)
        with as_of(decided):
            certificate = _certify(application, staff, lead, assessor, decider)
        certificate_expire_due(certificate.valid_until)
        certificate.refresh_from_db()
        with as_of(certificate.expired_on + datetime.timedelta(days=25)):
            renewal = _on_paper(
                tea,
                body,
                scheme,
                staff,
                TEA,
                kind=Application.Kind.RECERTIFICATION,
                renews=certificate,
            )
            _closed_audit(renewal, Audit.Kind.RECERTIFICATION, staff, lead, assessor)
            application_submit_for_decision(
                application=renewal,
                by=staff,
                technical_review_note="Đánh giá chứng nhận lại đạt trong thời hạn khôi phục.",
            )
            application_grant(application=renewal, by=decider, comment="Khôi phục hiệu lực.")

    pepper = orgs.get("enterprise4")
    if pepper is not None and not Application.objects.filter(enterprise=pepper).exists():
        with as_of(today() - datetime.timedelta(days=7)):
            application = _on_paper(pepper, body, scheme, staff, PEPPER)
        audit = audit_plan(
            application=application,
            kind=Audit.Kind.STAGE1,
            planned_start=today() + datetime.timedelta(days=10),
            planned_end=today() + datetime.timedelta(days=12),
            by=staff,
        )
        for user, role in ((lead, "lead"), (assessor, "member")):
            audit_team_add(audit=audit, user=user, role=role, by=staff)

    honey = orgs.get("enterprise5")
    if honey is not None and not Application.objects.filter(enterprise=honey).exists():
        with as_of(today() - datetime.timedelta(days=200)):
            application = _on_paper(honey, body, scheme, staff, HONEY)
        with as_of(today() - datetime.timedelta(days=150)):
            certificate = _certify(application, staff, lead, assessor, decider)
        with as_of(today() - datetime.timedelta(days=3)):
            certificate_suspend(
                certificate=certificate,
                by=staff,
                comment="Điểm không phù hợp nặng về truy xuất xuôi quá hạn khắc phục.",
                until=today() + relativedelta(months=3),
            )
        # A special audit at short notice verifies the correction and the stop of use.
        special_audit_open(
            certificate=certificate,
            reason="Xác minh việc khắc phục điểm không phù hợp nặng và việc ngừng sử dụng giấy "
            "chứng nhận, dấu chứng nhận trong thời gian đình chỉ.",
            by=staff,
            short_notice=True,
            planned_start=today() + datetime.timedelta(days=2),
        )
