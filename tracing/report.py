"""The trace report: a small graph of the lots (PNG drawn with Pillow, no browser, no CDN) and
the .docx (python-docx tables, bilingual labels)."""

from __future__ import annotations

import io
import itertools
from functools import lru_cache

from django.utils import translation
from docx.shared import Mm
from PIL import Image, ImageDraw, ImageFont

from documents.generation.common import (
    bilingual,
    cell_text,
    new_document,
    para,
    set_widths,
    to_bytes,
)
from tracing.messages import gap_text

_FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)
COLUMN_W, BOX_W, BOX_H, GAP_Y, MARGIN = 290, 250, 44, 14, 16
COLOURS = {
    "input": ("#e8f1fb", "#1f5fa8"),
    "unknown": ("#fdecea", "#b3261e"),
    "lot": ("#fff4d6", "#8a6100"),
    "pallet": ("#eef7ee", "#2e7d32"),
    "customer": ("#f3eefa", "#5e35b1"),
}


@lru_cache(maxsize=4)
def _font(size: int):
    for path in _FONT_PATHS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def _split(label: str) -> tuple[str, str]:
    """ "GTIN x · lot y" → ("lot y", "GTIN x"): the lot first, where the box has room."""
    head, _sep, tail = label.partition(" · ")
    return (tail, head) if tail else (label, "")


def graph_columns(data: dict) -> list[list[tuple[str, str, str]]]:
    """Columns of (kind, first line, second line): inputs → traced lot → pallets and outputs
    → customers."""
    inputs = []
    for row in data["backward"]["inputs"]:
        lot, gtin = _split(row["lot"])
        who = ", ".join(row["suppliers"]) or row["origin"]
        kind = "unknown" if row["origin"] == "unknown" else "input"
        inputs.append((kind, f"{lot} · {row['quantity'] or '?'} {row['uom']}", f"{gtin} · {who}"))
    middle = [
        ("pallet", p["pallet"], f"{p['quantity'] or '?'} {p['uom']}")
        for p in data["forward"]["pallets"]
    ]
    for output in data["forward"]["outputs"]:
        lot, gtin = _split(output["lot"])
        middle.append(("lot", f"{lot} · {output['quantity'] or '?'} {output['uom']}", gtin))
    customers = [("customer", c, "") for c in data["forward"]["customers"]]
    lot, gtin = _split(data["lot"]["label"])
    traced = [("lot", lot, f"{gtin} · {data['result'].upper()}")]
    return [c for c in (inputs, traced, middle, customers) if c]


def render_graph_png(data: dict) -> bytes:
    columns = graph_columns(data)
    rows = max(len(c) for c in columns)
    width = MARGIN * 2 + COLUMN_W * (len(columns) - 1) + BOX_W
    height = MARGIN * 2 + rows * (BOX_H + GAP_Y)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    small, big = _font(11), _font(12)
    centres: list[list[tuple[int, int, int]]] = []
    for ci, column in enumerate(columns):
        x = MARGIN + ci * COLUMN_W
        offset = (rows - len(column)) * (BOX_H + GAP_Y) // 2
        placed = []
        for ri, (kind, line1, line2) in enumerate(column):
            y = MARGIN + offset + ri * (BOX_H + GAP_Y)
            fill, outline = COLOURS[kind]
            draw.rounded_rectangle((x, y, x + BOX_W, y + BOX_H), 6, fill=fill, outline=outline)
            draw.text((x + 8, y + 6), line1[:36], fill="#111111", font=big)
            draw.text((x + 8, y + 24), line2[:42], fill=outline, font=small)
            placed.append((x, y + BOX_H // 2, x + BOX_W))
        centres.append(placed)
    for left, right in itertools.pairwise(centres):
        for _x0, y0, x1 in left:
            for x2, y2, _x3 in right:
                draw.line((x1, y0, x2 - 4, y2), fill="#777777", width=1)
                draw.polygon([(x2, y2), (x2 - 7, y2 - 4), (x2 - 7, y2 + 4)], fill="#777777")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _table(document, headers: list[tuple[str, str]], rows: list[list[str]], widths: list[float]):
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, (vi, en) in zip(table.rows[0].cells, headers, strict=True):
        cell_text(cell, vi, bold=True, size=10)
        cell.paragraphs[0].add_run(f"\n{en}").italic = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell_text(cell, str(text), size=10)
    set_widths(table, widths)
    return table


def render_docx(analysis) -> bytes:
    """The trace report of `analysis` (a tracing.models.TraceAnalysis) as .docx bytes."""
    data = analysis.data
    dataset = analysis.dataset
    audit = dataset.audit
    document = new_document(size=12, left_mm=20, right_mm=15)
    bilingual(
        document,
        "BÁO CÁO THỬ TRUY XUẤT TỪ DỮ LIỆU EPCIS",
        "Trace test report from EPCIS data",
        bold=True,
        size=14,
    )
    result_vi = "ĐẠT" if analysis.result == "pass" else "KHÔNG ĐẠT"
    result_en = "PASSED" if analysis.result == "pass" else "FAILED"
    facts = [
        ("Doanh nghiệp / Enterprise", audit.client.name),
        ("Cuộc đánh giá / Audit", str(audit)),
        ("Lô truy xuất / Traced lot", data["lot"]["label"]),
        (
            "Nguồn dữ liệu / Data source",
            f"{dataset.get_source_display()} · {dataset.event_count} events · "
            f"{dataset.document.original_name} (SHA-256 {dataset.document.sha256[:16]}…)",
        ),
        (
            "Thời gian trả lời / Time to answer",
            f"{dataset.answer_seconds} s" if dataset.answer_seconds is not None else "-",
        ),
        ("Dung sai cân đối / Mass-balance tolerance", f"{data['tolerance_percent']} %"),
        ("Kết quả / Result", f"{result_vi} / {result_en}"),
    ]
    _table(document, [("Mục", "Item"), ("Nội dung", "Value")], [list(f) for f in facts], [60, 115])
    if data["reasons"]:
        bilingual(document, "Lý do không đạt", "Reasons for failure", bold=True)
        for gap in data["gaps"]:
            if gap["severity"] == "major":
                para(document, f"• {gap_text(gap)}")
    bilingual(document, "Sơ đồ lô", "Lot graph", bold=True)
    document.add_picture(io.BytesIO(render_graph_png(data)), width=Mm(170))
    bilingual(document, "Truy xuất một bước lùi", "One step back", bold=True)
    _table(
        document,
        [
            ("Lô đầu vào", "Input lot"),
            ("Số lượng", "Quantity"),
            ("Nguồn gốc", "Origin"),
            ("Nhà cung cấp", "Suppliers"),
            ("Địa điểm nguồn", "Source sites"),
        ],
        [
            [
                r["lot"],
                f"{r['quantity'] or '-'} {r['uom']}",
                r["origin"],
                ", ".join(r["suppliers"]) or "-",
                ", ".join(r["sites"]) or "-",
            ]
            for r in data["backward"]["inputs"]
        ],
        [45, 22, 22, 43, 43],
    )
    bilingual(document, "Truy xuất một bước tới", "One step forward", bold=True)
    _table(
        document,
        [
            ("Sự kiện", "Event"),
            ("Lô / pallet", "Lot / pallet"),
            ("Số lượng", "Quantity"),
            ("Khách hàng", "Customers"),
            ("Nơi nhận", "Destinations"),
        ],
        [
            [
                f"#{s['event']}",
                s["via"] or s["lot"],
                f"{s['quantity'] or '-'} {s['uom']}",
                ", ".join(s["customers"]) or "-",
                ", ".join(s["destinations"]) or "-",
            ]
            for s in data["forward"]["shipments"]
        ],
        [15, 50, 22, 44, 44],
    )
    bilingual(document, "Cân đối khối lượng", "Mass balance", bold=True)
    _table(
        document,
        [
            ("Đơn vị", "Unit"),
            ("Vào", "In"),
            ("Ra", "Out"),
            ("Chênh lệch", "Difference"),
            ("%", "%"),
            ("Trong dung sai", "Within tolerance"),
        ],
        [
            [
                m["uom"],
                m["in"],
                m["out"],
                m["difference"],
                m["percent"],
                "Có / Yes" if m["within"] else "Không / No",
            ]
            for m in data["mass_balance"]
        ],
        [20, 28, 28, 30, 20, 49],
    )
    bilingual(document, "Đầy đủ KDE theo CTE", "KDE completeness per CTE", bold=True)
    _table(
        document,
        [
            ("Sự kiện", "Event"),
            ("CTE", "CTE"),
            ("Thời điểm", "Time"),
            ("KDE thiếu", "Missing KDEs"),
        ],
        [
            [f"#{k['event']} {k['type']}", k["cte"], k["time"], ", ".join(k["missing"]) or "-"]
            for k in data["kde"]
        ],
        [45, 30, 50, 50],
    )
    with translation.override("vi"):
        proposals = list(analysis.proposals.all())
        if proposals:
            bilingual(document, "Phát hiện đề xuất", "Proposed findings", bold=True)
            _table(
                document,
                [
                    ("Mức", "Severity"),
                    ("Điều khoản", "Clause"),
                    ("Mô tả", "Description"),
                    ("Trạng thái", "State"),
                ],
                [
                    [p.severity, p.clause_reference, p.description, p.get_state_display()]
                    for p in proposals
                ],
                [20, 20, 105, 30],
            )
    return to_bytes(document)
