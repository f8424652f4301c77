"""Pages of audits: the list, planning, the audit (team, declarations, transitions, trace
tests, findings), its checklist with autosave, and findings with the enterprise's response.

Every page fetches through `audits.selectors` (404 for what the user may not see) and every
write goes through `audits.services` / `checklists.services` (403, 409 and 400 as they say)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from audits.forms import (
    AuditPlanForm,
    AuditTimeForm,
    DeclarationForm,
    FindingRaiseForm,
    FindingResponseForm,
    ObjectionForm,
    TeamMemberForm,
    TraceTestForm,
)
from audits.models import TRACE_TEST_KINDS, Audit, AuditTeamMember, Finding, TeamObjection
from audits.rules import assessor_on_team, team_role
from audits.selectors import (
    audit_get_for_user,
    audits_visible_to,
    findings_visible_to,
    team_candidates,
)
from audits.services import (
    _KINDS_FOR_APPLICATION,
    _KINDS_FOR_CERTIFICATE,
    audit_approve_report,
    audit_cancel,
    audit_plan,
    audit_return_report,
    audit_set_time,
    audit_start,
    audit_submit_report,
    audit_team_add,
    audit_team_remove,
    declaration_sign,
    finding_accept_plan,
    finding_acknowledge,
    finding_raise,
    finding_reject_response,
    finding_respond,
    finding_verify,
    trace_test_record,
)
from audits.services_people import objection_dismiss, objection_raise, objection_uphold
from certification.models import Role
from certification.selectors import (
    application_get_for_user,
    certificate_get_for_user,
    has_role,
)
from checklists.models import ChecklistAnswer
from checklists.offline import checklist_offline_context, finding_offline_context
from checklists.programme import sites_visited
from checklists.selectors import checklist_of, checklist_summary, previous_audit_findings
from checklists.services import checklist_save_answers
from core.exceptions import DomainError
from core.services import history_of
from core.ui import Actions, paginate, run_transition, safe_next
from core.workflow import transitions_for
from documents.models import GeneratedType
from documents.services import document_upload
from documents.validation import DocumentRejected, validate_upload

AUDIT_ACTIONS: Actions = {
    "start": lambda a, by, data: audit_start(audit=a, by=by, comment=data.get("comment", "")),
    "submit_report": lambda a, by, data: audit_submit_report(
        audit=a,
        by=by,
        report_summary=data.get("report_summary", ""),
        conclusion=data.get("conclusion", ""),
        comment=data.get("comment", ""),
    ),
    "approve_report": lambda a, by, data: audit_approve_report(
        audit=a, by=by, comment=data.get("comment", "")
    ),
    "return_report": lambda a, by, data: audit_return_report(
        audit=a, by=by, comment=data.get("comment", "")
    ),
    "cancel": lambda a, by, data: audit_cancel(audit=a, by=by, comment=data.get("comment", "")),
}

FINDING_ACTIONS: Actions = {
    "accept_plan": lambda f, by, data: finding_accept_plan(
        finding=f, by=by, comment=data.get("comment", "")
    ),
    "reject_response": lambda f, by, data: finding_reject_response(
        finding=f, by=by, comment=data.get("comment", "")
    ),
    "verify": lambda f, by, data: finding_verify(finding=f, by=by, comment=data.get("comment", "")),
    "acknowledge": lambda f, by, data: finding_acknowledge(
        finding=f, by=by, comment=data.get("comment", "")
    ),
}

# The results an assessor picks from, in the order shown.
RESULTS = ChecklistAnswer.Result.choices
# The checklist page's result buttons: (value, label, button colour), worked out once rather
# than for each of the 5 results of each of the items.
_RESULT_BUTTONS = {
    "conform": "btn-outline-success",
    "major": "btn-outline-danger",
    "minor": "btn-outline-warning",
}


def _refused(request, message, status, next_url, errors=None) -> HttpResponse:
    return render(
        request,
        "core/action_refused.html",
        {"message": message, "errors": errors or {}, "next_url": next_url},
        status=status,
    )


def _error_dict(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


def _put_errors(form, exc: ValidationError) -> None:
    for field, msgs in _error_dict(exc).items():
        form.add_error(field if field in form.fields else None, msgs)


def _audit_url(audit: Audit, anchor: str = "") -> str:
    url = reverse("audits:audit_detail", args=[audit.pk])
    return f"{url}#{anchor}" if anchor else url


def _with_subject(queryset):
    return queryset.select_related(
        "application__enterprise",
        "application__body",
        "certificate__enterprise",
        "certificate__body",
    )


# --- List -----------------------------------------------------------------------------------


@login_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    """Audits the user may see, filtered by state and kind, searched by application or
    certificate number or enterprise, soonest planned first within a state."""
    audits = _with_subject(audits_visible_to(request.user)).order_by("-planned_start", "-pk")
    filters = {
        "state": request.GET.get("state", ""),
        "kind": request.GET.get("kind", ""),
        "q": request.GET.get("q", "").strip(),
    }
    if filters["state"] in Audit.State.values:
        audits = audits.filter(state=filters["state"])
    if filters["kind"] in Audit.Kind.values:
        audits = audits.filter(kind=filters["kind"])
    if filters["q"]:
        q = filters["q"]
        audits = audits.filter(
            Q(application__number__icontains=q)
            | Q(certificate__number__icontains=q)
            | Q(application__enterprise__name__icontains=q)
            | Q(certificate__enterprise__name__icontains=q)
        )
    return render(
        request,
        "audits/audit_list.html",
        {
            "page_obj": paginate(request, audits),
            "filters": filters,
            "states": Audit.State.choices,
            "kinds": Audit.Kind.choices,
            "filtered": any(filters.values()),
        },
    )


# --- Planning -------------------------------------------------------------------------------


@login_required
def audit_plan_view(request: HttpRequest) -> HttpResponse:
    """Plan an audit of an application (`?application=<pk>`) or of a certificate
    (`?certificate=<pk>`): kind, mode and dates. The team is formed on the audit's page."""
    source = request.GET if request.method != "POST" else request.POST
    application_id = source.get("application") or request.GET.get("application", "")
    certificate_id = source.get("certificate") or request.GET.get("certificate", "")
    application = certificate = None
    if application_id.isdigit():
        application = application_get_for_user(request.user, int(application_id))
        subject, kinds = application, _KINDS_FOR_APPLICATION[application.kind]
    elif certificate_id.isdigit():
        certificate = certificate_get_for_user(request.user, int(certificate_id))
        subject, kinds = certificate, _KINDS_FOR_CERTIFICATE
    else:
        return _refused(
            request,
            _("Plan an audit of an application or of a certificate."),
            400,
            reverse("audits:audit_list"),
        )
    if not has_role(request.user, Role.CB_STAFF, subject.body):
        raise PermissionDenied(_("Only officers of the certification body may plan audits."))
    status = 200
    if request.method == "POST":
        form = AuditPlanForm(request.POST, kinds=kinds)
        if (
            form.is_valid()
            and form.cleaned_data["kind"] == Audit.Kind.SPECIAL
            and not form.cleaned_data.get("special_reason", "").strip()
        ):
            form.add_error("special_reason", _("Say why the special audit is needed."))
        if form.is_valid():
            try:
                audit = audit_plan(
                    application=application,
                    certificate=certificate,
                    by=request.user,
                    **form.cleaned_data,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                _put_errors(form, exc)
                status = 400
            else:
                messages.success(request, _("The audit was planned. Now form its team."))
                return HttpResponseRedirect(_audit_url(audit))
        else:
            status = 400
    else:
        form = AuditPlanForm(kinds=kinds, initial={"planned_start": timezone.localdate()})
    return render(
        request,
        "audits/audit_plan.html",
        {"form": form, "application": application, "certificate": certificate, "subject": subject},
        status=status,
    )


# --- Audit ----------------------------------------------------------------------------------


def _audit_context(request: HttpRequest, audit: Audit, **forms) -> dict:
    """What the audit page shows; `forms` replaces a form by its bound version with errors."""
    user = request.user
    team = list(audit.team.select_related("user").order_by("role", "pk"))
    declarations = {d.user_id: d for d in audit.declarations.all()}
    members = [(m, declarations.get(m.user_id)) for m in team]
    is_staff = has_role(user, Role.CB_STAFF, audit.body)
    my_role = next((m.role for m in team if m.user_id == user.pk), None)
    working = assessor_on_team(audit, user) is True
    planned = audit.state == Audit.State.PLANNED
    in_progress = audit.state == Audit.State.IN_PROGRESS
    trace_tests = list(audit.trace_tests.select_related("finding").order_by("started_at"))
    findings = list(audit.findings.order_by("pk"))
    context = {
        "audit": audit,
        "subject": audit.subject,
        "members": members,
        "is_staff": is_staff,
        "my_role": my_role,
        "team_form": None,
        "declaration_form": None,
        "trace_form": None,
        "finding_form": None,
        "trace_tests": trace_tests,
        "needs_trace_test": audit.kind in TRACE_TEST_KINDS,
        "findings": findings,
        "summary": checklist_summary(audit),
        "history": history_of(audit).select_related("content_type"),
        "transitions": transitions_for(audit, user),
        "action_base": reverse("audits:audit_transitions", args=[audit.pk]),
        "evidence_types": [GeneratedType.EVIDENCE, "general"],
    }
    if is_staff and planned:
        context["team_form"] = forms.get("team_form") or TeamMemberForm(
            body=audit.body, exclude_user_ids=[m.user_id for m in team]
        )
        context["candidates"] = team_candidates(audit)
    objections = list(audit.objections.select_related("member").order_by("-created_at"))
    if objections and (is_staff or has_role(user, Role.ENTERPRISE, audit.client)):
        context["objections"] = [
            (o, transitions_for(o, user) if o.state == TeamObjection.State.OPEN else [])
            for o in objections
        ]
    if planned and team and has_role(user, Role.ENTERPRISE, audit.client):
        context["objection_form"] = forms.get("objection_form") or ObjectionForm(
            members=[m.user for m in team]
        )
    if my_role is not None and planned:
        mine = declarations.get(user.pk)
        context["declaration_form"] = forms.get("declaration_form") or DeclarationForm(
            initial=DeclarationForm.initial_from(mine),
            enterprise_name=audit.subject.enterprise.name,
        )
        context["my_declaration"] = mine
    context["site_rows"] = _site_rows(audit)
    if is_staff and planned:
        context["time_form"] = forms.get("time_form") or AuditTimeForm(
            initial={
                "reduction": audit.man_day_reduction,
                "reason": audit.man_day_reduction_reason,
            }
        )
    if working and in_progress:
        context["trace_form"] = forms.get("trace_form") or TraceTestForm()
    if working and audit.state in (Audit.State.IN_PROGRESS, Audit.State.REPORT_SUBMITTED):
        context["finding_form"] = forms.get("finding_form") or FindingRaiseForm()
    return context


def _site_rows(audit: Audit) -> list[dict]:
    """Each site of the audited scope: in this audit's sample or not and, for an audit of a
    certificate, whether an earlier audit of the cycle visited it (site coverage)."""
    visited: set[str] = set()
    if audit.certificate_id:
        visited = sites_visited(audit.certificate, exclude_audit_id=audit.pk)
    sample = set(audit.sampled_sites or [])
    return [
        {
            "name": site.get("name", ""),
            "risk": site.get("risk") == "high",
            "sampled": site.get("name", "") in sample,
            "visited": site.get("name", "") in visited,
        }
        for site in audit.subject.sites or []
    ]


@login_required
@require_GET
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    audit = audit_get_for_user(request.user, pk)
    return render(request, "audits/audit_detail.html", _audit_context(request, audit))


@login_required
@require_POST
def audit_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    audit = audit_get_for_user(request.user, pk)
    next_url = safe_next(request, _audit_url(audit))
    return run_transition(request, audit, name, AUDIT_ACTIONS, next_url=next_url)


def _form_post(request, audit, form_name, form, call, success, anchor):
    """Run `call(cleaned_data)` for a valid `form`; on a refusal show the audit page again
    with the form's errors (400 invalid, 409 state, 403 not permitted)."""
    status = 400
    if form.is_valid():
        try:
            result = call(form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = 409
        except ValidationError as exc:
            _put_errors(form, exc)
        else:
            level, text = success(result) if callable(success) else (messages.SUCCESS, success)
            messages.add_message(request, level, text)
            return HttpResponseRedirect(safe_next(request, _audit_url(audit, anchor)))
    context = _audit_context(request, audit, **{form_name: form})
    context[form_name] = form
    return render(request, "audits/audit_detail.html", context, status=status)


@login_required
@require_POST
def audit_team_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    audit = audit_get_for_user(request.user, pk)
    if not has_role(request.user, Role.CB_STAFF, audit.body):
        raise PermissionDenied(_("Only officers of the certification body may do this."))
    form = TeamMemberForm(
        request.POST,
        body=audit.body,
        exclude_user_ids=audit.team.values_list("user_id", flat=True),
    )
    return _form_post(
        request,
        audit,
        "team_form",
        form,
        lambda data: audit_team_add(
            audit=audit, user=data["user"], role=data["role"], by=request.user
        ),
        _("The team was updated."),
        "team",
    )


@login_required
@require_POST
def audit_team_remove_view(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    audit = audit_get_for_user(request.user, pk)
    member = get_object_or_404(AuditTeamMember, pk=member_pk, audit=audit)
    next_url = _audit_url(audit, "team")
    try:
        audit_team_remove(member=member, by=request.user)
    except DomainError as exc:
        return _refused(request, exc.message, 409, next_url)
    messages.success(request, _("The team was updated."))
    return HttpResponseRedirect(next_url)


OBJECTION_ACTIONS: Actions = {
    "uphold": lambda o, by, data: objection_uphold(
        objection=o, by=by, comment=data.get("comment", "")
    ),
    "dismiss": lambda o, by, data: objection_dismiss(
        objection=o, by=by, comment=data.get("comment", "")
    ),
}


@login_required
@require_POST
def audit_objection_raise(request: HttpRequest, pk: int) -> HttpResponse:
    """The audited enterprise objects to a team member, with a reason (before the start)."""
    audit = audit_get_for_user(request.user, pk)
    form = ObjectionForm(request.POST, members=[m.user for m in audit.team.select_related("user")])
    return _form_post(
        request,
        audit,
        "objection_form",
        form,
        lambda data: objection_raise(
            audit=audit, member=data["member"], reason=data["reason"], by=request.user
        ),
        _("Your objection was recorded: the body will answer it before the audit starts."),
        "team",
    )


@login_required
@require_POST
def objection_transition(request: HttpRequest, pk: int, objection_pk: int, name: str):
    """An officer upholds or dismisses an objection to a team member."""
    audit = audit_get_for_user(request.user, pk)
    objection = get_object_or_404(TeamObjection, pk=objection_pk, audit=audit)
    return run_transition(
        request, objection, name, OBJECTION_ACTIONS, next_url=_audit_url(audit, "team")
    )


def _declaration_message(declaration) -> tuple[int, str]:
    """What the person is told after signing: what was recorded and what it means."""
    if declaration.is_clean:
        return messages.SUCCESS, _(
            "Your declaration was signed: you declared no tie with the enterprise."
        )
    return messages.WARNING, _(
        "Your declaration was signed with the ties you declared. The audit cannot start "
        "until the certification body replaces you on the team."
    )


@login_required
@require_POST
def audit_declaration(request: HttpRequest, pk: int) -> HttpResponse:
    """The current user's impartiality declaration for the audited enterprise."""
    audit = audit_get_for_user(request.user, pk)
    if team_role(audit, request.user) is None:
        raise PermissionDenied(_("Only members of the audit team sign a declaration for it."))
    form = DeclarationForm(request.POST, enterprise_name=audit.subject.enterprise.name)
    return _form_post(
        request,
        audit,
        "declaration_form",
        form,
        lambda data: declaration_sign(audit=audit, by=request.user, **form.declaration_data()),
        _declaration_message,
        "team",
    )


@login_required
@require_POST
def trace_test_create(request: HttpRequest, pk: int) -> HttpResponse:
    audit = audit_get_for_user(request.user, pk)
    return _form_post(
        request,
        audit,
        "trace_form",
        TraceTestForm(request.POST),
        lambda data: trace_test_record(audit=audit, by=request.user, **data),
        _("The trace test was recorded."),
        "trace-tests",
    )


@login_required
@require_POST
def finding_create(request: HttpRequest, pk: int) -> HttpResponse:
    audit = audit_get_for_user(request.user, pk)
    return _form_post(
        request,
        audit,
        "finding_form",
        FindingRaiseForm(request.POST),
        lambda data: finding_raise(audit=audit, by=request.user, **data),
        _("The finding was raised."),
        "findings",
    )


# --- Checklist ------------------------------------------------------------------------------


def _posted_answers(data) -> tuple[list[dict], dict[int, dict]]:
    """Answers in a POST: `result-<item id>` (and `note-<item id>`) for each answered item.
    Returns the answers for the service and what was typed, by item id (to show it again)."""
    answers, typed = [], {}
    for key in data:
        if not key.startswith("result-"):
            continue
        item_id = key.removeprefix("result-")
        if not item_id.isdigit():
            continue
        result = data.get(key, "")
        note = data.get(f"note-{item_id}", "")
        typed[int(item_id)] = {"result": result, "note": note}
        if result:
            answers.append({"item": int(item_id), "result": result, "note": note})
    return answers, typed


def _checklist_rows(overview, typed=None, errors=None):
    """Sections with, for each item, what to show: the saved answer or what was typed, and
    the item's errors (by item code). The texts the page prints are worked out here once
    (the page has 56 items; the template would look each up several times)."""
    typed, errors = typed or {}, errors or {}
    sections = []
    for row in overview.sections:
        items = []
        for item, answer in row.items:
            entered = typed.get(item.pk)
            item_errors = errors.get(item.code, [])
            items.append(
                {
                    "item": item,
                    # The id as text: the page prints it a dozen times per item, and a number
                    # would go through number formatting each time.
                    "pk": str(item.pk),
                    "requirement": item.requirement,
                    "guidance": item.guidance,
                    "evidence": item.evidence,
                    "answer": answer,
                    "answered": _answered(answer) if answer and not item_errors else "",
                    "result": entered["result"] if entered else (answer.result if answer else ""),
                    "note": entered["note"] if entered else (answer.note if answer else ""),
                    "finding_id": answer.finding_id if answer else None,
                    "version": answer.version if answer else 0,
                    "errors": item_errors,
                }
            )
        sections.append({"row": row, "items": items})
    return sections


def _answered(answer) -> str:
    return _("Answered by %(name)s, %(when)s") % {
        "name": answer.answered_by.get_full_name(),
        "when": date_format(localtime(answer.answered_at), "d/m/Y H:i"),
    }


def _checklist_context(request, audit, typed=None, errors=None) -> dict:
    overview = checklist_of(audit)
    user = request.user
    editable = audit.state == Audit.State.IN_PROGRESS and assessor_on_team(audit, user) is True
    is_lead = any(m.user_id == user.pk and m.role == "lead" for m in audit.team.all())
    offline = checklist_offline_context(audit, user=user, editable=editable, is_lead=is_lead)
    sections = _checklist_rows(overview, typed, errors)
    for section in sections:
        for entry in section["items"]:
            entry["photos"] = offline["photos_by_item"].get(entry["item"].pk, [])
            entry["conflict"] = entry["item"].pk in offline["conflict_items"]
    previous = (
        list(previous_audit_findings(audit).select_related("audit"))
        if audit.kind in (Audit.Kind.SURVEILLANCE, Audit.Kind.RECERTIFICATION)
        else []
    )
    return {
        "audit": audit,
        "subject": audit.subject,
        "overview": overview,
        "score_percent": None if overview.score is None else round(overview.score * 100),
        "sections": sections,
        "results": [
            (value, label, _RESULT_BUTTONS.get(value, "btn-outline-secondary"))
            for value, label in RESULTS
        ],
        "editable": editable,
        "is_lead": is_lead,
        "previous_findings": previous,
        "trace_form": TraceTestForm() if editable else None,
        "trace_tests": list(audit.trace_tests.order_by("started_at")),
        "needs_trace_test": audit.kind in TRACE_TEST_KINDS,
        "errors": errors or {},
        **offline,
    }


@login_required
@require_GET
def audit_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    """The checklist of the audit: sections with progress, each applicable item with its
    requirement, guidance and evidence, the answer (autosaved) and the finding it raised."""
    audit = audit_get_for_user(request.user, pk)
    return render(request, "audits/audit_checklist.html", _checklist_context(request, audit))


@login_required
@require_POST
def checklist_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save one answer (HTMX, on change: answers with a small partial) or all the answers of
    the page ("save all" without JavaScript: redirects back, or shows the page again with the
    errors next to the items). The save's own lock reads the audit among those the user may
    see (404 otherwise); the audit is read again only to show a refusal."""
    answers, typed = _posted_answers(request.POST)
    checklist_url = reverse("audits:audit_checklist", args=[pk])
    partial = bool(getattr(request, "htmx", False))
    try:
        saved = checklist_save_answers(
            audit=pk,
            answers=answers,
            by=request.user,
            within=audits_visible_to(request.user, pk=pk),
        )
    except Audit.DoesNotExist:
        raise Http404(_("No such audit.")) from None
    except DomainError as exc:
        if partial:
            audit = audit_get_for_user(request.user, pk)
            return _saved_partial(request, audit, errors=[exc.message], status=409)
        return _refused(request, exc.message, 409, checklist_url)
    except PermissionDenied:
        raise
    except ValidationError as exc:
        audit = audit_get_for_user(request.user, pk)
        errors = _error_dict(exc)
        if partial:
            flat = [m for msgs in errors.values() for m in msgs]
            return _saved_partial(request, audit, errors=flat, status=200)
        context = _checklist_context(request, audit, typed=typed, errors=errors)
        return render(request, "audits/audit_checklist.html", context, status=400)
    if partial:
        audit = saved[0].audit if saved else audit_get_for_user(request.user, pk)
        return _saved_partial(request, audit, saved=saved)
    messages.success(
        request,
        _("%(n)d answers saved.") % {"n": len(saved)} if saved else _("Nothing to save."),
    )
    return HttpResponseRedirect(checklist_url)


def _saved_partial(request, audit, *, saved=(), errors=(), status=200) -> HttpResponse:
    """The state of an autosaved answer (time saved, or errors; the finding it raised) and the
    checklist's progress, swapped out of band."""
    return render(
        request,
        "audits/partials/checklist_saved.html",
        {
            "audit": audit,
            "saved": saved,
            "answer": saved[0] if len(saved) == 1 else None,
            "errors": errors,
            "summary": checklist_summary(audit) if saved else None,
            "now": timezone.now(),
        },
        status=status,
    )


# --- Findings -------------------------------------------------------------------------------


def _finding_context(request, finding: Finding, response_form=None) -> dict:
    user = request.user
    transitions = transitions_for(finding, user)
    respond = next((t for t in transitions if t.name == "respond"), None)
    return {
        "finding": finding,
        "audit": finding.audit,
        "subject": finding.audit.subject,
        "transitions": [t for t in transitions if t.name != "respond"],
        "respond": respond,
        "response_form": (response_form or FindingResponseForm())
        if respond is not None and respond.allowed
        else None,
        "action_base": reverse("audits:finding_transitions", args=[finding.pk]),
        "history": history_of(finding).select_related("content_type"),
        "evidence_types": [GeneratedType.EVIDENCE],
        # The client may request a review of a major finding's grading (an appeal).
        "perms_enterprise": has_role(user, Role.ENTERPRISE, finding.audit.subject.enterprise),
        **finding_offline_context(finding, user=user),
    }


def _finding_get(user, pk: int) -> Finding:
    """The finding with its audit, the audit's subject, client, body and scheme (one query);
    404 when `user` may not see it."""
    finding = (
        findings_visible_to(user)
        .select_related(
            "audit__application__enterprise",
            "audit__application__body",
            "audit__application__scheme",
            "audit__certificate__enterprise",
            "audit__certificate__body",
            "audit__certificate__scheme",
        )
        .filter(pk=pk)
        .first()
    )
    if finding is None:
        raise Http404(_("No such finding."))
    return finding


@login_required
@require_GET
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _finding_get(request.user, pk)
    return render(request, "audits/finding_detail.html", _finding_context(request, finding))


@login_required
@require_POST
def finding_respond_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The enterprise's response (root cause, correction, corrective action, planned date) and
    the evidence files picked with it, in one submit. Nothing is kept unless everything is
    accepted: a refused file (400/413/415) shows the form again with what was typed."""
    finding = _finding_get(request.user, pk)
    url = reverse("audits:finding_detail", args=[finding.pk])
    form = FindingResponseForm(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        files = form.cleaned_data["evidence_files"]
        try:
            for file in files:
                validate_upload(file)
            with transaction.atomic():
                finding_respond(finding=finding, by=request.user, **form.response_data())
                for file in files:
                    document_upload(
                        owner=finding, doc_type=GeneratedType.EVIDENCE, file=file, by=request.user
                    )
        except DomainError as exc:
            return _refused(request, exc.message, 409, url)
        except DocumentRejected as exc:
            form.add_error("evidence_files", exc.message)
            status = exc.status
        except ValidationError as exc:
            _put_errors(form, exc)
        else:
            if files:
                messages.success(
                    request,
                    ngettext(
                        "Your response and %(n)d file were sent to the audit team.",
                        "Your response and %(n)d files were sent to the audit team.",
                        len(files),
                    )
                    % {"n": len(files)},
                )
            else:
                messages.success(request, _("Your response was sent to the audit team."))
            return HttpResponseRedirect(url)
    context = _finding_context(request, finding, response_form=form)
    context["response_form"] = form
    return render(request, "audits/finding_detail.html", context, status=status)


@login_required
@require_POST
def finding_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    finding = _finding_get(request.user, pk)
    next_url = safe_next(request, reverse("audits:finding_detail", args=[finding.pk]))
    return run_transition(request, finding, name, FINDING_ACTIONS, next_url=next_url)


@login_required
@require_POST
def audit_time_set(request: HttpRequest, pk: int) -> HttpResponse:
    """An officer reduces the planned audit time below the table's, with a reason."""
    audit = audit_get_for_user(request.user, pk)
    form = AuditTimeForm(request.POST)
    return _form_post(
        request,
        audit,
        "time_form",
        form,
        lambda data: audit_set_time(
            audit=audit, by=request.user, reduction=data["reduction"], reason=data["reason"]
        ),
        _("The audit time was saved."),
        "plan-title",
    )
