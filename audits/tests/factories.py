"""Test data for audits, made through the real services (certification's and ours) so that
permissions, guards and history are as in life."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from audits.competence import team_member_refusal
from audits.models import TRACE_TEST_KINDS, AssessorQualification, Audit, TraceTest
from audits.services import (
    audit_approve_report,
    audit_plan,
    audit_start,
    audit_submit_report,
    audit_team_add,
    declaration_sign,
    trace_test_record,
)
from certification.models import Application, Certificate
from certification.services import (
    application_accept,
    application_create,
    application_grant,
    application_start_review,
    application_submit,
    application_submit_for_decision,
)
from certification.tests.factories import SchemeFactory, UserFactory
from core.clock import today

# A valid GTIN-13 (check digit 8) and the same number with a wrong check digit.
GTIN = "8934588012228"
BAD_GTIN = "8934588012227"

SCOPE = {
    "products": [{"name": "Cà phê nhân Robusta Chư Sê", "gtin": GTIN}],
    "sites": [{"name": "Nhà máy chế biến Chư Sê", "address": "Quốc lộ 14, xã Chư Sê"}],
    "stages": ["primary_production", "processing", "packing"],
    "sector_standard": "TCVN 12827:2023",
}


class QualificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessorQualification

    user = factory.SubFactory(UserFactory)
    scheme = factory.SubFactory(SchemeFactory)
    valid_from = datetime.date(2020, 1, 1)
    valid_until = None
    function = "lead"
    witnessed_on = factory.LazyFunction(today)


def application_in_evaluation(
    *,
    enterprise,
    body,
    scheme,
    enterprise_user,
    cb_staff,
    kind: str = Application.Kind.INITIAL,
    renews: Certificate | None = None,
    **scope,
) -> Application:
    """An application walked to `in_evaluation` (the body must be registered for the scheme);
    `scope` replaces parts of the default scope (SCOPE)."""
    application = application_create(
        enterprise=enterprise,
        body=body,
        scheme=scheme,
        by=enterprise_user,
        kind=kind,
        renews=renews,
        **{**SCOPE, **scope},
    )
    application = application_submit(application=application, by=enterprise_user)
    application = application_start_review(application=application, by=cb_staff)
    return application_accept(
        application=application,
        by=cb_staff,
        contract_reference="HĐ-2026/015",
        scope_within_competence=True,
    )


def sign(audit: Audit, user, *, clean: bool = True):
    return declaration_sign(
        audit=audit,
        by=user,
        no_consultancy=True,
        no_employment=True,
        no_financial_interest=True,
        no_family_ties=clean,
        statement="" if clean else "Anh họ là giám đốc doanh nghiệp.",
    )


def planned_audit(
    *,
    staff,
    lead=None,
    application: Application | None = None,
    certificate: Certificate | None = None,
    kind: str = Audit.Kind.STAGE1,
    members=(),
    signed: bool = True,
) -> Audit:
    """A planned audit with `lead` (qualified for the scheme) and `members` [(user, role)] on
    its team, every one having signed a clean declaration unless `signed` is False."""
    audit = audit_plan(
        application=application,
        certificate=certificate,
        kind=kind,
        planned_start=today(),
        planned_end=today() + datetime.timedelta(days=1),
        by=staff,
    )
    team = list(members)
    if lead is not None:
        if team_member_refusal(audit, lead, "lead", today()):
            QualificationFactory(user=lead, scheme=audit.scheme)
        team.insert(0, (lead, "lead"))
    for user, role in team:
        audit_team_add(audit=audit, user=user, role=role, by=staff)
    if signed:
        for user, _role in team:
            sign(audit, user)
    return audit


def started_audit(*, lead, **kwargs) -> Audit:
    audit = planned_audit(lead=lead, **kwargs)
    return audit_start(audit=audit, by=lead)


def record_trace_test(audit: Audit, by, *, result: str = "pass", **fields) -> TraceTest:
    """A trace test of one lot, both directions in 2 hours and a 1.6 % mass balance (a pass);
    `result="fail"` traces one step back only (a computed failure)."""
    now = timezone.now()
    values = {
        "gtin": GTIN,
        "lot": "L2026-031",
        "direction": "both" if result == "pass" else "backward",
        "started_at": now - datetime.timedelta(hours=3),
        "ended_at": now - datetime.timedelta(hours=1),
        "quantity_in": Decimal("1200.000"),
        "quantity_out": Decimal("1180.500"),
        "note": "Truy ngược tới 3 hộ cung cấp, truy xuôi tới 2 khách hàng.",
        **fields,
    }
    return trace_test_record(audit=audit, by=by, **values)


def submit_report(audit: Audit, lead) -> Audit:
    return audit_submit_report(
        audit=audit,
        by=lead,
        report_summary="Hệ thống TXNG được áp dụng tại cả ba công đoạn.",
        conclusion="Đề nghị chứng nhận.",
    )


def closed_audit(*, staff, lead, kind: str = Audit.Kind.STAGE1, **kwargs) -> Audit:
    """An audit walked to `closed` (with a passing trace test where its kind needs one)."""
    audit = started_audit(staff=staff, lead=lead, kind=kind, **kwargs)
    if kind in TRACE_TEST_KINDS:
        record_trace_test(audit, lead)
    submit_report(audit, lead)
    return audit_approve_report(audit=audit, by=staff)


def certify(application: Application, *, staff, lead, decider) -> Certificate:
    """Close stage 1 and stage 2, review technically and grant: the issued certificate."""
    closed_audit(staff=staff, lead=lead, application=application, kind=Audit.Kind.STAGE1)
    closed_audit(staff=staff, lead=lead, application=application, kind=Audit.Kind.STAGE2)
    application_submit_for_decision(
        application=application, by=staff, technical_review_note="Hồ sơ đầy đủ."
    )
    return application_grant(application=application, by=decider)
