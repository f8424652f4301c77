"""Page, font and text helpers shared by the generated documents."""

import datetime
import io

import docx
from django.utils import translation
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

FONT = "Times New Roman"  # has every Vietnamese glyph; Word's default Calibri is set aside

# Vietnamese names of the supply-chain stages (the interface catalogue may lack them, and a
# certificate must be bilingual whatever language is active).
STAGES_VI = {
    "primary_production": "Trồng trọt / chăn nuôi",
    "harvesting": "Thu hoạch / thu gom",
    "processing": "Chế biến",
    "packing": "Đóng gói",
    "storage": "Bảo quản / lưu kho",
    "transport": "Vận chuyển",
    "distribution": "Phân phối / bán buôn",
    "retail": "Bán lẻ",
    "export": "Xuất khẩu",
}


def new_document(*, size: int = 13, left_mm: int = 30, right_mm: int = 15) -> DocxDocument:
    """An empty A4 document in Times New Roman, by default with Vietnamese administrative
    margins (top/bottom 20 mm, left 30 mm, right 15 mm)."""
    document = docx.Document()
    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin = section.bottom_margin = Mm(20)
        section.left_margin, section.right_margin = Mm(left_mm), Mm(right_mm)
    for style_name in ("Normal", "Table Grid"):
        style = document.styles[style_name]
        style.font.name = FONT
        style.font.size = Pt(size)
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attribute), FONT)
    normal = document.styles["Normal"].paragraph_format
    normal.space_after = Pt(2)
    normal.space_before = Pt(0)
    return document


def to_bytes(document: DocxDocument) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def para(
    container,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    align: str | None = None,
    underline: bool = False,
    space_after: float | None = None,
) -> Paragraph:
    """Add a paragraph with one run of `text` to a document or a table cell."""
    paragraph = container.add_paragraph()
    if text:
        add_run(paragraph, text, bold=bold, italic=italic, size=size, underline=underline)
    if align:
        paragraph.alignment = getattr(WD_ALIGN_PARAGRAPH, align.upper())
    if space_after is not None:
        paragraph.paragraph_format.space_after = Pt(space_after)
    return paragraph


def add_run(
    paragraph: Paragraph,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    underline: bool = False,
):
    run = paragraph.add_run(text)
    run.bold, run.italic, run.underline = bold, italic, underline
    if size:
        run.font.size = Pt(size)
    return run


def bilingual(
    container, vi: str, en: str, *, bold: bool = False, size: float | None = None, align=None
) -> Paragraph:
    """Vietnamese, then the English in italics on the next line of the same paragraph."""
    paragraph = para(container, vi, bold=bold, size=size, align=align)
    paragraph.add_run().add_break()
    add_run(paragraph, en, italic=True, size=(size or 13) - 2)
    return paragraph


def cell_text(cell: _Cell, text: str, **kwargs) -> Paragraph:
    """Write into a table cell's first paragraph (a new cell has one, empty)."""
    paragraph = cell.paragraphs[0]
    add_run(paragraph, text, **{k: v for k, v in kwargs.items() if k != "align"})
    if kwargs.get("align"):
        paragraph.alignment = getattr(WD_ALIGN_PARAGRAPH, kwargs["align"].upper())
    return paragraph


def borderless(table: Table) -> Table:
    """Remove every border of `table` (layout tables of headers and signature blocks)."""
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    properties.append(borders)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    return table


def set_widths(table: Table, widths_mm: list[float]) -> Table:
    """Fix column widths (Word reads the cells' widths, LibreOffice the grid's)."""
    table.autofit = False
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)
    return table


def keep_rows_whole(table: Table) -> Table:
    """A row is never split across pages (signature blocks stay in one piece)."""
    for row in table.rows:
        properties = row._tr.get_or_add_trPr()
        cant_split = OxmlElement("w:cantSplit")
        properties.append(cant_split)
    return table


def date_vi(day: datetime.date | None) -> str:
    """ "ngày 05 tháng 03 năm 2026" (administrative style); a dotted blank when unknown."""
    if day is None:
        return "ngày … tháng … năm …"
    return f"ngày {day:%d} tháng {day:%m} năm {day:%Y}"


def date_short(day: datetime.date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else "…"


def english(label) -> str:
    with translation.override("en"):
        return str(label)


def stage_names(codes: list[str]) -> list[tuple[str, str]]:
    """(Vietnamese, English) names of supply-chain stages, in the order given."""
    from certification.models import SupplyChainStage

    labels = dict(SupplyChainStage.choices)
    return [(STAGES_VI.get(code, code), english(labels.get(code, code))) for code in codes]


def address_of(organisation) -> str:
    parts = [organisation.address, organisation.commune, organisation.province.name]
    return ", ".join(p for p in parts if p)
