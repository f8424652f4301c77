"""The certification decision (quyết định) as .docx, in the Vietnamese administrative layout
(Decree 30/2020/NĐ-CP): issuing body and number on the left, national motto on the right,
place and date, title, legal bases (Căn cứ …), articles, recipients (Nơi nhận) and signer."""

from documents.generation.common import (
    add_run,
    address_of,
    borderless,
    cell_text,
    date_vi,
    keep_rows_whole,
    new_document,
    para,
    set_widths,
    stage_names,
    to_bytes,
)

# Text width between the administrative margins: 210 - 30 - 15 mm.
_LEFT, _RIGHT = 63, 102

LEGAL_BASES = (
    "Căn cứ Luật Chất lượng sản phẩm, hàng hóa số 05/2007/QH12 ngày 21 tháng 11 năm 2007;",
    "Căn cứ Nghị định số 107/2016/NĐ-CP ngày 01 tháng 7 năm 2016 của Chính phủ quy định về "
    "điều kiện kinh doanh dịch vụ đánh giá sự phù hợp, được sửa đổi, bổ sung bởi Nghị định số "
    "154/2018/NĐ-CP;",
    "Căn cứ Thông tư số 02/2024/TT-BKHCN ngày 28 tháng 3 năm 2024 của Bộ trưởng Bộ Khoa học và "
    "Công nghệ quy định về quản lý truy xuất nguồn gốc sản phẩm, hàng hóa;",
)


def _header(document, decision) -> None:
    body = decision.application.body
    table = set_widths(borderless(document.add_table(rows=2, cols=2)), [_LEFT, _RIGHT])
    left, right = table.rows[0].cells
    cell_text(left, body.name.upper(), bold=True, size=12, align="center")
    cell_text(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12, align="center")
    para(right, "Độc lập - Tự do - Hạnh phúc", bold=True, underline=True, align="center")
    left, right = table.rows[1].cells
    number = decision.number or f"…/QĐ-{body.code}"
    cell_text(left, f"Số: {number}", align="center")
    place = body.province.name
    cell_text(right, f"{place}, {date_vi(decision.decided_on)}", italic=True, align="center")


def _scope_text(application, certificate) -> str:
    source = certificate or application
    products = "; ".join(
        p.get("name", "") + (f" (GTIN {p['gtin']})" if p.get("gtin") else "")
        for p in source.products or []
    )
    stages = "; ".join(vi for vi, _en in stage_names(source.stages or []))
    sites = "; ".join(
        s.get("name", "") + (f", {s['address']}" if s.get("address") else "")
        for s in source.sites or []
    )
    return f"sản phẩm: {products}; công đoạn: {stages}; địa điểm: {sites}"


def _article(document, number: int, text: str) -> None:
    paragraph = para(document, align="justify")
    add_run(paragraph, f"Điều {number}. ", bold=True)
    add_run(paragraph, text)


def article_texts(decision, certificate) -> list[str]:
    """The articles (Điều 1, 2, 3) of the decision, as text: the .docx and the PDF share them."""
    texts: list[str] = []
    application = decision.application
    enterprise = application.enterprise
    standard = certificate.standard if certificate else application.scheme.standard
    holder = (
        f"{enterprise.name}, mã số thuế {enterprise.tax_code}, địa chỉ {address_of(enterprise)}"
    )
    if decision.outcome == "granted":
        number = certificate.number if certificate else "…"
        texts.append(
            f"Cấp Giấy chứng nhận số {number} cho {holder}: hệ thống truy xuất nguồn gốc sản "
            f"phẩm, hàng hóa phù hợp tiêu chuẩn {standard}, với phạm vi "
            f"{_scope_text(application, certificate)}.",
        )
        valid = (
            f"từ {date_vi(certificate.valid_from)} đến {date_vi(certificate.valid_until)}"
            if certificate
            else "theo Giấy chứng nhận"
        )
        surveillance = (
            f" (lần đầu trước {date_vi(certificate.next_surveillance_due)})"
            if certificate and certificate.next_surveillance_due
            else ""
        )
        texts.append(
            f"Giấy chứng nhận có hiệu lực {valid}. {enterprise.name} có trách nhiệm duy trì hệ "
            f"thống truy xuất nguồn gốc phù hợp tiêu chuẩn, chịu sự đánh giá giám sát định kỳ "
            f"ít nhất mỗi năm một lần{surveillance} và sử dụng giấy chứng nhận đúng quy định.",
        )
    else:
        reasons = f" Lý do: {decision.reasons.strip()}" if decision.reasons.strip() else ""
        texts.append(
            f"Không cấp giấy chứng nhận hệ thống truy xuất nguồn gốc phù hợp tiêu chuẩn "
            f"{standard} cho {holder}.{reasons}",
        )
        days = application.scheme.appeal_days
        texts.append(
            f"{enterprise.name} có quyền khiếu nại quyết định này trong thời hạn {days} ngày kể "
            f"từ ngày nhận được Quyết định.",
        )
    texts.append(
        f"Quyết định này có hiệu lực kể từ ngày ký. {enterprise.name} và các bộ phận có liên "
        f"quan chịu trách nhiệm thi hành Quyết định này./.",
    )
    return texts


def _articles(document, decision, certificate) -> None:
    for number, text in enumerate(article_texts(decision, certificate), start=1):
        _article(document, number, text)


def _footer(document, decision) -> None:
    application = decision.application
    province = application.body.province
    authority = province.authority_name or f"Sở Khoa học và Công nghệ {province.name}"
    table = set_widths(borderless(document.add_table(rows=1, cols=2)), [_LEFT + 20, _RIGHT - 20])
    keep_rows_whole(table)
    left, right = table.rows[0].cells
    cell_text(left, "Nơi nhận:", bold=True, italic=True, size=12)
    for line in ("- Như Điều 3;", f"- {authority};", f"- Lưu: VT, hồ sơ {application.number}."):
        para(left, line, size=11, space_after=0)
    cell_text(right, "GIÁM ĐỐC", bold=True, align="center")
    para(
        right,
        "(Ký, ghi rõ họ tên và đóng dấu)",
        italic=True,
        size=11,
        align="center",
        space_after=48,
    )
    signer = decision.decision_maker
    para(right, signer.get_full_name() if signer else "", bold=True, align="center")


def render_decision(decision, certificate=None) -> bytes:
    """The decision on `decision.application` as .docx bytes (grant: with the certificate's
    number, scope and validity; refusal: with the reasons and the appeal period)."""
    application = decision.application
    body = application.body
    document = new_document(size=13)
    _header(document, decision)
    para(document)
    para(document, "QUYẾT ĐỊNH", bold=True, size=14, align="center", space_after=0)
    standard = certificate.standard if certificate else application.scheme.standard
    subject = "cấp" if decision.outcome == "granted" else "không cấp"
    para(
        document,
        f"Về việc {subject} giấy chứng nhận hệ thống truy xuất nguồn gốc phù hợp tiêu chuẩn "
        f"{standard}",
        bold=True,
        align="center",
        space_after=0,
    )
    para(
        document,
        f"Decision on the certification of a traceability system against {standard}",
        italic=True,
        size=11,
        align="center",
    )
    para(document, "—————", align="center")
    para(document, f"GIÁM ĐỐC {body.name.upper()}", bold=True, align="center")
    for basis in LEGAL_BASES:
        para(document, basis, italic=True, align="justify", space_after=0)
    if body.registration_number:
        para(
            document,
            f"Căn cứ Giấy chứng nhận đăng ký hoạt động chứng nhận số {body.registration_number};",
            italic=True,
            align="justify",
            space_after=0,
        )
    para(
        document,
        f"Căn cứ hồ sơ đăng ký chứng nhận số {application.number} của {application.enterprise.name}"
        f", kết quả đánh giá và kết quả xem xét kỹ thuật.",
        italic=True,
        align="justify",
    )
    para(document, "QUYẾT ĐỊNH:", bold=True, align="center")
    _articles(document, decision, certificate)
    para(document)
    _footer(document, decision)
    return to_bytes(document)
