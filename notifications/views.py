"""The notification centre and the e-mail preferences page."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications.models import Category
from notifications.selectors import (
    email_preferences_of,
    notification_get_for_user,
    notifications_for,
)
from notifications.services import (
    notification_mark_read,
    notifications_mark_all_read,
    preferences_update,
)

PAGE_SIZE = 25


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The signed-in person's notifications, unread first, 25 a page."""
    page = Paginator(notifications_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/notification_list.html", {"page": page})


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read, then go to `next` (its object's page, or back)."""
    notification = notification_get_for_user(request.user, pk)
    notification_mark_read(notification=notification, by=request.user)
    return redirect(_next_url(request, "notifications:list"))


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications_mark_all_read(by=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect(_next_url(request, "notifications:list"))


class PreferencesForm(forms.Form):
    """One "send e-mail" box per category."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in Category.choices:
            self.fields[value] = forms.BooleanField(label=label, required=False)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Choose, per category, whether notifications also come by e-mail (in-app always)."""
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            preferences_update(by=request.user, email=form.cleaned_data)
            messages.success(request, _("Your e-mail preferences are saved."))
            return redirect("notifications:preferences")
    else:
        form = PreferencesForm(initial=email_preferences_of(request.user))
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "has_email": bool(request.user.email)},
    )
