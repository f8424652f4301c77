"""The lists behind the dashboard's figure cards (oversight.drilldown): one page per card,
for the regulator's chosen province or every jurisdiction, as many rows as the card counts."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.clock import today
from oversight.drilldown import FIGURES, figure_rows
from oversight.views import _scope_ids, regulator_required


@require_GET
@regulator_required
def figure_list(request: HttpRequest, code: str) -> HttpResponse:
    """The rows behind one figure card of the dashboard, for the chosen province or every
    jurisdiction (as the dashboard), paginated: as many rows as the card counts."""
    if code not in FIGURES:
        raise Http404
    q = request.GET.get("q", "").strip()
    rows = figure_rows(code, _scope_ids(request), today(), q)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    day = today()
    for row in page.object_list:
        if FIGURES[code].kind == "finding":
            subject = row.audit.application or row.audit.certificate
            row.enterprise, row.body = subject.enterprise, subject.body
            row.days_overdue = (day - row.due_date).days
        elif FIGURES[code].kind == "decision":
            submitted = timezone.localdate(row.application.submitted_at)
            row.lead_days = (row.decided_on - submitted).days
    return render(
        request,
        "oversight/figure_list.html",
        {
            "code": code,
            "figure": FIGURES[code],
            "page_obj": page,
            "q": q,
            "searchable": bool(FIGURES[code].search),
            "day": day,
        },
    )
