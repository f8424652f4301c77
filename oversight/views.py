"""Pages and downloads for regulators. Everything is scoped to the user's jurisdictions:
anyone else gets 403 (anonymous visitors are sent to sign in)."""

import datetime
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certification.models import Province
from core.clock import today
from oversight import charts, exports, selectors, services
from oversight.forms import (
    ActivityForm,
    HighRiskGroupForm,
    HighRiskProductForm,
    OutsideCertificationForm,
    RegisterFilterForm,
    TargetForm,
)
from oversight.models import (
    HighRiskProductGroup,
    OutsideCertification,
    PlanActivity,
    TaskGroup,
)


def regulator_required(view: Callable) -> Callable:
    """Signed-in regulators only: `request.provinces` holds their jurisdictions, and
    `request.province` the one chosen with `?province=` (None: all of them)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        provinces = selectors.regulator_provinces(request.user)
        if not provinces:
            raise PermissionDenied(_("Only regulators may open this page."))
        chosen = request.GET.get("province") or request.POST.get("province") or ""
        request.provinces = provinces
        request.province = None
        if chosen:
            request.province = next((p for p in provinces if str(p.pk) == chosen), None)
            if request.province is None:
                raise PermissionDenied(_("This province is not in your jurisdiction."))
        return view(request, *args, **kwargs)

    return wrapped


def _scope_ids(request: HttpRequest) -> list[int]:
    return [request.province.pk] if request.province else [p.pk for p in request.provinces]


def _one_province(request: HttpRequest) -> Province:
    """The plan is per province: the chosen one, else the first jurisdiction."""
    return request.province or request.provinces[0]


def _with_province(url: str, province: Province | None) -> str:
    return f"{url}?{urlencode({'province': province.pk})}" if province else url


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- dashboard ------------------------------------------------------------------------------


@require_GET
@regulator_required
def dashboard(request: HttpRequest) -> HttpResponse:
    figures = selectors.dashboard(_scope_ids(request))
    chart = charts.bar_chart
    context = {
        "figures": figures,
        "chart_applications": chart(
            [(label, n) for _s, label, n in figures.applications_by_state],
            title=_("Applications per state"),
        ),
        "chart_certificates": chart(
            [(label, n) for _s, label, n in figures.certificates_by_state],
            title=_("Certificates per state"),
            colour_by_index=True,
        ),
        "chart_sectors": chart(
            [(label, n) for _c, label, n in figures.enterprises_by_sector],
            title=_("Certified enterprises per sector"),
        ),
        "chart_communes": chart(
            figures.enterprises_by_commune[:15], title=_("Certified enterprises per commune")
        ),
        "application_states": [label for _s, label, _n in figures.applications_by_state],
    }
    return render(request, "oversight/dashboard.html", context)


# --- plan -----------------------------------------------------------------------------------


@require_GET
@regulator_required
def plan(request: HttpRequest) -> HttpResponse:
    province = _one_province(request)
    progress = selectors.plan_progress(province)
    years = []
    if progress:
        first = min(p.target.year_from for p in progress)
        last = max(p.target.year_to for p in progress)
        years = list(range(first, last + 1))
    year = today().year
    context = {
        "province": province,
        "progress": progress,
        "years": years,
        "report_year": year if year in years else (years[-1] if years else year),
        "activities": selectors.activities_of(province)[:50],
        "coverage": selectors.high_risk_coverage(province),
        "task_groups": selectors.task_group_summary(province),
        "snapshots": selectors.high_risk_snapshots(province),
    }
    return render(request, "oversight/plan.html", context)


@require_http_methods(["GET", "POST"])
@regulator_required
def activity_create(request: HttpRequest) -> HttpResponse:
    province = _one_province(request)
    targets = selectors.plan_targets_for(province)
    form = ActivityForm(request.POST or None, request.FILES or None, targets=targets)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_activity_record(
                jurisdiction=province,
                target=form.cleaned_data["target"],
                task_group=form.cleaned_data.get("task_group") or "",
                date=form.cleaned_data["date"],
                description=form.cleaned_data["description"],
                quantity=form.cleaned_data["quantity"],
                evidence=form.cleaned_data.get("evidence"),
                by=request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The activity is recorded."))
            return redirect(_with_province(reverse("oversight:plan"), province))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "oversight/activity_form.html",
        {"form": form, "province": province},
        status=status,
    )


@require_GET
@regulator_required
def activity_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """The evidence file of an activity, for regulators of its province (404 otherwise)."""
    from django.http import FileResponse

    activity: PlanActivity = selectors.activity_get_for_user(request.user, pk)
    if not activity.evidence:
        raise Http404
    response = FileResponse(
        activity.evidence.open("rb"),
        as_attachment=True,
        filename=activity.evidence_name or "evidence",
        content_type=activity.evidence_mime_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@regulator_required
def target_update(request: HttpRequest, code: str) -> HttpResponse:
    province = _one_province(request)
    form = TargetForm(request.POST)
    if form.is_valid():
        try:
            services.plan_target_set(
                jurisdiction=province,
                code=code,
                target_value=form.cleaned_data["target_value"],
                by=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The target is saved."))
    else:
        messages.error(request, _("Enter a target of zero or more."))
    return redirect(_with_province(reverse("oversight:plan"), province))


@require_GET
@regulator_required
def annual_report(request: HttpRequest, year: str, fmt: str) -> HttpResponse:
    province = _one_province(request)
    year = int(year)
    if not 2000 <= year <= 2100:
        raise Http404
    stem = f"bao-cao-de-an-100-{province.code}-{year}"
    if fmt == "docx":
        content, mime = exports.annual_report_docx(province, year), exports.DOCX_MIME
    else:
        content, mime = exports.annual_report_xlsx(province, year), exports.XLSX_MIME
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


# --- high-risk product groups ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@regulator_required
def high_risk_groups(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The province's register of high-risk product groups, with a form to add one or edit
    the one `pk`."""
    province = _one_province(request)
    group = None
    if pk is not None:
        group = get_object_or_404(
            HighRiskProductGroup, pk=pk, jurisdiction_id__in=[p.pk for p in request.provinces]
        )
        province = group.jurisdiction
    initial = {}
    if group is not None:
        initial = {
            "name": group.name,
            "ministry": group.ministry,
            "description": group.description,
            "certificates": list(group.certificates.all()),
            "enterprises": list(group.enterprises.all()),
        }
    form = HighRiskGroupForm(request.POST or None, province=province, group=group, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.high_risk_group_save(
                jurisdiction=province,
                group=group,
                name=form.cleaned_data["name"],
                ministry=form.cleaned_data["ministry"],
                description=form.cleaned_data["description"],
                certificates=list(form.cleaned_data["certificates"].select_related("enterprise")),
                enterprises=list(form.cleaned_data["enterprises"]),
                by=request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The product group is saved."))
            return redirect(_with_province(reverse("oversight:high_risk_groups"), province))
    groups = (
        HighRiskProductGroup.objects.filter(jurisdiction=province)
        .prefetch_related("certificates", "enterprises")
        .order_by("name")
    )
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "oversight/high_risk_groups.html",
        {
            "province": province,
            "groups": groups,
            "form": form,
            "group": group,
            "coverage": selectors.high_risk_coverage(province),
            "products": selectors.high_risk_products(province),
            "product_form": HighRiskProductForm(province=province),
        },
        status=status,
    )


@require_POST
@regulator_required
def high_risk_product_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a product on the list, in group `pk` (of one of the user's provinces; 404 else)."""
    group = get_object_or_404(
        HighRiskProductGroup, pk=pk, jurisdiction_id__in=[p.pk for p in request.provinces]
    )
    form = HighRiskProductForm(request.POST, province=group.jurisdiction)
    if form.is_valid():
        try:
            services.high_risk_product_add(
                group=group,
                name=form.cleaned_data["name"],
                certificates=list(form.cleaned_data["certificates"].select_related("enterprise")),
                enterprises=list(form.cleaned_data["enterprises"]),
                by=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The product is on the list."))
    else:
        messages.error(request, _("Name the product."))
    return redirect(_with_province(reverse("oversight:high_risk_groups"), group.jurisdiction))


@require_POST
@regulator_required
def high_risk_snapshot(request: HttpRequest) -> HttpResponse:
    """Freeze the coverage of a year (default this one) for the chosen province."""
    province = _one_province(request)
    try:
        year = int(request.POST.get("year") or today().year)
        services.high_risk_snapshot_take(jurisdiction=province, year=year, by=request.user)
    except (ValueError, ValidationError):
        messages.error(request, _("Choose a year that has begun."))
    else:
        messages.success(request, _("The coverage of %(year)d is recorded.") % {"year": year})
    return redirect(_with_province(reverse("oversight:plan"), province))


# --- drill-down: the list behind each figure ------------------------------------------------


def _year_end(request: HttpRequest) -> tuple[int, datetime.date]:
    now = today()
    try:
        year = int(request.GET.get("year") or now.year)
    except ValueError:
        raise Http404 from None
    if not 2000 <= year <= now.year:
        raise Http404
    return year, min(datetime.date(year, 12, 31), now)


@require_GET
@regulator_required
def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    """What an indicator counts: the enterprises certified at the year's end (with their
    certificates, also outside ones), the high-risk products (covered or not, and by what),
    or the activities recorded."""
    province = _one_province(request)
    target = next((t for t in selectors.plan_targets_for(province) if t.code == code), None)
    if target is None:
        raise Http404
    year, end = _year_end(request)
    context = {"province": province, "target": target, "year": year, "end": end}
    if target.computed and code == selectors.ENTERPRISES_CERTIFIED:
        context["enterprises"] = selectors.certified_enterprises([province.pk], [end])[end]
    elif target.computed and code == selectors.HIGH_RISK_TRACEABLE:
        context["products"] = selectors.high_risk_products(province, end)
        context["coverage"] = selectors.high_risk_coverage(province, end)
    else:
        context["page_obj"] = Paginator(
            selectors.activities_of(province, year, target_code=code), 50
        ).get_page(request.GET.get("page"))
    return render(request, "oversight/indicator_detail.html", context)


@require_GET
@regulator_required
def task_group_detail(request: HttpRequest, group: str) -> HttpResponse:
    """The activities recorded in one of the plan's task groups."""
    if group not in TaskGroup.values:
        raise Http404
    province = _one_province(request)
    activities = selectors.activities_of(province, task_group=group)
    return render(
        request,
        "oversight/indicator_detail.html",
        {
            "province": province,
            "task_group": TaskGroup(group).label,
            "page_obj": Paginator(activities, 50).get_page(request.GET.get("page")),
        },
    )


@require_http_methods(["GET", "POST"])
@regulator_required
def outside_certifications(request: HttpRequest) -> HttpResponse:
    """Certifications by bodies outside the system, recorded by the regulator."""
    province = _one_province(request)
    form = OutsideCertificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.outside_certification_record(
                jurisdiction=province, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The certification is recorded."))
            return redirect(_with_province(reverse("oversight:outside_certifications"), province))
    records = OutsideCertification.objects.filter(jurisdiction=province).order_by(
        "enterprise_name", "pk"
    )
    return render(
        request,
        "oversight/outside_certifications.html",
        {
            "province": province,
            "form": form,
            "page_obj": Paginator(records, 50).get_page(request.GET.get("page")),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- certificate register -------------------------------------------------------------------


def _register(request: HttpRequest):
    ids = _scope_ids(request)
    form = RegisterFilterForm(request.GET or None, bodies=selectors.bodies_in_scope(ids))
    filters = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    return form, selectors.certificate_register(ids, **filters)


@require_GET
@regulator_required
def register(request: HttpRequest) -> HttpResponse:
    form, certificates = _register(request)
    page = Paginator(certificates, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "oversight/register.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@require_GET
@regulator_required
def register_export(request: HttpRequest, fmt: str) -> HttpResponse:
    form, certificates = _register(request)
    if form.is_bound and not form.is_valid():
        return HttpResponse(" ".join(str(e) for e in form.errors.values()), status=400)
    stem = f"so-dang-ky-giay-chung-nhan-{today():%Y%m%d}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.register_csv_lines(certificates), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(exports.register_xlsx(certificates), content_type=exports.XLSX_MIME)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response
