"""Enterprises (doanh nghiệp): created, or updated when the tax code is known.

A regulator imports the enterprises of their province; a body's officer imports its clients
(and may update only enterprises that are already its clients)."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from certification.models import Certificate, Organisation, Province, Sector
from certification.models.applications import Application
from certification.validators import validate_tax_code
from core.models import LogEntry
from imports.kinds.base import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Column,
    Context,
    Kind,
    RowResult,
    register,
)

ENTERPRISE_COLUMNS = [
    Column("tax_code", "Mã số thuế", "Tax code", True, "5900189325", "10 chữ số hoặc 10-3."),
    Column("name", "Tên doanh nghiệp", "Enterprise name", False, "Công ty TNHH Cà phê Chư Sê"),
    Column("short_name", "Tên viết tắt", "Short name", False, "Cà phê Chư Sê"),
    Column("address", "Địa chỉ", "Address", False, "12 Hùng Vương, Chư Sê"),
    Column("commune", "Xã/phường", "Commune / ward", False, "Chư Sê"),
    Column("province", "Tỉnh/thành phố", "Province", False, "gia-lai", "Mã hoặc tên tỉnh."),
    Column("sector", "Lĩnh vực", "Sector", False, "crop"),
    Column("email", "Thư điện tử", "E-mail", False, "lienhe@example.vn"),
    Column("phone", "Điện thoại", "Phone", False, "0269 3850 000"),
]
FIELDS = ("name", "short_name", "address", "commune", "province", "sector", "email", "phone")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "").strip().lower()
    for prefix in ("tỉnh ", "thành phố ", "tp. ", "tp "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text


class Lookups:
    """Provinces and sectors by code or name, read once per file."""

    def __init__(self) -> None:
        self.provinces: dict[str, Province] = {}
        for province in Province.objects.filter(is_national=False):
            self.provinces[_fold(province.code)] = province
            self.provinces[_fold(province.name)] = province
        self.sectors: dict[str, str] = {}
        for language in ("vi", "en"):
            with override(language):
                for value, label in Sector.choices:
                    self.sectors[_fold(str(label))] = value
        for value in Sector.values:
            self.sectors[value] = value

    def province(self, text: str) -> Province | None:
        return self.provinces.get(_fold(text))

    def sector(self, text: str) -> str | None:
        return self.sectors.get(_fold(text))


def read_enterprise(result: RowResult, lookups: Lookups, prefix: str = "") -> dict:
    """The enterprise fields of a row (columns `<prefix>name`, …), each checked like the
    admin form checks them; problems refuse the row. Returns the given fields only."""
    values = result.values
    fields: dict = {}
    tax_key = f"{prefix}tax_code"
    tax_code = (values.get(tax_key) or "").strip()
    if tax_code.isdigit() and len(tax_code) == 9:
        tax_code = "0" + tax_code  # a numeric spreadsheet cell lost its leading zero
    try:
        validate_tax_code(tax_code)
    except ValidationError as error:
        result.refuse(tax_key, error.messages[0])
    fields["tax_code"] = tax_code
    for name in FIELDS:
        text = (values.get(f"{prefix}{name}") or "").strip()
        if not text:
            continue
        if name == "province":
            province = lookups.province(text)
            if province is None:
                result.refuse(f"{prefix}province", _("Unknown province: %(p)s.") % {"p": text})
                continue
            fields["province"] = province
        elif name == "sector":
            sector = lookups.sector(text)
            if sector is None:
                result.refuse(f"{prefix}sector", _("Unknown sector: %(s)s.") % {"s": text})
                continue
            fields["sector"] = sector
        elif name == "email":
            try:
                validate_email(text)
            except ValidationError:
                result.refuse(f"{prefix}email", _("Enter a valid e-mail address."))
                continue
            fields["email"] = text
        else:
            limit = Organisation._meta.get_field(name).max_length
            if len(text) > limit:
                result.refuse(
                    f"{prefix}{name}",
                    _("At most %(n)d characters.") % {"n": limit},
                )
                continue
            fields[name] = text
    return fields


def missing_for_new(result: RowResult, fields: dict, prefix: str = "") -> None:
    for name in ("name", "address", "province"):
        if not fields.get(name):
            result.refuse(
                f"{prefix}{name}",
                _("Required for an enterprise not yet in the system."),
            )


def enterprise_changes(enterprise: Organisation, fields: dict) -> dict:
    return {
        name: value
        for name, value in fields.items()
        if name != "tax_code" and getattr(enterprise, name) != value
    }


def create_enterprises(fields_list: list[dict], ctx: Context) -> dict[str, Organisation]:
    """Create the enterprises (one per tax code), each checked by the model's validation and
    logged "imported"; returns them by tax code."""
    made: dict[str, Organisation] = {}
    for fields in fields_list:
        if fields["tax_code"] in made:
            continue
        organisation = Organisation(kind=Organisation.Kind.ENTERPRISE, **fields)
        # Field validators (tax code, e-mail, lengths); uniqueness of the tax code was checked
        # for the whole file at once (and the database constraint holds it).
        # The province came from the file's lookup of existing provinces: not read again.
        organisation.full_clean(
            exclude=["province"], validate_unique=False, validate_constraints=False
        )
        made[fields["tax_code"]] = organisation
    Organisation.objects.bulk_create(list(made.values()))
    log_imported(list(made.values()), ctx)
    return made


def log_imported(objects: list, ctx: Context, *, transition: str = "imported", data=None) -> None:
    """One history entry per object, "imported" with the file's name and checksum."""
    from django.contrib.contenttypes.models import ContentType

    if not objects:
        return
    content_type = ContentType.objects.get_for_model(type(objects[0]), for_concrete_model=False)
    name = ctx.by.get_full_name()[:200]
    comment = _("From the file %(file)s (SHA-256 %(sha256)s).") % {
        "file": ctx.file_name,
        "sha256": ctx.sha256,
    }
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                content_type=content_type,
                object_id=str(obj.pk),
                object_repr=str(obj)[:255],
                transition=transition,
                source_state="",
                target_state=str(getattr(obj, "state", "") or ""),
                actor=ctx.by,
                actor_name=name,
                comment=comment,
                data={**ctx.origin, **((data or {}).get(obj.pk, {}))},
            )
            for obj in objects
        ],
        batch_size=1000,
    )


def client_ids(body) -> set[int]:
    return set(Application.objects.filter(body=body).values_list("enterprise_id", flat=True)) | set(
        Certificate.objects.filter(body=body).values_list("enterprise_id", flat=True)
    )


@register
class Enterprises(Kind):
    code = "enterprises"
    label = gettext_lazy("Enterprises")
    scope = "either"
    columns = ENTERPRISE_COLUMNS

    def check(self, rows: list[dict], ctx: Context) -> list[RowResult]:
        lookups = Lookups()
        results = [RowResult(row=r["row"], values=r["values"]) for r in rows]
        codes = {(r.values.get("tax_code") or "").strip() for r in results}
        codes |= {"0" + c for c in codes if c.isdigit() and len(c) == 9}
        existing = {
            o.tax_code: o
            for o in Organisation.objects.filter(
                kind=Organisation.Kind.ENTERPRISE, tax_code__in=codes
            )
        }
        clients = client_ids(ctx.body) if ctx.body is not None else set()
        seen: set[str] = set()
        for result in results:
            fields = read_enterprise(result, lookups)
            tax_code = fields["tax_code"]
            result.key = tax_code
            if tax_code in seen:
                result.refuse("tax_code", _("This tax code is already on another row."))
            seen.add(tax_code)
            if ctx.jurisdiction is not None and fields.get("province") not in (
                None,
                ctx.jurisdiction,
            ):
                result.refuse("province", _("Only enterprises of your province can be imported."))
            current = existing.get(tax_code)
            if current is None:
                missing_for_new(result, fields)
                if not result.refused:
                    result.action = CREATED
            else:
                allowed = (
                    current.province_id == ctx.jurisdiction.pk
                    if ctx.jurisdiction is not None
                    else current.pk in clients
                )
                changes = enterprise_changes(current, fields)
                if result.refused:
                    pass
                elif not changes:
                    result.action = UNCHANGED
                elif not allowed:
                    result.refuse(
                        "tax_code",
                        _(
                            "This enterprise is already in the system and is not yours to "
                            "change (a client of your body, or of your province)."
                        ),
                    )
                else:
                    result.action = UPDATED
                    result.note = ", ".join(sorted(changes))
                    result.cleaned["changes"] = changes
                    result.cleaned["pk"] = current.pk
            result.cleaned["fields"] = fields
        return results

    def apply(self, results, ctx, progress) -> None:
        new = [r.cleaned["fields"] for r in results if r.action == CREATED]
        create_enterprises(new, ctx)
        progress(len(new))
        updated = []
        for result in results:
            if result.action != UPDATED:
                continue
            organisation = Organisation.objects.select_for_update().get(pk=result.cleaned["pk"])
            changes = result.cleaned["changes"]
            for name, value in changes.items():
                setattr(organisation, name, value)
            organisation.full_clean()
            organisation.save(update_fields=[*changes, "updated_at"])
            updated.append(organisation)
            progress(1)
        log_imported(
            updated,
            ctx,
            transition="import_update",
            data={
                r.cleaned["pk"]: {"fields": sorted(r.cleaned["changes"])}
                for r in results
                if r.action == UPDATED
            },
        )
