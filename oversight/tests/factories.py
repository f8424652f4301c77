"""Rows in a given state for the regulator's figures, made directly (bulk data for sizes and
states the real services would need many steps to reach). Real flows are used in the tests
where they matter (issue, suspend, withdraw, the log)."""

import datetime
import itertools

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from audits.models import Audit, Finding
from certification.models import Application, Certificate, Decision
from certification.tests.factories import EnterpriseFactory
from core.clock import today

_serial = itertools.count(1)

PRODUCTS = [{"name": "Hồ tiêu đen Chư Sê", "gtin": "8934588012228"}]
SITES = [{"name": "Vùng trồng Ia Tiêm", "address": "Xã Ia Tiêm, Chư Sê"}]
STAGES = ["primary_production", "processing"]


def at_noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def application(
    *,
    enterprise,
    body,
    scheme,
    state: str,
    by,
    submitted_on: datetime.date | None = None,
) -> Application:
    n = next(_serial)
    return Application.objects.create(
        number=f"HS-T-{n:06d}",
        enterprise=enterprise,
        body=body,
        scheme=scheme,
        state=state,
        created_by=by,
        products=PRODUCTS,
        sites=SITES,
        stages=STAGES,
        submitted_at=at_noon(submitted_on) if submitted_on else None,
    )


def decision(
    app: Application,
    *,
    by,
    decided_on: datetime.date,
    outcome: str = Decision.Outcome.GRANTED,
) -> Decision:
    return Decision.objects.create(
        application=app, decision_maker=by, outcome=outcome, decided_on=decided_on
    )


def certificate(
    *,
    enterprise,
    body,
    scheme,
    by,
    state: str = Certificate.State.ACTIVE,
    issued_on: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    next_surveillance_due: datetime.date | None = None,
    submitted_on: datetime.date | None = None,
) -> Certificate:
    """A certified application, its decision and certificate, in `state`."""
    issued_on = issued_on or today() - datetime.timedelta(days=400)
    app = application(
        enterprise=enterprise,
        body=body,
        scheme=scheme,
        state=Application.State.CERTIFIED,
        by=by,
        submitted_on=submitted_on or issued_on - datetime.timedelta(days=45),
    )
    dec = decision(app, by=by, decided_on=issued_on)
    number = f"{body.code}-TXNG-{issued_on.year}-{next(_serial):04d}"
    valid_until = valid_until or issued_on + relativedelta(years=3)
    return Certificate.objects.create(
        number=number,
        base_number=number,
        version=0,
        state=state,
        application=app,
        decision=dec,
        enterprise=enterprise,
        body=body,
        scheme=scheme,
        standard=scheme.standard,
        products=PRODUCTS,
        sites=SITES,
        stages=STAGES,
        issued_on=issued_on,
        valid_from=issued_on,
        valid_until=valid_until,
        original_valid_until=valid_until,
        next_surveillance_due=next_surveillance_due,
    )


def finding(
    *,
    by,
    severity: str = Finding.Severity.MAJOR,
    state: str = Finding.State.OPEN,
    due_date: datetime.date,
    certificate: Certificate | None = None,
    application: Application | None = None,
) -> Finding:
    """A finding on a surveillance audit of `certificate`, or a stage 2 audit of
    `application` (the audit in progress)."""
    kind = Audit.Kind.SURVEILLANCE if certificate else Audit.Kind.STAGE2
    audit = Audit.objects.filter(
        certificate=certificate, application=application, kind=kind
    ).first() or Audit.objects.create(
        certificate=certificate,
        application=application,
        kind=kind,
        state=Audit.State.IN_PROGRESS,
        planned_start=today() - datetime.timedelta(days=100),
        planned_end=today() - datetime.timedelta(days=99),
        created_by=by,
    )
    return Finding.objects.create(
        audit=audit,
        severity=severity,
        state=state,
        description="Không truy xuất được lô L-01 tới nhà cung cấp.",
        due_date=due_date,
        raised_by=by,
    )


def bulk_units(n: int, *, province, body, scheme, by) -> None:
    """`n` enterprises, each with applications, certificates in several states, an overdue
    major and a suspension in the log: data whose size must not change the query count."""
    from core.services import log_transition

    day = today()
    sectors = ["crop", "livestock", "aquaculture", "food_processing"]
    for i in range(n):
        enterprise = EnterpriseFactory(
            province=province, sector=sectors[i % 4], commune=f"Xã Số {i % 3}"
        )
        certificate(
            enterprise=enterprise,
            body=body,
            scheme=scheme,
            by=by,
            issued_on=day - datetime.timedelta(days=100 + i),
            next_surveillance_due=day - datetime.timedelta(days=1),
            valid_until=day + datetime.timedelta(days=30 + i),
        )
        suspended = certificate(
            enterprise=enterprise,
            body=body,
            scheme=scheme,
            by=by,
            state=Certificate.State.SUSPENDED,
        )
        log_transition(suspended, "suspend", by=by, previous="active")
        for state in (Application.State.DRAFT, Application.State.SUBMITTED):
            application(enterprise=enterprise, body=body, scheme=scheme, state=state, by=by)
        finding(by=by, due_date=day - datetime.timedelta(days=3), certificate=suspended)
