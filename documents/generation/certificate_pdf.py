"""The certificate (giấy chứng nhận) as a PDF/A-2B page: a bordered certificate face with the
body's logo, the holder, the standard and scope, the dates, a QR code of the verification URL
and the signature block. Signed afterwards (signing.services) with the body's key."""

import io
import logging

from django.conf import settings
from fpdf.enums import XPos, YPos

from documents.generation.certificate import qr_png, verification_url
from documents.generation.common import address_of, date_short, date_vi, stage_names
from documents.generation.fonts import nfc
from documents.generation.pdf import DARK, GREEN, GREY, RED, Page

logger = logging.getLogger(__name__)

# Where the QR code and the signature block start (mm from the top of an A4 page).
FOOTER_TOP = 222


def certificate_face(certificate) -> dict:
    """What the face of `certificate` shows, as plain values (the PDF and its tests read it)."""
    decision = certificate.decision
    body = certificate.body
    signer = decision.decision_maker
    products = [
        p.get("name", "") + (f" (GTIN {p['gtin']})" if p.get("gtin") else "")
        for p in certificate.products or []
    ]
    sites = [
        s.get("name", "") + (f", {s['address']}" if s.get("address") else "")
        for s in certificate.sites or []
    ]
    return {
        "body_name": body.name,
        "body_address": address_of(body),
        "body_registration": body.registration_number,
        "body_code": body.code,
        "number": certificate.number,
        "version": certificate.version,
        "holder": certificate.enterprise.name,
        "holder_address": address_of(certificate.enterprise),
        "holder_tax_code": certificate.enterprise.tax_code,
        "standard": certificate.standard,
        "scheme": certificate.scheme.name,
        "products": products,
        "stages": [f"{vi} ({en})" for vi, en in stage_names(certificate.stages or [])],
        "sites": sites,
        "decision_number": decision.number or "",
        "decided_on": decision.decided_on,
        "issued_on": certificate.issued_on,
        "valid_from": certificate.valid_from,
        "valid_until": certificate.valid_until,
        "original_valid_until": certificate.original_valid_until,
        "restored_on": certificate.restored_on,
        "place": body.province.name,
        "signer_name": signer.get_full_name() if signer else "",
        "signer_title": "Giám đốc",
        "verify_url": verification_url(certificate.number),
        "check_file_url": f"{settings.SITE_URL}/verify/file/",
    }


def _logo(pdf: Page, body, face: dict) -> None:
    logo = getattr(body, "logo", None)
    if logo:
        try:
            with logo.open("rb") as handle:
                pdf.image(io.BytesIO(handle.read()), x=16, y=15, h=22)
            return
        except Exception:  # a missing or unreadable logo never stops a certificate
            logger.warning("Logo of body %s could not be read; drawing its code", body.pk)
    pdf.set_draw_color(*GREEN)
    pdf.set_line_width(0.8)
    pdf.circle(x=27, y=26, radius=11)
    pdf.font(7.5, "B").set_text_color(*GREEN)
    pdf.set_xy(16, 24)
    pdf.cell(22, 4, nfc(face["body_code"] or "TXNG"), align="C")
    pdf.set_text_color(*DARK)


def _border(pdf: Page) -> None:
    pdf.set_draw_color(*GREEN)
    pdf.set_line_width(1.4)
    pdf.rect(7, 7, 196, 283)
    pdf.set_line_width(0.3)
    pdf.rect(10, 10, 190, 277)


def _heading(pdf: Page, face: dict) -> None:
    pdf.set_y(15)
    pdf.set_x(40)
    pdf.font(11.5, "B")
    pdf.multi_cell(150, 5.5, nfc(face["body_name"].upper()), align="C", new_x=XPos.LMARGIN)
    pdf.set_x(40)
    pdf.font(9)
    pdf.multi_cell(150, 4.2, nfc(face["body_address"]), align="C", new_x=XPos.LMARGIN)
    if face["body_registration"]:
        pdf.set_x(40)
        pdf.multi_cell(
            150,
            4.2,
            nfc(f"Số đăng ký hoạt động chứng nhận / Registration No.: {face['body_registration']}"),
            align="C",
            new_x=XPos.LMARGIN,
        )
    pdf.set_y(max(pdf.get_y(), 40) + 4)
    pdf.set_text_color(*GREEN)
    pdf.line_text("GIẤY CHỨNG NHẬN", size=26, style="B", height=11)
    pdf.line_text("CERTIFICATE", size=13, style="I", height=6)
    pdf.set_text_color(*DARK)
    number = face["number"]
    if face["version"]:
        number = f"{number} (phiên bản / version {face['version']})"
    pdf.ln(1)
    pdf.line_text(f"Số / No.: {number}", size=12, style="B", height=6)


def _holder(pdf: Page, face: dict) -> None:
    pdf.ln(2)
    pdf.line_text("Hệ thống truy xuất nguồn gốc sản phẩm, hàng hóa của", size=10.5)
    pdf.line_text("The product traceability system of", size=9, style="I", height=4.5)
    pdf.ln(1)
    pdf.line_text(face["holder"], size=15, style="B", height=7)
    pdf.line_text(face["holder_address"], size=10)
    pdf.line_text(f"Mã số thuế / Tax code: {face['holder_tax_code']}", size=10)
    pdf.ln(1.5)
    pdf.line_text("được chứng nhận phù hợp với", size=10.5)
    pdf.line_text("is certified as conforming to", size=9, style="I", height=4.5)
    pdf.ln(1)
    pdf.set_text_color(*GREEN)
    pdf.line_text(face["standard"], size=15, style="B", height=7)
    pdf.set_text_color(*DARK)
    pdf.line_text(face["scheme"], size=9.5, style="I")


def _scope(pdf: Page, face: dict) -> None:
    pdf.ln(2)
    pdf.line_text("PHẠM VI CHỨNG NHẬN / SCOPE OF CERTIFICATION", size=10.5, style="B", align="L")
    pdf.ln(0.5)
    for label, items in (
        ("Sản phẩm / Products", face["products"]),
        ("Công đoạn / Supply-chain stages", face["stages"]),
        ("Địa điểm / Sites", face["sites"]),
    ):
        pdf.labelled(label, "; ".join(items) + "." if items else "—", size=9.5)


def _dates(pdf: Page, face: dict) -> None:
    rows = [
        (
            "Quyết định chứng nhận / Certification decision",
            f"{face['decision_number'] or '…'}, {date_short(face['decided_on'])}",
        ),
        ("Ngày cấp / Date of issue", date_short(face["issued_on"])),
        ("Hiệu lực từ ngày / Valid from", date_short(face["valid_from"])),
        ("Hiệu lực đến ngày / Valid until", date_short(face["valid_until"])),
    ]
    if face["original_valid_until"] != face["valid_until"]:
        rows.append(
            (
                "Hiệu lực ban đầu đến ngày / Originally valid until",
                date_short(face["original_valid_until"]),
            )
        )
    if face["restored_on"]:
        rows.append(("Khôi phục ngày / Restored on", date_short(face["restored_on"])))
    pdf.ln(2)
    pdf.set_draw_color(*GREY)
    pdf.set_line_width(0.2)
    with pdf.table(
        col_widths=(95, 75),
        line_height=5.6,
        first_row_as_headings=False,
        borders_layout="HORIZONTAL_LINES",
        text_align=("LEFT", "LEFT"),
    ) as table:
        for label, value in rows:
            row = table.row()
            pdf.font(9.5, "B")
            row.cell(nfc(label))
            pdf.font(9.5)
            row.cell(nfc(value))


def _footer(pdf: Page, face: dict, *, demo: bool) -> None:
    if pdf.get_y() > FOOTER_TOP - 2:
        pdf.add_page()
        _border(pdf)
    top = FOOTER_TOP
    pdf.image(io.BytesIO(qr_png(face["verify_url"])), x=20, y=top, w=34, h=34)
    pdf.set_xy(16, top + 35)
    pdf.font(8, "B")
    pdf.cell(75, 4, nfc("Tra cứu hiệu lực / Verify online:"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_x(16)
    pdf.font(7.5)
    pdf.multi_cell(80, 3.6, face["verify_url"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    left, width = 105, 90
    pdf.set_xy(left, top)
    pdf.font(10, "I")
    pdf.cell(width, 5, nfc(f"{face['place']}, {date_vi(face['issued_on'])}"), align="C")
    for text, size, style, height in (
        ("ĐẠI DIỆN TỔ CHỨC CHỨNG NHẬN", 10.5, "B", 5.5),
        ("For the certification body", 9, "I", 4.5),
        (face["signer_title"].upper(), 10.5, "B", 5.5),
    ):
        pdf.set_xy(left, pdf.get_y() + (5 if text.startswith("ĐẠI") else 0))
        pdf.font(size, style)
        pdf.cell(width, height, nfc(text), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_xy(left, pdf.get_y() + 2)
    pdf.set_text_color(*GREEN)
    pdf.font(8.5, "I")
    pdf.cell(
        width,
        4.5,
        nfc("(Đã ký số / Digitally signed)"),
        align="C",
        new_x=XPos.LEFT,
        new_y=YPos.NEXT,
    )
    pdf.set_text_color(*DARK)
    pdf.set_xy(left, pdf.get_y() + 8)
    pdf.font(12, "B")
    pdf.cell(width, 6, nfc(face["signer_name"]), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)

    pdf.set_auto_page_break(False)
    pdf.set_xy(14, 278)
    pdf.set_text_color(*(RED if demo else GREY))
    pdf.font(7.5, "B" if demo else "")
    note = (
        "BẢN DEMO — không có giá trị pháp lý (ký bằng chứng thư số thử nghiệm). " if demo else ""
    ) + f"Bản điện tử có chữ ký số; kiểm tra tệp tại {face['check_file_url']}"
    pdf.multi_cell(182, 3.6, nfc(note), align="C")
    pdf.set_text_color(*DARK)


def render_certificate_pdf(certificate, *, demo: bool = False) -> bytes:
    """The certificate as unsigned PDF/A-2B bytes. `demo` marks it as made with a demo key."""
    face = certificate_face(certificate)
    pdf = Page(
        title=f"Giấy chứng nhận {face['number']}",
        subject=f"{face['holder']} — {face['standard']}",
        author=face["body_name"],
    )
    pdf.add_page()
    _border(pdf)
    _logo(pdf, certificate.body, face)
    _heading(pdf, face)
    _holder(pdf, face)
    _scope(pdf, face)
    _dates(pdf, face)
    _footer(pdf, face, demo=demo)
    return pdf.to_bytes()
