"""REST framework glue shared by every app's API (../shared/spec/api.md).

This module stays light (REST framework imports it from its settings while loading): the
pagination and the error handling. `core.api.views` has the building blocks of the
collections (selectors, filters, transitions, token) and `core.api.schema` the schema class.

Errors: one shape for every error body (`detail`, `code`; `errors` by field on 400), domain
errors → 409, Django's PermissionDenied / ValidationError / Http404 → 403 / 400 / 404, refused
uploads → 413 / 415.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import DomainError
from documents.validation import DocumentRejected


class Pagination(PageNumberPagination):
    """`?page=` and `?page_size=` (at most 100). The body gives the links (`next`,
    `previous`) and the numbers (`page`, `pages`, `next_page`, `previous_page`), so a client
    can follow either."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_paginated_response(self, data):
        page = self.page
        return Response(
            {
                "count": page.paginator.count,
                "page": page.number,
                "pages": page.paginator.num_pages,
                "next_page": page.next_page_number() if page.has_next() else None,
                "previous_page": page.previous_page_number() if page.has_previous() else None,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        number = {"type": "integer", "minimum": 1}
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": [
                "count",
                "page",
                "pages",
                "next_page",
                "previous_page",
                "next",
                "previous",
                "results",
            ],
            "properties": {
                "count": {"type": "integer", "minimum": 0, "description": "Rows in all pages."},
                "page": {**number, "description": "This page's number."},
                "pages": {**number, "description": "How many pages there are."},
                "next_page": {
                    **number,
                    "nullable": True,
                    "description": "`?page=` of the next page.",
                },
                "previous_page": {
                    **number,
                    "nullable": True,
                    "description": "`?page=` of the previous page.",
                },
                "next": {**link, "description": "The next page's URL."},
                "previous": {**link, "description": "The previous page's URL."},
                "results": schema,
            },
        }


# --- Errors -------------------------------------------------------------------------------


def _first_message(errors: Any) -> str | None:
    if isinstance(errors, dict):
        for value in errors.values():
            found = _first_message(value)
            if found:
                return found
        return None
    if isinstance(errors, list | tuple):
        for value in errors:
            found = _first_message(value)
            if found:
                return found
        return None
    return str(errors) if errors else None


def exception_handler(exc, context):
    """DRF's handler with one body shape: `{"detail", "code"}`, plus `errors` by field on 400.

    DomainError → 409 with the guard's code; Django's PermissionDenied → 403 with its reason;
    Django's ValidationError → 400 with its field errors; DocumentTooLarge → 413,
    UnsupportedDocumentType → 415; Http404 → 404."""
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message, "code": exc.code}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DocumentRejected):
        return Response({"detail": exc.message, "code": exc.code}, status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {"detail": _("The request is too large."), "code": "too_large"},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, SuspiciousOperation):
        # Too many files or fields in one request, a malformed multipart body, …
        message = str(exc) or _("The request could not be read.")
        return Response(
            {
                "detail": message,
                "code": "bad_request",
                "errors": {api_settings.NON_FIELD_ERRORS_KEY: [message]},
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(serializers.as_serializer_error(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict) else {}
        if not isinstance(response.data, dict):
            errors = {api_settings.NON_FIELD_ERRORS_KEY: response.data}
        general = errors.get(api_settings.NON_FIELD_ERRORS_KEY)
        response.data = {
            "detail": _first_message(general) or _("Some fields are invalid."),
            "code": "invalid",
            "errors": errors,
        }
    elif isinstance(response.data, dict):
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        response.data = {
            "detail": str(response.data.get("detail", "")),
            "code": codes if isinstance(codes, str) else "error",
        }
        if response.status_code == 400:
            # Malformed JSON and other unreadable bodies: the same shape as field errors.
            response.data["errors"] = {api_settings.NON_FIELD_ERRORS_KEY: [response.data["detail"]]}
    return response


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """django-axes' answer once a sign-in is locked (AXES_LOCKOUT_CALLABLE): JSON with
    `detail` for the API, the page otherwise. Same rule for both: repeated failures lock."""
    status_code = getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "detail": _("Too many failed sign-in attempts. Try again later."),
                "code": "locked_out",
            },
            status=status_code,
        )
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, status=status_code)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        child=serializers.JSONField(), help_text="Messages by field name."
    )
