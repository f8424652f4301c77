"""Applications: opening, scope, the review and evaluation steps, and the decision."""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from certification.models import (
    Application,
    Certificate,
    ConflictDeclaration,
    Decision,
    Organisation,
    Role,
    Scheme,
    SupplyChainStage,
)
from certification.models.applications import renewal_blocker
from certification.selectors import has_role
from certification.validators import gtin_is_valid
from core.clock import now as clock_now
from core.clock import today
from core.exceptions import DomainError
from core.models import User
from core.services import log_transition, next_number
from core.workflow import execute

SCOPE_FIELDS = (
    "products",
    "sites",
    "stages",
    "sector_standard",
    "scope_note",
    "contact_name",
    "contact_email",
    "contact_phone",
    "employees_in_scope",
    # A transfer from another body: its certificate.
    "previous_body_name",
    "previous_certificate_number",
    "previous_certificate_valid_until",
)


# Limits of the scope's free text (names and addresses) and of its lists.
SCOPE_NAME_MAX_LENGTH = 300
SCOPE_ADDRESS_MAX_LENGTH = 500
SCOPE_MAX_ENTRIES = 200


def _check_scope_lengths(fields: dict[str, Any], errors: dict[str, list[str]]) -> None:
    for key, label in (("products", _("Product")), ("sites", _("Site"))):
        entries = fields.get(key) or []
        if key not in fields:
            continue
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            errors.setdefault(key, []).append(_("Give a list of entries."))
            continue
        if len(entries) > SCOPE_MAX_ENTRIES:
            errors.setdefault(key, []).append(
                _("At most %(n)d entries.") % {"n": SCOPE_MAX_ENTRIES}
            )
        for n, entry in enumerate(entries, start=1):
            for part, limit in (
                ("name", SCOPE_NAME_MAX_LENGTH),
                ("address", SCOPE_ADDRESS_MAX_LENGTH),
                ("gtin", 14),
            ):
                if len(str(entry.get(part, "") or "")) > limit:
                    errors.setdefault(key, []).append(
                        _("%(label)s %(n)d: %(part)s is longer than %(limit)d characters.")
                        % {"label": label, "n": n, "part": part, "limit": limit}
                    )


def _clean_scope(fields: dict[str, Any]) -> dict[str, Any]:
    """Normalise and validate scope fields; ValidationError names the field and entry."""
    errors: dict[str, list[str]] = {}
    _check_scope_lengths(fields, errors)
    if errors:
        raise ValidationError(errors)
    cleaned = dict(fields)
    if "products" in fields:
        products = []
        for n, product in enumerate(fields["products"] or [], start=1):
            name = str(product.get("name", "")).strip()
            gtin = str(product.get("gtin", "") or "").strip()
            if not name:
                errors.setdefault("products", []).append(_("Product %(n)d has no name.") % {"n": n})
            if gtin and not gtin_is_valid(gtin):
                errors.setdefault("products", []).append(
                    _(
                        "Product %(n)d: %(gtin)s is not a valid GTIN "
                        "(8, 12, 13 or 14 digits with a correct check digit)."
                    )
                    % {"n": n, "gtin": gtin}
                )
            products.append({"name": name, "gtin": gtin})
        cleaned["products"] = products
    if "sites" in fields:
        sites = []
        for n, site in enumerate(fields["sites"] or [], start=1):
            name = str(site.get("name", "")).strip()
            if not name:
                errors.setdefault("sites", []).append(_("Site %(n)d has no name.") % {"n": n})
            entry = {"name": name, "address": str(site.get("address", "")).strip()}
            if site.get("risk") == "high":
                # Always in the sample of sites audited (audits.sampling).
                entry["risk"] = "high"
            sites.append(entry)
        cleaned["sites"] = sites
    if "stages" in fields:
        stages = list(dict.fromkeys(fields["stages"] or []))
        unknown = [s for s in stages if s not in SupplyChainStage.values]
        if unknown:
            errors["stages"] = [
                _("Unknown supply-chain stage: %(s)s.") % {"s": ", ".join(map(str, unknown))}
            ]
        cleaned["stages"] = stages
    if fields.get("employees_in_scope") not in (None, ""):
        try:
            employees = int(fields["employees_in_scope"])
        except (TypeError, ValueError):
            employees = -1
        if employees < 0:
            errors["employees_in_scope"] = [_("Give the number of employees (0 or more).")]
        cleaned["employees_in_scope"] = employees
    elif "employees_in_scope" in fields:
        cleaned["employees_in_scope"] = None
    for name in ("previous_body_name", "previous_certificate_number"):
        if name in fields:
            cleaned[name] = str(fields[name] or "").strip()
    if "previous_certificate_valid_until" in fields:
        value = fields["previous_certificate_valid_until"]
        if value in (None, ""):
            cleaned["previous_certificate_valid_until"] = None
        elif isinstance(value, datetime.date):
            cleaned["previous_certificate_valid_until"] = value
        else:
            try:
                cleaned["previous_certificate_valid_until"] = datetime.date.fromisoformat(
                    str(value)
                )
            except ValueError:
                errors["previous_certificate_valid_until"] = [_("Give the date as YYYY-MM-DD.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _may_edit(application: Application, user: User) -> bool:
    return has_role(user, Role.ENTERPRISE, application.enterprise) or (
        application.filed_by_body and has_role(user, Role.CB_STAFF, application.body)
    )


@transaction.atomic
def application_create(
    *,
    enterprise: Organisation,
    body: Organisation,
    scheme: Scheme,
    by: User,
    kind: str = Application.Kind.INITIAL,
    renews: Certificate | None = None,
    **scope: Any,
) -> Application:
    """Open a draft application of `enterprise` to `body` under `scheme`.

    An enterprise user opens it for their enterprise; an officer of the body opens it on the
    enterprise's behalf (an application received on paper), recorded as `filed_by_body`, and the
    enterprise's users see and continue it. Numbered HS-YYYY-NNNNNN. Raises PermissionDenied
    for anyone else, ValidationError for bad input.
    """
    if has_role(by, Role.ENTERPRISE, enterprise):
        filed_by_body = False
    elif has_role(by, Role.CB_STAFF, body):
        filed_by_body = True
    else:
        raise PermissionDenied(
            _("Only the enterprise's users or the body's officers may open an application.")
        )
    errors = {}
    if enterprise.kind != Organisation.Kind.ENTERPRISE:
        errors["enterprise"] = _("Choose an enterprise.")
    if body.kind != Organisation.Kind.CERTIFICATION_BODY or not body.is_active:
        errors["body"] = _("Choose an active certification body.")
    if not scheme.is_active:
        errors["scheme"] = _("This scheme is not open for applications.")
    if kind not in Application.Kind.values:
        errors["kind"] = _("Unknown application type.")
    elif kind in (Application.Kind.INITIAL, Application.Kind.TRANSFER) and renews is not None:
        errors["renews"] = _("An initial application or a transfer renews no certificate.")
    elif kind not in (Application.Kind.INITIAL, Application.Kind.TRANSFER):
        if renews is None:
            errors["renews"] = _("Name the certificate this application renews or extends.")
        elif renews.enterprise_id != enterprise.pk or renews.state not in (
            Certificate.State.ACTIVE,
            Certificate.State.SUSPENDED,
            Certificate.State.EXPIRED,
        ):
            errors["renews"] = _("Choose a current certificate of this enterprise.")
        else:
            problem = renewal_blocker(kind, renews)
            if problem is not None and problem.code == "recertification_window_passed":
                # Not a mistake of input: the certificate's time is over (409 with the code,
                # and the message offers an initial application).
                raise problem
            if problem is not None:
                errors["renews"] = problem.message
    unknown = set(scope) - set(SCOPE_FIELDS)
    if unknown:
        errors["__all__"] = _("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))}
    if errors:
        raise ValidationError(errors)
    scope = _clean_scope(scope)
    year = today().year
    application = Application.objects.create(
        number=f"HS-{year}-{next_number('application', year):06d}",
        enterprise=enterprise,
        body=body,
        scheme=scheme,
        kind=kind,
        renews=renews,
        filed_by_body=filed_by_body,
        created_by=by,
        **scope,
    )
    log_transition(
        application,
        "create",
        by=by,
        target=application.state,
        data={"filed_by_body": filed_by_body, "kind": kind},
    )
    return application


@transaction.atomic
def application_update_scope(*, application: Application, by: User, **fields: Any) -> Application:
    """Change the scope and contact of a draft (or returned) application. Logged as `edit`."""
    application = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    if application.state not in (Application.State.DRAFT, Application.State.REVISION_REQUESTED):
        raise DomainError(
            _("The application can be edited only as a draft or when a revision was requested."),
            code="not_editable",
        )
    if not _may_edit(application, by):
        raise PermissionDenied(_("You may not edit this application."))
    unknown = set(fields) - set(SCOPE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    fields = _clean_scope(fields)
    changed = [name for name, value in fields.items() if getattr(application, name) != value]
    for name in changed:
        setattr(application, name, fields[name])
    if changed:
        application.save(update_fields=[*changed, "updated_at"])
        log_transition(
            application, "edit", by=by, previous=application.state, data={"fields": changed}
        )
    return application


def application_submit(*, application: Application, by: User, comment: str = "") -> Application:
    """Submit a draft: guards scope filled and required documents attached (409 with which)."""

    def prepare(app: Application) -> list[str]:
        app.submitted_at = clock_now()
        return ["submitted_at"]

    return execute(application, "submit", by=by, comment=comment, prepare=prepare)


def application_resubmit(*, application: Application, by: User, comment: str = "") -> Application:
    def prepare(app: Application) -> list[str]:
        app.submitted_at = clock_now()
        return ["submitted_at"]

    return execute(application, "resubmit", by=by, comment=comment, prepare=prepare)


def application_start_review(
    *, application: Application, by: User, comment: str = ""
) -> Application:
    return execute(application, "start_review", by=by, comment=comment)


def application_request_revision(
    *, application: Application, by: User, comment: str
) -> Application:
    return execute(application, "request_revision", by=by, comment=comment)


def application_reject(*, application: Application, by: User, comment: str) -> Application:
    return execute(application, "reject", by=by, comment=comment)


def application_accept(
    *,
    application: Application,
    by: User,
    contract_reference: str,
    scope_within_competence: bool,
    comment: str = "",
) -> Application:
    """Accept after the application review: the contract reference and the confirmation that
    the scope is within the body's competence are recorded. Guard: the body is registered for
    the scheme."""

    def prepare(app: Application) -> list[str]:
        if scope_within_competence is not True:
            raise ValidationError(
                {
                    "scope_within_competence": _(
                        "Confirm that the scope is within the body's competence."
                    )
                }
            )
        app.contract_reference = contract_reference.strip()
        app.scope_within_competence = True
        return ["contract_reference", "scope_within_competence"]

    return execute(
        application,
        "accept",
        by=by,
        comment=comment,
        data={
            "contract_reference": contract_reference,
            "scope_within_competence": scope_within_competence,
        },
        prepare=prepare,
    )


def application_submit_for_decision(
    *, application: Application, by: User, technical_review_note: str, comment: str = ""
) -> Application:
    """The technical review: `by` (an officer not on any audit team of the file, without a
    conflict with the enterprise) records the note; guards: the audits, trace test and findings
    the decision needs. DomainError (`technical_reviewer_not_qualified`) when `by` holds no
    competence record as technical reviewer for the scheme and the client's area today."""

    def prepare(app: Application) -> list[str]:
        _require_competence(app, by, "technical_reviewer")
        app.technical_reviewer = by
        app.technical_review_note = technical_review_note.strip()
        return ["technical_reviewer", "technical_review_note"]

    return execute(
        application,
        "submit_for_decision",
        by=by,
        comment=comment,
        data={"technical_review_note": technical_review_note},
        prepare=prepare,
    )


def application_return_to_evaluation(
    *, application: Application, by: User, comment: str
) -> Application:
    return execute(application, "return_to_evaluation", by=by, comment=comment)


def application_withdraw(*, application: Application, by: User, comment: str = "") -> Application:
    return execute(application, "withdraw", by=by, comment=comment)


def _require_competence(application: Application, by: User, function: str) -> list[str]:
    """Raise DomainError (`<function>_not_qualified`, 409) unless `by` holds a competence
    record for `function` under the application's scheme and its client's technical area,
    valid today. Runs once state, guards and permission have passed."""
    from audits.competence import application_refusal

    reason = application_refusal(application, by, function, today())
    if reason:
        raise DomainError(reason, code=f"{function}_not_qualified")
    return []


def application_grant(*, application: Application, by: User, comment: str = "") -> Certificate:
    """Grant certification: the decision is recorded (numbered) and the certificate issued —
    or, for a scope extension or reduction, the renewed certificate re-issued as a new version
    with the application's scope; for a transfer, issued until the previous body's certificate
    would have expired; or, for a
    recertification of a certificate that expired within the restoration window, that
    certificate restored from the decision's date. Returns it. DomainError
    (`decision_maker_not_qualified`) when `by` holds no competence record as decision maker for
    the scheme and the client's area today."""
    from certification.services.certificates import (
        certificate_issue,
        certificate_reissue,
        certificate_restore,
    )
    from certification.services.decisions import decision_record

    issued: list[Certificate] = []

    def after(app: Application, entry) -> None:
        decision = decision_record(
            application=app, by=by, outcome=Decision.Outcome.GRANTED, reasons=comment
        )
        if app.kind in (Application.Kind.SCOPE_EXTENSION, Application.Kind.SCOPE_REDUCTION):
            issued.append(
                certificate_reissue(
                    certificate=app.renews, application=app, decision=decision, by=by
                )
            )
        elif (
            app.kind == Application.Kind.RECERTIFICATION
            and app.renews.state == Certificate.State.EXPIRED
        ):
            # Within the restoration window: the expired certificate is restored by this
            # decision (no second certificate).
            issued.append(
                certificate_restore(
                    certificate=app.renews, application=app, decision=decision, by=by
                )
            )
        else:
            issued.append(certificate_issue(application=app, decision=decision, by=by))

    execute(
        application,
        "grant",
        by=by,
        comment=comment,
        prepare=lambda app: _require_competence(app, by, "decision_maker"),
        after=after,
    )
    return issued[0]


def application_refuse(*, application: Application, by: User, comment: str) -> Application:
    """Refuse certification, with reasons (the comment); the decision is recorded (numbered)."""
    from certification.services.decisions import decision_record

    def after(app: Application, entry) -> None:
        decision_record(application=app, by=by, outcome=Decision.Outcome.REFUSED, reasons=comment)

    return execute(
        application,
        "refuse",
        by=by,
        comment=comment,
        prepare=lambda app: _require_competence(app, by, "decision_maker"),
        after=after,
    )


@transaction.atomic
def application_assign_decision_maker(
    *, application: Application, decision_maker: User, by: User
) -> Application:
    """An officer of the body assigns who decides the file. Refused (ValidationError) for a
    person who is not a decision maker of the body, was on an audit team of the file, reviewed
    it technically, or declared a conflict of interest with the enterprise."""
    from audits.selectors import team_user_ids

    application = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    if not has_role(by, Role.CB_STAFF, application.body):
        raise PermissionDenied(
            _("Only officers of the certification body may assign the decision maker.")
        )
    if application.state not in (
        Application.State.IN_EVALUATION,
        Application.State.DECISION_PENDING,
    ):
        raise DomainError(
            _(
                "A decision maker is assigned while the application is in evaluation "
                "or awaiting a decision."
            ),
            code="invalid_state",
        )
    if not has_role(decision_maker, Role.DECISION_MAKER, application.body):
        reason = _("This person is not a decision maker of the certification body.")
    elif decision_maker.pk in team_user_ids(application):
        reason = _("This person was on an audit team of this application.")
    elif decision_maker.pk == application.technical_reviewer_id:
        reason = _("This person reviewed the application technically.")
    elif (
        ConflictDeclaration.objects.barring(
            enterprise_id=application.enterprise_id, scheme=application.scheme
        )
        .filter(user=decision_maker)
        .exists()
    ):
        reason = _("This person declared a conflict of interest with the enterprise.")
    else:
        from audits.competence import application_refusal

        reason = application_refusal(application, decision_maker, "decision_maker", today()) or ""
    if reason:
        raise ValidationError({"decision_maker": reason})
    application.decision_maker = decision_maker
    application.save(update_fields=["decision_maker", "updated_at"])
    log_transition(
        application,
        "assign_decision_maker",
        by=by,
        previous=application.state,
        data={"decision_maker": decision_maker.pk},
    )
    return application


@transaction.atomic
def application_accept_mark_rules(*, application: Application, by: User) -> Application:
    """The enterprise (or the body's officer for a paper application) accepts the scheme's
    rules for using the certificate and the certification mark, as they stand now. Recorded
    with who and when, logged with the text accepted. Raises DomainError once the application
    has left the draft (or revision) state, PermissionDenied for anyone else."""
    application = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    if application.state not in (Application.State.DRAFT, Application.State.REVISION_REQUESTED):
        raise DomainError(
            _("The rules are accepted while the application is a draft."), code="not_editable"
        )
    if not _may_edit(application, by):
        raise PermissionDenied(_("You may not edit this application."))
    application.mark_rules_accepted_at = clock_now()
    application.mark_rules_accepted_by = by
    application.save(
        update_fields=["mark_rules_accepted_at", "mark_rules_accepted_by", "updated_at"]
    )
    log_transition(
        application,
        "accept_mark_rules",
        by=by,
        previous=application.state,
        data={"rules": application.scheme.mark_use_rules},
    )
    return application


@transaction.atomic
def application_record_transfer_review(
    *, application: Application, by: User, note: str, open_majors: int
) -> Application:
    """The body's pre-transfer review of a transfer application (IAF MD 2): the previous
    certificate's validity and scope, the last audit reports, complaints, and the open major
    nonconformities counted. Recorded with who and when, logged. While the application is
    submitted or under review; the acceptance needs it, with no open major.

    Raises PermissionDenied unless `by` is an officer of the body; DomainError for another
    kind of application (`not_a_transfer`) or state (`invalid_state`); ValidationError for an
    empty note or a negative count."""
    application = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    if not has_role(by, Role.CB_STAFF, application.body):
        raise PermissionDenied(
            _("Only officers of the certification body record the pre-transfer review.")
        )
    if application.kind != Application.Kind.TRANSFER:
        raise DomainError(
            _("Only a transfer application has a pre-transfer review."), code="not_a_transfer"
        )
    if application.state not in (Application.State.SUBMITTED, Application.State.UNDER_REVIEW):
        raise DomainError(
            _("The pre-transfer review is recorded before the application is accepted."),
            code="invalid_state",
        )
    errors = {}
    if not (note or "").strip():
        errors["note"] = _("Describe the pre-transfer review.")
    try:
        majors = int(open_majors)
    except (TypeError, ValueError):
        majors = -1
    if majors < 0:
        errors["open_majors"] = _("Give the number of open major nonconformities (0 or more).")
    if errors:
        raise ValidationError(errors)
    application.transfer_review_note = note.strip()
    application.transfer_open_majors = majors
    application.transfer_reviewed_by = by
    application.transfer_reviewed_at = clock_now()
    application.save(
        update_fields=[
            "transfer_review_note",
            "transfer_open_majors",
            "transfer_reviewed_by",
            "transfer_reviewed_at",
            "updated_at",
        ]
    )
    log_transition(
        application,
        "transfer_review",
        by=by,
        previous=application.state,
        data={"open_majors": majors},
    )
    return application
