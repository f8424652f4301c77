"""Pages of the trace test from EPCIS data (namespace "tracing"). Views fetch through
tracing.selectors, validate a form, call a service and redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from audits.rules import lead_of_audit
from audits.selectors import audit_get_for_user
from certification.models import Role
from certification.selectors import organisations_for_role
from core.exceptions import DomainError
from documents.validation import DocumentRejected
from tracing import services
from tracing.forms import AnalyseForm, EndpointForm, UploadForm
from tracing.messages import CTE_LABELS, KDE_LABELS, gap_text
from tracing.selectors import (
    analyses_of,
    analysis_get_for_user,
    dataset_get_for_user,
    datasets_of,
    endpoint_of,
    proposal_get_for_user,
    proposals_of,
)

SEVERITY_LABELS = {
    "major": gettext_lazy("Major nonconformity"),
    "minor": gettext_lazy("Minor nonconformity"),
    "observation": gettext_lazy("Observation"),
}


def _refused(request, message, status, next_url, errors=None) -> HttpResponse:
    return render(
        request,
        "core/action_refused.html",
        {"message": message, "errors": errors or {}, "next_url": next_url},
        status=status,
    )


def _audit_url(audit) -> str:
    return reverse("tracing:audit_tracing", args=[audit.pk])


def _errors(exc: ValidationError) -> dict:
    if isinstance(exc, services.EpcisRejected):
        return {"file": [str(p) for p in exc.problems]}
    if hasattr(exc, "error_dict"):
        return {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


@login_required
@require_GET
def audit_tracing(request: HttpRequest, pk: int) -> HttpResponse:
    """The audit's EPCIS datasets and trace analyses, with the forms the user may use."""
    audit = audit_get_for_user(request.user, pk)
    may_read = services.may_read_events(audit, request.user)
    is_assessor = services.assessor_of(audit, request.user) is True
    endpoint = endpoint_of(audit.client)
    return render(
        request,
        "tracing/audit_tracing.html",
        {
            "audit": audit,
            "datasets": list(datasets_of(audit)),
            "analyses": list(analyses_of(audit)[:50]),
            "upload_form": UploadForm()
            if may_read and audit.state in services.READ_STATES
            else None,
            "may_query": is_assessor and endpoint is not None and audit.state == "in_progress",
            "may_analyse": is_assessor and audit.state in ("in_progress", "report_submitted"),
            "endpoint": endpoint,
        },
    )


@login_required
@require_POST
def dataset_upload(request: HttpRequest, pk: int) -> HttpResponse:
    audit = audit_get_for_user(request.user, pk)
    next_url = _audit_url(audit)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _refused(request, _("Choose a file."), 400, next_url, form.errors)
    try:
        dataset = services.epcis_dataset_upload(
            audit=audit, by=request.user, file=form.cleaned_data["file"]
        )
    except DomainError as exc:
        return _refused(request, exc.message, 409, next_url)
    except DocumentRejected as exc:
        return _refused(request, exc.message, exc.status, next_url)
    except ValidationError as exc:
        return _refused(request, _("The EPCIS document was refused."), 400, next_url, _errors(exc))
    messages.success(
        request, _("%(n)s events were read and kept as evidence.") % {"n": dataset.event_count}
    )
    return HttpResponseRedirect(next_url)


@login_required
@require_POST
def dataset_query(request: HttpRequest, pk: int) -> HttpResponse:
    audit = audit_get_for_user(request.user, pk)
    next_url = _audit_url(audit)
    try:
        dataset = services.epcis_dataset_query(audit=audit, by=request.user)
    except services.QueryFailed as exc:
        return _refused(request, exc.message, 502, next_url)
    except DomainError as exc:
        return _refused(request, exc.message, 409, next_url)
    except ValidationError as exc:
        return _refused(request, _("The answer was refused."), 502, next_url, _errors(exc))
    messages.success(
        request,
        _("The enterprise's system answered %(n)s events in %(s)s s.")
        % {"n": dataset.event_count, "s": dataset.answer_seconds},
    )
    return HttpResponseRedirect(next_url)


@login_required
@require_POST
def analysis_create(request: HttpRequest, pk: int) -> HttpResponse:
    audit = audit_get_for_user(request.user, pk)
    next_url = _audit_url(audit)
    form = AnalyseForm(request.POST)
    if not form.is_valid():
        return _refused(request, _("Fill in the GTIN and the lot."), 400, next_url, form.errors)
    dataset = dataset_get_for_user(request.user, form.cleaned_data["dataset"])
    if dataset.audit_id != audit.pk:
        return _refused(request, _("This dataset belongs to another audit."), 400, next_url)
    try:
        analysis = services.trace_analyse(
            dataset=dataset,
            by=request.user,
            gtin=form.cleaned_data["gtin"],
            lot=form.cleaned_data["lot"],
        )
    except DomainError as exc:
        return _refused(request, exc.message, 409, next_url)
    except ValidationError as exc:
        return _refused(request, _("The lot could not be traced."), 400, next_url, _errors(exc))
    return HttpResponseRedirect(reverse("tracing:analysis_detail", args=[analysis.pk]))


@login_required
@require_GET
def analysis_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The trace report page."""
    analysis = analysis_get_for_user(request.user, pk)
    audit = analysis.dataset.audit
    data = analysis.data
    proposals = list(proposals_of(analysis))
    for proposal in proposals:
        proposal.severity_label = SEVERITY_LABELS.get(proposal.severity, proposal.severity)
    is_assessor = services.assessor_of(audit, request.user) is True
    kde_rows = [
        {
            **row,
            "cte_label": CTE_LABELS.get(row["cte"], row["cte"]),
            "missing_labels": [str(KDE_LABELS.get(k, k)) for k in row["missing"]],
        }
        for row in data["kde"]
    ]
    return render(
        request,
        "tracing/analysis_detail.html",
        {
            "analysis": analysis,
            "audit": audit,
            "dataset": analysis.dataset,
            "data": data,
            "kde_rows": kde_rows,
            "failures": [gap_text(g) for g in data["gaps"] if g["severity"] == "major"],
            "proposals": proposals,
            "is_lead": lead_of_audit(audit, request.user),
            "may_prefill": is_assessor
            and analysis.trace_test_id is None
            and audit.state == "in_progress",
            "may_report": is_assessor,
        },
    )


@login_required
@require_GET
def analysis_graph(request: HttpRequest, pk: int) -> HttpResponse:
    # The report module (Pillow, python-docx) is loaded by the first graph, not at start-up.
    from tracing.report import render_graph_png

    analysis = analysis_get_for_user(request.user, pk)
    response = HttpResponse(render_graph_png(analysis.data), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def analysis_report(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = analysis_get_for_user(request.user, pk)
    if services.assessor_of(analysis.dataset.audit, request.user) is not True:
        raise PermissionDenied(_("Only an assessor of the audit team may do this."))
    analysis = services.trace_report_generate(analysis=analysis)
    return HttpResponseRedirect(reverse("documents:download", args=[analysis.report_id]))


@login_required
@require_POST
def analysis_prefill(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = analysis_get_for_user(request.user, pk)
    next_url = reverse("tracing:analysis_detail", args=[analysis.pk])
    try:
        services.trace_test_prefill(analysis=analysis, by=request.user)
    except DomainError as exc:
        return _refused(request, exc.message, 409, next_url)
    except ValidationError as exc:
        return _refused(request, _("The trace test was not recorded."), 400, next_url, _errors(exc))
    messages.success(request, _("The trace test was recorded from the analysis."))
    return HttpResponseRedirect(
        reverse("audits:audit_detail", args=[analysis.dataset.audit_id]) + "#trace-tests"
    )


@login_required
@require_POST
def proposal_decide(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    proposal = proposal_get_for_user(request.user, pk)
    next_url = reverse("tracing:analysis_detail", args=[proposal.analysis_id]) + "#proposals"
    try:
        if name == "confirm":
            services.proposed_finding_confirm(proposal=proposal, by=request.user)
        elif name == "dismiss":
            services.proposed_finding_dismiss(
                proposal=proposal, by=request.user, comment=request.POST.get("comment", "")
            )
        else:
            return _refused(request, _("Unknown action."), 400, next_url)
    except DomainError as exc:
        return _refused(request, exc.message, 409, next_url)
    except ValidationError as exc:
        return _refused(request, _("Say why."), 400, next_url, _errors(exc))
    messages.success(request, _("The proposed finding was decided."))
    return HttpResponseRedirect(next_url)


@login_required
def endpoint_edit(request: HttpRequest) -> HttpResponse:
    """An enterprise user registers the enterprise's EPCIS query interface."""
    enterprise = organisations_for_role(request.user, Role.ENTERPRISE).first()
    if enterprise is None:
        raise PermissionDenied(_("Only an enterprise's users may do this."))
    endpoint = endpoint_of(enterprise)
    if request.method == "POST":
        form = EndpointForm(request.POST)
        if form.is_valid():
            try:
                services.epcis_endpoint_register(
                    enterprise=enterprise, by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                for field, msgs in _errors(exc).items():
                    form.add_error(field if field in form.fields else None, msgs)
            else:
                messages.success(request, _("The query interface was registered."))
                return HttpResponseRedirect(reverse("tracing:endpoint"))
        status = 400
    else:
        form = EndpointForm(initial={"url": endpoint.url if endpoint else ""})
        status = 200
    return render(
        request,
        "tracing/endpoint_form.html",
        {"form": form, "endpoint": endpoint, "enterprise": enterprise},
        status=status,
    )
