"""Certificates: issue, re-issue, suspension, withdrawal, expiry, restoration, surveillance."""

import datetime

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from certification import public_cache
from certification.models import (
    Application,
    Certificate,
    Decision,
    StopUseNotice,
    SupplyChainStage,
)
from core.clock import as_of, today
from core.models import User
from core.services import log_transition, next_number
from core.workflow import execute


def public_certificate_cache_invalidate(certificate: Certificate) -> None:
    """Hide every cached public answer (verification page, public API) about `certificate`
    and the other versions of its family. Called after commit by every service that changes
    a certificate."""
    public_cache.invalidate(certificate)


def _public_answers_change(certificate: Certificate) -> Certificate:
    """`certificate` changes in the current transaction: its cached public answers are hidden
    at once (this request and others of the same cycle see the change) and again after
    commit (an answer cached from the old data meanwhile is dropped)."""
    public_certificate_cache_invalidate(certificate)
    transaction.on_commit(lambda: public_certificate_cache_invalidate(certificate), robust=True)
    return certificate


def certificate_number(body_code: str, year: int) -> str:
    """`<body code>-TXNG-<YYYY>-<NNNN>`: gap-free per body and year (a locked counter row)."""
    return f"{body_code}-TXNG-{year}-{next_number(f'certificate:{body_code}', year):04d}"


@transaction.atomic
def certificate_issue(*, application: Application, decision: Decision, by: User) -> Certificate:
    """Issue the certificate of a granted application (called by application_grant).

    Valid from the decision date for the scheme's validity; first surveillance due within the
    scheme's interval; a random verification token. For a recertification, the renewed
    certificate is superseded by the new one."""
    scheme = application.scheme
    valid_from = decision.decided_on
    valid_until = valid_from + relativedelta(months=scheme.validity_months)
    number = certificate_number(application.body.code, valid_from.year)
    initially_certified_on = valid_from
    if application.kind == Application.Kind.RECERTIFICATION and application.renews_id:
        renewed = application.renews
        initially_certified_on = renewed.initially_certified_on or renewed.valid_from
    transferred_from = ""
    if application.kind == Application.Kind.TRANSFER:
        # The transferred certificate keeps the previous certificate's cycle (IAF MD 2).
        valid_until = application.previous_certificate_valid_until or valid_until
        transferred_from = (
            f"{application.previous_body_name} · {application.previous_certificate_number}"
        )
    certificate = Certificate.objects.create(
        number=number,
        base_number=number,
        version=0,
        application=application,
        decision=decision,
        enterprise=application.enterprise,
        body=application.body,
        scheme=scheme,
        standard=scheme.standard,
        sector_standard=application.sector_standard,
        products=application.products,
        sites=application.sites,
        stages=application.stages,
        issued_on=decision.decided_on,
        initially_certified_on=initially_certified_on,
        valid_from=valid_from,
        valid_until=valid_until,
        original_valid_until=valid_until,
        next_surveillance_due=min(
            valid_from + relativedelta(months=scheme.surveillance_interval_months), valid_until
        ),
        transferred_from=transferred_from,
    )
    log_transition(
        certificate,
        "issue",
        by=by,
        target=certificate.state,
        data={"application": application.number},
    )
    if application.kind == Application.Kind.RECERTIFICATION and application.renews_id:
        _supersede(application.renews, by_certificate=certificate)
    return _public_answers_change(certificate)


def _supersede(old: Certificate, *, by_certificate: Certificate) -> None:
    if old.state not in (Certificate.State.ACTIVE,):
        # A suspended or expired certificate being renewed is replaced all the same: it is
        # recorded on the new certificate, and the old one keeps its state (history shows why).
        log_transition(
            old,
            "replaced",
            by=None,
            previous=old.state,
            target=old.state,
            data={"by": by_certificate.number},
        )
        return

    def prepare(cert: Certificate) -> list[str]:
        cert.superseded_by = by_certificate
        return ["superseded_by"]

    execute(old, "supersede", by=None, data={"by": by_certificate.number}, prepare=prepare)
    _public_answers_change(old)


@transaction.atomic
def certificate_reissue(
    *, certificate: Certificate, by: User, application: Application, decision: Decision
) -> Certificate:
    """Re-issue `certificate` as a new version (…/1, …/2) with the scope of `application` (a
    granted scope extension or reduction); the same dates; the old version becomes
    `superseded`."""
    current = Certificate.objects.select_for_update(of=("self",)).get(pk=certificate.pk)
    version = Certificate.objects.filter(base_number=current.base_number).count()
    new = Certificate.objects.create(
        number=f"{current.base_number}/{version}",
        base_number=current.base_number,
        version=version,
        application=application,
        decision=decision,
        enterprise=current.enterprise,
        body=current.body,
        scheme=current.scheme,
        standard=current.standard,
        sector_standard=application.sector_standard or current.sector_standard,
        products=application.products,
        sites=application.sites,
        stages=application.stages,
        issued_on=decision.decided_on,
        initially_certified_on=current.initially_certified_on or current.valid_from,
        valid_from=current.valid_from,
        valid_until=current.valid_until,
        original_valid_until=current.original_valid_until,
        next_surveillance_due=current.next_surveillance_due,
        transferred_from=current.transferred_from,
    )
    reduced = application.kind == Application.Kind.SCOPE_REDUCTION
    log_transition(
        new,
        "reissue",
        by=by,
        target=new.state,
        data={
            "replaces": current.number,
            "kind": application.kind,
            **({"stop_use_by": stop_use_deadline(current)} if reduced else {}),
        },
    )
    _supersede(current, by_certificate=new)
    if reduced:
        # The replaced version may no longer be used for what the reduction removed (17021-1
        # §9.6.5.3, §8.3): a notice with a deadline, shown on its public page.
        _stop_use_notice(
            current,
            cause=StopUseNotice.Cause.REDUCTION,
            by=by,
            new_number=new.number,
            removed=_removed_scope(current, new),
        )
        _public_answers_change(current)
    return _public_answers_change(new)


STOP_USE_TEXT = {
    "suspension": (
        "Giấy chứng nhận số {number} bị đình chỉ hiệu lực từ ngày {day}. Đề nghị {holder} ngừng "
        "sử dụng giấy chứng nhận, dấu chứng nhận và mọi tham chiếu đến giấy chứng nhận (nhãn, "
        "bao bì, quảng cáo, tài liệu) chậm nhất ngày {deadline} cho đến khi được khôi phục."
    ),
    "withdrawal": (
        "Giấy chứng nhận số {number} bị thu hồi từ ngày {day}. Đề nghị {holder} ngừng sử dụng "
        "giấy chứng nhận, dấu chứng nhận và mọi tham chiếu đến giấy chứng nhận (nhãn, bao bì, "
        "quảng cáo, tài liệu) chậm nhất ngày {deadline} và hoàn trả bản gốc giấy chứng nhận."
    ),
    "reduction": (
        "Phạm vi chứng nhận của giấy chứng nhận số {number} được thu hẹp từ ngày {day}; giấy "
        "chứng nhận số {new_number} thay thế. Đề nghị {holder} ngừng sử dụng giấy chứng nhận số "
        "{number}, dấu chứng nhận và mọi tham chiếu đến chứng nhận (nhãn, bao bì, quảng cáo, tài "
        "liệu) cho phần không còn trong phạm vi: {removed}, chậm nhất ngày {deadline}."
    ),
}


def _removed_scope(old: Certificate, new: Certificate) -> str:
    """What `new` no longer covers of `old`'s scope, as printed in a notice."""
    kept_products = {(p.get("name"), p.get("gtin") or "") for p in new.products or []}
    kept_sites = {s.get("name") for s in new.sites or []}
    removed = [
        p.get("name", "")
        for p in old.products or []
        if (p.get("name"), p.get("gtin") or "") not in kept_products
    ]
    removed += [s.get("name", "") for s in old.sites or [] if s.get("name") not in kept_sites]
    labels = dict(SupplyChainStage.choices)
    with translation.override("vi"):
        removed += [
            str(labels.get(st, st)).lower() for st in old.stages or [] if st not in new.stages
        ]
    return "; ".join(removed)


def _stop_use_notice(cert: Certificate, *, cause: str, by: User, **extra: str) -> StopUseNotice:
    """Record the notice to stop using `cert` (in the caller's transaction), deadline the
    scheme's stop_use_days from today (also in the data of the transition's log entry)."""
    day = today()
    deadline = stop_use_deadline(cert)
    notice = StopUseNotice.objects.create(
        certificate=cert,
        cause=cause,
        issued_on=day,
        deadline=deadline,
        text=STOP_USE_TEXT[cause].format(
            number=cert.number,
            day=day.strftime("%d/%m/%Y"),
            holder=cert.enterprise.name,
            deadline=deadline.strftime("%d/%m/%Y"),
            **extra,
        ),
        issued_by=by,
    )
    return notice


def stop_use_deadline(certificate: Certificate) -> datetime.date:
    return today() + datetime.timedelta(days=certificate.scheme.stop_use_days)


def certificate_suspend(
    *, certificate: Certificate, by: User, comment: str, until: datetime.date
) -> Certificate:
    """Suspend with a reason until a date at most the scheme's maximum (6 months) away. The
    holder is told to stop using the certificate and any reference to it by a deadline (a
    StopUseNotice, shown on the public page)."""

    def prepare(cert: Certificate) -> list[str]:
        limit = today() + relativedelta(months=cert.scheme.suspension_max_months)
        if not isinstance(until, datetime.date) or until <= today() or until > limit:
            raise ValidationError(
                {
                    "until": _(
                        "The suspension ends on a date after today and no later than %(limit)s."
                    )
                    % {"limit": limit.strftime("%d/%m/%Y")}
                }
            )
        cert.suspended_until = until
        return ["suspended_until"]

    def after(cert: Certificate, entry) -> None:
        _stop_use_notice(cert, cause=StopUseNotice.Cause.SUSPENSION, by=by)

    return _public_answers_change(
        execute(
            certificate,
            "suspend",
            by=by,
            comment=comment,
            data={"until": until, "stop_use_by": stop_use_deadline(certificate)},
            prepare=prepare,
            after=after,
        )
    )


def certificate_reinstate(*, certificate: Certificate, by: User, comment: str) -> Certificate:
    return _public_answers_change(
        execute(
            certificate, "reinstate", by=by, comment=comment, prepare=lambda c: ["suspended_until"]
        )
    )


def certificate_withdraw(*, certificate: Certificate, by: User, comment: str) -> Certificate:
    """Withdraw with a reason; the holder is told to stop using the certificate and any
    reference to it by a deadline (a StopUseNotice, shown on the public page)."""

    def after(cert: Certificate, entry) -> None:
        _stop_use_notice(cert, cause=StopUseNotice.Cause.WITHDRAWAL, by=by)

    return _public_answers_change(
        execute(
            certificate,
            "withdraw",
            by=by,
            comment=comment,
            data={"stop_use_by": stop_use_deadline(certificate)},
            after=after,
        )
    )


def certificate_restore(
    *, certificate: Certificate, application: Application, decision: Decision, by: User
) -> Certificate:
    """Restore an expired `certificate` as the grant of its recertification `application`
    (called by application_grant, in its transaction; 17021-1 §9.6.3.2.5).

    Guards: within the scheme's restoration window; a recertification audit closed with every
    major closed. Rule: the application's impartial decision maker. The certificate is valid
    again from the decision's date (never across the lapse: expired on → restored on is shown
    as a gap), until a validity period after its previous expiry; the decision is the
    restoration's; the next surveillance is due an interval after the decision."""

    def prepare(cert: Certificate) -> list[str]:
        scheme = cert.scheme
        lapsed_from = cert.expired_on or cert.valid_until
        cert.valid_from = decision.decided_on
        cert.issued_on = decision.decided_on
        cert.valid_until = lapsed_from + relativedelta(months=scheme.validity_months)
        cert.decision = decision
        cert.next_surveillance_due = decision.decided_on + relativedelta(
            months=scheme.surveillance_interval_months
        )
        return [
            "valid_from",
            "issued_on",
            "valid_until",
            "decision",
            "next_surveillance_due",
            "restored_on",
        ]

    return _public_answers_change(
        execute(
            certificate,
            "restore",
            by=by,
            comment=decision.reasons,
            data={
                "certificate_id": certificate.pk,
                "application": application.number,
                "decision": decision.number,
            },
            prepare=prepare,
        )
    )


def certificate_expire_due(day: datetime.date) -> int:
    """Scheduled: expire every active or suspended certificate whose validity ended by `day`.
    Idempotent (an expired certificate is not due again). Returns how many expired."""
    due = Certificate.objects.filter(
        state__in=[Certificate.State.ACTIVE, Certificate.State.SUSPENDED], valid_until__lte=day
    ).values_list("pk", flat=True)
    count = 0
    with as_of(day):
        for pk in list(due):
            certificate = Certificate.objects.get(pk=pk)
            execute(certificate, "expire", by=None, prepare=lambda c: ["expired_on"])
            _public_answers_change(certificate)
            count += 1
    return count


@transaction.atomic
def certificate_surveillance_done(
    *, certificate: Certificate, audit_end: datetime.date, by: User | None
) -> Certificate:
    """A surveillance audit on `certificate` closed: the next one is due a surveillance
    interval after the previous due date (never before the audit's end)."""
    cert = Certificate.objects.select_for_update(of=("self",)).get(pk=certificate.pk)
    interval = relativedelta(months=cert.scheme.surveillance_interval_months)
    base = cert.next_surveillance_due or audit_end
    next_due = base + interval
    while next_due <= audit_end:
        next_due += interval
    previous = cert.next_surveillance_due
    cert.next_surveillance_due = next_due
    cert.save(update_fields=["next_surveillance_due", "updated_at"])
    log_transition(
        cert,
        "surveillance_done",
        by=by,
        previous=cert.state,
        data={"audit_end": audit_end, "previous_due": previous, "next_due": next_due},
    )
    return _public_answers_change(cert)
