"""The certificate (giấy chứng nhận) as .docx, bilingual, with a QR code to verify it online."""

import io
from urllib.parse import quote

import segno
from django.conf import settings
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from documents.generation.common import (
    add_run,
    bilingual,
    borderless,
    cell_text,
    date_short,
    date_vi,
    new_document,
    para,
    to_bytes,
)
from documents.generation.context import CertificateFace, certificate_face


def verification_url(number: str) -> str:
    """The public page that confirms a certificate: SITE_URL/verify/<number>/."""
    return f"{settings.SITE_URL}/verify/{quote(number, safe='/')}/"


def qr_png(data: str) -> bytes:
    """A QR code of `data` as PNG bytes (segno; medium error correction, 4-module border)."""
    buffer = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def _labelled(document, vi: str, en: str, value: str) -> None:
    paragraph = para(document)
    add_run(paragraph, f"{vi} / ", bold=True)
    add_run(paragraph, en, bold=True, italic=True)
    add_run(paragraph, f": {value}")


def _scope_line(document, label: str, items: list[str]) -> None:
    paragraph = para(document, align="justify", space_after=1)
    add_run(paragraph, f"{label}: ", bold=True)
    add_run(paragraph, "; ".join(items) + ".")


def _scope(document, face: CertificateFace) -> None:
    paragraph = para(document, "PHẠM VI CHỨNG NHẬN / ", bold=True, space_after=1)
    add_run(paragraph, "Scope of certification", bold=True, italic=True)
    _scope_line(document, "Sản phẩm / Products", face.products)
    _scope_line(
        document, "Công đoạn / Supply-chain stages", [f"{vi} ({en})" for vi, en in face.stages]
    )
    _scope_line(document, "Địa điểm / Sites", face.sites)


def _dates(document, face: CertificateFace) -> None:
    rows = [
        (
            "Quyết định chứng nhận",
            "Certification decision",
            f"Số {face.decision_number or '…'}, {date_short(face.decision_date)}",
        ),
        (
            "Ngày chứng nhận lần đầu",
            "Initial certification date",
            date_short(face.initially_certified_on),
        ),
        ("Ngày cấp", "Date of issue", date_short(face.issued_on)),
        ("Hiệu lực từ ngày", "Valid from", date_short(face.valid_from)),
        ("Hiệu lực đến ngày", "Valid until", date_short(face.valid_until)),
    ]
    if face.transferred_from:
        rows.append(("Chuyển đổi từ", "Transferred from", face.transferred_from))
    if face.has_gap:
        rows.append(
            (
                "Không có hiệu lực",
                "Not valid",
                f"hết hiệu lực từ {date_short(face.lapsed_from)} đến "
                f"{date_short(face.lapsed_until)} / lapsed from "
                f"{date_short(face.lapsed_from)} to {date_short(face.lapsed_until)}",
            )
        )
    elif face.original_valid_until != face.valid_until:
        rows.append(
            (
                "Hiệu lực ban đầu đến ngày",
                "Originally valid until",
                date_short(face.original_valid_until),
            )
        )
    table = document.add_table(rows=0, cols=2)
    table.style = document.styles["Table Grid"]
    for vi, en, value in rows:
        left, right = table.add_row().cells
        cell_text(left, f"{vi} / ", bold=True)
        add_run(left.paragraphs[0], en, italic=True)
        cell_text(right, value)


def _footer(document, face: CertificateFace) -> None:
    table = borderless(document.add_table(rows=1, cols=2))
    qr_cell, sign_cell = table.rows[0].cells
    url = face.verification_url
    qr_cell.paragraphs[0].add_run().add_picture(io.BytesIO(qr_png(url)), width=Mm(28))
    para(qr_cell, "Tra cứu hiệu lực / Verify online:", size=10)
    para(qr_cell, url, size=9)
    paragraph = cell_text(sign_cell, f"{face.body_place}, {date_vi(face.issued_on)}", italic=True)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para(sign_cell, "ĐẠI DIỆN TỔ CHỨC CHỨNG NHẬN", bold=True, align="center", space_after=0)
    para(sign_cell, "For the certification body", italic=True, size=11, align="center")
    para(sign_cell, face.signer_title.upper(), bold=True, align="center", space_after=0)
    para(
        sign_cell,
        "(Ký, ghi rõ họ tên và đóng dấu / Signature and seal)",
        italic=True,
        size=10,
        align="center",
        space_after=28,
    )
    para(sign_cell, face.signer_name, bold=True, align="center")


def render_certificate(certificate) -> bytes:
    """The certificate as .docx bytes, printed from `certificate_face()`: holder, address,
    scope (products, stages, sites), the standard and the sector standard with editions,
    number and version, decision number, initial certification, issue and expiry dates (and a
    lapse when restored), the body with its registration and accreditation, the signer's name
    and title, and a QR code of the verification URL."""
    face = certificate_face(certificate)
    document = new_document(size=12, left_mm=20, right_mm=20)
    para(document, face.body_name.upper(), bold=True, align="center", space_after=0)
    para(document, face.body_address, size=11, align="center", space_after=0)
    if face.body_registration_number:
        para(
            document,
            f"Số đăng ký hoạt động chứng nhận / Registration No.: {face.body_registration_number}",
            size=11,
            align="center",
            space_after=0,
        )
    if face.accreditation_number:
        para(
            document,
            f"Được công nhận bởi / Accredited by {face.accreditation_body or '…'}, "
            f"số / No. {face.accreditation_number}",
            size=11,
            align="center",
        )
    para(document, face.title_vi, bold=True, size=22, align="center", space_after=0)
    para(document, face.title_en, italic=True, size=14, align="center")
    number = face.number
    if face.version:
        number = f"{number} (phiên bản / version {face.version})"
    para(document, f"Số / No.: {number}", bold=True, align="center")
    bilingual(
        document,
        "Hệ thống truy xuất nguồn gốc sản phẩm, hàng hóa của",
        "The product traceability system of",
        align="center",
    )
    para(document, face.holder_name, bold=True, size=16, align="center", space_after=0)
    para(document, face.holder_address, align="center", space_after=0)
    para(document, f"Mã số thuế / Tax code: {face.holder_tax_code}", size=11, align="center")
    bilingual(
        document,
        f"được {face.conformity_vi}, phù hợp với tiêu chuẩn",
        f"is certified ({face.conformity_en}) as conforming to",
        align="center",
    )
    paragraph = para(document, face.standard, bold=True, size=16, align="center", space_after=0)
    paragraph.paragraph_format.space_before = Pt(2)
    if face.sector_standard and face.sector_standard != face.standard:
        para(
            document,
            f"và tiêu chuẩn ngành / and the sector standard {face.sector_standard}",
            bold=True,
            align="center",
            space_after=0,
        )
    para(document, face.scheme_name, italic=True, size=11, align="center")
    _scope(document, face)
    _dates(document, face)
    para(document, space_after=4)
    _footer(document, face)
    return to_bytes(document)
