"""The one place that says which font the PDF documents use and where it comes from.

Be Vietnam Pro (OFL-1.1) covers every Vietnamese letter and is installed through pip
(`fontpkg-be-vietnam-pro`, looked up with `fontpkg`), so rendering needs no system font. To use
another pip-installed family, change FAMILY (and the package in pyproject.toml): nothing else
names a font file.
"""

import functools
import unicodedata
from pathlib import Path

import fontpkg

FAMILY = "Be Vietnam Pro"
# The name the PDF documents give the family inside fpdf2.
PDF_NAME = "BeVietnamPro"
# fpdf2 style → (weight, style) of the font file.
STYLES = {
    "": (400, "normal"),
    "B": (700, "normal"),
    "I": (400, "italic"),
    "BI": (700, "italic"),
}


@functools.cache
def font_file(style: str = "") -> Path:
    """The TTF file of `style` ("", "B", "I" or "BI")."""
    weight, slant = STYLES[style]
    return fontpkg.path(FAMILY, weight=weight, style=slant)


def register_fonts(pdf, styles=tuple(STYLES)) -> None:
    """Make the family available to an fpdf2 document under PDF_NAME in `styles` (each style
    registered is embedded as a subset: register only those the document uses)."""
    for style in styles:
        pdf.add_font(PDF_NAME, style, str(font_file(style)))


def nfc(text: str) -> str:
    """Composed form: a decomposed accent (e + U+0301) would need text shaping to draw."""
    return unicodedata.normalize("NFC", text or "")
