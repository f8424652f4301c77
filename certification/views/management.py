"""Pages of the body's management: who is on it (lãnh đạo tổ chức chứng nhận), with the
history of the changes, and the people of the body a complaint concerns. Only the body's
management (or an administrator) opens them (403 otherwise); writes go through
certification.services.management."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certification.models import Membership, Organisation
from certification.selectors import complaint_get_for_user
from certification.services.management import (
    body_people,
    complaint_set_people_concerned,
    may_manage_body,
    membership_set_management,
)
from core.exceptions import DomainError
from core.models import LogEntry, User
from core.ui import _refused, paginate


@login_required
def body_management(request: HttpRequest, pk: int) -> HttpResponse:
    """The body's people, who of them is on its management (changed here, one person at a
    time), and the history of those changes (paginated)."""
    body = get_object_or_404(Organisation, pk=pk, kind=Organisation.Kind.CERTIFICATION_BODY)
    if not may_manage_body(request.user, body):
        raise PermissionDenied(_("Only the body's management may change this."))
    status = 200
    if request.method == "POST":
        membership = get_object_or_404(Membership, pk=request.POST.get("membership") or 0)
        if membership.organisation_id != body.pk:
            raise PermissionDenied(_("Only the body's management may change this."))
        try:
            membership_set_management(
                membership=membership,
                manages=request.POST.get("manages") == "1",
                by=request.user,
                comment=request.POST.get("comment", "").strip(),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            status = 409
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            status = 400
        else:
            messages.success(request, _("The body's management was changed."))
            return HttpResponseRedirect(reverse("certification:body_management", args=[pk]))
    people = list(body_people(body))
    history = (
        LogEntry.objects.for_objects(Membership, body.memberships.values_list("pk", flat=True))
        .filter(transition__in=["management_join", "management_leave"])
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
    names = {m.user_id: m.user.get_full_name() or m.user.username for m in people}
    page = paginate(request, history)
    for entry in page.object_list:
        entry.person = names.get((entry.data or {}).get("user"), "")
    return render(
        request,
        "certification/body_management.html",
        {"body": body, "people": people, "page_obj": page},
        status=status,
    )


@login_required
@require_POST
def complaint_people_concerned(request: HttpRequest, pk: int) -> HttpResponse:
    """The body's management names the people of the body whose work the complaint
    concerns: they may no longer handle it."""
    complaint = complaint_get_for_user(request.user, pk)
    chosen = [v for v in request.POST.getlist("people") if v.isdigit()]
    people = list(User.objects.filter(pk__in=chosen))
    url = reverse("certification:complaint_detail", args=[pk])
    try:
        complaint_set_people_concerned(
            complaint=complaint,
            people=people,
            by=request.user,
            comment=request.POST.get("comment", "").strip(),
        )
    except DomainError as exc:
        return _refused(request, exc.message, 409, url)
    except PermissionDenied as exc:
        return _refused(request, str(exc), 403, url)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        return _refused(request, _("Some information is missing or not valid."), 400, url, errors)
    messages.success(request, _("The people concerned were recorded."))
    return HttpResponseRedirect(url)
