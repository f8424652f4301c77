"""The lists behind the dashboard's figure cards (oversight.drilldown): one page per card,
for the regulator's chosen province or every jurisdiction, as many rows as the card counts."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.clock import today
from core.ui import paginate
from oversight.drilldown import FIGURES, figure_rows
from oversight.views import _scope_ids, regulator_required


@require_GET
@regulator_required
def figure_list(request: HttpRequest, code: str) -> HttpResponse:
    """The rows behind one figure card of the dashboard, for the chosen province or every
    jurisdiction (as the dashboard), paginated: as many rows as the card counts."""
    if code not in FIGURES:
        raise Http404
    figure = FIGURES[code]
    day = today()
    q = request.GET.get("q", "").strip()
    page = paginate(request, figure_rows(code, _scope_ids(request), day, q), 50)
    for row in page.object_list:
        if figure.kind == "finding":
            row.enterprise, row.body = row.audit.client, row.audit.body
            row.days_overdue = (day - row.due_date).days
        elif figure.kind == "decision":
            submitted = timezone.localdate(row.application.submitted_at)
            row.lead_days = (row.decided_on - submitted).days
    return render(
        request,
        "oversight/figure_list.html",
        {
            "code": code,
            "figure": figure,
            "page_obj": page,
            "q": q,
            "searchable": bool(figure.search),
            "day": day,
        },
    )
