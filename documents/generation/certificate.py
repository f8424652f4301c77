"""The certificate (giấy chứng nhận) as .docx, bilingual, with a QR code to verify it online."""

import io
from urllib.parse import quote

import segno
from django.conf import settings
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from documents.generation.common import (
    add_run,
    address_of,
    bilingual,
    borderless,
    cell_text,
    date_short,
    date_vi,
    new_document,
    para,
    stage_names,
    to_bytes,
)


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


def _scope(document, certificate) -> None:
    paragraph = para(document, "PHẠM VI CHỨNG NHẬN / ", bold=True, space_after=1)
    add_run(paragraph, "Scope of certification", bold=True, italic=True)
    _scope_line(
        document,
        "Sản phẩm / Products",
        [
            p.get("name", "") + (f" (GTIN {p['gtin']})" if p.get("gtin") else "")
            for p in certificate.products or []
        ],
    )
    _scope_line(
        document,
        "Công đoạn / Supply-chain stages",
        [f"{vi} ({en})" for vi, en in stage_names(certificate.stages or [])],
    )
    _scope_line(
        document,
        "Địa điểm / Sites",
        [
            s.get("name", "") + (f", {s['address']}" if s.get("address") else "")
            for s in certificate.sites or []
        ],
    )


def _dates(document, certificate) -> None:
    decision = certificate.decision
    rows = [
        (
            "Quyết định chứng nhận",
            "Certification decision",
            f"{decision.number or '…'}, {date_short(decision.decided_on)}",
        ),
        ("Ngày cấp", "Date of issue", date_short(certificate.issued_on)),
        ("Hiệu lực từ ngày", "Valid from", date_short(certificate.valid_from)),
        ("Hiệu lực đến ngày", "Valid until", date_short(certificate.valid_until)),
    ]
    if certificate.original_valid_until != certificate.valid_until:
        rows.append(
            (
                "Hiệu lực ban đầu đến ngày",
                "Originally valid until",
                date_short(certificate.original_valid_until),
            )
        )
    table = document.add_table(rows=0, cols=2)
    table.style = document.styles["Table Grid"]
    for vi, en, value in rows:
        left, right = table.add_row().cells
        cell_text(left, f"{vi} / ", bold=True)
        add_run(left.paragraphs[0], en, italic=True)
        cell_text(right, value)


def _footer(document, certificate, url: str) -> None:
    table = borderless(document.add_table(rows=1, cols=2))
    qr_cell, sign_cell = table.rows[0].cells
    qr_cell.paragraphs[0].add_run().add_picture(io.BytesIO(qr_png(url)), width=Mm(28))
    para(qr_cell, "Tra cứu hiệu lực / Verify online:", size=10)
    para(qr_cell, url, size=9)
    body = certificate.body
    place = body.province.name
    paragraph = cell_text(sign_cell, f"{place}, {date_vi(certificate.issued_on)}", italic=True)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para(sign_cell, "ĐẠI DIỆN TỔ CHỨC CHỨNG NHẬN", bold=True, align="center")
    para(sign_cell, "For the certification body", italic=True, size=11, align="center")
    para(
        sign_cell,
        "(Ký, ghi rõ họ tên và đóng dấu / Signature and seal)",
        italic=True,
        size=10,
        align="center",
        space_after=28,
    )
    signer = certificate.decision.decision_maker
    para(sign_cell, signer.get_full_name() if signer else "", bold=True, align="center")


def render_certificate(certificate) -> bytes:
    """The certificate as .docx bytes: holder, address, scope (products, stages, sites),
    standard with edition, number and version, decision/issue/expiry dates, the body with its
    registration number, a signer block, and a QR code of the verification URL."""
    document = new_document(size=12, left_mm=20, right_mm=20)
    body = certificate.body
    para(document, body.name.upper(), bold=True, align="center", space_after=0)
    para(document, address_of(body), size=11, align="center", space_after=0)
    if body.registration_number:
        para(
            document,
            f"Số đăng ký hoạt động chứng nhận / Registration No.: {body.registration_number}",
            size=11,
            align="center",
        )
    para(document, "GIẤY CHỨNG NHẬN", bold=True, size=24, align="center", space_after=0)
    para(document, "CERTIFICATE", italic=True, size=16, align="center")
    number = certificate.number
    if certificate.version:
        number = f"{number} (phiên bản / version {certificate.version})"
    para(document, f"Số / No.: {number}", bold=True, align="center")
    bilingual(
        document,
        "Hệ thống truy xuất nguồn gốc sản phẩm, hàng hóa của",
        "The product traceability system of",
        align="center",
    )
    holder = certificate.enterprise
    para(document, holder.name, bold=True, size=16, align="center", space_after=0)
    para(document, address_of(holder), align="center", space_after=0)
    para(document, f"Mã số thuế / Tax code: {holder.tax_code}", size=11, align="center")
    bilingual(
        document, "được chứng nhận phù hợp với", "is certified as conforming to", align="center"
    )
    paragraph = para(
        document, certificate.standard, bold=True, size=16, align="center", space_after=0
    )
    paragraph.paragraph_format.space_before = Pt(2)
    para(document, certificate.scheme.name, italic=True, size=11, align="center")
    _scope(document, certificate)
    _dates(document, certificate)
    para(document, space_after=4)
    _footer(document, certificate, verification_url(certificate.number))
    return to_bytes(document)
