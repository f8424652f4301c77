"""Pages of the webhooks app: the endpoints a body's officers or a province's regulators
manage, and each endpoint's delivery log. Anyone else gets 403 (404 for an endpoint they do
not manage)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import DomainError
from webhooks.forms import EndpointForm
from webhooks.models import WebhookDelivery
from webhooks.selectors import (
    deliveries_of,
    delivery_get_for_user,
    endpoint_get_for_user,
    endpoints_managed_by,
    webhook_owners_of,
)
from webhooks.services import (
    webhook_delivery_resend,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)


def _owners_or_403(request: HttpRequest) -> list:
    owners = webhook_owners_of(request.user)
    if not owners:
        raise PermissionDenied(
            _("Only certification-body officers and regulators manage webhooks.")
        )
    return owners


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@require_GET
@login_required
def endpoint_list(request: HttpRequest) -> HttpResponse:
    _owners_or_403(request)
    endpoints = endpoints_managed_by(request.user).order_by("-created_at", "-id")
    return render(request, "webhooks/endpoint_list.html", {"endpoints": endpoints})


@require_http_methods(["GET", "POST"])
@login_required
def endpoint_create(request: HttpRequest) -> HttpResponse:
    owners = _owners_or_403(request)
    form = EndpointForm(request.POST or None, owners=owners)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = webhook_endpoint_create(
                by=request.user,
                owner=form.cleaned_data["owner"],
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The endpoint is registered. Keep its secret safe."))
            return redirect("webhooks:detail", pk=endpoint.pk)
    return render(request, "webhooks/endpoint_form.html", {"form": form, "endpoint": None})


@require_GET
@login_required
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = endpoint_get_for_user(request.user, pk)
    deliveries = Paginator(deliveries_of(endpoint).order_by("-created_at", "-id"), 25)
    page = deliveries.get_page(request.GET.get("page"))
    return render(
        request,
        "webhooks/endpoint_detail.html",
        {"endpoint": endpoint, "page": page, "Status": WebhookDelivery.Status},
    )


@require_http_methods(["GET", "POST"])
@login_required
def endpoint_edit(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = endpoint_get_for_user(request.user, pk)
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": endpoint.events,
        "is_active": endpoint.is_active,
    }
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            webhook_endpoint_update(endpoint=endpoint, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The endpoint is saved."))
            return redirect("webhooks:detail", pk=endpoint.pk)
    return render(request, "webhooks/endpoint_form.html", {"form": form, "endpoint": endpoint})


@require_POST
@login_required
def endpoint_rotate_secret(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = endpoint_get_for_user(request.user, pk)
    webhook_endpoint_rotate_secret(endpoint=endpoint, by=request.user)
    messages.success(request, _("A new secret is in use; the old one no longer signs."))
    return redirect("webhooks:detail", pk=endpoint.pk)


@require_POST
@login_required
def endpoint_delete(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = endpoint_get_for_user(request.user, pk)
    webhook_endpoint_delete(endpoint=endpoint, by=request.user)
    messages.success(request, _("The endpoint is removed."))
    return redirect("webhooks:list")


@require_POST
@login_required
def delivery_resend(request: HttpRequest, pk: int, delivery_id: int) -> HttpResponse:
    endpoint = endpoint_get_for_user(request.user, pk)
    delivery = delivery_get_for_user(request.user, delivery_id)
    if delivery.endpoint_id != endpoint.pk:
        return redirect("webhooks:detail", pk=endpoint.pk)
    try:
        webhook_delivery_resend(delivery=delivery, by=request.user)
    except DomainError as exc:
        return render(
            request,
            "core/action_refused.html",
            {"message": exc.message, "next_url": reverse("webhooks:detail", args=[endpoint.pk])},
            status=409,
        )
    messages.success(request, _("The delivery is queued again."))
    return redirect("webhooks:detail", pk=endpoint.pk)
