"""A body's assessors' qualifications (AssessorQualification): per assessor and scheme, from a
date, as an auditor's or (column "lead") a lead auditor's competence record. The assessor is
an account already holding the assessor role in the body (accounts and roles are given by the
administrator); a row for anyone else is refused."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audits.models import AssessorQualification, Function
from certification.models import Membership, Role
from core.limits import TEXT_MAX_LENGTH
from core.models import User
from imports.kinds.base import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Column,
    Context,
    Kind,
    RowResult,
    parse_bool,
    parse_date,
    register,
)
from imports.kinds.certificates import _Schemes
from imports.kinds.enterprises import log_imported

COLUMNS = [
    Column(
        "assessor",
        "Tài khoản chuyên gia",
        "Assessor (user name or e-mail)",
        True,
        "lead",
        "Tài khoản đã là chuyên gia đánh giá của tổ chức.",
    ),
    Column("scheme", "Chương trình chứng nhận", "Scheme", False, "tcvn-12850-2019"),
    Column("valid_from", "Hiệu lực từ", "Valid from", True, "01/01/2024"),
    Column("valid_until", "Hiệu lực đến", "Valid until", False, "31/12/2026", "Trống: không hạn."),
    Column("lead", "Trưởng đoàn", "Qualified to lead", False, "có", "có / không"),
    Column("note", "Ghi chú", "Note", False, "Đã đánh giá chứng kiến 2023"),
]


@register
class Qualifications(Kind):
    code = "qualifications"
    label = gettext_lazy("Assessors' qualifications")
    scope = "body"
    columns = COLUMNS

    def check(self, rows: list[dict], ctx: Context) -> list[RowResult]:
        results = [RowResult(row=r["row"], values=r["values"]) for r in rows]
        names = {(r.values.get("assessor") or "").strip().lower() for r in results} - {""}
        assessors = {}
        members = set(
            Membership.objects.active()
            .filter(organisation=ctx.body, role=Role.ASSESSOR)
            .values_list("user_id", flat=True)
        )
        for user in User.objects.filter(Q(username__in=names) | Q(email__in=names), is_active=True):
            assessors[user.username.lower()] = user
            if user.email:
                assessors.setdefault(user.email.lower(), user)
        existing = {
            (q.user_id, q.scheme_id, q.function, q.valid_from): q
            for q in AssessorQualification.objects.filter(
                user_id__in=members, function__in=[Function.AUDITOR, Function.LEAD]
            )
        }
        schemes = _Schemes()
        seen = set()
        for result in results:
            values = result.values
            name = (values.get("assessor") or "").strip()
            result.key = name
            user = assessors.get(name.lower())
            if user is None or user.pk not in members:
                result.refuse(
                    "assessor",
                    _(
                        "No assessor of your body has this account: the administrator gives "
                        "accounts and roles first."
                    ),
                )
            scheme = schemes.find(values.get("scheme") or "")
            if scheme is None:
                result.refuse("scheme", _("Unknown scheme: %(s)s.") % {"s": values.get("scheme")})
            dates = {}
            for column in ("valid_from", "valid_until"):
                text = (values.get(column) or "").strip()
                dates[column] = None
                if text:
                    try:
                        dates[column] = parse_date(text)
                    except ValueError as error:
                        result.refuse(column, str(error))
                elif column == "valid_from":
                    result.refuse(column, _("This field is required."))
            if (
                dates["valid_until"]
                and dates["valid_from"]
                and (dates["valid_until"] < dates["valid_from"])
            ):
                result.refuse("valid_until", _("A qualification ends after it starts."))
            try:
                lead = parse_bool(values.get("lead") or "")
            except ValueError as error:
                result.refuse("lead", str(error))
                lead = False
            note = (values.get("note") or "").strip()
            if len(note) > TEXT_MAX_LENGTH:
                result.refuse("note", _("At most %(n)d characters.") % {"n": TEXT_MAX_LENGTH})
            if result.refused:
                continue
            # A qualified lead holds a lead auditor's competence record, anyone else an
            # auditor's (competence for every technical area of the scheme).
            function = Function.LEAD if lead else Function.AUDITOR
            key = (user.pk, scheme.pk, function, dates["valid_from"])
            if key in seen:
                result.refuse("valid_from", _("The same qualification is on another row."))
                continue
            seen.add(key)
            fields = {"valid_until": dates["valid_until"], "note": note}
            current = existing.get(key)
            result.cleaned = {
                "user": user.pk,
                "scheme": scheme.pk,
                "valid_from": dates["valid_from"],
                "function": function,
                "fields": fields,
            }
            if current is None:
                result.action = CREATED
            else:
                changes = {n: v for n, v in fields.items() if getattr(current, n) != v}
                result.cleaned["pk"] = current.pk
                result.cleaned["changes"] = changes
                result.action = UPDATED if changes else UNCHANGED
                result.note = ", ".join(sorted(changes))
        return results

    def apply(self, results, ctx, progress) -> None:
        created = [
            AssessorQualification(
                user_id=r.cleaned["user"],
                scheme_id=r.cleaned["scheme"],
                valid_from=r.cleaned["valid_from"],
                function=r.cleaned["function"],
                **r.cleaned["fields"],
            )
            for r in results
            if r.action == CREATED
        ]
        for qualification in created:
            # Assessor and scheme came from the file's lookups: not read again per row.
            qualification.full_clean(exclude=["user", "scheme"])
        AssessorQualification.objects.bulk_create(created)
        log_imported(created, ctx)
        progress(len(created))
        updated = []
        for result in results:
            if result.action != UPDATED:
                continue
            qualification = AssessorQualification.objects.select_for_update().get(
                pk=result.cleaned["pk"]
            )
            for name, value in result.cleaned["changes"].items():
                setattr(qualification, name, value)
            qualification.full_clean()
            qualification.save(update_fields=[*result.cleaned["changes"], "updated_at"])
            updated.append(qualification)
            progress(1)
        log_imported(updated, ctx, transition="import_update")
