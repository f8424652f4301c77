"""Test data for documents: applications, decisions and certificates made as rows (the
certification services are not needed to test documents), and small real files."""

import datetime
import io
import zipfile

import docx
import segno
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from certification.models import Application, Certificate, Decision, Scheme

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
MZ = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120

PRODUCTS = [
    {"name": "Cà phê nhân Robusta", "gtin": "08930000000017"},
    {"name": "Cà phê rang xay", "gtin": "08930000000024"},
]
SITES = [{"name": "Nhà máy Chư Sê", "address": "Thị trấn Chư Sê, Gia Lai"}]
STAGES = ["primary_production", "processing", "packing"]


def scheme() -> Scheme:
    found, _created = Scheme.objects.get_or_create(
        code="tcvn-12850-2019",
        defaults={
            "name": "Chứng nhận hệ thống truy xuất nguồn gốc",
            "standard": "TCVN 12850:2019",
        },
    )
    return found


def application(*, enterprise, body, created_by, state="draft", number=None) -> Application:
    count = Application.objects.count() + 1
    return Application.objects.create(
        number=number or f"HS-2026-{count:06d}",
        enterprise=enterprise,
        body=body,
        scheme=scheme(),
        created_by=created_by,
        state=state,
        # A file leaves the enterprise's hands on its first submission.
        submitted_at=None if state == "draft" else timezone.now(),
        products=PRODUCTS,
        sites=SITES,
        stages=STAGES,
    )


def submitted(application: Application) -> Application:
    """The draft as the body receives it: submitted, documents and all."""
    Application.objects.filter(pk=application.pk).update(
        state="submitted", submitted_at=timezone.now()
    )
    application.refresh_from_db()
    return application


def decision(*, application, decider, outcome="granted") -> Decision:
    return Decision.objects.create(
        application=application,
        decision_maker=decider,
        outcome=outcome,
        reasons="" if outcome == "granted" else "Hệ thống chưa đáp ứng yêu cầu.",
        decided_on=datetime.date(2026, 3, 5),
        number=f"{application.pk:02d}/2026/QĐ-GLCERT",
    )


def certificate(
    *, enterprise, body, created_by, decider, number="GLCERT-TXNG-2026-0001"
) -> Certificate:
    app = application(enterprise=enterprise, body=body, created_by=created_by, state="certified")
    made = decision(application=app, decider=decider)
    return Certificate.objects.create(
        number=number,
        base_number=number,
        version=0,
        application=app,
        decision=made,
        enterprise=enterprise,
        body=body,
        scheme=app.scheme,
        standard="TCVN 12850:2019",
        products=PRODUCTS,
        sites=SITES,
        stages=STAGES,
        issued_on=datetime.date(2026, 3, 5),
        valid_from=datetime.date(2026, 3, 5),
        valid_until=datetime.date(2029, 3, 4),
        original_valid_until=datetime.date(2029, 3, 4),
        next_surveillance_due=datetime.date(2027, 3, 5),
    )


def pdf(name: str = "quy-trinh.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def docx_bytes(text: str = "Quy trình truy xuất") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_like_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def plain_zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    segno.make("x").save(buffer, kind="png")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64 + b"\xff\xd9"


def audit(*, application, created_by, team=(), kind="stage2", state="closed"):
    """An audit row of `application` with `team` [(user, role)], a trace test and two
    findings (rows only: the audits services are not what documents tests are about)."""
    from audits.models import Audit, AuditTeamMember

    made = Audit.objects.create(
        application=application,
        kind=kind,
        state=state,
        planned_start=datetime.date(2026, 2, 10),
        planned_end=datetime.date(2026, 2, 11),
        actual_start=datetime.date(2026, 2, 10),
        actual_end=datetime.date(2026, 2, 11),
        report_summary="Hệ thống truy xuất vận hành ổn định.",
        conclusion="Đề nghị cấp giấy chứng nhận sau khi khắc phục.",
        created_by=created_by,
    )
    from guardian.shortcuts import assign_perm

    for user, role in team:
        AuditTeamMember.objects.create(audit=made, user=user, role=role)
        # What audits.services.audit_team_add grants: the team sees its audit.
        assign_perm("audits.view_audit", user, made)
    return made


def finding(*, audit, raised_by, severity="minor", description="Thiếu hồ sơ lô hàng nhập."):
    from audits.models import Finding

    return Finding.objects.create(
        audit=audit,
        severity=severity,
        description=description,
        evidence="Lô 2026-01 không có phiếu nhập.",
        checklist_item_code="C-05",
        due_date=datetime.date(2026, 3, 13),
        raised_by=raised_by,
    )


def trace_test(*, audit, recorded_by):
    from audits.models import TraceTest

    start = datetime.datetime(2026, 2, 10, 9, 0, tzinfo=datetime.UTC)
    return TraceTest.objects.create(
        audit=audit,
        gtin="08930000000017",
        lot="L2026-01",
        started_at=start,
        ended_at=start + datetime.timedelta(hours=2, minutes=30),
        quantity_in="1000.000",
        quantity_out="998.500",
        result="pass",
        recorded_by=recorded_by,
    )


def checklist_answer(*, audit, answered_by, code="C-05", result="minor"):
    from checklists.models import (
        ChecklistAnswer,
        ChecklistItem,
        ChecklistSection,
        ChecklistTemplate,
    )

    template, _created = ChecklistTemplate.objects.get_or_create(
        code="tcvn-12850-2019-system",
        version=1,
        defaults={"standard": "TCVN 12850:2019", "title_vi": "Danh mục", "title_en": "Checklist"},
    )
    section, _created = ChecklistSection.objects.get_or_create(
        template=template,
        code="C",
        defaults={"title_vi": "Ghi nhận dữ liệu", "title_en": "Data capture", "position": 3},
    )
    item = ChecklistItem.objects.create(
        section=section,
        template=template,
        code=code,
        requirement_vi="Với mỗi lô nhận vào, ghi nhận được nhà cung cấp trực tiếp.",
        requirement_en="For each incoming lot the immediate supplier is recorded.",
        severity="major",
        applies_to=["stage2"],
        position=ChecklistItem.objects.count() + 1,
    )
    return ChecklistAnswer.objects.create(
        audit=audit,
        item=item,
        result=result,
        note="Thiếu phiếu nhập lô L2026-01." if result != "conform" else "",
        answered_by=answered_by,
        answered_at=datetime.datetime(2026, 2, 10, 10, 0, tzinfo=datetime.UTC),
    )
