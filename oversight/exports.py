"""Files for regulators: the certificate register (CSV, XLSX), the plan's annual report
(DOCX, XLSX) and the national-portal export (JSON array or JSON Lines).

openpyxl (and python-docx) are imported by the functions that write those files: a web worker
that never makes one does not carry them (see README, Benchmarks)."""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from certification.models import Certificate, Province, Sector, SupplyChainStage
from core.clock import today
from oversight import portal
from oversight.selectors import IndicatorProgress, activities_of, plan_progress, year_summary

if TYPE_CHECKING:
    from openpyxl import Workbook

XLSX_DATE = "DD/MM/YYYY"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# A cell beginning with one of these is read as a formula (or the start of one) by spreadsheet
# programs; text typed by an enterprise must never run as one.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """`value` safe for a spreadsheet cell: text starting with a formula prefix gets a leading
    apostrophe (shown as text, never evaluated); other values are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _d(day: datetime.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


# --- certificate register -------------------------------------------------------------------


def register_headers() -> list[str]:
    return [
        _("Certificate number"),
        _("Version"),
        _("State"),
        _("Enterprise"),
        _("Tax code"),
        _("Sector"),
        _("Commune / ward"),
        _("Province"),
        _("Body code"),
        _("Certification body"),
        _("Standard"),
        _("Products (GTIN)"),
        _("Sites"),
        _("Supply-chain stages"),
        _("Issued on"),
        _("Valid from"),
        _("Valid until"),
        _("Next surveillance due"),
    ]


# Positions of the date columns in a register row (written as dates in XLSX, d/m/Y in CSV).
REGISTER_DATE_COLUMNS = (14, 15, 16, 17)


def _labels() -> dict[str, dict]:
    return {
        "state": {k: str(v) for k, v in Certificate.State.choices},
        "sector": {k: str(v) for k, v in Sector.choices},
        "stage": {k: str(v) for k, v in SupplyChainStage.choices},
    }


REGISTER_FIELDS = (
    "number",
    "version",
    "state",
    "enterprise__name",
    "enterprise__tax_code",
    "enterprise__sector",
    "enterprise__commune",
    "enterprise__province__name",
    "body__code",
    "body__name",
    "standard",
    "products",
    "sites",
    "stages",
    "issued_on",
    "valid_from",
    "valid_until",
    "next_surveillance_due",
)


def register_rows(certificates: QuerySet[Certificate]) -> Iterator[list]:
    """The register lines of `certificates` (in their order); dates as date objects. Read as
    plain values, in chunks: exporting thousands of certificates stays quick and small."""
    labels = _labels()
    for row in certificates.values_list(*REGISTER_FIELDS).iterator(chunk_size=2000):
        (number, version, state, name, tax_code, sector, commune, province) = row[:8]
        (body_code, body_name, standard, products, sites, stages) = row[8:14]
        yield [
            number,
            version,
            labels["state"].get(state, state),
            name,
            tax_code,
            labels["sector"].get(sector, sector or ""),
            commune,
            province,
            body_code,
            body_name,
            standard,
            "; ".join(
                f"{p.get('name', '')} ({p['gtin']})" if p.get("gtin") else p.get("name", "")
                for p in products or []
            ),
            "; ".join(s.get("name", "") for s in sites or []),
            "; ".join(labels["stage"].get(s, s) for s in stages or []),
            *row[14:],
        ]


def register_csv_lines(certificates: QuerySet[Certificate]) -> Iterator[str]:
    """The register as CSV text, line by line: UTF-8 with a byte-order mark (so spreadsheet
    programs read Vietnamese correctly), comma-separated, dates d/m/Y."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow([neutralise(header) for header in register_headers()])
    yield "\ufeff" + flush()
    for row in register_rows(certificates):
        for i in REGISTER_DATE_COLUMNS:
            row[i] = _d(row[i])
        writer.writerow([neutralise(value) for value in row])
        yield flush()


def register_xlsx(certificates: QuerySet[Certificate]) -> bytes:
    """The register as an .xlsx workbook (one sheet, bold header, real date cells)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = _sheet(workbook, _("Certificate register"), register_headers())
    for row in register_rows(certificates):
        _append(sheet, row)
    return _save(workbook)


def _sheet(workbook: Workbook, title: str, headers: list[str]):
    """A write-only sheet with a bold header row."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    sheet = workbook.create_sheet(title[:31])
    bold = Font(bold=True)
    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=neutralise(header))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    sheet.freeze_panes = "A2"
    return sheet


def _append(sheet, values: list) -> None:
    """Append a row; dates become date cells shown d/m/Y; text never becomes a formula."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        if isinstance(value, datetime.date):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = XLSX_DATE
            cells.append(cell)
        elif isinstance(value, str):
            # Explicitly a string cell: openpyxl would store "=…" as a formula.
            cell = WriteOnlyCell(sheet, value=neutralise(value))
            cell.data_type = "s"
            cells.append(cell)
        else:
            cells.append(value)
    sheet.append(cells)


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- national portal ------------------------------------------------------------------------


def portal_export(
    certificates: QuerySet[Certificate], stream: IO[str], *, jsonl: bool = False
) -> int:
    """Write the portal record of each certificate to `stream`: a JSON array (default) or
    one record per line (JSON Lines). Returns how many records were written."""
    count = 0
    if not jsonl:
        stream.write("[")
    for certificate in (
        portal.certificates_for_export(certificates).order_by("pk").iterator(chunk_size=500)
    ):
        text = json.dumps(portal.record_for(certificate), cls=DjangoJSONEncoder, ensure_ascii=False)
        if jsonl:
            stream.write(text + "\n")
        else:
            stream.write(("\n" if count == 0 else ",\n") + text)
        count += 1
    if not jsonl:
        stream.write("\n]\n" if count else "]\n")
    return count


# --- annual report of the plan --------------------------------------------------------------


def _number(value) -> str:
    if value is None:
        return "—"
    value = float(value)
    return f"{value:g}" if value != int(value) else str(int(value))


def _report_lines(progress: list[IndicatorProgress], year: int) -> list[dict]:
    lines = []
    for n, item in enumerate(progress, start=1):
        target = item.target
        cumulative = item.total if item.snapshot else item.cumulative_to(year)
        percent = None
        if cumulative is not None and target.target_value:
            percent = round(float(cumulative) / float(target.target_value) * 100, 1)
        lines.append(
            {
                "n": n,
                "code": target.code,
                "label_vi": target.label_vi,
                "label_en": target.label_en,
                "unit": target.unit,
                "target": float(target.target_value),
                "in_year": item.total if item.snapshot else item.value_in(year),
                "cumulative": cumulative,
                "percent": percent,
                "met": cumulative is not None and float(cumulative) >= float(target.target_value),
                "snapshot": item.snapshot,
                "detail": item.detail,
            }
        )
    return lines


def annual_report_data(province: Province, year: int) -> dict:
    """The figures of the plan for `year` in `province` (a constant number of queries)."""
    return {
        "province": province,
        "year": year,
        "lines": _report_lines(plan_progress(province), year),
        "summary": year_summary(province, year),
        "activities": list(activities_of(province, year).order_by("date", "id")),
        "made_on": today(),
    }


def annual_report_docx(province: Province, year: int) -> bytes:
    """The annual report as a Word document: A4, Times New Roman, Vietnamese with English."""
    from documents.generation.common import (
        bilingual,
        cell_text,
        new_document,
        para,
        set_widths,
        to_bytes,
    )

    data = annual_report_data(province, year)
    document = new_document(size=12, left_mm=25, right_mm=15)
    authority = province.authority_name or f"Tỉnh {province.name}"
    para(document, authority.upper(), bold=True, align="center")
    bilingual(
        document,
        f"BÁO CÁO KẾT QUẢ THỰC HIỆN KẾ HOẠCH ĐỀ ÁN 100 NĂM {year}",
        f"Report on the implementation of the Đề án 100 plan, year {year}",
        bold=True,
        size=14,
        align="center",
    )
    para(
        document,
        "Kế hoạch thực hiện Đề án 100 giai đoạn 2026\u20132030 "
        f"(truy xuất nguồn gốc sản phẩm, hàng hóa) — {province.name}",
        italic=True,
        align="center",
        space_after=8,
    )

    bilingual(document, "1. Các chỉ tiêu của Kế hoạch", "1. Indicators of the plan", bold=True)
    table = document.add_table(rows=1, cols=7)
    table.style = "Table Grid"
    headers = [
        ("TT", "No."),
        ("Chỉ tiêu", "Indicator"),
        ("Mục tiêu", "Target"),
        (f"Năm {year}", f"In {year}"),
        ("Lũy kế", "Cumulative"),
        ("% mục tiêu", "% of target"),
        ("Đánh giá", "Status"),
    ]
    for cell, (vi, en) in zip(table.rows[0].cells, headers, strict=True):
        cell_text(cell, vi, bold=True, size=10)
        cell.paragraphs[0].add_run().add_break()
        cell.paragraphs[0].add_run(en).italic = True
    for line in data["lines"]:
        cells = table.add_row().cells
        cell_text(cells[0], str(line["n"]), size=10)
        cell_text(cells[1], line["label_vi"], size=10)
        cells[1].paragraphs[0].add_run().add_break()
        run = cells[1].paragraphs[0].add_run(line["label_en"])
        run.italic = True
        if line["detail"]:
            para(cells[1], line["detail"], size=9)
        cell_text(cells[2], f"{_number(line['target'])} {line['unit']}", size=10)
        cell_text(cells[3], _number(line["in_year"]), size=10)
        cell_text(cells[4], _number(line["cumulative"]), size=10)
        cell_text(cells[5], "—" if line["percent"] is None else f"{line['percent']:g} %", size=10)
        cell_text(cells[6], "Đạt / Met" if line["met"] else "Chưa đạt / Not yet", size=10)
    set_widths(table, [10, 62, 22, 18, 18, 18, 22])
    para(
        document,
        "Chỉ tiêu về nhóm sản phẩm rủi ro cao là tỷ lệ tại ngày lập báo cáo. "
        "/ The high-risk product group indicator is the share on the day of the report.",
        italic=True,
        size=9,
        space_after=8,
    )

    summary = data["summary"]
    bilingual(
        document,
        f"2. Hoạt động chứng nhận trong năm {year}",
        f"2. Certification in {year}",
        bold=True,
    )
    for vi, en, value in (
        ("Giấy chứng nhận đã cấp", "Certificates issued", summary["certificates"]),
        ("Doanh nghiệp được cấp", "Enterprises certified", summary["enterprises"]),
        ("Giấy chứng nhận bị đình chỉ", "Certificates suspended", summary["suspended"]),
        ("Giấy chứng nhận bị thu hồi", "Certificates withdrawn", summary["withdrawn"]),
    ):
        para(document, f"\u2013 {vi} / {en}: {value}")

    bilingual(
        document,
        f"3. Các hoạt động đã thực hiện trong năm {year}",
        f"3. Activities carried out in {year}",
        bold=True,
    )
    if data["activities"]:
        activities = document.add_table(rows=1, cols=5)
        activities.style = "Table Grid"
        for cell, (vi, en) in zip(
            activities.rows[0].cells,
            [
                ("Ngày", "Date"),
                ("Chỉ tiêu", "Indicator"),
                ("Nội dung", "Description"),
                ("Số lượng", "Quantity"),
                ("Minh chứng", "Evidence"),
            ],
            strict=True,
        ):
            cell_text(cell, f"{vi} / {en}", bold=True, size=10)
        for activity in data["activities"]:
            cells = activities.add_row().cells
            cell_text(cells[0], _d(activity.date), size=10)
            cell_text(cells[1], activity.target.label_vi, size=10)
            cell_text(cells[2], activity.description, size=10)
            cell_text(cells[3], str(activity.quantity), size=10)
            cell_text(cells[4], activity.evidence_name or "—", size=10)
        set_widths(activities, [22, 40, 62, 18, 28])
    else:
        para(document, "Không có hoạt động nào được ghi nhận. / No activity recorded.", italic=True)
    para(
        document,
        f"Lập ngày {_d(data['made_on'])} từ hệ thống TXNG Cert. "
        f"/ Made on {_d(data['made_on'])} by TXNG Cert.",
        italic=True,
        size=9,
        align="right",
    )
    return to_bytes(document)


def annual_report_xlsx(province: Province, year: int) -> bytes:
    """The annual report as an .xlsx workbook: indicators, certification, activities."""
    from openpyxl import Workbook

    data = annual_report_data(province, year)
    workbook = Workbook(write_only=True)
    indicators = _sheet(
        workbook,
        _("Indicators"),
        [
            _("Code"),
            _("Indicator (Vietnamese)"),
            _("Indicator (English)"),
            _("Unit"),
            _("Target"),
            _("In %(year)d") % {"year": year},
            _("Cumulative"),
            _("Share of target (%)"),
            _("Met"),
        ],
    )
    for line in data["lines"]:
        _append(
            indicators,
            [
                line["code"],
                line["label_vi"],
                line["label_en"],
                line["unit"],
                line["target"],
                line["in_year"],
                line["cumulative"],
                line["percent"],
                bool(line["met"]),
            ],
        )
    certification = _sheet(workbook, _("Certification"), [_("Figure"), _("Value")])
    summary = data["summary"]
    for label, key in (
        (_("Certificates issued"), "certificates"),
        (_("Enterprises certified"), "enterprises"),
        (_("Certificates suspended"), "suspended"),
        (_("Certificates withdrawn"), "withdrawn"),
    ):
        _append(certification, [label, summary[key]])
    activities = _sheet(
        workbook,
        _("Activities"),
        [_("Date"), _("Indicator"), _("Description"), _("Quantity"), _("Evidence"), _("By")],
    )
    for activity in data["activities"]:
        _append(
            activities,
            [
                activity.date,
                activity.target.label_vi,
                activity.description,
                activity.quantity,
                activity.evidence_name,
                activity.recorded_by.get_full_name(),
            ],
        )
    return _save(workbook)
