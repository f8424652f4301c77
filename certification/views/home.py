from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from audits.models import Audit, AuditTeamMember, Finding
from audits.selectors import audit_subject_q
from audits.templatetags.work_nav import remember_roles
from certification.models import (
    Application,
    BodyRegistration,
    Certificate,
    Organisation,
    Role,
)
from certification.selectors import memberships_of
from certification.views.applications import optional_url

# Fields of an organisation's profile that its people should fill in before applying.
_PROFILE_FIELDS = ("email", "phone", "sector", "commune")
# How many rows each work list shows (the list pages show the rest).
_LIMIT = 10
_AUDIT_SUBJECT = (
    "application__enterprise",
    "certificate__enterprise",
)


def _enterprise_work(org: Organisation) -> dict:
    """What the enterprise acts on: drafts and returned applications, findings to answer;
    and its certificates in force."""
    return {
        "applications": list(
            Application.objects.filter(
                enterprise=org,
                state__in=[Application.State.DRAFT, Application.State.REVISION_REQUESTED],
            )
            .select_related("scheme")
            .order_by("-updated_at")[:_LIMIT]
        ),
        "findings": list(
            Finding.objects.filter(
                audit_subject_q(enterprise_ids=[org.pk], prefix="audit__"),
                state=Finding.State.OPEN,
            )
            .select_related("audit__application", "audit__certificate")
            .order_by("due_date", "pk")[:_LIMIT]
        ),
        "certificates": list(
            Certificate.objects.filter(
                enterprise=org,
                state__in=[Certificate.State.ACTIVE, Certificate.State.SUSPENDED],
            ).order_by("valid_until")[:_LIMIT]
        ),
    }


def _body_staff_work(org: Organisation) -> dict:
    """Applications waiting for the body (to review, or in evaluation) and reports to approve."""
    return {
        "applications": list(
            Application.objects.filter(
                body=org,
                state__in=[
                    Application.State.SUBMITTED,
                    Application.State.UNDER_REVIEW,
                    Application.State.IN_EVALUATION,
                ],
            )
            .select_related("enterprise")
            .order_by("submitted_at", "pk")[:_LIMIT]
        ),
        "audits": list(
            Audit.objects.filter(
                audit_subject_q(body_ids=[org.pk]),
                state=Audit.State.REPORT_SUBMITTED,
            )
            .select_related(*_AUDIT_SUBJECT)
            .order_by("actual_end", "pk")[:_LIMIT]
        ),
    }


def _assessor_work(org: Organisation, user) -> dict:
    """The open audits of the body whose team the assessor is on (planned, in progress, or the
    report waiting for approval), with their role on it, and the responses to findings the
    team must review."""
    roles = AuditTeamMember.objects.filter(user=user, audit_id=OuterRef("pk"))
    audits = list(
        Audit.objects.filter(
            audit_subject_q(body_ids=[org.pk]),
            pk__in=AuditTeamMember.objects.filter(user=user).values("audit_id"),
            state__in=[
                Audit.State.PLANNED,
                Audit.State.IN_PROGRESS,
                Audit.State.REPORT_SUBMITTED,
            ],
        )
        .annotate(my_role=Subquery(roles.values("role")[:1]))
        .select_related(*_AUDIT_SUBJECT)
        .order_by("planned_start", "pk")[:_LIMIT]
    )
    labels = dict(AuditTeamMember.Role.choices)
    for audit in audits:
        audit.my_role_label = labels.get(audit.my_role, "")
    return {
        "audits": audits,
        "findings": list(
            Finding.objects.filter(
                audit_subject_q(body_ids=[org.pk], prefix="audit__"),
                state=Finding.State.RESPONDED,
                audit_id__in=AuditTeamMember.objects.filter(
                    user=user,
                    role__in=[
                        AuditTeamMember.Role.LEAD,
                        AuditTeamMember.Role.MEMBER,
                        AuditTeamMember.Role.EXPERT,
                    ],
                ).values("audit_id"),
            )
            .select_related("audit__application", "audit__certificate")
            .order_by("responded_at", "pk")[:_LIMIT]
        ),
    }


def _decision_maker_work(org: Organisation, user) -> dict:
    """Files of the body waiting for a decision (those assigned to someone else left out)."""
    return {
        "applications": list(
            Application.objects.filter(body=org, state=Application.State.DECISION_PENDING)
            .filter(Q(decision_maker__isnull=True) | Q(decision_maker=user))
            .select_related("enterprise")
            .order_by("updated_at", "pk")[:_LIMIT]
        ),
    }


def _panel(membership, user) -> dict:
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
        panel["work"] = _enterprise_work(org)
        for certificate in panel["work"]["certificates"]:
            certificate.page_url = optional_url("certification:certificate_detail", certificate.pk)
    elif membership.role == Role.CB_STAFF:
        if not org.registration_number:
            panel["todo"].append({"kind": "registration_number_missing"})
        panel["work"] = _body_staff_work(org)
    elif membership.role == Role.ASSESSOR:
        panel["work"] = _assessor_work(org, user)
    elif membership.role == Role.DECISION_MAKER:
        panel["work"] = _decision_maker_work(org, user)
    elif membership.role == Role.REGULATOR:
        # A national regulator's figures cover the country; a provincial one's, the province.
        national = membership.jurisdiction.is_national
        in_scope = Q() if national else Q(province=membership.jurisdiction)
        panel["figures"] = Organisation.objects.filter(in_scope, is_active=True).aggregate(
            enterprises=Count("pk", filter=Q(kind=Organisation.Kind.ENTERPRISE)),
            bodies=Count("pk", filter=Q(kind=Organisation.Kind.CERTIFICATION_BODY)),
        )
        panel["work"] = {
            "registrations": list(
                BodyRegistration.objects.filter(
                    Q()
                    if national
                    else Q(jurisdiction=membership.jurisdiction)
                    | Q(body__province=membership.jurisdiction),
                    state__in=[
                        BodyRegistration.State.SUBMITTED,
                        BodyRegistration.State.UNDER_REVIEW,
                    ],
                )
                .select_related("body", "scheme")
                .order_by("updated_at", "pk")[:_LIMIT]
            )
        }
        for registration in panel["work"]["registrations"]:
            registration.page_url = optional_url(
                "certification:registration_detail", registration.pk
            )
    return panel


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The role-aware home: one panel per active membership, with the work to act on now."""
    memberships = memberships_of(request.user)
    remember_roles(request.user, [m.role for m in memberships])
    panels = [_panel(m, request.user) for m in memberships]
    return render(request, "certification/home.html", {"panels": panels})
