"""Django's last-resort error views (handler400/403/404/500): JSON under /api/, pages elsewhere.

Whatever fails — a malformed upload Django refuses before the API sees it, a database that
does not answer, a bug — an API client always reads the API's one error shape
(`{"detail", "code"}`, plus `errors` on 400) and never an HTML page. These views touch
neither the database nor the session, so they still answer when those are down.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, detail: str, code: str, errors: dict | None = None) -> JsonResponse:
    body: dict = {"detail": detail, "code": code}
    if status == 400:
        body["errors"] = errors if errors is not None else {"non_field_errors": [detail]}
    return JsonResponse(body, status=status)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    if is_api(request):
        return api_error(400, _("The request could not be read."), "bad_request")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    if is_api(request):
        return api_error(
            403, _("You do not have permission to perform this action."), "permission_denied"
        )
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if is_api(request):
        return api_error(404, _("Not found."), "not_found")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return api_error(
            500, _("The server could not complete the request. Try again later."), "server_error"
        )
    return defaults.server_error(request)
