"""Reading an uploaded .xlsx or .csv into rows, and writing the downloadable templates.

A file has one header row, in Vietnamese (the templates) or English or with the column codes,
optionally followed by a second header row (the templates' English row), then one record per
row. Column order does not matter; unknown columns are refused, required ones must be there.
Nothing here touches the database or stores the file.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from imports.kinds.base import Column, Kind


class FileRefused(Exception):
    """The file as a whole cannot be read: `status` is 400, 413 or 415."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class ReadFile:
    name: str
    sha256: str
    size: int
    rows: list[dict]  # [{"row": n, "values": {column key: text}}]


def max_bytes() -> int:
    return int(settings.IMPORTS_MAX_BYTES)


def max_rows() -> int:
    return int(settings.IMPORTS_MAX_ROWS)


def _normalise(text: object) -> str:
    text = unicodedata.normalize("NFC", str(text or "")).strip().lower().rstrip("*").strip()
    return re.sub(r"\s+", " ", text)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


def _header_map(kind: Kind) -> dict[str, str]:
    names: dict[str, str] = {}
    for column in kind.columns:
        for name in (column.key, column.vi, column.en):
            names[_normalise(name)] = column.key
    return names


def _rows_from_table(kind: Kind, table) -> list[dict]:
    """`table` yields lists of cell values; the first non-empty one is the header."""
    names = _header_map(kind)
    header: list[str | None] | None = None
    rows: list[dict] = []
    limit = max_rows()
    for number, cells in enumerate(table, start=1):
        texts = [_cell_text(c) for c in cells]
        if not any(texts):
            continue
        if header is None:
            unknown = [t for t in texts if t and _normalise(t) not in names]
            if unknown:
                raise FileRefused(
                    _("Unknown columns: %(names)s. Use the template of this kind of import.")
                    % {"names": ", ".join(unknown[:5])}
                )
            header = [names.get(_normalise(t)) if t else None for t in texts]
            present = {k for k in header if k}
            missing = [c for c in kind.columns if c.required and c.key not in present]
            if missing:
                raise FileRefused(
                    _("Required columns are missing: %(names)s.")
                    % {"names": ", ".join(c.vi for c in missing)}
                )
            continue
        if not rows and all(
            (not t) or names.get(_normalise(t)) == k for t, k in zip(texts, header, strict=False)
        ):
            continue  # the template's second (English) header row
        if len(rows) >= limit:
            raise FileRefused(
                _("The file has more than %(n)d rows: split it.") % {"n": limit}, status=413
            )
        values = {k: t for k, t in zip(header, texts, strict=False) if k}
        rows.append({"row": number, "values": values})
    if header is None:
        raise FileRefused(_("The file is empty: it has no header row."))
    if not rows:
        raise FileRefused(_("The file has no rows to import."))
    return rows


def _xlsx_table(data: bytes):
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise FileRefused(_("This .xlsx file cannot be read."), status=415) from error
    if unpacked > 20 * max_bytes():
        raise FileRefused(_("The workbook is too large once unpacked."), status=413)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged workbook
        raise FileRefused(_("This .xlsx file cannot be read."), status=415) from error
    sheet = workbook.worksheets[0]
    try:
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def _csv_table(data: bytes):
    if b"\x00" in data[:4096]:
        raise FileRefused(_("This is not a text (CSV) file."), status=415)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRefused(
            _("The CSV file is not in UTF-8: save it as “CSV UTF-8” and upload it again."),
            status=415,
        ) from error
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def read_upload(kind: Kind, upload) -> ReadFile:
    """Read an uploaded file (a Django UploadedFile) of `kind`. Raises FileRefused: 413 too
    large, 415 neither an .xlsx workbook nor a UTF-8 CSV, 400 unreadable headers or no rows."""
    size = upload.size or 0
    if size > max_bytes():
        raise FileRefused(
            _("The file is larger than the %(limit)s MB allowed.")
            % {"limit": f"{max_bytes() / (1024 * 1024):g}"},
            status=413,
        )
    data = upload.read(max_bytes() + 1)
    if len(data) > max_bytes():
        raise FileRefused(_("The file is too large."), status=413)
    name = (upload.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200] or "upload"
    lower = name.lower()
    if data.startswith(b"PK\x03\x04"):
        if not lower.endswith(".xlsx"):
            raise FileRefused(_("Upload an .xlsx workbook or a .csv file."), status=415)
        table = _xlsx_table(data)
    elif lower.endswith(".csv") or lower.endswith(".txt"):
        table = _csv_table(data)
    else:
        raise FileRefused(_("Upload an .xlsx workbook or a .csv file."), status=415)
    rows = _rows_from_table(kind, table)
    return ReadFile(name=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data), rows=rows)


# --- templates ------------------------------------------------------------------------------


def template_csv(kind: Kind) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.vi for c in kind.columns])
    writer.writerow([c.en for c in kind.columns])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def rows_csv(kind: Kind, records: list[dict]) -> bytes:
    """A file of `records` ({column key: value}) in the template's layout."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.vi for c in kind.columns])
    writer.writerow([c.en for c in kind.columns])
    for record in records:
        writer.writerow([record.get(c.key, "") for c in kind.columns])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def rows_xlsx(kind: Kind, records: list[dict]) -> bytes:
    """The template (`records` empty) or a filled file as an .xlsx workbook: the data sheet
    with the Vietnamese and English header rows (cells formatted as text, so tax codes keep
    their leading zeros), and a sheet explaining each column with an example."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Dữ liệu"
    sheet.append([c.vi for c in kind.columns])
    sheet.append([c.en for c in kind.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="666666")
    for record in records:
        sheet.append([record.get(c.key, "") for c in kind.columns])
    for index, column in enumerate(kind.columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(14, min(40, len(column.vi) + 4))
        for row in range(3, max(3, len(records) + 3) + 200):
            sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A3"
    help_sheet = workbook.create_sheet("Hướng dẫn - Help")
    help_sheet.append(["Cột", "Column", "Bắt buộc / Required", "Ví dụ / Example", "Ghi chú / Note"])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for column in kind.columns:
        help_sheet.append(
            [column.vi, column.en, "x" if column.required else "", column.example, column.help]
        )
    for letter, width in zip("ABCDE", (30, 30, 18, 40, 70), strict=True):
        help_sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def column_of(kind: Kind, key: str) -> Column | None:
    return next((c for c in kind.columns if c.key == key), None)
