"""Writes for audits: planning, teams, declarations, trace tests, findings and their
transitions. Every state change goes through `core.workflow.execute` (lock → guards → who →
inputs → transition → save → LogEntry → after-commit signal); records without a state
machine (plan, team, declaration, trace test, finding raised) are logged with
`core.services.log_transition` in the same transaction."""

import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from audits.competence import team_member_refusal
from audits.links import optional_function
from audits.models import (
    Audit,
    AuditTeamMember,
    Finding,
    ImpartialityDeclaration,
    TraceTest,
    TraceTestDirection,
)
from audits.rules import assessor_on_team, team_role
from audits.sampling import audit_time
from audits.trace import TraceOutcome, trace_outcome
from certification.models import Application, Certificate, ConflictDeclaration, Role
from certification.selectors import has_role
from checklists.clauses import clause_status_of
from core import clock
from core.exceptions import DomainError
from core.models import LogEntry, User
from core.services import log_transition
from core.workflow import execute

VIEW_AUDIT = "audits.view_audit"

# Kinds of audit each kind of application may have (surveillance audits are on certificates).
_KINDS_FOR_APPLICATION = {
    Application.Kind.INITIAL: (Audit.Kind.STAGE1, Audit.Kind.STAGE2, Audit.Kind.SPECIAL),
    Application.Kind.RECERTIFICATION: (Audit.Kind.RECERTIFICATION, Audit.Kind.SPECIAL),
    Application.Kind.SCOPE_EXTENSION: (Audit.Kind.SPECIAL,),
    Application.Kind.SCOPE_REDUCTION: (Audit.Kind.SPECIAL,),
    Application.Kind.TRANSFER: (Audit.Kind.SPECIAL,),
}
_KINDS_FOR_CERTIFICATE = (Audit.Kind.SURVEILLANCE, Audit.Kind.SPECIAL)


def _locked_audit(audit: Audit) -> Audit:
    return (
        Audit.objects.select_for_update(of=("self",))
        .select_related(
            "application__body",
            "application__enterprise",
            "application__scheme",
            "certificate__body",
            "certificate__enterprise",
            "certificate__scheme",
        )
        .get(pk=audit.pk)
    )


def _require_body_staff(audit: Audit, by: User) -> None:
    if not has_role(by, Role.CB_STAFF, audit.body):
        raise PermissionDenied(_("Only officers of the certification body may do this."))


def _require_assessor_on_team(audit: Audit, by: User) -> None:
    allowed = assessor_on_team(audit, by)
    if allowed is not True:
        raise PermissionDenied(allowed or _("Only an assessor of the audit team may do this."))


def _require_state(audit: Audit, states: tuple[str, ...], message: str) -> None:
    if audit.state not in states:
        raise DomainError(message, code="invalid_state")


# --- Planning and team --------------------------------------------------------------------


def _pin_checklist(audit: Audit, by: User) -> None:
    # The audit keeps the checklist version published when it was planned. Without a published
    # template it is pinned at its first answer (checklists.services.checklist_save_answers).
    pin = optional_function("checklists.services", "checklist_pin")
    if pin is None:
        return
    try:
        pin(audit=audit, by=by)
    except DomainError as exc:
        if exc.code != "checklist_missing":
            raise


@transaction.atomic
def audit_plan(
    *,
    application: Application | None = None,
    certificate: Certificate | None = None,
    kind: str,
    mode: str = Audit.Mode.ON_SITE,
    planned_start: datetime.date,
    planned_end: datetime.date,
    by: User,
    short_notice: bool = False,
    special_reason: str = "",
    complaint=None,
) -> Audit:
    """Plan an audit of an application (in evaluation) or of a certificate (active or
    suspended), and log it. A special audit may be at short notice, says why, and may name
    the complaint behind it (see `special_audit_open`).

    Raises PermissionDenied unless `by` is an officer of the body; ValidationError for a kind
    that does not fit the application or certificate, or dates in the wrong order;
    DomainError when the application is not in evaluation (`application_not_in_evaluation`),
    a stage 2 has no stage 1 (`stage1_missing`), the certificate is not active or suspended
    (`certificate_not_active`), or an audit of this kind is already open (`audit_open`).
    Pins the scheme's published checklist version to the audit (checklists app) when there is
    one.
    """
    if (application is None) == (certificate is None):
        raise ValidationError(_("Plan an audit of an application or of a certificate."))
    subject = application or certificate
    if not has_role(by, Role.CB_STAFF, subject.body):
        raise PermissionDenied(_("Only officers of the certification body may plan audits."))
    if mode not in Audit.Mode.values:
        raise ValidationError({"mode": _("Unknown audit mode.")})
    if planned_end < planned_start:
        raise ValidationError({"planned_end": _("The audit cannot end before it starts.")})
    if application is not None:
        # The lock serialises planning for one application (one open audit per kind).
        application = Application.objects.select_for_update().get(pk=application.pk)
        if kind not in _KINDS_FOR_APPLICATION[application.kind]:
            raise ValidationError({"kind": _("This kind of audit does not fit this application.")})
        if application.state != Application.State.IN_EVALUATION:
            raise DomainError(
                _("Audits are planned once the application is accepted for evaluation."),
                code="application_not_in_evaluation",
            )
        if (
            kind == Audit.Kind.STAGE2
            and not Audit.objects.filter(application=application, kind=Audit.Kind.STAGE1)
            .exclude(state=Audit.State.CANCELLED)
            .exists()
        ):
            raise DomainError(
                _("Plan the stage 1 audit before the stage 2 audit."), code="stage1_missing"
            )
        open_audits = Audit.objects.filter(application=application, kind=kind)
    else:
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if kind not in _KINDS_FOR_CERTIFICATE:
            raise ValidationError({"kind": _("A certificate has surveillance or special audits.")})
        if certificate.state not in (Certificate.State.ACTIVE, Certificate.State.SUSPENDED):
            raise DomainError(
                _("Only a valid or suspended certificate is audited."),
                code="certificate_not_active",
            )
        if kind == Audit.Kind.SURVEILLANCE and certificate.recertification_due:
            # Year 3 of the cycle: the next audit is the recertification (17021-1 §9.6.3).
            raise DomainError(
                _(
                    "The next audit of certificate %(number)s is its recertification, not a "
                    "surveillance: the enterprise applies for recertification before %(day)s."
                )
                % {
                    "number": certificate.number,
                    "day": certificate.valid_until.strftime("%d/%m/%Y"),
                },
                code="recertification_due",
            )
        open_audits = Audit.objects.filter(certificate=certificate, kind=kind)
    if open_audits.exclude(state__in=[Audit.State.CLOSED, Audit.State.CANCELLED]).exists():
        raise DomainError(_("An audit of this kind is already open."), code="audit_open")
    # Audit time and sample of sites (17021-1 §9.1.4-9.1.5): from the application's sites and
    # employees, or the certificate's sites and its application's employees.
    if kind != Audit.Kind.SPECIAL and (short_notice or complaint is not None):
        raise ValidationError(
            {"short_notice": _("Only a special audit is at short notice or for a complaint.")}
        )
    scope_application = application or certificate.application
    visited: set[str] = set()
    if certificate is not None:
        sites_visited = optional_function("checklists.programme", "sites_visited")
        visited = sites_visited(certificate) if sites_visited else set()
    timing = audit_time(
        sites=subject.sites,
        employees=scope_application.employees_in_scope,
        table=subject.scheme.man_day_table,
        visited=visited,
    )
    audit = Audit.objects.create(
        application=application,
        certificate=certificate,
        kind=kind,
        mode=mode,
        planned_start=planned_start,
        planned_end=planned_end,
        created_by=by,
        planned_man_days=timing.man_days,
        computed_man_days=timing.man_days,
        sampled_sites=timing.sample,
        short_notice=bool(short_notice) and kind == Audit.Kind.SPECIAL,
        special_reason=(special_reason or "").strip() if kind == Audit.Kind.SPECIAL else "",
        complaint=complaint if kind == Audit.Kind.SPECIAL else None,
    )
    _pin_checklist(audit, by)
    programme_items_for = optional_function("checklists.programme", "programme_items_for")
    if programme_items_for is not None:
        items = programme_items_for(audit)
        if items:
            audit.programme_items = items
            audit.save(update_fields=["programme_items", "updated_at"])
    log_transition(
        audit,
        "plan",
        by=by,
        data={
            "kind": kind,
            "mode": mode,
            "planned_start": planned_start,
            "planned_end": planned_end,
            "man_days": timing.man_days,
            "sites": timing.sample,
            **(
                {
                    "short_notice": audit.short_notice,
                    "reason": audit.special_reason,
                    "complaint": complaint.pk if complaint is not None else None,
                }
                if kind == Audit.Kind.SPECIAL
                else {}
            ),
        },
    )
    return audit


def special_audit_open(
    *,
    certificate: Certificate | None = None,
    application: Application | None = None,
    reason: str,
    by: User,
    short_notice: bool = False,
    complaint=None,
    planned_start: datetime.date | None = None,
    planned_end: datetime.date | None = None,
    mode: str = Audit.Mode.ON_SITE,
) -> Audit:
    """Open a special audit (17021-1 §9.6.4) of a certificate — after a complaint, a change at
    the client, or a suspension to verify — or of an application (a scope change, a transfer).
    At short notice the enterprise is told it cannot refuse the team without grounds; the
    plan is logged (`plan`) and the enterprise and the body's officers notified.

    Dates: today to today by default (short notice), else as given. Raises what `audit_plan`
    raises; ValidationError without a reason."""
    if not (reason or "").strip():
        raise ValidationError({"special_reason": _("Say why the special audit is needed.")})
    start = planned_start or clock.today()
    return audit_plan(
        application=application,
        certificate=certificate,
        kind=Audit.Kind.SPECIAL,
        mode=mode,
        planned_start=start,
        planned_end=planned_end or start,
        by=by,
        short_notice=short_notice,
        special_reason=reason,
        complaint=complaint,
    )


@transaction.atomic
def audit_set_time(*, audit: Audit, by: User, reduction: Decimal, reason: str = "") -> Audit:
    """Reduce (or restore) the planned audit time of a planned audit below the man-day table's,
    with a reason (17021-1 §9.1.4): at most 30 % of the table's time. Logged.

    Raises PermissionDenied unless `by` is an officer of the body; DomainError once the audit
    started; ValidationError for a reduction without a reason, negative or over the limit."""
    from audits.sampling import MAX_REDUCTION_SHARE

    audit = _locked_audit(audit)
    _require_body_staff(audit, by)
    _require_state(
        audit, (Audit.State.PLANNED,), _("The audit time is set while the audit is planned.")
    )
    try:
        reduction = Decimal(str(reduction or 0)).quantize(Decimal("0.1"))
    except ArithmeticError:
        raise ValidationError({"reduction": _("Give the reduction in man-days.")}) from None
    reason = (reason or "").strip()
    computed = audit.computed_man_days or audit.planned_man_days or Decimal(0)
    if reduction < 0:
        raise ValidationError({"reduction": _("A reduction cannot be negative.")})
    if reduction and not reason:
        raise ValidationError({"reason": _("Justify the reduction of the audit time.")})
    limit = (computed * MAX_REDUCTION_SHARE).quantize(Decimal("0.1"))
    if reduction > limit:
        raise ValidationError(
            {
                "reduction": _(
                    "At most %(limit)s man-days (30 %% of the %(computed)s from the table)."
                )
                % {"limit": limit, "computed": computed}
            }
        )
    audit.computed_man_days = computed
    audit.man_day_reduction = reduction
    audit.man_day_reduction_reason = reason if reduction else ""
    audit.planned_man_days = computed - reduction
    audit.save(
        update_fields=[
            "computed_man_days",
            "man_day_reduction",
            "man_day_reduction_reason",
            "planned_man_days",
            "updated_at",
        ]
    )
    log_transition(
        audit,
        "set_time",
        by=by,
        previous=audit.state,
        data={
            "computed": computed,
            "reduction": reduction,
            "reason": audit.man_day_reduction_reason,
        },
    )
    return audit


@transaction.atomic
def audit_team_add(*, audit: Audit, user: User, role: str, by: User) -> AuditTeamMember:
    """Put an assessor of the body on the team of a planned audit, give them access to the
    audit (object permission `audits.view_audit`) and log it.

    Raises PermissionDenied unless `by` is an officer of the body; DomainError when the audit
    is no longer planned, when `user` is the decision maker or technical reviewer of the
    application (`impartiality_conflict`) or has declared a conflict with the client
    (`conflict_declared`: a tie that has not ended, or ended within the scheme's cooling-off),
    or `user` holds no competence record for the role, the scheme and the client's technical
    area valid on the planned start, with a witnessed audit in the last 3 years for auditors
    (`lead_not_qualified` / `member_not_qualified`); ValidationError when `user` is not an
    assessor of the body, is already on the team, or a second lead is named.
    """
    audit = _locked_audit(audit)
    _require_body_staff(audit, by)
    _require_state(
        audit, (Audit.State.PLANNED,), _("The team can change only while the audit is planned.")
    )
    if role not in AuditTeamMember.Role.values:
        raise ValidationError({"role": _("Unknown team role.")})
    if not has_role(user, Role.ASSESSOR, audit.body):
        raise ValidationError(
            {
                "user": _("%(name)s is not an assessor of %(body)s.")
                % {"name": user.get_full_name(), "body": audit.body}
            }
        )
    application = audit.application
    if application is not None and user.pk in (
        application.decision_maker_id,
        application.technical_reviewer_id,
    ):
        raise DomainError(
            _("%(name)s reviews or decides this application, so may not audit it.")
            % {"name": user.get_full_name()},
            code="impartiality_conflict",
        )
    conflict = (
        ConflictDeclaration.objects.barring(enterprise_id=audit.client.pk, scheme=audit.scheme)
        .filter(user=user)
        .order_by("-pk")
        .first()
    )
    if conflict is not None:
        raise DomainError(
            conflict.bar_reason(audit.scheme, user.get_full_name()), code="conflict_declared"
        )
    team = {m.user_id: m.role for m in audit.team.all()}
    if user.pk in team:
        raise ValidationError({"user": _("This person is already on the team.")})
    if role == AuditTeamMember.Role.LEAD and AuditTeamMember.Role.LEAD in team.values():
        raise ValidationError({"role": _("The team already has a lead assessor.")})
    reason = team_member_refusal(audit, user, role, audit.planned_start)
    if reason:
        code = "lead_not_qualified" if role == AuditTeamMember.Role.LEAD else "member_not_qualified"
        raise DomainError(reason, code=code)
    member = AuditTeamMember.objects.create(audit=audit, user=user, role=role)
    assign_perm(VIEW_AUDIT, user, audit)
    log_transition(
        audit,
        "team_add",
        by=by,
        previous=audit.state,
        data={"user": user.pk, "name": user.get_full_name(), "role": role},
    )
    return member


@transaction.atomic
def audit_team_remove(*, member: AuditTeamMember, by: User) -> None:
    """Take a person off the team of a planned audit, withdraw their access and log it.

    Raises PermissionDenied unless `by` is an officer of the body; DomainError when the
    audit is no longer planned.
    """
    audit = _locked_audit(member.audit)
    _require_body_staff(audit, by)
    _require_state(
        audit, (Audit.State.PLANNED,), _("The team can change only while the audit is planned.")
    )
    member = AuditTeamMember.objects.select_related("user").get(pk=member.pk)
    member.delete()
    remove_perm(VIEW_AUDIT, member.user, audit)
    log_transition(
        audit,
        "team_remove",
        by=by,
        previous=audit.state,
        data={"user": member.user_id, "name": member.user.get_full_name(), "role": member.role},
    )


@transaction.atomic
def declaration_sign(
    *,
    audit: Audit,
    by: User,
    no_consultancy: bool,
    no_employment: bool,
    no_financial_interest: bool,
    no_family_ties: bool,
    statement: str = "",
) -> ImpartialityDeclaration:
    """A team member signs (or, while the audit is planned, re-signs) their impartiality
    declaration for the audited enterprise; logged on the audit. A declaration that admits a
    tie is recorded as signed; the audit cannot start until that person is replaced.

    Raises PermissionDenied when `by` is not on the team; DomainError once the audit started,
    or when `by` is no longer competent for their role today (`member_not_qualified`).
    """
    audit = _locked_audit(audit)
    if team_role(audit, by) is None:
        raise PermissionDenied(_("Only members of the audit team sign a declaration for it."))
    _require_state(
        audit, (Audit.State.PLANNED,), _("Declarations are signed before the audit starts.")
    )
    reason = team_member_refusal(audit, by, team_role(audit, by), clock.today())
    if reason:
        raise DomainError(reason, code="member_not_qualified")
    answers = {
        "no_consultancy": bool(no_consultancy),
        "no_employment": bool(no_employment),
        "no_financial_interest": bool(no_financial_interest),
        "no_family_ties": bool(no_family_ties),
    }
    declaration, _created = ImpartialityDeclaration.objects.update_or_create(
        audit=audit,
        user=by,
        defaults={**answers, "statement": statement, "signed_at": timezone.now()},
    )
    log_transition(
        audit,
        "declaration_sign",
        by=by,
        previous=audit.state,
        data={**answers, "clean": declaration.is_clean},
    )
    return declaration


# --- Audit transitions --------------------------------------------------------------------


def audit_start(*, audit: Audit, by: User, comment: str = "") -> Audit:
    """The lead starts the audit (records the start date).

    Guards (DomainError): `declarations_missing`, `lead_missing`, `lead_not_qualified` /
    `member_not_qualified` (each member's competence today), `objection_open`, and for
    a stage 2 `stage1_not_closed` / `stage1_too_old`. PermissionDenied unless `by` leads it.
    """
    return execute(audit, "start", by=by, comment=comment, prepare=lambda a: ["actual_start"])


def _due_dates_from_audit_end(audit: Audit, entry: LogEntry) -> None:
    # Deadlines count from the audit's last day: move those of findings raised before it.
    scheme = audit.scheme
    pending = audit.findings.exclude(state=Finding.State.CLOSED).filter(escalated_from_minor=False)
    for severity in (Finding.Severity.MAJOR, Finding.Severity.MINOR):
        pending.filter(severity=severity).update(
            due_date=Finding.due_date_for(severity, scheme, audit.actual_end),
            updated_at=timezone.now(),
        )


def audit_submit_report(
    *, audit: Audit, by: User, report_summary: str, conclusion: str, comment: str = ""
) -> Audit:
    """The lead submits the report (records the end date; open findings' due dates are then
    counted from it).

    Guards (DomainError): `checklist_incomplete`, `finding_missing` (a minor/major answer
    without a finding), `trace_test_missing` (stage 2, surveillance, recertification).
    PermissionDenied unless `by` leads the audit; ValidationError without summary and
    conclusion.
    """

    def prepare(locked: Audit) -> list[str]:
        locked.report_summary = report_summary
        locked.conclusion = conclusion
        return ["report_summary", "conclusion", "actual_end"]

    return execute(
        audit,
        "submit_report",
        by=by,
        comment=comment,
        data={"report_summary": report_summary, "conclusion": conclusion},
        prepare=prepare,
        after=_due_dates_from_audit_end,
    )


def _surveillance_done(audit: Audit, entry: LogEntry) -> None:
    if audit.kind != Audit.Kind.SURVEILLANCE:
        return
    done = optional_function("certification.services", "certificate_surveillance_done")
    if done is not None:
        done(certificate=audit.certificate, audit_end=audit.actual_end, by=entry.actor)


def audit_approve_report(*, audit: Audit, by: User, comment: str = "") -> Audit:
    """An officer of the body approves the report and closes the audit; for a surveillance
    audit the certificate's next surveillance is then scheduled (certification services).
    PermissionDenied unless `by` is an officer of the body."""
    return execute(audit, "approve_report", by=by, comment=comment, after=_surveillance_done)


def audit_return_report(*, audit: Audit, by: User, comment: str) -> Audit:
    """An officer of the body returns the report to the team (comment required)."""
    return execute(audit, "return_report", by=by, comment=comment, prepare=lambda a: ["actual_end"])


def audit_cancel(*, audit: Audit, by: User, comment: str) -> Audit:
    """An officer of the body cancels a planned audit (reason required)."""
    return execute(audit, "cancel", by=by, comment=comment)


# --- Trace tests and findings -------------------------------------------------------------


def _finding_create(
    *,
    audit: Audit,
    by: User,
    severity: str,
    description: str,
    evidence: str = "",
    clause_reference: str = "",
    checklist_item_code: str = "",
) -> Finding:
    finding = Finding(
        audit=audit,
        severity=severity,
        description=description,
        evidence=evidence,
        clause_reference=clause_reference,
        clause_status=clause_status_of(clause_reference) if clause_reference else "",
        checklist_item_code=checklist_item_code,
        due_date=Finding.due_date_for(severity, audit.scheme, audit.end_or_today),
        raised_by=by,
    )
    finding.full_clean(exclude=["audit", "raised_by", "state"])
    finding.save()
    log_transition(
        finding, "raise", by=by, data={"severity": severity, "due_date": finding.due_date}
    )
    return finding


@transaction.atomic
def finding_raise(
    *,
    audit: Audit,
    by: User,
    severity: str,
    description: str,
    evidence: str = "",
    clause_reference: str = "",
    checklist_item_code: str = "",
) -> Finding:
    """An assessor of the team (not an observer) raises a finding while the audit is in
    progress or its report awaits approval. Its due date: majors the audit's last day (or
    today) + major_close_days, minors + minor_plan_days, observations none. Logged.

    Raises PermissionDenied, DomainError (audit state) or ValidationError (fields).
    """
    audit = _locked_audit(audit)
    _require_assessor_on_team(audit, by)
    _require_state(
        audit,
        (Audit.State.IN_PROGRESS, Audit.State.REPORT_SUBMITTED),
        _("Findings are raised while the audit is in progress or its report is being approved."),
    )
    return _finding_create(
        audit=audit,
        by=by,
        severity=severity,
        description=description,
        evidence=evidence,
        clause_reference=clause_reference,
        checklist_item_code=checklist_item_code,
    )


def _clean_lines(lines, field: str) -> list[dict]:
    """Lines of a direction ({"party", "lot", "quantity", "unit"}), quantities as strings of
    non-negative decimals. ValidationError naming `field` otherwise."""
    cleaned = []
    for line in lines or []:
        if not isinstance(line, dict):
            raise ValidationError({field: _("Each line has a party, a lot and a quantity.")})
        try:
            quantity = Decimal(str(line.get("quantity", "")).strip())
        except (ArithmeticError, ValueError):
            raise ValidationError({field: _("Each line needs a quantity (a number).")}) from None
        if quantity < 0 or not quantity.is_finite():
            raise ValidationError({field: _("Quantities are zero or more.")})
        cleaned.append(
            {
                "party": str(line.get("party", "")).strip()[:200],
                "lot": str(line.get("lot", "")).strip()[:40],
                "quantity": str(quantity),
                "unit": str(line.get("unit", "")).strip()[:20],
            }
        )
    return cleaned


@transaction.atomic
def trace_test_record_direction(
    *,
    audit: Audit,
    by: User,
    gtin: str,
    lot: str,
    direction: str,
    started_at: datetime.datetime,
    answered_at: datetime.datetime,
    inputs: list[dict] | None = None,
    outputs: list[dict] | None = None,
    documents_shown: str = "",
) -> TraceTestDirection:
    """An assessor of the team records how the enterprise traced lot `lot` of `gtin` in one
    direction (one step back: the inputs and suppliers; one step forward: the customers and
    stock), with the lines shown and their quantities, while the audit is in progress.
    Recording the same direction of the same lot again replaces it until the test is
    concluded (a concluded lot may be traced again as a new test). Logged on the audit.

    Raises PermissionDenied, DomainError (audit state) or ValidationError
    (GTIN check digit, answer before question, lines)."""
    audit = _locked_audit(audit)
    _require_assessor_on_team(audit, by)
    _require_state(
        audit, (Audit.State.IN_PROGRESS,), _("A trace test is recorded during the audit.")
    )
    gtin, lot = (gtin or "").strip(), (lot or "").strip()
    existing = TraceTestDirection.objects.filter(
        audit=audit, gtin=gtin, lot=lot, direction=direction, trace_test__isnull=True
    ).first()
    record = existing or TraceTestDirection(audit=audit, gtin=gtin, lot=lot, direction=direction)
    record.started_at = started_at
    record.answered_at = answered_at
    record.inputs = _clean_lines(inputs, "inputs")
    record.outputs = _clean_lines(outputs, "outputs")
    record.documents_shown = (documents_shown or "").strip()
    record.recorded_by = by
    record.full_clean(exclude=["audit", "trace_test", "recorded_by"], validate_unique=False)
    if record.answered_at <= record.started_at:
        raise ValidationError({"answered_at": _("The answer comes after the question.")})
    record.save()
    log_transition(
        audit,
        "trace_direction_record",
        by=by,
        previous=audit.state,
        data={"gtin": gtin, "lot": lot, "direction": direction, "record": record.pk},
    )
    return record


def trace_test_outcome_of(records: list[TraceTestDirection], scheme) -> TraceOutcome:
    """The computed result of a lot's trace from its recorded directions under `scheme`."""
    return trace_outcome(
        [r.facts() for r in records],
        target_hours=scheme.trace_test_target_hours,
        tolerance_percent=scheme.trace_test_tolerance_percent,
    )


@transaction.atomic
def trace_test_conclude(
    *, audit: Audit, by: User, gtin: str, lot: str, note: str = ""
) -> TraceTest:
    """Conclude the trace test of lot `lot` of `gtin` from its recorded directions: the result
    is computed (audits.trace: both directions, each within the target time, the mass balance
    within the scheme's tolerance), never typed. A failure raises a major finding at once,
    linked to the test, stating every computed reason. Logged on the audit.

    Raises PermissionDenied, DomainError (audit state) or ValidationError (no direction)."""
    audit = _locked_audit(audit)
    _require_assessor_on_team(audit, by)
    _require_state(
        audit, (Audit.State.IN_PROGRESS,), _("A trace test is recorded during the audit.")
    )
    gtin, lot = (gtin or "").strip(), (lot or "").strip()
    records = list(
        TraceTestDirection.objects.select_for_update().filter(
            audit=audit, gtin=gtin, lot=lot, trace_test__isnull=True
        )
    )
    if not records:
        raise ValidationError(
            {"lot": _("Record at least one direction of this lot's trace first.")}
        )
    outcome = trace_test_outcome_of(records, audit.scheme)
    directions = outcome.directions
    trace = TraceTest(
        audit=audit,
        gtin=gtin,
        lot=lot,
        direction="both" if len(directions) == 2 else directions[0],
        started_at=outcome.started_at,
        ended_at=outcome.ended_at,
        quantity_in=outcome.quantity_in,
        quantity_out=outcome.quantity_out,
        result=TraceTest.Result.PASS if outcome.passed else TraceTest.Result.FAIL,
        failure_reasons=outcome.reasons,
        note=note,
        recorded_by=by,
    )
    trace.full_clean(exclude=["audit", "recorded_by", "finding"])
    if not outcome.passed:
        trace.finding = _finding_create(
            audit=audit,
            by=by,
            severity=Finding.Severity.MAJOR,
            description=_(
                "Trace test failed: lot %(lot)s of GTIN %(gtin)s was not traced as required. "
                "%(reasons)s"
            )
            % {"lot": lot, "gtin": gtin, "reasons": " ".join(outcome.reasons)},
            evidence=note,
            checklist_item_code="C-10",
        )
    trace.save()
    TraceTestDirection.objects.filter(pk__in=[r.pk for r in records]).update(trace_test=trace)
    log_transition(
        audit,
        "trace_test_record",
        by=by,
        previous=audit.state,
        data={
            "trace_test": trace.pk,
            "gtin": trace.gtin,
            "lot": trace.lot,
            "result": trace.result,
            "reasons": outcome.reasons,
            "finding": trace.finding_id,
        },
    )
    return trace


@transaction.atomic
def trace_test_record(
    *,
    audit: Audit,
    by: User,
    gtin: str,
    lot: str,
    direction: str,
    started_at: datetime.datetime,
    ended_at: datetime.datetime,
    quantity_in: Decimal,
    quantity_out: Decimal,
    note: str = "",
) -> TraceTest:
    """A trace test recorded in one go (the audit page's short form and the API): the
    direction(s) traced between `started_at` and `ended_at`, the lot's input and output
    quantities. Records the directions (trace_test_record_direction) and concludes
    (trace_test_conclude): the result is computed, and a failure raises a major finding."""
    if direction not in ("backward", "forward", "both"):
        raise ValidationError({"direction": _("Choose backward, forward or both.")})
    if not (isinstance(started_at, datetime.datetime) and isinstance(ended_at, datetime.datetime)):
        raise ValidationError({"started_at": _("Give the start and end times.")})
    if ended_at <= started_at:
        raise ValidationError({"ended_at": _("The end time must be after the start time.")})
    for name in ("backward", "forward"):
        if direction in (name, "both"):
            trace_test_record_direction(
                audit=audit,
                by=by,
                gtin=gtin,
                lot=lot,
                direction=name,
                started_at=started_at,
                answered_at=ended_at,
                inputs=[{"lot": lot, "quantity": quantity_in}] if name == "backward" else [],
                outputs=[{"lot": lot, "quantity": quantity_out}] if name == "forward" else [],
            )
    return trace_test_conclude(audit=audit, by=by, gtin=gtin, lot=lot, note=note)


def finding_respond(
    *,
    finding: Finding,
    by: User,
    root_cause: str,
    correction: str,
    corrective_action: str,
    planned_completion: datetime.date | None,
    comment: str = "",
) -> Finding:
    """The audited enterprise answers a finding: root cause, correction, corrective action
    and planned completion date (all required: ValidationError naming the missing ones)."""
    data = {
        "root_cause": root_cause,
        "correction": correction,
        "corrective_action": corrective_action,
        "planned_completion": planned_completion,
    }

    def prepare(locked: Finding) -> list[str]:
        for name, value in data.items():
            setattr(locked, name, value)
        locked.responded_by = by
        locked.responded_at = clock.now()
        return [*data, "responded_by", "responded_at"]

    return execute(finding, "respond", by=by, comment=comment, data=data, prepare=prepare)


def finding_accept_plan(*, finding: Finding, by: User, comment: str = "") -> Finding:
    """An assessor of the team accepts the enterprise's corrective-action plan."""
    return execute(finding, "accept_plan", by=by, comment=comment)


def finding_reject_response(*, finding: Finding, by: User, comment: str) -> Finding:
    """An assessor of the team sends the response back to the enterprise (comment required)."""
    return execute(finding, "reject_response", by=by, comment=comment)


def finding_verify(*, finding: Finding, by: User, comment: str = "") -> Finding:
    """An assessor of the team verifies the corrective action and closes the finding; the
    evidence document must be attached to it (`evidence_missing`)."""

    def prepare(locked: Finding) -> list[str]:
        locked.verified_by = by
        locked.verified_at = clock.now()
        return ["verified_by", "verified_at"]

    return execute(finding, "verify", by=by, comment=comment, prepare=prepare)


def finding_acknowledge(*, finding: Finding, by: User, comment: str = "") -> Finding:
    """The enterprise or an assessor of the team acknowledges an observation, closing it
    (`not_observation` for other severities)."""
    return execute(finding, "acknowledge", by=by, comment=comment)


# --- Scheduled ----------------------------------------------------------------------------


def finding_escalate_overdue(*, today: datetime.date) -> int:
    """Raise to major every minor finding still open or responded (plan not accepted) after
    its due date, where the scheme says so; the new due date is `today` + major_close_days.
    Logged as `escalate` by the system. Idempotent: an escalated finding is no longer minor.
    Each finding commits on its own. Returns how many were escalated."""
    overdue = list(
        Finding.objects.filter(
            severity=Finding.Severity.MINOR,
            state__in=[Finding.State.OPEN, Finding.State.RESPONDED],
            due_date__lt=today,
        ).filter(
            Q(audit__application__scheme__escalate_overdue_minors=True)
            | Q(audit__certificate__scheme__escalate_overdue_minors=True)
        )
    )
    escalated = 0
    with clock.as_of(today):
        for finding in overdue:
            try:
                execute(
                    finding,
                    "escalate",
                    by=None,
                    data={"due_date_missed": finding.due_date},
                    prepare=lambda f: ["severity", "escalated_from_minor", "due_date"],
                )
            except DomainError:
                continue  # changed meanwhile (responded and accepted, or already escalated)
            escalated += 1
    return escalated


def findings_past_six_month_rule(*, today: datetime.date) -> list[Finding]:
    """Major findings of stage 2 audits still not closed more than the scheme's
    major_verify_months after the audit's last day: a new stage 2 is needed before a
    decision. Reads only (the caller tells the people concerned)."""
    candidates = (
        Finding.objects.filter(
            severity=Finding.Severity.MAJOR,
            audit__kind=Audit.Kind.STAGE2,
            audit__actual_end__isnull=False,
        )
        .exclude(state=Finding.State.CLOSED)
        .select_related("audit__application__scheme", "audit__application__enterprise")
        .order_by("audit__actual_end", "pk")
    )
    return [
        finding
        for finding in candidates
        if finding.audit.actual_end
        + relativedelta(months=finding.audit.application.scheme.major_verify_months)
        < today
    ]
