"""The certification decision as a PDF/A-2B page in the administrative layout of Decree
30/2020/NĐ-CP (the same text as the .docx draft, which body staff may still edit): issuing body
and number on the left, national motto on the right, place and date, title, legal bases,
articles, recipients and the signer. Signed afterwards (signing.services)."""

from fpdf.enums import XPos, YPos

from documents.generation.common import date_vi
from documents.generation.context import DecisionFace, decision_face
from documents.generation.decision import article_texts
from documents.generation.fonts import nfc
from documents.generation.pdf import RED, Page

# Administrative margins: left 30 mm, top 20 mm, right 15 mm (text width 165 mm).
_LEFT_COL, _RIGHT_COL = 68, 97


def _header(pdf: Page, face: DecisionFace) -> None:
    top = pdf.get_y()
    x_right = pdf.l_margin + _LEFT_COL
    pdf.font(11.5, "B")
    pdf.multi_cell(_LEFT_COL, 5.5, nfc(face.body_name.upper()), align="C", new_x=XPos.LMARGIN)
    left_bottom = pdf.get_y()
    pdf.set_xy(x_right, top)
    pdf.multi_cell(
        _RIGHT_COL, 5.5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C", new_x=XPos.LEFT
    )
    pdf.font(12, "B")
    motto = nfc("Độc lập - Tự do - Hạnh phúc")
    pdf.cell(_RIGHT_COL, 6, motto, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    motto_width = pdf.get_string_width(motto)
    centre = x_right + _RIGHT_COL / 2
    pdf.set_line_width(0.3)
    pdf.line(centre - motto_width / 2, pdf.get_y(), centre + motto_width / 2, pdf.get_y())
    right_bottom = pdf.get_y()
    # A short rule under the body's name, as the decree draws it.
    pdf.line(
        pdf.l_margin + _LEFT_COL / 2 - 12,
        left_bottom + 0.5,
        pdf.l_margin + _LEFT_COL / 2 + 12,
        left_bottom + 0.5,
    )
    row = max(left_bottom, right_bottom) + 3
    pdf.set_xy(pdf.l_margin, row)
    pdf.font(12)
    number = face.number or f"…/QĐ-{face.body_code}"
    pdf.cell(_LEFT_COL, 6, nfc(f"Số: {number}"), align="C")
    pdf.set_xy(x_right, row)
    pdf.font(12, "I")
    pdf.cell(
        _RIGHT_COL,
        6,
        nfc(f"{face.place}, {date_vi(face.decided_on)}"),
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )


def _paragraph(pdf: Page, text: str, *, style: str = "", size: float = 11, indent=True) -> None:
    pdf.font(size, style)
    pdf.multi_cell(
        0,
        5.3,
        nfc(("      " if indent else "") + text),
        align="J",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )


def _footer(pdf: Page, face: DecisionFace, *, demo: bool) -> None:
    if pdf.get_y() > 240:
        pdf.add_page()
    top = pdf.get_y() + 3
    pdf.set_xy(pdf.l_margin, top)
    pdf.font(11, "BI")
    pdf.cell(80, 5.5, nfc("Nơi nhận:"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.font(10)
    for line in (
        "- Như Điều 3;",
        f"- {face.authority_name};",
        f"- Lưu: VT, hồ sơ {face.application_number}.",
    ):
        pdf.cell(80, 5, nfc(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left, width = pdf.l_margin + 75, 90
    pdf.set_xy(left, top)
    pdf.font(12, "B")
    pdf.cell(width, 6, nfc(face.signer_title.upper()), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.font(10, "I")
    pdf.cell(width, 5, nfc("(Đã ký số)"), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_y(pdf.get_y() + 14)
    pdf.set_x(left)
    pdf.font(12, "B")
    pdf.cell(width, 6, nfc(face.signer_name), align="C")
    if demo:
        pdf.set_auto_page_break(False)
        pdf.set_xy(pdf.l_margin, 282)
        pdf.set_text_color(*RED)
        pdf.font(8, "B")
        pdf.cell(
            0,
            4,
            nfc("BẢN DEMO — không có giá trị pháp lý (ký bằng chứng thư số thử nghiệm)."),
            align="C",
        )


def render_decision_pdf(decision, certificate=None, *, demo: bool = False) -> bytes:
    """The decision on `decision.application` as unsigned PDF/A-2B bytes, printed from
    `decision_face()` (the same text as the .docx draft)."""
    face = decision_face(decision, certificate)
    pdf = Page(
        title=f"Quyết định {face.number or face.application_number}",
        subject=f"Quyết định chứng nhận — {face.enterprise_name}",
        author=face.body_name,
        margins=(30, 20, 15),
        styles=("", "B", "I", "BI"),
    )
    pdf.add_page()
    _header(pdf, face)
    pdf.ln(4)
    subject = face.grant_subject if face.outcome == "granted" else "không cấp"
    pdf.line_text("QUYẾT ĐỊNH", size=14, style="B", height=7)
    pdf.line_text(
        f"Về việc {subject} {face.certificate_kind.lower()} hệ thống truy xuất nguồn gốc phù "
        f"hợp tiêu chuẩn {face.standards}",
        size=12,
        style="B",
        height=6,
    )
    pdf.line_text(
        f"Decision on the certification of a traceability system against {face.standard}",
        size=10,
        style="I",
    )
    pdf.ln(2)
    pdf.line_text(f"GIÁM ĐỐC {face.body_name.upper()}", size=12, style="B", height=6)
    pdf.ln(1)
    bases = list(face.legal_bases)
    if face.body_registration_number:
        bases.append(
            "Căn cứ Giấy chứng nhận đăng ký hoạt động chứng nhận số "
            f"{face.body_registration_number};"
        )
    bases.append(
        f"Căn cứ hồ sơ đăng ký chứng nhận số {face.application_number} của "
        f"{face.enterprise_name}, kết quả đánh giá và kết quả xem xét kỹ thuật."
    )
    for basis in bases:
        _paragraph(pdf, basis, style="I")
    pdf.ln(1)
    pdf.line_text("QUYẾT ĐỊNH:", size=12, style="B", height=6.5)
    for number, text in enumerate(article_texts(face), start=1):
        pdf.set_x(pdf.l_margin)
        pdf.font(11, "B")
        pdf.write(5.3, nfc(f"      Điều {number}. "))
        pdf.font(11)
        pdf.write(5.3, nfc(text))
        pdf.ln(6.5)
    _footer(pdf, face, demo=demo)
    return pdf.to_bytes()
