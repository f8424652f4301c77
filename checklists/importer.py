"""The data-file format of checklist templates: reading and strict validation, the canonical
content and its hash, writing it back, and describing what changed between two versions.

A file holds one template version::

    code, version, standard, title{vi,en}, description{vi,en},
    sections: [code, title{vi,en},
      items: [code, clause, requirement{vi,en}, guidance{vi,en}, evidence{vi,en},
              severity major|minor,
              applies_to ⊆ stage1|stage2|surveillance|recertification]]

The canonical content is that structure with every text stripped and `applies_to` in the order
above; its SHA-256 (without the version number) is the template's `content_hash`, so a file, its
database rows and an export of those rows hash the same. Writes to the database live in
`checklists.services`.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext as _

from checklists.models import ITEM_AUDIT_KINDS, ChecklistSection, ChecklistTemplate, Severity

DATA_DIR = Path(__file__).resolve().parent / "data"

LANGUAGES = ("vi", "en")
_CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TEMPLATE_KEYS = {"code", "version", "standard", "title", "description", "sections"}
_SECTION_KEYS = {"code", "title", "items"}
_ITEM_KEYS = {
    "code",
    "clause",
    "clause_status",
    "requirement",
    "guidance",
    "evidence",
    "severity",
    "applies_to",
}
# Database column lengths, checked before writing so a long value never fails half-way.
_MAX = {"template_code": 100, "standard": 100, "title": 300, "code": 20, "clause": 100}


@dataclass(frozen=True)
class Problem:
    """Why a file cannot be imported: the file, the item (or section/field) and a reason."""

    file: str
    where: str
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.where}: " if self.where else ""
        return f"{self.file}: {where}{self.message}"


class ChecklistImportError(Exception):
    """The import was refused; `problems` lists every reason (nothing was written)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class ParsedFile:
    path: Path
    data: dict[str, Any] | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (YAML keeps the last one
    silently, which would hide a copy-paste mistake)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    seen: set[Any] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} is given twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def default_paths() -> list[Path]:
    """Every template file shipped with the application, in a stable order."""
    return sorted(DATA_DIR.glob("*.yaml"))


class _Checker:
    """Collects the problems of one file while building its canonical content."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, where: str, code: str, message: str) -> None:
        self.problems.append(Problem(self.file, where, code, message))

    def unknown_keys(self, where: str, value: dict, allowed: set[str]) -> None:
        for key in sorted(set(value) - allowed, key=str):
            self.problem(where, "unknown_field", _("unknown field “%(key)s”.") % {"key": key})

    def text(self, where: str, value: Any, name: str, *, max_length: int | None = None) -> str:
        if not isinstance(value, str) or not value.strip():
            self.problem(where, "missing_text", _("“%(name)s” is missing.") % {"name": name})
            return ""
        value = value.strip()
        if max_length and len(value) > max_length:
            self.problem(
                where,
                "too_long",
                _("“%(name)s” is longer than %(n)d characters.") % {"name": name, "n": max_length},
            )
        return value

    def bilingual(
        self, where: str, value: Any, name: str, *, required: bool, max_length: int | None = None
    ) -> dict[str, str]:
        """{vi, en}; both required, or (optional fields) both absent."""
        if value is None and not required:
            return {"vi": "", "en": ""}
        if not isinstance(value, dict):
            self.problem(
                where,
                "missing_text",
                _("“%(name)s” needs a Vietnamese (vi) and an English (en) text.") % {"name": name},
            )
            return {"vi": "", "en": ""}
        self.unknown_keys(f"{where} {name}" if where else name, value, set(LANGUAGES))
        if not required and not any(
            isinstance(value.get(lang), str) and value[lang].strip() for lang in LANGUAGES
        ):
            return {"vi": "", "en": ""}
        return {
            lang: self.text(where, value.get(lang), f"{name}.{lang}", max_length=max_length)
            for lang in LANGUAGES
        }


def _item(check: _Checker, raw: Any, where: str) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        check.problem(where, "invalid_item", _("an item must be a mapping of fields."))
        return None
    code = raw.get("code")
    if not isinstance(code, str) or not code.strip():
        check.problem(where, "missing_code", _("the item has no code."))
        return None
    code = code.strip()
    where = _("item %(code)s") % {"code": code}
    if len(code) > _MAX["code"]:
        check.problem(
            where, "too_long", _("the code is longer than %(n)d characters.") % {"n": _MAX["code"]}
        )
    check.unknown_keys(where, raw, _ITEM_KEYS)
    clause = raw.get("clause", "")
    if not isinstance(clause, str):
        check.problem(where, "invalid_clause", _("“clause” must be text."))
        clause = ""
    elif len(clause.strip()) > _MAX["clause"]:
        check.problem(
            where,
            "too_long",
            _("“clause” is longer than %(n)d characters.") % {"n": _MAX["clause"]},
        )
    from checklists.clauses import INFERRED, VERIFIED, clause_status_of

    clause_status = raw.get("clause_status") or clause_status_of(
        clause if isinstance(clause, str) else ""
    )
    if clause_status not in (VERIFIED, INFERRED):
        check.problem(
            where,
            "invalid_clause_status",
            _("“clause_status” must be “verified” or “inferred”."),
        )
        clause_status = INFERRED
    severity = raw.get("severity")
    if severity not in Severity.values:
        check.problem(
            where,
            "unknown_severity",
            _("unknown severity “%(value)s” (expected one of: %(allowed)s).")
            % {"value": severity, "allowed": ", ".join(Severity.values)},
        )
    applies_to = raw.get("applies_to")
    kinds: list[str] = []
    if not isinstance(applies_to, list) or not applies_to:
        check.problem(
            where,
            "missing_applies_to",
            _("“applies_to” must list the audit kinds the item is checked in."),
        )
    else:
        for kind in applies_to:
            if kind not in ITEM_AUDIT_KINDS:
                check.problem(
                    where,
                    "unknown_audit_kind",
                    _("unknown audit kind “%(value)s” in applies_to (expected: %(allowed)s).")
                    % {"value": kind, "allowed": ", ".join(ITEM_AUDIT_KINDS)},
                )
            elif kind in kinds:
                check.problem(
                    where,
                    "duplicate_audit_kind",
                    _("audit kind “%(value)s” is listed twice in applies_to.") % {"value": kind},
                )
            else:
                kinds.append(kind)
    return {
        "code": code,
        "clause": clause.strip() if isinstance(clause, str) else "",
        "clause_status": clause_status,
        "requirement": check.bilingual(where, raw.get("requirement"), "requirement", required=True),
        "guidance": check.bilingual(where, raw.get("guidance"), "guidance", required=False),
        "evidence": check.bilingual(where, raw.get("evidence"), "evidence", required=False),
        "severity": severity,
        "applies_to": [k for k in ITEM_AUDIT_KINDS if k in kinds],
    }


def canonicalise(raw: Any, file: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Validate the loaded content of one file; return its canonical form and the problems
    (the content is None when there is any problem)."""
    check = _Checker(file)
    if not isinstance(raw, dict):
        check.problem("", "invalid_template", _("the file does not hold a checklist template."))
        return None, check.problems
    check.unknown_keys("", raw, _TEMPLATE_KEYS)
    code = raw.get("code")
    if not isinstance(code, str) or not _CODE.match(code) or len(code) > _MAX["template_code"]:
        check.problem(
            "",
            "missing_code" if not code else "invalid_code",
            _("the template needs a code of lower-case letters, digits and dashes."),
        )
    version = raw.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        check.problem("", "invalid_version", _("the template needs a version number (1, 2, …)."))
    data: dict[str, Any] = {
        "code": code,
        "version": version,
        "standard": check.text("", raw.get("standard"), "standard", max_length=_MAX["standard"]),
        "title": check.bilingual(
            "", raw.get("title"), "title", required=True, max_length=_MAX["title"]
        ),
        "description": check.bilingual("", raw.get("description"), "description", required=False),
        "sections": [],
    }
    sections = raw.get("sections")
    if not isinstance(sections, list) or not sections:
        check.problem("", "missing_sections", _("the template has no sections."))
        return None, check.problems
    section_codes: set[str] = set()
    item_codes: set[str] = set()
    for s_index, raw_section in enumerate(sections, start=1):
        if (
            not isinstance(raw_section, dict)
            or not isinstance(raw_section.get("code"), str)
            or (not raw_section["code"].strip())
        ):
            check.problem(
                _("section %(n)d") % {"n": s_index},
                "missing_code",
                _("the section has no code."),
            )
            continue
        s_code = raw_section["code"].strip()
        where = _("section %(code)s") % {"code": s_code}
        if s_code in section_codes:
            check.problem(where, "duplicate_code", _("this section code is used twice."))
        if len(s_code) > _MAX["code"]:
            check.problem(
                where,
                "too_long",
                _("the code is longer than %(n)d characters.") % {"n": _MAX["code"]},
            )
        section_codes.add(s_code)
        check.unknown_keys(where, raw_section, _SECTION_KEYS)
        section = {
            "code": s_code,
            "title": check.bilingual(
                where, raw_section.get("title"), "title", required=True, max_length=_MAX["title"]
            ),
            "items": [],
        }
        raw_items = raw_section.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            check.problem(where, "missing_items", _("the section has no items."))
            raw_items = []
        for i_index, raw_item in enumerate(raw_items, start=1):
            item = _item(
                check,
                raw_item,
                _("item %(n)d of section %(section)s") % {"n": i_index, "section": s_code},
            )
            if item is None:
                continue
            if item["code"] in item_codes:
                check.problem(
                    _("item %(code)s") % {"code": item["code"]},
                    "duplicate_code",
                    _("this item code is used twice in the template."),
                )
            item_codes.add(item["code"])
            section["items"].append(item)
        data["sections"].append(section)
    return (None if check.problems else data), check.problems


def parse_file(path: Path) -> ParsedFile:
    """Read and validate one template file (never raises for bad content)."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return ParsedFile(
            path, None, [Problem(name, "", "unreadable", _("cannot be read: %(e)s") % {"e": exc})]
        )
    try:
        raw = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        detail = getattr(exc, "problem", None) or str(exc)
        message = _("not valid YAML: %(detail)s") % {"detail": detail}
        if mark is not None:
            message += " " + _("(line %(line)d, column %(column)d)") % {
                "line": mark.line + 1,
                "column": mark.column + 1,
            }
        return ParsedFile(path, None, [Problem(name, "", "bad_yaml", message)])
    data, problems = canonicalise(raw, name)
    return ParsedFile(path, data, problems)


def content_hash(data: dict[str, Any]) -> str:
    """SHA-256 of the canonical content without its version number (two versions with the
    same content hash the same)."""
    content = {k: v for k, v in data.items() if k != "version"}
    encoded = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def template_data(template: ChecklistTemplate) -> dict[str, Any]:
    """The canonical content of a template in the database (two queries; uses prefetched
    `sections` and `items` when present)."""
    sections: list[ChecklistSection] = sorted(template.sections.all(), key=lambda s: s.position)
    items_by_section: dict[int, list] = {s.pk: [] for s in sections}
    for item in sorted(template.items.all(), key=lambda i: i.position):
        items_by_section[item.section_id].append(item)
    return {
        "code": template.code,
        "version": template.version,
        "standard": template.standard,
        "title": {"vi": template.title_vi, "en": template.title_en},
        "description": {"vi": template.description_vi, "en": template.description_en},
        "sections": [
            {
                "code": section.code,
                "title": {"vi": section.title_vi, "en": section.title_en},
                "items": [
                    {
                        "code": item.code,
                        "clause": item.clause,
                        "clause_status": item.clause_status,
                        "requirement": {"vi": item.requirement_vi, "en": item.requirement_en},
                        "guidance": {"vi": item.guidance_vi, "en": item.guidance_en},
                        "evidence": {"vi": item.evidence_vi, "en": item.evidence_en},
                        "severity": item.severity,
                        "applies_to": [k for k in ITEM_AUDIT_KINDS if k in item.applies_to],
                    }
                    for item in items_by_section[section.pk]
                ],
            }
            for section in sections
        ],
    }


def dump_yaml(data: dict[str, Any]) -> str:
    """The file form of canonical content (what `export_checklist` writes)."""

    def without_empty(value: Any) -> Any:
        # Optional bilingual texts left empty are omitted, as a hand-written file would.
        if isinstance(value, dict):
            return {
                k: without_empty(v)
                for k, v in value.items()
                if not (isinstance(v, dict) and set(v) == set(LANGUAGES) and not any(v.values()))
            }
        if isinstance(value, list):
            return [without_empty(v) for v in value]
        return value

    header = (
        f"# Checklist template {data['code']} version {data['version']}, exported from the "
        "database.\n# Versioned data: once an audit has used this version, change it only "
        "under a new version number.\n"
    )
    body = yaml.safe_dump(
        without_empty(data), allow_unicode=True, sort_keys=False, width=100, indent=2
    )
    return header + body


def _items_by_code(data: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        item["code"]: (section["code"], item)
        for section in data["sections"]
        for item in section["items"]
    }


def describe_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Short sentences saying how `new` differs from `old` (both canonical)."""
    changes: list[str] = []
    header = [k for k in ("standard", "title", "description") if old[k] != new[k]]
    if header:
        changes.append(_("changed: %(fields)s") % {"fields": ", ".join(header)})
    old_sections = {s["code"]: s for s in old["sections"]}
    new_sections = {s["code"]: s for s in new["sections"]}
    for label, codes in (
        (_("sections added"), [c for c in new_sections if c not in old_sections]),
        (_("sections removed"), [c for c in old_sections if c not in new_sections]),
        (
            _("sections renamed"),
            [
                c
                for c in new_sections
                if c in old_sections and new_sections[c]["title"] != old_sections[c]["title"]
            ],
        ),
    ):
        if codes:
            changes.append(f"{label}: {', '.join(codes)}")
    old_items, new_items = _items_by_code(old), _items_by_code(new)
    if [c for c in old_items if c in new_items] != [c for c in new_items if c in old_items]:
        changes.append(_("items reordered"))
    for label, codes in (
        (_("items added"), [c for c in new_items if c not in old_items]),
        (_("items removed"), [c for c in old_items if c not in new_items]),
        (
            _("items changed"),
            [c for c in new_items if c in old_items and new_items[c] != old_items[c]],
        ),
    ):
        if codes:
            changes.append(f"{label} ({len(codes)}): {', '.join(codes)}")
    return changes


def count_items(data: dict[str, Any]) -> int:
    return sum(len(s["items"]) for s in data["sections"])
