"""Writes of the tracing app: reading EPCIS documents, the query interface, analyses, the
report, the trace test pre-filled, and the lead's decision on proposed findings."""

from __future__ import annotations

import datetime
import time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.models import Audit
from certification.models import Organisation, Role
from certification.selectors import has_role
from core.exceptions import DomainError
from core.models import User
from core.services import log_transition
from core.workflow import execute
from documents import storage
from documents.services import document_generate, document_store_read
from documents.validation import DocumentTooLarge
from tracing import epcis, query
from tracing.analysis import Index, Rules, analyse
from tracing.messages import gap_text
from tracing.models import (
    EpcisDataset,
    EpcisEndpoint,
    ProposedFinding,
    TraceAnalysis,
    TraceRules,
)

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
READ_STATES = (Audit.State.PLANNED, Audit.State.IN_PROGRESS)


class EpcisRejected(ValidationError):
    """An EPCIS document refused; `problems` name the event index and the field."""

    def __init__(self, problems: list[epcis.Problem]) -> None:
        self.problems = problems
        super().__init__(
            _("The EPCIS document is not valid: %(first)s") % {"first": problems[0]},
            code="epcis_invalid",
        )


class QueryFailed(DomainError):
    """The enterprise's query interface did not give a readable answer (HTTP 502)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="query_failed")


def max_bytes() -> int:
    return int(getattr(settings, "EPCIS_MAX_BYTES", DEFAULT_MAX_BYTES))


# --- who may do what ----------------------------------------------------------------------


def assessor_of(audit: Audit, user: User) -> bool | str:
    from audits.rules import assessor_on_team

    return assessor_on_team(audit, user)


def may_read_events(audit: Audit, user: User) -> bool:
    """The audited enterprise's users and the assessors of the team bring events to an audit."""
    if not user.is_authenticated or not user.is_active:
        return False
    return has_role(user, Role.ENTERPRISE, audit.client) or assessor_of(audit, user) is True


def _require_reader(audit: Audit, by: User) -> None:
    if not may_read_events(audit, by):
        raise PermissionDenied(
            _("Only the audited enterprise's users or an assessor of the team may do this.")
        )


def _require_assessor(audit: Audit, by: User) -> None:
    allowed = assessor_of(audit, by)
    if allowed is not True:
        raise PermissionDenied(allowed or _("Only an assessor of the audit team may do this."))


def _require_state(audit: Audit, states, message: str) -> None:
    if audit.state not in states:
        raise DomainError(message, code="invalid_state")


def rules_for(scheme) -> Rules:
    """The scheme's trace-test tolerance and its required KDEs (the defaults when the scheme
    has no trace rules)."""
    row = TraceRules.objects.filter(scheme=scheme).first()
    return Rules(
        tolerance_percent=Decimal(str(scheme.trace_test_tolerance_percent)),
        required_kdes=row.required_kdes if row is not None else None,
    )


# --- reading events -----------------------------------------------------------------------


def _store_dataset(
    *, audit: Audit, by: User, content: bytes, name: str, parsed: epcis.Document, **fields
) -> EpcisDataset:
    document = None
    try:
        with transaction.atomic():
            document = document_store_read(
                owner=audit,
                doc_type="epcis_events",
                name=name,
                content=content,
                mime_type="application/ld+json",
                by=by,
            )
            dataset = EpcisDataset.objects.create(
                audit=audit,
                document=document,
                event_count=len(parsed.events),
                counts=parsed.counts(),
                created_by=by,
                **fields,
            )
            log_transition(
                audit,
                "epcis_read",
                by=by,
                previous=audit.state,
                data={
                    "dataset": dataset.pk,
                    "source": dataset.source,
                    "events": dataset.event_count,
                    "answer_seconds": str(dataset.answer_seconds or ""),
                },
            )
    except BaseException:
        if document is not None:
            storage.discard(document.file.name)
        raise
    return dataset


def _safe_name(name: str) -> str:
    stem = "".join(c if c.isalnum() or c in "-_." else "-" for c in (name or "epcis"))[:80]
    if not stem.lower().endswith((".json", ".jsonld")):
        stem += ".jsonld"
    return stem


def epcis_dataset_upload(*, audit: Audit, by: User, file) -> EpcisDataset:
    """Read an uploaded EPCIS 2.0 JSON / JSON-LD document for `audit` and keep it as evidence.

    1. `by` is one of the audited enterprise's users or an assessor of the team → else
       PermissionDenied; the audit is planned or in progress → else DomainError;
    2. size ≤ EPCIS_MAX_BYTES → else DocumentTooLarge (413);
    3. every event is validated → else EpcisRejected listing event index and field (400);
    4. the bytes are stored as an `epcis_events` document of the audit and the dataset row
       written in one transaction; nothing is stored when any step fails.
    """
    _require_reader(audit, by)
    _require_state(audit, READ_STATES, _("Events are read while the audit is planned or running."))
    if file.size > max_bytes():
        raise DocumentTooLarge(
            _("The file is larger than %(mb)s MB.") % {"mb": max_bytes() // (1024 * 1024)}
        )
    content = file.read()
    try:
        parsed = epcis.read_document(content)
    except epcis.EpcisInvalid as exc:
        raise EpcisRejected(exc.problems) from exc
    return _store_dataset(
        audit=audit,
        by=by,
        content=content,
        name=_safe_name(getattr(file, "name", "")),
        parsed=parsed,
        source=EpcisDataset.Source.UPLOAD,
    )


def _allowed_url(url: str) -> None:
    if url.startswith("https://"):
        return
    if url.startswith("http://") and getattr(settings, "EPCIS_QUERY_ALLOW_HTTP", False):
        return
    raise ValidationError({"url": _("The query interface must be reached over HTTPS.")})


@transaction.atomic
def epcis_endpoint_register(
    *, enterprise: Organisation, by: User, url: str, token: str = ""
) -> EpcisEndpoint:
    """An enterprise user registers (or replaces) the URL and token of the enterprise's EPCIS
    2.0 query interface. The token is never shown back nor logged."""
    if not has_role(by, Role.ENTERPRISE, enterprise):
        raise PermissionDenied(_("Only the enterprise's users may do this."))
    url = (url or "").strip()
    _allowed_url(url)
    endpoint = EpcisEndpoint.objects.filter(enterprise=enterprise).first()
    if endpoint is None:
        endpoint = EpcisEndpoint(enterprise=enterprise, registered_by=by)
    endpoint.url = url
    if token:
        endpoint.token = token.strip()
    endpoint.registered_by = by
    endpoint.full_clean(exclude=["enterprise", "registered_by"])
    endpoint.save()
    log_transition(enterprise, "epcis_endpoint_register", by=by, data={"url": url, "token": "***"})
    return endpoint


def epcis_dataset_query(*, audit: Audit, by: User) -> EpcisDataset:
    """An assessor of the team asks the enterprise's query interface for its events now,
    during the audit. The time to answer is measured and kept with the dataset.

    Raises PermissionDenied, DomainError (state; no interface registered), QueryFailed (the
    interface could not be reached or did not answer EPCIS: 502) and EpcisRejected."""
    _require_assessor(audit, by)
    _require_state(audit, (Audit.State.IN_PROGRESS,), _("The interface is asked during the audit."))
    endpoint = EpcisEndpoint.objects.filter(enterprise=audit.client).first()
    if endpoint is None:
        raise DomainError(
            _("The enterprise has not registered an EPCIS query interface."),
            code="no_endpoint",
        )
    _allowed_url(endpoint.url)
    requested_at = timezone.now()
    try:
        answer = query.fetch_events(
            endpoint.url,
            endpoint.token,
            timeout=float(getattr(settings, "EPCIS_QUERY_TIMEOUT", 30)),
            max_pages=int(getattr(settings, "EPCIS_QUERY_MAX_PAGES", 100)),
            max_bytes=max_bytes(),
        )
    except query.QueryFailed as exc:
        raise QueryFailed(str(exc)) from exc
    answered_at = requested_at + datetime.timedelta(seconds=answer.seconds)
    try:
        parsed = epcis.read_document(answer.document)
    except epcis.EpcisInvalid as exc:
        raise EpcisRejected(exc.problems) from exc
    import json

    content = json.dumps(answer.document, ensure_ascii=False).encode()
    return _store_dataset(
        audit=audit,
        by=by,
        content=content,
        name=f"epcis-query-{requested_at:%Y%m%d-%H%M%S}.jsonld",
        parsed=parsed,
        source=EpcisDataset.Source.QUERY,
        query_url=answer.url,
        requested_at=requested_at,
        answered_at=answered_at,
        answer_seconds=Decimal(str(round(answer.seconds, 3))),
    )


# --- analysis -----------------------------------------------------------------------------


def _read_stored(dataset: EpcisDataset) -> epcis.Document:
    with dataset.document.file.open("rb") as handle:
        return epcis.read_document(handle.read())


def _clean_lot(gtin: str, lot: str) -> tuple[str, str]:
    from audits.validators import validate_gtin

    gtin, lot = (gtin or "").strip(), (lot or "").strip()
    errors = {}
    try:
        validate_gtin(gtin)
    except ValidationError as exc:
        errors["gtin"] = exc.messages
    if not lot or len(lot) > 20:
        errors["lot"] = [_("A lot has 1 to 20 characters.")]
    if errors:
        raise ValidationError(errors)
    return gtin, lot


@transaction.atomic
def trace_analyse(*, dataset: EpcisDataset, by: User, gtin: str, lot: str) -> TraceAnalysis:
    """An assessor of the team traces one lot over a dataset: one step back and forward, KDEs
    per CTE, mass balance within the scheme's tolerance. The result is computed. Every gap
    becomes a proposed finding for the lead assessor. Logged on the audit."""
    audit = dataset.audit
    _require_assessor(audit, by)
    _require_state(
        audit,
        (Audit.State.IN_PROGRESS, Audit.State.REPORT_SUBMITTED),
        _("A lot is traced while the audit is in progress."),
    )
    gtin, lot = _clean_lot(gtin, lot)
    rules = rules_for(audit.scheme)
    started = time.perf_counter()
    document = _read_stored(dataset)
    data = analyse(Index(document.events), epcis.lot_key(gtin, lot), rules)
    elapsed = int((time.perf_counter() - started) * 1000)
    analysis = TraceAnalysis.objects.create(
        dataset=dataset,
        gtin=gtin,
        lot=lot,
        result=data["result"],
        data=data,
        tolerance_percent=rules.tolerance_percent,
        analysis_ms=elapsed,
        analysed_by=by,
    )
    ProposedFinding.objects.bulk_create(
        [
            ProposedFinding(
                analysis=analysis,
                code=gap["code"],
                severity=gap["severity"],
                clause_reference=gap["clause"],
                description=gap_text(gap),
                events=gap["events"],
            )
            for gap in data["gaps"]
        ]
    )
    log_transition(
        audit,
        "trace_analyse",
        by=by,
        previous=audit.state,
        data={
            "analysis": analysis.pk,
            "dataset": dataset.pk,
            "gtin": gtin,
            "lot": lot,
            "result": analysis.result,
            "gaps": len(data["gaps"]),
        },
    )
    return analysis


def trace_report_generate(*, analysis: TraceAnalysis) -> TraceAnalysis:
    """The analysis's .docx report (owner: the audit), made once per analysis."""
    from tracing.report import render_docx

    audit = analysis.dataset.audit
    document = document_generate(
        owner=audit,
        doc_type="trace_report",
        source_key=f"trace_report:{analysis.pk}",
        name=f"thu-truy-xuat-{analysis.gtin}-{_safe_name(analysis.lot)[:-7]}.docx",
        render=lambda: render_docx(analysis),
    )
    if analysis.report_id != document.pk:
        TraceAnalysis.objects.filter(pk=analysis.pk).update(report=document)
        analysis.report = document
    return analysis


def _quantities(data: dict) -> tuple[Decimal, Decimal]:
    rows = data.get("mass_balance") or []
    row = next((r for r in rows if r["uom"] == "KGM"), rows[0] if rows else None)
    if row is None:
        return Decimal(0), Decimal(0)
    return Decimal(row["in"]), Decimal(row["out"])


def _note(analysis: TraceAnalysis) -> str:
    dataset, data = analysis.dataset, analysis.data
    note = _(
        "From EPCIS data (%(source)s, %(events)s events): back %(back)s, forward "
        "%(forward)s; suppliers: %(suppliers)s; customers: %(customers)s."
    ) % {
        "source": dataset.get_source_display(),
        "events": dataset.event_count,
        "back": _("found") if data["backward"]["done"] else _("incomplete"),
        "forward": _("found") if data["forward"]["done"] else _("incomplete"),
        "suppliers": ", ".join(data["backward"]["suppliers"]) or "-",
        "customers": ", ".join(data["forward"]["customers"]) or "-",
    }
    if data["reasons"]:
        note += " " + " ".join(gap_text(g) for g in data["gaps"] if g["severity"] == "major")
    return note


def _times(analysis: TraceAnalysis) -> tuple[datetime.datetime, datetime.datetime]:
    """From the request to the query interface (or the upload) to its answer (or the
    analysis)."""
    dataset = analysis.dataset
    started = dataset.requested_at or dataset.created_at
    ended = dataset.answered_at or analysis.created_at
    if ended <= started:
        ended = started + datetime.timedelta(seconds=1)
    return started, ended


def direction_lines(analysis: TraceAnalysis) -> dict[str, list[dict]]:
    """The lines of each direction as a trace-test record takes them ({"party", "lot",
    "quantity", "unit"}), in the unit of the mass balance: one step back, what made or brought
    in the lot (its inputs and their suppliers named); one step forward, each shipment to its
    customer, then what was consumed, destroyed or counted in stock."""
    data = analysis.data
    rows = data.get("mass_balance") or []
    row = next((r for r in rows if r["uom"] == "KGM"), rows[0] if rows else None)
    unit = row["uom"] if row else ""
    origins = "; ".join(
        f"{i['lot']} ({', '.join(i['suppliers']) or i['origin']})"
        for i in data["backward"]["inputs"]
    )
    back = [
        {
            "party": origins or "-",
            "lot": analysis.lot,
            "quantity": row["in"] if row else "0",
            "unit": unit,
        }
    ]
    forward, shipped = [], Decimal(0)
    label = data["lot"]["label"]
    for shipment in data["forward"]["shipments"]:
        if shipment["lot"] != label or shipment["uom"] != unit or shipment["quantity"] is None:
            continue
        shipped += Decimal(shipment["quantity"])
        forward.append(
            {
                "party": ", ".join(shipment["customers"]) or "-",
                "lot": shipment["via"] or analysis.lot,
                "quantity": shipment["quantity"],
                "unit": unit,
            }
        )
    rest = (Decimal(row["out"]) if row else Decimal(0)) - shipped
    if rest > 0:
        forward.append(
            {
                "party": _("consumed, destroyed or in stock"),
                "lot": analysis.lot,
                "quantity": str(rest),
                "unit": unit,
            }
        )
    return {"backward": back, "forward": forward}


def trace_test_prefill(*, analysis: TraceAnalysis, by: User):
    """Record the audit's trace test from an analysis: lot, directions, times, quantities
    and the computed result (a failed test raises its major finding in the audits app).

    The seam with the audits app. When it records a trace test per direction
    (`trace_test_record_direction` + `trace_test_conclude`), each direction the analysis found
    completely is recorded with its lines and the test concluded there, so its rules judge it
    (a direction not found is not recorded, hence fails the test). Otherwise the trace test is
    recorded in one go with the analysis's result."""
    from audits import services as audit_services

    with transaction.atomic():
        analysis = TraceAnalysis.objects.select_for_update().get(pk=analysis.pk)
        if analysis.trace_test_id:
            raise DomainError(
                _("A trace test was already recorded from this analysis."), code="recorded"
            )
        audit = analysis.dataset.audit
        started, ended = _times(analysis)
        note = _note(analysis)
        if hasattr(audit_services, "trace_test_record_direction"):
            lines = direction_lines(analysis)
            data = analysis.data
            found = [d for d in ("backward", "forward") if data[d]["done"]]
            if not found:
                raise DomainError(
                    _("Neither direction was traced from these events: %(reasons)s")
                    % {"reasons": " ".join(gap_text(g) for g in data["gaps"])},
                    code="nothing_traced",
                )
            for direction in found:
                audit_services.trace_test_record_direction(
                    audit=audit,
                    by=by,
                    gtin=analysis.gtin,
                    lot=analysis.lot,
                    direction=direction,
                    started_at=started,
                    answered_at=ended,
                    inputs=lines[direction] if direction == "backward" else [],
                    outputs=lines[direction] if direction == "forward" else [],
                    documents_shown=analysis.dataset.document.original_name,
                )
            trace = audit_services.trace_test_conclude(
                audit=audit, by=by, gtin=analysis.gtin, lot=analysis.lot, note=note
            )
        else:
            quantity_in, quantity_out = _quantities(analysis.data)
            trace = audit_services.trace_test_record(
                audit=audit,
                by=by,
                gtin=analysis.gtin,
                lot=analysis.lot,
                direction="both",
                started_at=started,
                ended_at=ended,
                quantity_in=quantity_in,
                quantity_out=quantity_out,
                result=analysis.result,
                note=note,
            )
        analysis.trace_test = trace
        analysis.save(update_fields=["trace_test", "updated_at"])
    return trace


# --- the lead's decision ------------------------------------------------------------------


def proposed_finding_confirm(*, proposal: ProposedFinding, by: User) -> ProposedFinding:
    """The lead assessor confirms a proposed finding: a finding of that severity is raised on
    the audit (audits.services.finding_raise) and linked. DomainError when already decided or
    the audit no longer takes findings; PermissionDenied for anyone but the lead."""
    from audits.services import finding_raise

    def raise_finding(locked: ProposedFinding, _entry) -> None:
        locked.finding = finding_raise(
            audit=locked.analysis.dataset.audit,
            by=by,
            severity=locked.severity,
            description=locked.description,
            evidence=_("Trace analysis #%(pk)s, events %(events)s.")
            % {"pk": locked.analysis_id, "events": ", ".join(f"#{e}" for e in locked.events)},
            clause_reference=locked.clause_reference,
            checklist_item_code=locked.clause_reference,
        )
        locked.save(update_fields=["finding"])

    return execute(proposal, "confirm", by=by, after=raise_finding)


def proposed_finding_dismiss(
    *, proposal: ProposedFinding, by: User, comment: str
) -> ProposedFinding:
    """The lead assessor dismisses a proposed finding, saying why."""
    return execute(proposal, "dismiss", by=by, comment=comment)
