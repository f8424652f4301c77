"""Certification decisions: their number, signer and legal bases, fixed when made."""

from django.utils.translation import gettext as _

from certification.models import Application, Decision, Membership, Role
from core.clock import today
from core.exceptions import DomainError
from core.models import User
from core.services import next_number

# The title printed when the decision maker's membership names none.
DEFAULT_SIGNER_TITLE = "Giám đốc"


def decision_number(body_code: str, year: int) -> str:
    """`<n>/<YYYY>/QĐ-<body code>` (e.g. 15/2026/QĐ-GLCERT): gap-free per body and year, from
    a counter row locked until the caller's transaction ends (a rolled-back decision gives its
    number back)."""
    if not body_code:
        raise DomainError(
            _("The certification body has no code: decisions cannot be numbered."),
            code="body_code_missing",
        )
    return f"{next_number(f'decision:{body_code}', year)}/{year}/QĐ-{body_code}"


def signer_title_of(user: User, application: Application) -> str:
    """The job title of `user` as a decision maker of the application's body (the title on the
    active membership), or the default title."""
    title = (
        Membership.objects.active()
        .filter(user=user, organisation_id=application.body_id, role=Role.DECISION_MAKER)
        .exclude(title="")
        .values_list("title", flat=True)
        .first()
    )
    return title or DEFAULT_SIGNER_TITLE


def decision_record(
    *, application: Application, by: User, outcome: str, reasons: str = ""
) -> Decision:
    """Record the decision on `application` in the caller's transaction: numbered from the
    body's series for the year of the decision, with the signer's name and title and the
    scheme's legal bases copied as they stand today."""
    decided_on = today()
    return Decision.objects.create(
        application=application,
        decision_maker=by,
        outcome=outcome,
        reasons=reasons,
        technical_review_note=application.technical_review_note,
        decided_on=decided_on,
        number=decision_number(application.body.code, decided_on.year),
        signer_name=by.get_full_name(),
        signer_title=signer_title_of(by, application),
        legal_bases=list(application.scheme.legal_bases or []),
    )
