"""The certification decision (quyết định) as .docx, in the Vietnamese administrative layout
(Decree 30/2020/NĐ-CP): issuing body and number on the left, national motto on the right,
place and date, title, legal bases (Căn cứ …), articles, recipients (Nơi nhận) and signer."""

from documents.generation.common import (
    add_run,
    borderless,
    cell_text,
    date_vi,
    keep_rows_whole,
    new_document,
    para,
    set_widths,
    to_bytes,
)
from documents.generation.context import DecisionFace, decision_face

# Text width between the administrative margins: 210 - 30 - 15 mm.
_LEFT, _RIGHT = 63, 102


def _header(document, face: DecisionFace) -> None:
    table = set_widths(borderless(document.add_table(rows=2, cols=2)), [_LEFT, _RIGHT])
    left, right = table.rows[0].cells
    cell_text(left, face.body_name.upper(), bold=True, size=12, align="center")
    cell_text(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12, align="center")
    para(right, "Độc lập - Tự do - Hạnh phúc", bold=True, underline=True, align="center")
    left, right = table.rows[1].cells
    cell_text(left, f"Số: {face.number or f'…/QĐ-{face.body_code}'}", align="center")
    cell_text(right, f"{face.place}, {date_vi(face.decided_on)}", italic=True, align="center")


def _article(document, number: int, text: str) -> None:
    paragraph = para(document, align="justify")
    add_run(paragraph, f"Điều {number}. ", bold=True)
    add_run(paragraph, text)


def article_texts(face: DecisionFace) -> list[str]:
    """The articles (Điều 1, 2, 3) as text: the .docx and the signed PDF print the same."""
    texts: list[str] = []
    holder = (
        f"{face.enterprise_name}, mã số thuế {face.enterprise_tax_code}, "
        f"địa chỉ {face.enterprise_address}"
    )
    certificate = face.certificate
    if face.outcome == "granted":
        number = certificate.number if certificate else "…"
        verb = face.grant_verb
        texts.append(
            f"{verb} {face.certificate_kind} số {number} cho {holder}: hệ thống truy xuất "
            f"nguồn gốc sản phẩm, hàng hóa phù hợp tiêu chuẩn {face.standards}, với phạm vi "
            f"{face.scope_vi}.",
        )
        valid = (
            f"từ {date_vi(certificate.valid_from)} đến {date_vi(certificate.valid_until)}"
            if certificate
            else "theo Giấy chứng nhận"
        )
        gap = (
            f" Giấy chứng nhận đã hết hiệu lực từ {date_vi(certificate.lapsed_from)} đến "
            f"{date_vi(certificate.lapsed_until)}."
            if certificate and certificate.has_gap
            else ""
        )
        initial = (
            f" Ngày chứng nhận lần đầu: {date_vi(certificate.initially_certified_on)}."
            if certificate and certificate.initially_certified_on != certificate.valid_from
            else ""
        )
        texts.append(
            f"Giấy chứng nhận có hiệu lực {valid}.{gap}{initial} {face.enterprise_name} có "
            f"trách nhiệm duy trì hệ thống truy xuất nguồn gốc phù hợp tiêu chuẩn, chịu sự đánh "
            f"giá giám sát định kỳ ít nhất mỗi năm một lần và sử dụng giấy chứng nhận, dấu "
            f"chứng nhận đúng quy định của tổ chức chứng nhận.",
        )
    else:
        reasons = f" Lý do: {face.reasons}" if face.reasons else ""
        texts.append(
            f"Không cấp {face.certificate_kind.lower()} hệ thống truy xuất nguồn gốc phù hợp tiêu "
            f"chuẩn {face.standards} cho {holder}.{reasons}",
        )
        texts.append(
            f"{face.enterprise_name} có quyền khiếu nại quyết định này trong thời hạn "
            f"{face.appeal_days} ngày kể từ ngày nhận được Quyết định.",
        )
    texts.append(
        f"Quyết định này có hiệu lực kể từ ngày ký. {face.enterprise_name} và các bộ phận có "
        f"liên quan chịu trách nhiệm thi hành Quyết định này./.",
    )
    return texts


def _articles(document, face: DecisionFace) -> None:
    for number, text in enumerate(article_texts(face), start=1):
        _article(document, number, text)


def _footer(document, face: DecisionFace) -> None:
    table = set_widths(borderless(document.add_table(rows=1, cols=2)), [_LEFT + 20, _RIGHT - 20])
    keep_rows_whole(table)
    left, right = table.rows[0].cells
    cell_text(left, "Nơi nhận:", bold=True, italic=True, size=12)
    for line in (
        "- Như Điều 3;",
        f"- {face.authority_name};",
        f"- Lưu: VT, hồ sơ {face.application_number}.",
    ):
        para(left, line, size=11, space_after=0)
    cell_text(right, face.signer_title.upper(), bold=True, align="center")
    para(
        right,
        "(Ký, ghi rõ họ tên và đóng dấu)",
        italic=True,
        size=11,
        align="center",
        space_after=48,
    )
    para(right, face.signer_name, bold=True, align="center")


def render_decision(decision, certificate=None) -> bytes:
    """The decision on `decision.application` as .docx bytes, printed from `decision_face()`:
    its number, the scheme's legal bases as copied onto the decision, and (grant) the
    certificate's number, standards, scope and validity, or (refusal) the reasons and the
    appeal period."""
    face = decision_face(decision, certificate)
    document = new_document(size=13)
    _header(document, face)
    para(document)
    para(document, "QUYẾT ĐỊNH", bold=True, size=14, align="center", space_after=0)
    subject = face.grant_subject if face.outcome == "granted" else "không cấp"
    para(
        document,
        f"Về việc {subject} {face.certificate_kind.lower()} hệ thống truy xuất nguồn gốc phù hợp "
        f"tiêu chuẩn {face.standards}",
        bold=True,
        align="center",
        space_after=0,
    )
    para(
        document,
        f"Decision on the certification of a traceability system against {face.standard}",
        italic=True,
        size=11,
        align="center",
    )
    para(document, "—————", align="center")
    para(document, f"GIÁM ĐỐC {face.body_name.upper()}", bold=True, align="center")
    for basis in face.legal_bases:
        para(document, basis, italic=True, align="justify", space_after=0)
    if face.body_registration_number:
        para(
            document,
            f"Căn cứ Giấy chứng nhận đăng ký hoạt động chứng nhận số "
            f"{face.body_registration_number};",
            italic=True,
            align="justify",
            space_after=0,
        )
    para(
        document,
        f"Căn cứ hồ sơ đăng ký chứng nhận số {face.application_number} của "
        f"{face.enterprise_name}, kết quả đánh giá và kết quả xem xét kỹ thuật.",
        italic=True,
        align="justify",
    )
    para(document, "QUYẾT ĐỊNH:", bold=True, align="center")
    _articles(document, face)
    para(document)
    _footer(document, face)
    return to_bytes(document)
