"""Shared pieces of the PDF documents (fpdf2, PDF/A-2B, fonts from documents.generation.fonts)."""

import io

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from documents.generation.fonts import PDF_NAME, nfc, register_fonts

GREEN = (0, 92, 64)
DARK = (20, 20, 20)
GREY = (90, 90, 90)
RED = (176, 0, 32)


class Page(FPDF):
    """An A4 PDF/A-2B document in the project's font, with helpers that NFC-normalise text."""

    def __init__(
        self, *, title: str, subject: str, author: str, margins=(20, 18, 20), styles=("", "B", "I")
    ):
        super().__init__(orientation="P", unit="mm", format="A4", enforce_compliance="PDF/A-2B")
        register_fonts(self, styles)
        self.set_margins(*margins)
        self.set_auto_page_break(True, margin=18)
        self.set_title(nfc(title))
        self.set_subject(nfc(subject))
        self.set_author(nfc(author))
        self.set_creator("TXNG Cert")
        self.set_lang("vi-VN")
        self.set_text_color(*DARK)

    def font(self, size: float, style: str = "") -> "Page":
        self.set_font(PDF_NAME, style, size)
        return self

    def line_text(
        self, text: str, *, size: float = 11, style: str = "", align: str = "C", height=None
    ) -> None:
        """One or more lines of `text` across the printable width."""
        self.font(size, style)
        self.multi_cell(
            0,
            height or size * 0.5,
            nfc(text),
            align=align,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    def labelled(self, label: str, value: str, *, size: float = 10.5) -> None:
        """`label: value` flowing as one paragraph, the label in bold."""
        height = size * 0.5
        self.set_x(self.l_margin)
        self.font(size, "B")
        self.write(height, nfc(f"{label}: "))
        self.font(size)
        self.write(height, nfc(value))
        self.ln(height + 0.8)

    def to_bytes(self) -> bytes:
        return bytes(self.output())


def png_stream(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)
