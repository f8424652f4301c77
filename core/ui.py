"""Helpers every page uses: running a transition from a form, and paginating a list."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.confirmations import next_step
from core.exceptions import DomainError
from core.workflow import transition_label

# name → function(obj, by, data) calling the service with the fields it needs from `data`.
Actions = dict[str, Callable[[models.Model, Any, Any], Any]]


def safe_next(request: HttpRequest, fallback: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, {request.get_host()}, request.is_secure()
    ):
        return candidate
    return fallback


def run_transition(
    request: HttpRequest, obj: models.Model, name: str, actions: Actions, *, next_url: str
) -> HttpResponse:
    """POST handler for a transition button: call the service, then redirect with a message.

    A refusal renders `core/action_refused.html` with the status the API would give: 409 for a
    state or guard problem (with its reason), 403 when not permitted, 400 for missing input.
    """
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    action = actions.get(name)
    if action is None:
        return _refused(request, _("This action does not exist."), 404, next_url)
    label = transition_label(obj, name)
    try:
        action(obj, request.user, request.POST)
    except DomainError as exc:
        return _refused(request, exc.message, 409, next_url)
    except PermissionDenied as exc:
        return _refused(request, str(exc) or _("You may not do this."), 403, next_url)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        return _refused(
            request, _("Some information is missing or not valid."), 400, next_url, errors
        )
    done = _("Done: %(action)s.") % {"action": label}
    then = next_step(obj, name)
    messages.success(request, f"{done} {_('Next:')} {then}" if then else done)
    return HttpResponseRedirect(next_url)


def _refused(request, message, status, next_url, errors=None) -> HttpResponse:
    return render(
        request,
        "core/action_refused.html",
        {"message": message, "errors": errors or {}, "next_url": next_url},
        status=status,
    )


def paginate(request: HttpRequest, queryset, per_page: int = 25):
    """The requested page of `queryset` (an out-of-range page gives the last one)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
