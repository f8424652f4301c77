"""Existing certificates (giấy chứng nhận đã cấp trước khi dùng hệ thống).

Each row becomes, in one transaction for the whole file:
- the holder (created when its tax code is new, logged "imported");
- a certified application and its granted decision, as the record the certificate rests on
  (numbered HS-… from the application series; the decision keeps the reference given);
- the certificate, with its number, dates and state as given, and a history entry "imported"
  with the file's name and SHA-256, by whom and when.

Import is the one documented place where a certificate and its application are created
directly in a state other than the workflow's initial one: the record already went through
its workflow outside the system. Their later life (surveillance, suspension, expiry…) uses
the ordinary transitions.

Numbers: imported numbers are kept as they are. A number in the body's own series
(`<code>-TXNG-<year>-<n>`) moves that year's counter up to n, so the next certificate issued
continues after the highest; decision references `<n>/<year>/QĐ-<code>` likewise.
"""

from __future__ import annotations

import datetime
import re

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from certification.models import (
    Application,
    Certificate,
    Decision,
    Organisation,
    Scheme,
    SupplyChainStage,
)
from certification.services.applications import _clean_scope
from core.clock import today
from core.models import LogEntry, OutboxMessage
from imports.kinds.base import (
    CREATED,
    UNCHANGED,
    Column,
    Context,
    Kind,
    RowResult,
    date_text,
    parse_date,
    register,
    split_list,
)
from imports.kinds.enterprises import (
    Lookups,
    create_enterprises,
    log_imported,
    missing_for_new,
    read_enterprise,
)

COLUMNS = [
    Column("number", "Số giấy chứng nhận", "Certificate number", True, "GLCERT-TXNG-2024-0007"),
    Column("holder_tax_code", "Mã số thuế", "Holder's tax code", True, "5900189325"),
    Column(
        "holder_name",
        "Tên doanh nghiệp",
        "Holder's name",
        False,
        "Công ty TNHH Cà phê Chư Sê",
        "Bắt buộc khi doanh nghiệp chưa có trong hệ thống (cùng địa chỉ, tỉnh).",
    ),
    Column("holder_address", "Địa chỉ", "Holder's address", False, "12 Hùng Vương, Chư Sê"),
    Column("holder_province", "Tỉnh/thành phố", "Holder's province", False, "gia-lai"),
    Column("scheme", "Chương trình chứng nhận", "Scheme", False, "tcvn-12850-2019"),
    Column(
        "products",
        "Sản phẩm",
        "Products",
        True,
        "Cà phê nhân (8930000000019); Cà phê bột",
        "Phân cách bằng dấu ;  GTIN trong ngoặc.",
    ),
    Column(
        "sites",
        "Cơ sở",
        "Sites",
        True,
        "Nhà máy chế biến | 12 Hùng Vương, Chư Sê",
        "Tên | địa chỉ; phân cách bằng dấu ;",
    ),
    Column("stages", "Công đoạn", "Supply-chain stages", True, "processing; packing"),
    Column("sector_standard", "Tiêu chuẩn ngành", "Sector standard", False, "TCVN 12827:2023"),
    Column("issued_on", "Ngày cấp", "Issued on", True, "15/03/2024"),
    Column("valid_from", "Hiệu lực từ", "Valid from", False, "15/03/2024", "Mặc định: ngày cấp."),
    Column("valid_until", "Hiệu lực đến", "Valid until", True, "14/03/2027"),
    Column(
        "initially_certified_on",
        "Ngày chứng nhận lần đầu",
        "Initially certified on",
        False,
        "15/03/2021",
    ),
    Column(
        "state",
        "Trạng thái",
        "State",
        False,
        "còn hiệu lực",
        "còn hiệu lực / đình chỉ / hết hiệu lực / thu hồi (trống: theo ngày hiệu lực).",
    ),
    Column("suspended_until", "Đình chỉ đến", "Suspended until", False, ""),
    Column(
        "next_surveillance_due",
        "Giám sát tiếp theo",
        "Next surveillance due",
        False,
        "15/03/2025",
        "Trống: tính từ ngày hiệu lực theo chu kỳ giám sát.",
    ),
    Column("decision", "Số quyết định", "Decision reference", True, "12/2024/QĐ-GLCERT"),
    Column("signer_name", "Người ký", "Signed by", False, "Nguyễn Văn A"),
]

_SERIES = re.compile(r"^(?P<code>[A-Z][A-Z0-9]{1,11})-TXNG-(?P<year>\d{4})-(?P<n>\d{1,9})$")
_DECISION = re.compile(r"^(?P<n>\d{1,9})/(?P<year>\d{4})/QĐ-(?P<code>[A-Z][A-Z0-9]{1,11})$")
_NUMBER_CHARS = re.compile(r"^[\w./-]+$")
_GTIN = re.compile(r"^(?P<name>.*?)\s*\((?P<gtin>\d{8,14})\)\s*$")

_STATE_WORDS = {
    "active": Certificate.State.ACTIVE,
    "valid": Certificate.State.ACTIVE,
    "còn hiệu lực": Certificate.State.ACTIVE,
    "hiệu lực": Certificate.State.ACTIVE,
    "suspended": Certificate.State.SUSPENDED,
    "đình chỉ": Certificate.State.SUSPENDED,
    "bị đình chỉ": Certificate.State.SUSPENDED,
    "expired": Certificate.State.EXPIRED,
    "hết hiệu lực": Certificate.State.EXPIRED,
    "hết hạn": Certificate.State.EXPIRED,
    "withdrawn": Certificate.State.WITHDRAWN,
    "thu hồi": Certificate.State.WITHDRAWN,
    "đã thu hồi": Certificate.State.WITHDRAWN,
}


def _stage_words() -> dict[str, str]:
    words = {value: value for value in SupplyChainStage.values}
    for language in ("vi", "en"):
        with override(language):
            for value, label in SupplyChainStage.choices:
                words[str(label).strip().lower()] = value
    return words


def _products(text: str) -> list[dict]:
    products = []
    for part in split_list(text):
        match = _GTIN.match(part)
        if match:
            products.append({"name": match["name"].strip(), "gtin": match["gtin"]})
        else:
            products.append({"name": part, "gtin": ""})
    return products


def _sites(text: str) -> list[dict]:
    sites = []
    for part in split_list(text):
        name, _sep, address = part.partition("|")
        sites.append({"name": name.strip(), "address": address.strip()})
    return sites


def _next_surveillance(valid_from: datetime.date, valid_until, months: int):
    """The first surveillance date after today in the cycle, before the validity ends."""
    day = today()
    step = 1
    due = valid_from + relativedelta(months=months)
    while due <= day:
        step += 1
        due = valid_from + relativedelta(months=months * step)
    return due if due < valid_until else valid_until


class _Schemes:
    def __init__(self) -> None:
        self.all = list(Scheme.objects.all())
        self.by_word: dict[str, Scheme] = {}
        for scheme in self.all:
            self.by_word[scheme.code.lower()] = scheme
            self.by_word.setdefault(scheme.standard.strip().lower(), scheme)
        active = [s for s in self.all if s.is_active]
        self.default = active[0] if len(active) == 1 else None

    def find(self, text: str) -> Scheme | None:
        if not text.strip():
            return self.default
        return self.by_word.get(text.strip().lower())


@register
class Certificates(Kind):
    code = "certificates"
    label = gettext_lazy("Existing certificates")
    scope = "body"
    columns = COLUMNS

    # --- the dry run ----------------------------------------------------------------------

    def check(self, rows: list[dict], ctx: Context) -> list[RowResult]:
        """Every row checked against the database as it is now, in a fixed number of
        queries whatever the number of rows."""
        body = ctx.body
        lookups = Lookups()
        schemes = _Schemes()
        stages = _stage_words()
        results = [RowResult(row=r["row"], values=r["values"]) for r in rows]
        numbers = {(r.values.get("number") or "").strip() for r in results}
        existing = {
            c.number: c
            for c in Certificate.objects.filter(number__in=numbers).select_related(
                "enterprise", "body", "decision"
            )
        }
        taxes = {(r.values.get("holder_tax_code") or "").strip() for r in results}
        taxes |= {"0" + t for t in taxes if t.isdigit() and len(t) == 9}
        holders = {
            o.tax_code: o
            for o in Organisation.objects.filter(tax_code__in=taxes).exclude(
                kind=Organisation.Kind.CERTIFICATION_BODY
            )
        }
        references = {(r.values.get("decision") or "").strip() for r in results}
        decisions = set(
            Decision.objects.filter(number__in=references).values_list("number", flat=True)
        )
        body_codes = set(
            Organisation.objects.filter(kind=Organisation.Kind.CERTIFICATION_BODY)
            .exclude(pk=body.pk)
            .values_list("code", flat=True)
        )
        seen_numbers: set[str] = set()
        seen_decisions: set[str] = set()
        for result in results:
            self._check_row(
                result,
                ctx,
                lookups=lookups,
                schemes=schemes,
                stages=stages,
                existing=existing,
                holders=holders,
                decisions=decisions,
                body_codes=body_codes,
                seen_numbers=seen_numbers,
                seen_decisions=seen_decisions,
            )
        return results

    def _check_row(self, result: RowResult, ctx: Context, **k) -> None:
        values = result.values
        body = ctx.body
        number = (values.get("number") or "").strip()
        result.key = number
        # 1. The number: kept as it is, never another body's series, never twice.
        if not number:
            result.refuse("number", _("This field is required."))
        elif len(number) > 60 or not _NUMBER_CHARS.match(number):
            result.refuse(
                "number",
                _("A certificate number has at most 60 letters, digits, '-', '.', '/' or '_'."),
            )
        elif number in k["seen_numbers"]:
            result.refuse("number", _("This number is already on another row."))
        k["seen_numbers"].add(number)
        series = _SERIES.match(number)
        if series and series["code"] != body.code and series["code"] in k["body_codes"]:
            result.refuse(
                "number",
                _("This number belongs to the series of another certification body (%(code)s).")
                % {"code": series["code"]},
            )
        # 2. The holder: known by tax code, or created from the row.
        fields = read_enterprise(result, k["lookups"], prefix="holder_")
        holder = k["holders"].get(fields["tax_code"])
        if holder is not None and holder.kind != Organisation.Kind.ENTERPRISE:
            result.refuse("holder_tax_code", _("This tax code is not an enterprise's."))
        if holder is None:
            missing_for_new(result, fields, prefix="holder_")
            result.note = _("new enterprise")
        # 3. Scheme and scope, with the application form's checks.
        scheme = k["schemes"].find(values.get("scheme") or "")
        if scheme is None:
            result.refuse(
                "scheme",
                _("Give the scheme's code (several schemes exist)")
                if not (values.get("scheme") or "").strip()
                else _("Unknown scheme: %(s)s.") % {"s": values.get("scheme")},
            )
        stage_texts = split_list(values.get("stages") or "")
        stage_codes = [k["stages"].get(s.lower(), s) for s in stage_texts]
        scope = {
            "products": _products(values.get("products") or ""),
            "sites": _sites(values.get("sites") or ""),
            "stages": stage_codes,
        }
        try:
            scope = _clean_scope(scope)
        except ValidationError as error:
            result.refuse_validation(
                error, {"products": "products", "sites": "sites", "stages": "stages"}
            )
        for name in ("products", "sites", "stages"):
            if not scope.get(name):
                result.refuse(name, _("This field is required."))
        sector_standard = (values.get("sector_standard") or "").strip()
        if len(sector_standard) > 100:
            result.refuse("sector_standard", _("At most %(n)d characters.") % {"n": 100})
        # 4. Dates and state.
        dates = {}
        for name in (
            "issued_on",
            "valid_from",
            "valid_until",
            "initially_certified_on",
            "suspended_until",
            "next_surveillance_due",
        ):
            text = (values.get(name) or "").strip()
            if not text:
                dates[name] = None
                continue
            try:
                dates[name] = parse_date(text)
            except ValueError as error:
                result.refuse(name, str(error))
                dates[name] = None
        for name in ("issued_on", "valid_until"):
            if not (values.get(name) or "").strip():
                result.refuse(name, _("This field is required."))
        valid_from = dates["valid_from"] or dates["issued_on"]
        valid_until = dates["valid_until"]
        if valid_from and valid_until and valid_until <= valid_from:
            result.refuse("valid_until", _("The validity ends after it starts."))
        if dates["issued_on"] and dates["issued_on"] > today():
            result.refuse("issued_on", _("The date cannot be in the future."))
        day = today()
        state_text = (values.get("state") or "").strip().lower()
        if not state_text and valid_until:
            # Not given: from the dates (a legacy register rarely says "expired").
            state_text = "expired" if valid_until <= day else "active"
        state = _STATE_WORDS.get(state_text or "active")
        if state is None:
            result.refuse(
                "state",
                _("Unknown state: %(s)s (còn hiệu lực, đình chỉ, hết hiệu lực, thu hồi).")
                % {"s": values.get("state")},
            )
        elif valid_until and state in (Certificate.State.ACTIVE, Certificate.State.SUSPENDED):
            if valid_until <= day:
                result.refuse(
                    "state",
                    _("The validity ended on %(d)s: the certificate is expired, not %(s)s.")
                    % {"d": date_text(valid_until), "s": values.get("state") or "active"},
                )
        elif valid_until and state == Certificate.State.EXPIRED and valid_until > day:
            result.refuse(
                "state", _("The certificate is still valid on its dates: it is not expired.")
            )
        if dates["suspended_until"] and state != Certificate.State.SUSPENDED:
            result.refuse("suspended_until", _("Only for a suspended certificate."))
        next_due = dates["next_surveillance_due"]
        current_states = (Certificate.State.ACTIVE, Certificate.State.SUSPENDED)
        if scheme and valid_from and valid_until and next_due is None and state in current_states:
            next_due = _next_surveillance(
                valid_from, valid_until, scheme.surveillance_interval_months
            )
        # 5. The decision reference: unique, and never another body's series.
        reference = (values.get("decision") or "").strip()
        if not reference:
            result.refuse("decision", _("This field is required."))
        elif len(reference) > 40:
            result.refuse("decision", _("At most %(n)d characters.") % {"n": 40})
        elif reference in k["seen_decisions"]:
            result.refuse("decision", _("This decision is already on another row."))
        k["seen_decisions"].add(reference)
        decision_series = _DECISION.match(reference)
        if (
            decision_series
            and decision_series["code"] != body.code
            and decision_series["code"] in k["body_codes"]
        ):
            result.refuse(
                "decision", _("This decision reference belongs to another certification body.")
            )
        # 6. Already in the system: the same certificate again changes nothing.
        current = k["existing"].get(number)
        if current is not None:
            same = (
                current.body_id == body.pk
                and current.enterprise.tax_code == fields["tax_code"]
                and current.valid_from == valid_from
                and current.valid_until == valid_until
            )
            if current.body_id != body.pk:
                result.refuse("number", _("A certificate with this number exists (another body)."))
            elif not same:
                result.refuse(
                    "number",
                    _(
                        "A certificate with this number already exists with other data: change "
                        "it from its page."
                    ),
                )
            elif not result.refused:
                result.action = UNCHANGED
                result.note = ""
                return
        elif reference in k["decisions"]:
            result.refuse("decision", _("A decision with this number exists."))
        if result.refused:
            return
        result.action = CREATED
        result.cleaned = {
            "number": number,
            "holder": holder.pk if holder is not None else None,
            "holder_fields": fields,
            "scheme": scheme.pk,
            "scope": scope,
            "sector_standard": sector_standard,
            "issued_on": dates["issued_on"],
            "valid_from": valid_from,
            "valid_until": valid_until,
            "initially_certified_on": dates["initially_certified_on"] or valid_from,
            "state": state,
            "suspended_until": dates["suspended_until"],
            "next_surveillance_due": next_due,
            "decision": reference,
            "signer_name": (values.get("signer_name") or "").strip()[:200],
            "series": (int(series["year"]), int(series["n"]))
            if series and series["code"] == body.code
            else None,
            "decision_series": (int(decision_series["year"]), int(decision_series["n"]))
            if decision_series and decision_series["code"] == body.code
            else None,
        }

    # --- storing --------------------------------------------------------------------------

    def apply(self, results, ctx: Context, progress) -> None:
        from imports.services import counter_raise, numbers_reserve

        body, by = ctx.body, ctx.by
        todo = [r for r in results if r.action == CREATED]
        if not todo:
            return
        # 1. New holders, one per tax code.
        new_holders = create_enterprises(
            [r.cleaned["holder_fields"] for r in todo if r.cleaned["holder"] is None], ctx
        )
        schemes = {
            s.pk: s for s in Scheme.objects.filter(pk__in={r.cleaned["scheme"] for r in todo})
        }
        year = today().year
        first = numbers_reserve("application", year, len(todo))
        chunk = 500
        for start in range(0, len(todo), chunk):
            part = todo[start : start + chunk]
            applications, decisions, certificates = [], [], []
            for offset, result in enumerate(part):
                c = result.cleaned
                holder_id = c["holder"] or new_holders[c["holder_fields"]["tax_code"]].pk
                scheme = schemes[c["scheme"]]
                applications.append(
                    Application(
                        number=f"HS-{year}-{first + start + offset:06d}",
                        kind=Application.Kind.INITIAL,
                        state=Application.State.CERTIFIED,
                        enterprise_id=holder_id,
                        body=body,
                        scheme=scheme,
                        products=c["scope"]["products"],
                        sites=c["scope"]["sites"],
                        stages=c["scope"]["stages"],
                        sector_standard=c["sector_standard"],
                        filed_by_body=True,
                        created_by=by,
                        scope_within_competence=True,
                    )
                )
            Application.objects.bulk_create(applications)
            for application, result in zip(applications, part, strict=True):
                c = result.cleaned
                decisions.append(
                    Decision(
                        application=application,
                        decision_maker=by,
                        outcome=Decision.Outcome.GRANTED,
                        decided_on=c["issued_on"],
                        number=c["decision"],
                        signer_name=c["signer_name"],
                        legal_bases=list(application.scheme.legal_bases or []),
                    )
                )
            Decision.objects.bulk_create(decisions)
            for application, decision, result in zip(applications, decisions, part, strict=True):
                c = result.cleaned
                certificates.append(
                    Certificate(
                        number=c["number"],
                        base_number=c["number"],
                        version=0,
                        state=c["state"],
                        application=application,
                        decision=decision,
                        enterprise_id=application.enterprise_id,
                        body=body,
                        scheme=application.scheme,
                        standard=application.scheme.standard,
                        sector_standard=c["sector_standard"],
                        products=application.products,
                        sites=application.sites,
                        stages=application.stages,
                        issued_on=c["issued_on"],
                        initially_certified_on=c["initially_certified_on"],
                        valid_from=c["valid_from"],
                        valid_until=c["valid_until"],
                        original_valid_until=c["valid_until"],
                        next_surveillance_due=c["next_surveillance_due"],
                        suspended_until=c["suspended_until"],
                        expired_on=c["valid_until"]
                        if c["state"] == Certificate.State.EXPIRED
                        else None,
                    )
                )
            Certificate.objects.bulk_create(certificates)
            rows = {cert.pk: {"row": r.row} for cert, r in zip(certificates, part, strict=True)}
            log_imported(applications, ctx)
            log_imported(certificates, ctx, data=rows)
            _queue_portal_records(certificates)
            progress(len(part))
        # 2. The number series continue after the highest imported number.
        highest: dict[tuple[str, int], int] = {}
        for result in todo:
            for series, key in (("certificate", "series"), ("decision", "decision_series")):
                if result.cleaned[key]:
                    year_of, n = result.cleaned[key]
                    slot = (f"{series}:{body.code}", year_of)
                    highest[slot] = max(highest.get(slot, 0), n)
        for (series, year_of), n in sorted(highest.items()):
            counter_raise(series, year_of, n)
        _after_commit(ctx, [r.cleaned["number"] for r in todo])


def _queue_portal_records(certificates: list[Certificate]) -> None:
    """A portal record per imported certificate, through the outbox like every certificate
    change (the LogEntry receiver does this for one entry at a time; bulk-written entries
    send no signal). The sweeper delivers them."""
    from django.utils import timezone

    entries = (
        LogEntry.objects.for_objects(Certificate, [c.pk for c in certificates])
        .filter(transition="imported")
        .values_list("pk", "object_id")
    )
    now = timezone.now()
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                kind="portal.queue",
                payload={"certificate_id": int(object_id)},
                dedupe_key=f"portal.queue:{pk}",
                available_at=now,
            )
            for pk, object_id in entries
        ],
        batch_size=1000,
    )


def _after_commit(ctx: Context, numbers: list[str]) -> None:
    """After commit: the public answers about these numbers (perhaps cached as "not found")
    are refreshed, and the outbox sweeper delivers the portal records."""
    from django.db import transaction

    def refresh() -> None:
        from certification.services import public_certificate_cache_invalidate

        for certificate in Certificate.objects.filter(number__in=numbers).only(
            "pk", "number", "base_number", "enterprise_id", "scheme_id"
        ):
            public_certificate_cache_invalidate(certificate)
        from core.tasks import deliver_outbox

        try:
            deliver_outbox.delay()
        except Exception:  # the beat sweeper delivers them within a minute
            import logging

            logging.getLogger(__name__).warning("outbox sweep not queued", exc_info=True)

    transaction.on_commit(refresh)
