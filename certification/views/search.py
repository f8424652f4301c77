"""The global search page (`/search/?q=`): see certification.search."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from certification.search import SEARCH_LIMIT, SEARCH_MIN_LENGTH, search_everything


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    results = search_everything(request.user, request.GET.get("q", ""))
    return render(
        request,
        "certification/search.html",
        {"results": results, "min_length": SEARCH_MIN_LENGTH, "limit": SEARCH_LIMIT},
    )
