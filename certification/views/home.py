from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from certification.models import Organisation, Role
from certification.selectors import memberships_of

# Fields of an organisation's profile that its people should fill in before applying.
_PROFILE_FIELDS = ("email", "phone", "sector", "commune")


def _panel(membership) -> dict:
    panel: dict = {"membership": membership, "role": membership.role, "todo": []}
    org = membership.organisation
    if membership.role == Role.ENTERPRISE:
        missing = [
            Organisation._meta.get_field(f).verbose_name
            for f in _PROFILE_FIELDS
            if not getattr(org, f)
        ]
        if missing:
            panel["todo"].append({"kind": "profile_incomplete", "fields": missing})
    elif membership.role == Role.CB_STAFF and not org.registration_number:
        panel["todo"].append({"kind": "registration_number_missing"})
    elif membership.role == Role.REGULATOR:
        panel["figures"] = Organisation.objects.filter(
            province=membership.jurisdiction, is_active=True
        ).aggregate(
            enterprises=Count("pk", filter=Q(kind=Organisation.Kind.ENTERPRISE)),
            bodies=Count("pk", filter=Q(kind=Organisation.Kind.CERTIFICATION_BODY)),
        )
    return panel


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The role-aware home: one panel per active membership, saying what to act on now."""
    panels = [_panel(m) for m in memberships_of(request.user)]
    return render(request, "certification/home.html", {"panels": panels})
