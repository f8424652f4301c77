"""The certificate (giấy chứng nhận) as a PDF/A-2B page: a bordered certificate face with the
body's logo, the holder, the standard and scope, the dates, a QR code of the verification URL
and the signature block. Signed afterwards (signing.services) with the body's key."""

import io
import logging

from django.conf import settings
from fpdf.enums import XPos, YPos

from documents.generation.certificate import qr_png
from documents.generation.common import date_short, date_vi
from documents.generation.context import CertificateFace, certificate_face
from documents.generation.fonts import nfc
from documents.generation.pdf import DARK, GREEN, GREY, RED, Page

logger = logging.getLogger(__name__)

# Where the QR code and the signature block start (mm from the top of an A4 page).
FOOTER_TOP = 222


def _logo(pdf: Page, body) -> None:
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
    pdf.cell(22, 4, nfc(body.code or "TXNG"), align="C")
    pdf.set_text_color(*DARK)


def _border(pdf: Page) -> None:
    pdf.set_draw_color(*GREEN)
    pdf.set_line_width(1.4)
    pdf.rect(7, 7, 196, 283)
    pdf.set_line_width(0.3)
    pdf.rect(10, 10, 190, 277)


def _heading(pdf: Page, face: CertificateFace) -> None:
    pdf.set_y(15)
    pdf.set_x(40)
    pdf.font(11.5, "B")
    pdf.multi_cell(150, 5.5, nfc(face.body_name.upper()), align="C", new_x=XPos.LMARGIN)
    pdf.font(9)
    lines = [face.body_address]
    if face.body_registration_number:
        lines.append(
            f"Số đăng ký hoạt động chứng nhận / Registration No.: {face.body_registration_number}"
        )
    if face.accreditation_number:
        lines.append(
            f"Được công nhận bởi / Accredited by {face.accreditation_body or '…'}, "
            f"số / No. {face.accreditation_number}"
        )
    for line in lines:
        pdf.set_x(40)
        pdf.multi_cell(150, 4.2, nfc(line), align="C", new_x=XPos.LMARGIN)
    pdf.set_y(max(pdf.get_y(), 40) + 3)
    pdf.set_text_color(*GREEN)
    title_size = 26 if len(face.title_vi) < 20 else 21
    pdf.line_text(face.title_vi, size=title_size, style="B", height=10)
    pdf.line_text(face.title_en, size=12, style="I", height=6)
    pdf.set_text_color(*DARK)
    number = face.number
    if face.version:
        number = f"{number} (phiên bản / version {face.version})"
    pdf.ln(1)
    pdf.line_text(f"Số / No.: {number}", size=12, style="B", height=6)


def _holder(pdf: Page, face: CertificateFace) -> None:
    pdf.ln(2)
    pdf.line_text("Hệ thống truy xuất nguồn gốc sản phẩm, hàng hóa của", size=10.5)
    pdf.line_text("The product traceability system of", size=9, style="I", height=4.5)
    pdf.ln(1)
    pdf.line_text(face.holder_name, size=15, style="B", height=7)
    pdf.line_text(face.holder_address, size=10)
    pdf.line_text(f"Mã số thuế / Tax code: {face.holder_tax_code}", size=10)
    pdf.ln(1.5)
    pdf.line_text(f"được {face.conformity_vi}, phù hợp với tiêu chuẩn", size=10.5)
    pdf.line_text(
        f"is certified ({face.conformity_en}) as conforming to", size=9, style="I", height=4.5
    )
    pdf.ln(1)
    pdf.set_text_color(*GREEN)
    pdf.line_text(face.standard, size=15, style="B", height=7)
    pdf.set_text_color(*DARK)
    if face.sector_standard and face.sector_standard != face.standard:
        pdf.line_text(
            f"và tiêu chuẩn ngành / and the sector standard {face.sector_standard}",
            size=10.5,
            style="B",
        )
    pdf.line_text(face.scheme_name, size=9.5, style="I")


def _scope(pdf: Page, face: CertificateFace) -> None:
    pdf.ln(2)
    pdf.line_text("PHẠM VI CHỨNG NHẬN / SCOPE OF CERTIFICATION", size=10.5, style="B", align="L")
    pdf.ln(0.5)
    for label, items in (
        ("Sản phẩm / Products", face.products),
        ("Công đoạn / Supply-chain stages", [f"{vi} ({en})" for vi, en in face.stages]),
        ("Địa điểm / Sites", face.sites),
    ):
        pdf.labelled(label, "; ".join(items) + "." if items else "—", size=9.5)


def _dates(pdf: Page, face: CertificateFace) -> None:
    rows = [
        (
            "Quyết định chứng nhận / Certification decision",
            f"Số {face.decision_number or '…'}, {date_short(face.decision_date)}",
        ),
        (
            "Ngày chứng nhận lần đầu / Initial certification",
            date_short(face.initially_certified_on),
        ),
        ("Ngày cấp / Date of issue", date_short(face.issued_on)),
        ("Hiệu lực từ ngày / Valid from", date_short(face.valid_from)),
        ("Hiệu lực đến ngày / Valid until", date_short(face.valid_until)),
    ]
    if face.transferred_from:
        rows.append(("Chuyển đổi từ / Transferred from", face.transferred_from))
    if face.has_gap:
        rows.append(
            (
                "Gián đoạn hiệu lực / Lapse",
                f"{date_short(face.lapsed_from)} đến / to {date_short(face.lapsed_until)}",
            )
        )
    elif face.original_valid_until != face.valid_until:
        rows.append(
            (
                "Hiệu lực ban đầu đến ngày / Originally valid until",
                date_short(face.original_valid_until),
            )
        )
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


def _footer(pdf: Page, face: CertificateFace, *, demo: bool) -> None:
    if pdf.get_y() > FOOTER_TOP - 2:
        pdf.add_page()
        _border(pdf)
    top = FOOTER_TOP
    pdf.image(io.BytesIO(qr_png(face.verification_url)), x=20, y=top, w=34, h=34)
    pdf.set_xy(16, top + 35)
    pdf.font(8, "B")
    pdf.cell(75, 4, nfc("Tra cứu hiệu lực / Verify online:"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_x(16)
    pdf.font(7.5)
    pdf.multi_cell(80, 3.6, face.verification_url, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    left, width = 105, 90
    pdf.set_xy(left, top)
    pdf.font(10, "I")
    pdf.cell(width, 5, nfc(f"{face.body_place}, {date_vi(face.issued_on)}"), align="C")
    for text, size, style, height in (
        ("ĐẠI DIỆN TỔ CHỨC CHỨNG NHẬN", 10.5, "B", 5.5),
        ("For the certification body", 9, "I", 4.5),
        (face.signer_title.upper(), 10.5, "B", 5.5),
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
    pdf.cell(width, 6, nfc(face.signer_name), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)

    pdf.set_auto_page_break(False)
    pdf.set_xy(14, 278)
    pdf.set_text_color(*(RED if demo else GREY))
    pdf.font(7.5, "B" if demo else "")
    note = (
        "BẢN DEMO — không có giá trị pháp lý (ký bằng chứng thư số thử nghiệm). " if demo else ""
    ) + f"Bản điện tử có chữ ký số; kiểm tra tệp tại {settings.SITE_URL}/verify/file/"
    pdf.multi_cell(182, 3.6, nfc(note), align="C")
    pdf.set_text_color(*DARK)


def render_certificate_pdf(certificate, *, demo: bool = False) -> bytes:
    """The certificate as unsigned PDF/A-2B bytes, printed from `certificate_face()` (the same
    content as the .docx). `demo` marks it as made with a demo key."""
    face = certificate_face(certificate)
    pdf = Page(
        title=f"Giấy chứng nhận {face.number}",
        subject=f"{face.holder_name} — {face.standards}",
        author=face.body_name,
    )
    pdf.add_page()
    _border(pdf)
    _logo(pdf, certificate.body)
    _heading(pdf, face)
    _holder(pdf, face)
    _scope(pdf, face)
    _dates(pdf, face)
    _footer(pdf, face, demo=demo)
    return pdf.to_bytes()
