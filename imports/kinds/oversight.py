"""A regulator's records: high-risk product groups and the plan's activities, in their
jurisdiction. Stored through the oversight services (the same checks as their forms)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification.models import Certificate, Organisation
from core.clock import today
from core.limits import TEXT_MAX_LENGTH
from imports.kinds.base import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Column,
    Context,
    Kind,
    RowResult,
    parse_date,
    register,
    split_list,
)
from imports.kinds.enterprises import log_imported
from oversight.models import HighRiskProductGroup, PlanActivity, PlanTarget

GROUP_COLUMNS = [
    Column("name", "Nhóm sản phẩm nguy cơ cao", "High-risk product group", True, "Sầu riêng"),
    Column("description", "Mô tả", "Description", False, "Sầu riêng tươi xuất khẩu"),
    Column(
        "enterprises",
        "Mã số thuế doanh nghiệp truy xuất",
        "Tax codes of enterprises tracing it",
        False,
        "5900189325; 5900212345",
        "Phân cách bằng dấu ;",
    ),
    Column(
        "certificates",
        "Số giấy chứng nhận",
        "Covering certificate numbers",
        False,
        "GLCERT-TXNG-2026-0001",
        "Phân cách bằng dấu ;",
    ),
]

ACTIVITY_COLUMNS = [
    Column(
        "indicator",
        "Mã chỉ tiêu",
        "Indicator code",
        True,
        "officials_trained",
        "Mã chỉ tiêu của kế hoạch (không tự tính).",
    ),
    Column("date", "Ngày", "Date", True, "20/05/2026"),
    Column("description", "Nội dung", "Description", True, "Tập huấn truy xuất nguồn gốc"),
    Column("quantity", "Số lượng", "Quantity", False, "1", "Mặc định 1."),
]


@register
class HighRiskGroups(Kind):
    code = "high_risk_groups"
    label = gettext_lazy("High-risk product groups")
    scope = "jurisdiction"
    columns = GROUP_COLUMNS

    def check(self, rows: list[dict], ctx: Context) -> list[RowResult]:
        province = ctx.jurisdiction
        results = [RowResult(row=r["row"], values=r["values"]) for r in rows]
        groups = {
            g.name.lower(): g
            for g in HighRiskProductGroup.objects.filter(jurisdiction=province).prefetch_related(
                "certificates", "enterprises"
            )
        }
        all_taxes = {t for r in results for t in split_list(r.values.get("enterprises") or "")}
        enterprises = {
            e.tax_code: e
            for e in Organisation.objects.filter(
                kind=Organisation.Kind.ENTERPRISE, tax_code__in=all_taxes, province=province
            )
        }
        all_numbers = {n for r in results for n in split_list(r.values.get("certificates") or "")}
        certificates = {
            c.number: c
            for c in Certificate.objects.filter(
                number__in=all_numbers, enterprise__province=province
            )
        }
        seen = set()
        for result in results:
            name = (result.values.get("name") or "").strip()
            result.key = name
            if not name:
                result.refuse("name", _("This field is required."))
            elif len(name) > 200:
                result.refuse("name", _("At most %(n)d characters.") % {"n": 200})
            elif name.lower() in seen:
                result.refuse("name", _("This group is already on another row."))
            seen.add(name.lower())
            description = (result.values.get("description") or "").strip()
            if len(description) > TEXT_MAX_LENGTH:
                result.refuse(
                    "description", _("At most %(n)d characters.") % {"n": TEXT_MAX_LENGTH}
                )
            taxes = split_list(result.values.get("enterprises") or "")
            unknown = [t for t in taxes if t not in enterprises]
            if unknown:
                result.refuse(
                    "enterprises",
                    _("Not enterprises of your province: %(list)s.") % {"list": ", ".join(unknown)},
                )
            numbers = split_list(result.values.get("certificates") or "")
            unknown = [n for n in numbers if n not in certificates]
            if unknown:
                result.refuse(
                    "certificates",
                    _("Not certificates of your province: %(list)s.")
                    % {"list": ", ".join(unknown)},
                )
            if result.refused:
                continue
            result.cleaned = {
                "name": name,
                "description": description,
                "enterprises": sorted(enterprises[t].pk for t in taxes),
                "certificates": sorted(certificates[n].pk for n in numbers),
            }
            current = groups.get(name.lower())
            if current is None:
                result.action = CREATED
                continue
            result.cleaned["pk"] = current.pk
            same = (
                current.description == description
                and sorted(e.pk for e in current.enterprises.all()) == result.cleaned["enterprises"]
                and sorted(c.pk for c in current.certificates.all())
                == result.cleaned["certificates"]
            )
            result.action = UNCHANGED if same else UPDATED
        return results

    def apply(self, results, ctx, progress) -> None:
        from oversight.services import high_risk_group_save

        for result in results:
            if result.action not in (CREATED, UPDATED):
                continue
            c = result.cleaned
            group = (
                HighRiskProductGroup.objects.get(pk=c["pk"]) if result.action == UPDATED else None
            )
            saved = high_risk_group_save(
                jurisdiction=ctx.jurisdiction,
                name=c["name"],
                description=c["description"],
                enterprises=list(Organisation.objects.filter(pk__in=c["enterprises"])),
                certificates=list(
                    Certificate.objects.filter(pk__in=c["certificates"]).select_related(
                        "enterprise"
                    )
                ),
                group=group,
                by=ctx.by,
            )
            # Where it came from, beside the service's own entry.
            log_imported([saved], ctx, transition="imported" if group is None else "import_update")
            progress(1)


@register
class PlanActivities(Kind):
    code = "plan_activities"
    label = gettext_lazy("Plan activities")
    scope = "jurisdiction"
    columns = ACTIVITY_COLUMNS

    def check(self, rows: list[dict], ctx: Context) -> list[RowResult]:
        province = ctx.jurisdiction
        results = [RowResult(row=r["row"], values=r["values"]) for r in rows]
        targets: dict[str, PlanTarget] = {}
        for target in PlanTarget.objects.filter(jurisdiction__isnull=True):
            targets[target.code] = target
        for target in PlanTarget.objects.filter(jurisdiction=province):
            targets[target.code] = target  # the province's own row overrides the default
        existing = set(
            PlanActivity.objects.filter(jurisdiction=province).values_list(
                "target__code", "date", "description"
            )
        )
        seen = set()
        for result in results:
            values = result.values
            code = (values.get("indicator") or "").strip()
            target = targets.get(code)
            if target is None:
                result.refuse("indicator", _("Unknown indicator: %(c)s.") % {"c": code})
            elif target.computed:
                result.refuse("indicator", _("This indicator is computed by the system."))
            day = None
            try:
                day = parse_date(values.get("date") or "")
            except ValueError as error:
                result.refuse("date", str(error))
            if day and day > today():
                result.refuse("date", _("The date cannot be in the future."))
            elif day and target and not target.year_from <= day.year <= target.year_to:
                result.refuse(
                    "date",
                    _("The date must fall within the plan (%(start)d-%(end)d).")
                    % {"start": target.year_from, "end": target.year_to},
                )
            description = (values.get("description") or "").strip()
            if not description:
                result.refuse("description", _("This field is required."))
            elif len(description) > TEXT_MAX_LENGTH:
                result.refuse(
                    "description", _("At most %(n)d characters.") % {"n": TEXT_MAX_LENGTH}
                )
            quantity_text = (values.get("quantity") or "").strip() or "1"
            quantity = int(quantity_text) if quantity_text.isdigit() else 0
            if quantity < 1:
                result.refuse("quantity", _("Enter a whole number of at least 1."))
            result.key = f"{code} {day:%d/%m/%Y}" if day else code
            if result.refused:
                continue
            key = (code, day, description)
            if key in seen:
                result.refuse("description", _("The same activity is on another row."))
                continue
            seen.add(key)
            result.action = UNCHANGED if key in existing else CREATED
            result.cleaned = {
                "target": target.pk,
                "date": day,
                "description": description,
                "quantity": quantity,
            }
        return results

    def apply(self, results, ctx, progress) -> None:
        from oversight.services import plan_activity_record

        targets = {t.pk: t for t in PlanTarget.objects.all()}
        for result in results:
            if result.action != CREATED:
                continue
            c = result.cleaned
            activity = plan_activity_record(
                jurisdiction=ctx.jurisdiction,
                target=targets[c["target"]],
                date=c["date"],
                description=c["description"],
                quantity=c["quantity"],
                by=ctx.by,
            )
            log_imported([activity], ctx)
            progress(1)
