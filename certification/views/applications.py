"""Pages of applications: the list, the form (new and edit), the detail with its transitions,
the assignment of the decision maker, and the decision page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audits.models import Audit, Finding, TraceTest
from certification import rules
from certification.forms_applications import (
    ApplicationForm,
    DecisionMakerForm,
    TransferReviewForm,
    rows_from,
)
from certification.models import (
    Application,
    Certificate,
    Decision,
    DocumentType,
    Organisation,
    Role,
    Scheme,
    SupplyChainStage,
)
from certification.selectors import (
    application_get_for_user,
    applications_visible_to,
    certificates_visible_to,
    has_role,
    organisations_for_role,
)
from certification.services import (
    application_accept,
    application_accept_mark_rules,
    application_assign_decision_maker,
    application_create,
    application_grant,
    application_record_transfer_review,
    application_refuse,
    application_reject,
    application_request_revision,
    application_resubmit,
    application_return_to_evaluation,
    application_start_review,
    application_submit,
    application_submit_for_decision,
    application_update_scope,
    application_withdraw,
)
from certification.services.applications import SCOPE_FIELDS
from core.exceptions import DomainError
from core.services import history_of
from core.ui import Actions, paginate, run_transition, safe_next
from core.workflow import transitions_for

# States of a draft whose scope the applicant may still change.
EDITABLE = (Application.State.DRAFT, Application.State.REVISION_REQUESTED)
# Transitions made on the decision page rather than on the detail page.
DECISION_TRANSITIONS = ("grant", "refuse", "return_to_evaluation")

ACTIONS: Actions = {
    "submit": lambda a, by, data: application_submit(
        application=a, by=by, comment=data.get("comment", "")
    ),
    "resubmit": lambda a, by, data: application_resubmit(
        application=a, by=by, comment=data.get("comment", "")
    ),
    "start_review": lambda a, by, data: application_start_review(
        application=a, by=by, comment=data.get("comment", "")
    ),
    "request_revision": lambda a, by, data: application_request_revision(
        application=a, by=by, comment=data.get("comment", "")
    ),
    "reject": lambda a, by, data: application_reject(
        application=a, by=by, comment=data.get("comment", "")
    ),
    "accept": lambda a, by, data: application_accept(
        application=a,
        by=by,
        contract_reference=data.get("contract_reference", ""),
        scope_within_competence=data.get("scope_within_competence") == "true",
        comment=data.get("comment", ""),
    ),
    "submit_for_decision": lambda a, by, data: application_submit_for_decision(
        application=a,
        by=by,
        technical_review_note=data.get("technical_review_note", ""),
        comment=data.get("comment", ""),
    ),
    "return_to_evaluation": lambda a, by, data: application_return_to_evaluation(
        application=a, by=by, comment=data.get("comment", "")
    ),
    "grant": lambda a, by, data: application_grant(
        application=a, by=by, comment=data.get("comment", "")
    ),
    "refuse": lambda a, by, data: application_refuse(
        application=a, by=by, comment=data.get("comment", "")
    ),
    "withdraw": lambda a, by, data: application_withdraw(
        application=a, by=by, comment=data.get("comment", "")
    ),
}


def refused(
    request: HttpRequest, message: str, status: int, next_url: str, errors=None
) -> HttpResponse:
    """The page saying why an action was not done (as `core.ui.run_transition` renders it)."""
    return render(
        request,
        "core/action_refused.html",
        {"message": message, "errors": errors or {}, "next_url": next_url},
        status=status,
    )


def optional_url(name: str, *args) -> str:
    """The URL of a page another part of the site provides, or "" while it does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _detail_url(application: Application) -> str:
    return reverse("certification:application_detail", args=[application.pk])


# --- List -----------------------------------------------------------------------------------


@login_required
@require_GET
def application_list(request: HttpRequest) -> HttpResponse:
    """Applications the user may see, filtered by state, kind, body and enterprise and searched
    by number or enterprise name / tax code, newest first, 25 a page."""
    visible = applications_visible_to(request.user)
    applications = visible.select_related("enterprise", "body", "scheme").order_by(
        "-created_at", "-pk"
    )
    filters = {
        "state": request.GET.get("state", ""),
        "kind": request.GET.get("kind", ""),
        "body": request.GET.get("body", ""),
        "enterprise": request.GET.get("enterprise", ""),
        "q": request.GET.get("q", "").strip(),
    }
    if filters["state"] in Application.State.values:
        applications = applications.filter(state=filters["state"])
    if filters["kind"] in Application.Kind.values:
        applications = applications.filter(kind=filters["kind"])
    if filters["body"].isdigit():
        applications = applications.filter(body_id=int(filters["body"]))
    if filters["enterprise"].isdigit():
        applications = applications.filter(enterprise_id=int(filters["enterprise"]))
    if filters["q"]:
        q = filters["q"]
        applications = applications.filter(
            Q(number__icontains=q)
            | Q(enterprise__name__icontains=q)
            | Q(enterprise__short_name__icontains=q)
            | Q(enterprise__tax_code__startswith=q)
        )
    # Filters whose cost does not grow with the applications: the bodies (a short list), and
    # the enterprise typed into the search box; `?enterprise=<id>` (links) names its holder.
    bodies = list(
        Organisation.objects.filter(kind=Organisation.Kind.CERTIFICATION_BODY)
        .order_by("name")
        .only("pk", "name", "short_name", "kind")
    )
    enterprise = None
    if filters["enterprise"].isdigit():
        enterprise = (
            Organisation.objects.filter(
                pk=int(filters["enterprise"]), kind=Organisation.Kind.ENTERPRISE
            )
            .only("pk", "name", "short_name")
            .first()
        )
    may_create = _may_create(request.user)
    return render(
        request,
        "certification/application_list.html",
        {
            "page_obj": paginate(request, applications),
            "filters": filters,
            "states": Application.State.choices,
            "kinds": Application.Kind.choices,
            "bodies": bodies,
            "enterprise": enterprise,
            "filtered": any(filters.values()),
            "may_create": may_create,
        },
    )


# --- Form -----------------------------------------------------------------------------------


def _may_create(user) -> bool:
    return (
        organisations_for_role(user, Role.ENTERPRISE).exists()
        or organisations_for_role(user, Role.CB_STAFF).exists()
    )


def _form_choices(user) -> dict:
    """What the new-application form offers: an enterprise user applies for their enterprise
    to any active body; an officer files on paper for any enterprise to their own body."""
    own_enterprises = organisations_for_role(user, Role.ENTERPRISE)
    own_bodies = organisations_for_role(user, Role.CB_STAFF)
    has_enterprise, has_body = own_enterprises.exists(), own_bodies.exists()
    if not (has_enterprise or has_body):
        raise PermissionDenied(
            _("Only the enterprise's users or the body's officers may open an application.")
        )
    active = Organisation.objects.filter(is_active=True)
    enterprises = (
        active.filter(kind=Organisation.Kind.ENTERPRISE)
        if has_body
        else own_enterprises.filter(is_active=True)
    )
    bodies = (
        active.filter(kind=Organisation.Kind.CERTIFICATION_BODY)
        if has_enterprise
        else own_bodies.filter(is_active=True)
    )
    certificates = (
        certificates_visible_to(user)
        .filter(
            state__in=[
                Certificate.State.ACTIVE,
                Certificate.State.SUSPENDED,
                Certificate.State.EXPIRED,
            ]
        )
        .select_related("enterprise")
        .order_by("number")
    )
    return {
        "enterprises": enterprises.order_by("name"),
        "bodies": bodies.order_by("name"),
        "certificates": certificates,
        "on_paper": has_body and not has_enterprise,
    }


def _contact_of(user, enterprise: Organisation | None) -> dict:
    """The contact an enterprise user most likely gives: themselves (name, e-mail, phone),
    with the enterprise's e-mail and phone where their own are missing. Only a starting value: every
    field stays editable."""
    contact = {
        "contact_name": user.get_full_name(),
        "contact_email": user.email or (enterprise.email if enterprise else ""),
        "contact_phone": user.phone or (enterprise.phone if enterprise else ""),
    }
    return {name: value for name, value in contact.items() if value}


def _scope_from(form: ApplicationForm, data) -> dict:
    cleaned = form.cleaned_data
    scope = {name: cleaned[name] for name in SCOPE_FIELDS if name in cleaned}
    scope["products"] = rows_from(data, "product")
    scope["sites"] = rows_from(data, "site")
    return scope


def _show_errors(form: ApplicationForm, exc: ValidationError) -> dict[str, list[str]]:
    """Put the service's errors on the form's fields; return those of the product and site
    rows (shown above the rows)."""
    rows: dict[str, list[str]] = {}
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    for field, messages_ in errors.items():
        if field in ("products", "sites"):
            rows[field] = list(messages_)
        elif field in form.fields:
            form.add_error(field, messages_)
        else:
            form.add_error(None, messages_)
    return rows


def _render_form(
    request, form, *, application=None, products=None, sites=None, row_errors=None, status=200
):
    return render(
        request,
        "certification/application_form.html",
        {
            "form": form,
            "application": application,
            "products": [*(products or []), {"name": "", "gtin": ""}],
            "sites": [*(sites or []), {"name": "", "address": ""}],
            "row_errors": row_errors or {},
            # For the summary at the top: the products' and sites' errors, by table.
            "row_errors_flat": [m for msgs in (row_errors or {}).values() for m in msgs],
            "stage_choices": SupplyChainStage.choices,
        },
        status=status,
    )


@login_required
def application_create_view(request: HttpRequest) -> HttpResponse:
    """A new application: an enterprise user for their enterprise, or an officer of a body
    filing on paper for an enterprise. Saved as a draft (then documents, then submit)."""
    choices = _form_choices(request.user)
    kwargs = {k: choices[k] for k in ("enterprises", "bodies", "certificates")}
    if request.method != "POST":
        initial = {}
        if choices["enterprises"].count() == 1 and not choices["on_paper"]:
            initial["enterprise"] = choices["enterprises"].first()
        if not choices["on_paper"]:
            initial.update(_contact_of(request.user, initial.get("enterprise")))
        if choices["bodies"].count() == 1:
            initial["body"] = choices["bodies"].first()
        schemes = Scheme.objects.filter(is_active=True)
        if schemes.count() == 1:
            initial["scheme"] = schemes.first()
        form = ApplicationForm(initial=initial, **kwargs)
        return _render_form(request, form)
    form = ApplicationForm(request.POST, **kwargs)
    products, sites = rows_from(request.POST, "product"), rows_from(request.POST, "site")
    if not form.is_valid():
        return _render_form(request, form, products=products, sites=sites, status=400)
    data = form.cleaned_data
    try:
        application = application_create(
            enterprise=data["enterprise"],
            body=data["body"],
            scheme=data["scheme"],
            kind=data["kind"],
            renews=data["renews"]
            if data["kind"] not in (Application.Kind.INITIAL, Application.Kind.TRANSFER)
            else None,
            by=request.user,
            **_scope_from(form, request.POST),
        )
    except ValidationError as exc:
        row_errors = _show_errors(form, exc)
        return _render_form(
            request, form, products=products, sites=sites, row_errors=row_errors, status=400
        )
    except DomainError as exc:
        # E.g. a recertification of a certificate expired past the restoration window: the
        # message offers an initial application instead.
        form.add_error("renews", exc.message)
        return _render_form(request, form, products=products, sites=sites, status=409)
    messages.success(
        request,
        _("Application %(number)s was saved as a draft.") % {"number": application.number},
    )
    return HttpResponseRedirect(_detail_url(application))


@login_required
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the scope and contact of a draft or returned application."""
    application = application_get_for_user(request.user, pk)
    next_url = _detail_url(application)
    if application.state not in EDITABLE:
        return refused(
            request,
            _("The application can be edited only as a draft or when a revision was requested."),
            409,
            next_url,
        )
    if not rules.applicant_or_body_on_behalf(application, request.user):
        raise PermissionDenied(_("You may not edit this application."))
    if request.method != "POST":
        form = ApplicationForm(
            application=application,
            initial={name: getattr(application, name) for name in SCOPE_FIELDS},
        )
        return _render_form(
            request,
            form,
            application=application,
            products=application.products,
            sites=application.sites,
        )
    form = ApplicationForm(request.POST, application=application)
    products, sites = rows_from(request.POST, "product"), rows_from(request.POST, "site")
    if not form.is_valid():
        return _render_form(
            request, form, application=application, products=products, sites=sites, status=400
        )
    try:
        application_update_scope(
            application=application, by=request.user, **_scope_from(form, request.POST)
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _render_form(
            request, form, application=application, products=products, sites=sites, status=409
        )
    except ValidationError as exc:
        row_errors = _show_errors(form, exc)
        return _render_form(
            request,
            form,
            application=application,
            products=products,
            sites=sites,
            row_errors=row_errors,
            status=400,
        )
    messages.success(request, _("The application was saved."))
    return HttpResponseRedirect(next_url)


@login_required
@require_GET
def application_scope_row(request: HttpRequest) -> HttpResponse:
    """One empty product or site row for the form (added with HTMX)."""
    kind = request.GET.get("kind", "product")
    if kind not in ("product", "site"):
        kind = "product"
    return render(
        request,
        f"certification/partials/application_{kind}_row.html",
        {"row": {}, "removable": True},
    )


# --- Detail ---------------------------------------------------------------------------------


def _document_labels(types: list[str]) -> list[str]:
    return [str(DocumentType(t).label) if t in DocumentType.values else t for t in types]


def _certificate_of(application: Application) -> Certificate | None:
    return application.certificates.order_by("-version", "-pk").first()


# Where an application is, who acts next and by when (the step indicator of its page).
_STEP_OF_STATE = {
    Application.State.DRAFT: 0,
    Application.State.REVISION_REQUESTED: 0,
    Application.State.SUBMITTED: 1,
    Application.State.UNDER_REVIEW: 1,
    Application.State.REJECTED: 1,
    Application.State.IN_EVALUATION: 2,
    Application.State.DECISION_PENDING: 3,
    Application.State.REFUSED: 3,
    Application.State.CERTIFIED: 4,
}


def application_steps(application: Application, *, audits, findings) -> dict:
    """The five steps (filing, review, audits, decision, certificate): each done, current or
    to come; for the current one who acts and the date expected, if known. A closed file
    (rejected, refused, withdrawn) stops at its step."""
    state = application.state
    stopped = state in (
        Application.State.REJECTED,
        Application.State.REFUSED,
        Application.State.WITHDRAWN,
    )
    current = _STEP_OF_STATE.get(state, 0 if not application.submitted_at else 1)
    who, when, when_label = "", None, ""
    if state in (Application.State.DRAFT, Application.State.REVISION_REQUESTED):
        who = _("the enterprise completes and submits the file")
    elif state in (Application.State.SUBMITTED, Application.State.UNDER_REVIEW):
        who = _("the certification body's officer reviews the file")
        when, when_label = application.submitted_at, _("submitted on")
    elif state == Application.State.IN_EVALUATION:
        planned = [a for a in audits if a.state in (Audit.State.PLANNED, Audit.State.IN_PROGRESS)]
        due = sorted(
            f.due_date
            for f in findings
            if f.state in (Finding.State.OPEN, Finding.State.RESPONDED) and f.due_date
        )
        if planned:
            who = _("the audit team carries out the audit")
            when, when_label = planned[0].planned_start, _("planned for")
        elif due:
            who = _("the enterprise answers the findings")
            when, when_label = due[0], _("due by")
        else:
            who = _(
                "the certification body's officer plans the next audit or sends the file "
                "for a decision"
            )
    elif state == Application.State.DECISION_PENDING:
        who = _("a decision maker of the body decides")
    labels = [
        _("Application filed"),
        _("Review of the file"),
        _("Audits"),
        _("Decision"),
        _("Certificate"),
    ]
    steps = []
    for index, label in enumerate(labels):
        if state == Application.State.CERTIFIED or index < current:
            status = "done"
        elif index == current and not stopped:
            status = "current"
        elif index == current and state != Application.State.WITHDRAWN:
            status = "stopped"
        else:
            status = "todo"
        steps.append({"number": index + 1, "label": label, "status": status})
    return {
        "steps": steps,
        "who": who,
        "when": when,
        "when_label": when_label,
        "closed": stopped,
    }


@login_required
@require_GET
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one application: summary, scope, documents still missing, audits,
    findings, decision and certificate, history, and what the user may do now."""
    application = application_get_for_user(request.user, pk)
    user = request.user
    audits = list(application.audits.order_by("planned_start", "pk"))
    findings = list(
        Finding.objects.filter(audit__application=application)
        .select_related("audit")
        .order_by("audit__planned_start", "pk")
    )
    decision = Decision.objects.filter(application=application).first()
    certificate = _certificate_of(application)
    is_staff = has_role(user, Role.CB_STAFF, application.body)
    is_decider = has_role(user, Role.DECISION_MAKER, application.body)
    transitions = [
        t for t in transitions_for(application, user) if t.name not in DECISION_TRANSITIONS
    ]
    required = application.scheme.required_document_types
    missing = application.missing_document_types()
    may_edit = application.state in EDITABLE and rules.applicant_or_body_on_behalf(
        application, user
    )
    assign_form = None
    if is_staff and application.state in (
        Application.State.IN_EVALUATION,
        Application.State.DECISION_PENDING,
    ):
        assign_form = DecisionMakerForm(body=application.body)
    return render(
        request,
        "certification/application_detail.html",
        {
            "application": application,
            "steps": application_steps(application, audits=audits, findings=findings),
            "stages": _stage_labels(application.stages),
            "audits": audits,
            "findings": findings,
            "decision": decision,
            "certificate": certificate,
            "certificate_url": certificate
            and optional_url("certification:certificate_detail", certificate.pk),
            "history": history_of(application).select_related("content_type"),
            "transitions": transitions,
            "action_base": reverse("certification:application_transitions", args=[pk]),
            "required_documents": _document_labels(required),
            "missing_documents": _document_labels(missing),
            # One slot per document the application must carry, then the other documents.
            "document_slots": list(
                dict.fromkeys([*application.required_document_types(), DocumentType.GENERAL])
            ),
            "optional_slots": [DocumentType.GENERAL],
            "may_edit": may_edit,
            "may_appeal": application.state
            in (Application.State.REJECTED, Application.State.REFUSED)
            and has_role(request.user, Role.ENTERPRISE, application.enterprise),
            "may_plan": is_staff and application.state == Application.State.IN_EVALUATION,
            "show_decision_link": (is_decider or is_staff)
            and application.state
            in (
                Application.State.DECISION_PENDING,
                Application.State.CERTIFIED,
                Application.State.REFUSED,
            ),
            "assign_form": assign_form,
            "transfer_form": TransferReviewForm(
                initial={
                    "note": application.transfer_review_note,
                    "open_majors": application.transfer_open_majors or 0,
                }
            )
            if is_staff
            and application.kind == Application.Kind.TRANSFER
            and application.state in (Application.State.SUBMITTED, Application.State.UNDER_REVIEW)
            else None,
            "may_accept_mark_rules": may_edit
            and bool(application.scheme.mark_use_rules.strip())
            and application.mark_rules_accepted_at is None,
        },
    )


def _stage_labels(stages: list[str]) -> list[str]:
    labels = dict(SupplyChainStage.choices)
    return [str(labels.get(s, s)) for s in stages]


@login_required
@require_POST
def application_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    application = application_get_for_user(request.user, pk)
    next_url = safe_next(request, _detail_url(application))
    return run_transition(request, application, name, ACTIONS, next_url=next_url)


@login_required
@require_POST
def application_assign_decision_maker_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An officer of the body names who decides the file (among the body's decision makers)."""
    application = application_get_for_user(request.user, pk)
    next_url = _detail_url(application)
    if not has_role(request.user, Role.CB_STAFF, application.body):
        raise PermissionDenied(
            _("Only officers of the certification body may assign the decision maker.")
        )
    form = DecisionMakerForm(request.POST, body=application.body)
    if not form.is_valid():
        return refused(
            request, _("Some information is missing or not valid."), 400, next_url, form.errors
        )
    try:
        application_assign_decision_maker(
            application=application,
            decision_maker=form.cleaned_data["decision_maker"],
            by=request.user,
        )
    except DomainError as exc:
        return refused(request, exc.message, 409, next_url)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        return refused(
            request, _("Some information is missing or not valid."), 400, next_url, errors
        )
    messages.success(request, _("The decision maker was assigned."))
    return HttpResponseRedirect(next_url)


# --- Decision -------------------------------------------------------------------------------


@login_required
@require_GET
def application_decision(request: HttpRequest, pk: int) -> HttpResponse:
    """The decision maker's view of the file: technical review, audits and their conclusions,
    findings, trace tests, and the grant / refuse / return buttons."""
    application = application_get_for_user(request.user, pk)
    user = request.user
    if not (
        has_role(user, Role.DECISION_MAKER, application.body)
        or has_role(user, Role.CB_STAFF, application.body)
    ):
        raise PermissionDenied(_("Only the body's decision makers and officers see this page."))
    audits = list(
        Audit.objects.filter(application=application)
        .exclude(state=Audit.State.CANCELLED)
        .order_by("planned_start", "pk")
    )
    findings = list(
        Finding.objects.filter(audit__application=application)
        .exclude(audit__state=Audit.State.CANCELLED)
        .select_related("audit")
        .order_by("audit__planned_start", "pk")
    )
    trace_tests = list(
        TraceTest.objects.filter(audit__application=application)
        .select_related("audit__application__scheme")
        .order_by("started_at")
    )
    open_findings = [f for f in findings if f.state != Finding.State.CLOSED]
    certificate = _certificate_of(application)
    return render(
        request,
        "certification/application_decision.html",
        {
            "application": application,
            "reviewer": application.technical_reviewer,
            "decision_maker": application.decision_maker,
            "audits": audits,
            "findings": findings,
            "open_findings": open_findings,
            "trace_tests": trace_tests,
            "decision": Decision.objects.filter(application=application)
            .select_related("decision_maker")
            .first(),
            "transitions": [
                t for t in transitions_for(application, user) if t.name in DECISION_TRANSITIONS
            ],
            "action_base": reverse("certification:application_transitions", args=[pk]),
            "next": reverse("certification:application_decision", args=[pk]),
            "certificate": certificate,
            "certificate_url": certificate
            and optional_url("certification:certificate_detail", certificate.pk),
        },
    )


@login_required
@require_POST
def application_accept_mark_rules_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The enterprise accepts the scheme's rules for using the certificate and the mark."""
    application = application_get_for_user(request.user, pk)
    next_url = _detail_url(application)
    try:
        application_accept_mark_rules(application=application, by=request.user)
    except DomainError as exc:
        return refused(request, exc.message, 409, next_url)
    messages.success(
        request, _("The rules for using the certificate and the certification mark were accepted.")
    )
    return HttpResponseRedirect(next_url)


@login_required
@require_POST
def application_transfer_review_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An officer records the pre-transfer review of a transfer application."""
    application = application_get_for_user(request.user, pk)
    next_url = _detail_url(application)
    form = TransferReviewForm(request.POST)
    if not form.is_valid():
        return refused(
            request, _("Describe the review and give the number of open majors."), 400, next_url
        )
    try:
        application_record_transfer_review(
            application=application,
            by=request.user,
            note=form.cleaned_data["note"],
            open_majors=form.cleaned_data["open_majors"],
        )
    except DomainError as exc:
        return refused(request, exc.message, 409, next_url)
    except ValidationError as exc:
        return refused(request, " ".join(exc.messages), 400, next_url)
    messages.success(request, _("The pre-transfer review was recorded."))
    return HttpResponseRedirect(next_url)
