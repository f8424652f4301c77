"""What every kind of import shares: columns, the row report, the context, value parsing."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
REFUSED = "refused"


@dataclass(frozen=True)
class Column:
    key: str
    vi: str  # header of the template (Vietnamese)
    en: str  # second header row (English)
    required: bool = False
    example: str = ""
    help: str = ""


@dataclass
class Context:
    """Who imports into where, from which file."""

    by: Any
    body: Any = None  # certification.Organisation (a certification body)
    jurisdiction: Any = None  # certification.Province
    file_name: str = ""
    sha256: str = ""
    batch_id: int | None = None

    @property
    def origin(self) -> dict:
        return {"file": self.file_name, "sha256": self.sha256, "batch": self.batch_id}


@dataclass
class RowResult:
    row: int
    values: dict[str, str]
    action: str = CREATED
    key: str = ""
    errors: list[dict] = field(default_factory=list)
    note: str = ""
    cleaned: dict[str, Any] = field(default_factory=dict)

    def refuse(self, column: str, message: str) -> None:
        self.action = REFUSED
        self.errors.append({"column": column, "message": str(message)})

    def refuse_validation(self, error: ValidationError, columns: dict[str, str]) -> None:
        """Refuse with a model or service ValidationError, its fields mapped to columns."""
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                for item in errors:
                    for message in item.messages:
                        self.refuse(columns.get(name, ""), message)
        else:
            for message in error.messages:
                self.refuse("", message)

    @property
    def refused(self) -> bool:
        return self.action == REFUSED

    def as_report(self) -> dict:
        return {
            "row": self.row,
            "action": self.action,
            "key": self.key,
            "errors": self.errors,
            "note": "" if self.refused else self.note,
        }


Progress = Callable[[int], None]


class Kind:
    """A kind of import. `check` is the dry run: it must not write. `apply` stores the rows
    `check` accepted, in the caller's transaction, calling `progress(n)` as rows are done."""

    code: str = ""
    label: Any = ""
    scope: str = "body"  # "body", "jurisdiction" or "either"
    columns: list[Column] = []

    def check(self, rows: list[dict], ctx: Context) -> list[RowResult]:
        raise NotImplementedError

    def apply(self, results: list[RowResult], ctx: Context, progress: Progress) -> None:
        raise NotImplementedError

    def allows(self, scope_kind: str) -> bool:
        return self.scope in (scope_kind, "either")


KINDS: dict[str, Kind] = {}


def register(kind_class: type[Kind]) -> type[Kind]:
    KINDS[kind_class.code] = kind_class()
    return kind_class


def get_kind(code: str) -> Kind | None:
    return KINDS.get(code)


# --- value parsing --------------------------------------------------------------------------

_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")


def parse_date(text: str) -> datetime.date:
    """A date written dd/mm/yyyy (or yyyy-mm-dd, as an .xlsx date cell reads). ValueError
    with a message for anything else."""
    text = (text or "").strip()
    if " " in text:
        text = text.split(" ", 1)[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a plain date
        except ValueError:
            continue
    raise ValueError(_("“%(text)s” is not a date (write dd/mm/yyyy).") % {"text": text[:40]})


_YES = {"x", "có", "co", "yes", "y", "1", "true", "đúng"}
_NO = {"", "không", "khong", "no", "n", "0", "false", "sai"}


def parse_bool(text: str) -> bool:
    value = (text or "").strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError(_("Write “có” or “không” (yes or no)."))


def split_list(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;\n]", text or "") if part.strip()]


def date_text(day: datetime.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""
