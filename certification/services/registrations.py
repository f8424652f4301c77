"""Body registrations: a certification body asks the regulator to register it for a scheme."""

import datetime

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from certification.models import BodyRegistration, Organisation, Province, Role, Scheme
from certification.selectors import has_role
from core.clock import as_of, today
from core.models import User
from core.services import log_transition
from core.workflow import execute


@transaction.atomic
def registration_create(
    *,
    body: Organisation,
    scheme: Scheme,
    by: User,
    jurisdiction: Province | None = None,
    assessor_count: int = 0,
    note: str = "",
) -> BodyRegistration:
    """Open a draft registration of `body` for `scheme` with the national authority (the
    registering authority whatever `jurisdiction` is given: registration is a national
    competence; provincial regulators see it through the body's province)."""
    from certification.selectors import national_jurisdiction

    jurisdiction = national_jurisdiction() or jurisdiction
    if jurisdiction is None:
        raise ValidationError(_("No national authority is recorded to register bodies."))
    if not has_role(by, Role.CB_STAFF, body):
        raise PermissionDenied(
            _("Only officers of the certification body may apply for its registration.")
        )
    if (
        BodyRegistration.objects.filter(body=body, scheme=scheme)
        .exclude(state__in=["rejected", "revoked", "expired"])
        .exists()
    ):
        raise ValidationError(_("This body already has an open registration for this scheme."))
    registration = BodyRegistration.objects.create(
        body=body,
        scheme=scheme,
        jurisdiction=jurisdiction,
        assessor_count=assessor_count,
        note=note,
    )
    log_transition(registration, "create", by=by, target=registration.state)
    return registration


def registration_submit(
    *, registration: BodyRegistration, by: User, comment: str = ""
) -> BodyRegistration:
    return execute(registration, "submit", by=by, comment=comment)


def registration_resubmit(
    *, registration: BodyRegistration, by: User, comment: str = ""
) -> BodyRegistration:
    return execute(registration, "resubmit", by=by, comment=comment)


def registration_start_review(
    *, registration: BodyRegistration, by: User, comment: str = ""
) -> BodyRegistration:
    return execute(registration, "start_review", by=by, comment=comment)


def registration_request_revision(
    *, registration: BodyRegistration, by: User, comment: str
) -> BodyRegistration:
    return execute(registration, "request_revision", by=by, comment=comment)


def registration_reject(
    *, registration: BodyRegistration, by: User, comment: str
) -> BodyRegistration:
    return execute(registration, "reject", by=by, comment=comment)


def registration_register(
    *, registration: BodyRegistration, by: User, registration_number: str, comment: str = ""
) -> BodyRegistration:
    """Register the body for the scheme: number, date, and validity (scheme setting, 5 years)."""

    def prepare(reg: BodyRegistration) -> list[str]:
        reg.registration_number = registration_number.strip()
        reg.registered_on = today()
        reg.valid_until = reg.registered_on + relativedelta(
            years=reg.scheme.registration_validity_years
        )
        return ["registration_number", "registered_on", "valid_until"]

    return execute(
        registration,
        "register",
        by=by,
        comment=comment,
        data={"registration_number": registration_number},
        prepare=prepare,
    )


def registration_suspend(
    *, registration: BodyRegistration, by: User, comment: str
) -> BodyRegistration:
    return execute(registration, "suspend", by=by, comment=comment)


def registration_reinstate(
    *, registration: BodyRegistration, by: User, comment: str
) -> BodyRegistration:
    return execute(registration, "reinstate", by=by, comment=comment)


def registration_revoke(
    *, registration: BodyRegistration, by: User, comment: str
) -> BodyRegistration:
    return execute(registration, "revoke", by=by, comment=comment)


def registration_expire_due(day: datetime.date) -> int:
    """Scheduled: expire registrations whose validity ended by `day`. Idempotent."""
    due = list(
        BodyRegistration.objects.filter(
            state=BodyRegistration.State.REGISTERED, valid_until__lte=day
        ).values_list("pk", flat=True)
    )
    with as_of(day):
        for pk in due:
            execute(BodyRegistration.objects.get(pk=pk), "expire", by=None)
    return len(due)
