import datetime
from dataclasses import dataclass

import pytest

from audits.models import Finding
from audits.tests.factories import application_in_evaluation, certify
from certification.models import Application, BodyRegistration, Certificate, Decision, Role
from certification.services import certificate_reinstate, certificate_suspend, certificate_withdraw
from certification.tests.factories import (
    BodyFactory,
    EnterpriseFactory,
    SchemeFactory,
    UserFactory,
    grant,
    registered_body,
)
from core.clock import today
from oversight.tests import factories


@pytest.fixture
def scheme(db):
    return SchemeFactory()


@pytest.fixture
def registration(body, scheme, regulator, cb_staff):
    return registered_body(body, scheme, regulator=regulator, staff=cb_staff)


@pytest.fixture
def other_regulator(other_province, admin_user):
    return grant(UserFactory(username="reg-kt"), Role.REGULATOR, other_province, by=admin_user)


@dataclass
class Dataset:
    """The hand-counted data of Gia Lai (and some of Kon Tum that must never count there)."""

    body2: object
    cert_a: Certificate  # issued for real, suspended then reinstated: active
    cert_b: Certificate  # issued for real, then withdrawn
    cert_c: Certificate  # active, expiring in 30 days, surveillance overdue (body2)
    cert_d: Certificate  # suspended (no log entry), surveillance overdue (body2)
    cert_e: Certificate  # expired
    cert_f1: Certificate  # active, expiring in exactly 90 days
    cert_f2: Certificate  # active, decided 60 days after submission, 100 days ago
    cert_k: Certificate  # Kon Tum


@pytest.fixture
def dataset(
    province,
    other_province,
    enterprise,
    other_enterprise,
    body,
    scheme,
    registration,
    enterprise_user,
    other_enterprise_user,
    cb_staff,
    lead_assessor,
    decider,
    admin_user,
) -> Dataset:
    day = today()
    days = datetime.timedelta
    # A and B: the real flow (applications certified today, submitted today: 0 days each).
    cert_a = certify(
        application_in_evaluation(
            enterprise=enterprise,
            body=body,
            scheme=scheme,
            enterprise_user=enterprise_user,
            cb_staff=cb_staff,
        ),
        staff=cb_staff,
        lead=lead_assessor,
        decider=decider,
    )
    cert_a = certificate_suspend(
        certificate=cert_a, by=cb_staff, comment="Chưa giám sát.", until=day + days(30)
    )
    cert_a = certificate_reinstate(certificate=cert_a, by=cb_staff, comment="Đã giám sát.")
    cert_b = certify(
        application_in_evaluation(
            enterprise=other_enterprise,
            body=body,
            scheme=scheme,
            enterprise_user=other_enterprise_user,
            cb_staff=cb_staff,
        ),
        staff=cb_staff,
        lead=lead_assessor,
        decider=decider,
    )
    cert_b = certificate_withdraw(certificate=cert_b, by=cb_staff, comment="Vi phạm.")

    body2 = BodyFactory(province=province, code="TAYNGUYEN")
    BodyRegistration.objects.create(
        body=body2,
        scheme=scheme,
        jurisdiction=province,
        state=BodyRegistration.State.REGISTERED,
        registration_number="02/2026/ĐK",
        registered_on=day - days(5 * 365 - 60),
        valid_until=day + days(60),
    )
    by = admin_user
    livestock = {"province": province, "sector": "livestock", "commune": "Xã Ia Grai"}
    ent_c = EnterpriseFactory(**livestock)
    ent_d = EnterpriseFactory(province=province, sector="livestock", commune="Xã Ia Grai")
    ent_e = EnterpriseFactory(province=province, sector="food_processing", commune="")
    ent_f = EnterpriseFactory(**livestock)
    cert_c = factories.certificate(
        enterprise=ent_c,
        body=body2,
        scheme=scheme,
        by=by,
        issued_on=day - days(3 * 365 - 30),
        valid_until=day + days(30),
        next_surveillance_due=day - days(5),
    )
    cert_d = factories.certificate(
        enterprise=ent_d,
        body=body2,
        scheme=scheme,
        by=by,
        state=Certificate.State.SUSPENDED,
        valid_until=day + days(200),
        next_surveillance_due=day - days(1),
    )
    cert_e = factories.certificate(
        enterprise=ent_e,
        body=body,
        scheme=scheme,
        by=by,
        state=Certificate.State.EXPIRED,
        issued_on=day - days(3 * 365 + 40),
        valid_until=day - days(30),
        next_surveillance_due=day - days(300),
    )
    cert_f1 = factories.certificate(
        enterprise=ent_f,
        body=body,
        scheme=scheme,
        by=by,
        valid_until=day + days(90),
        next_surveillance_due=day,
    )
    cert_f2 = factories.certificate(
        enterprise=ent_f,
        body=body,
        scheme=scheme,
        by=by,
        issued_on=day - days(100),
        submitted_on=day - days(160),
        next_surveillance_due=day + days(265),
    )
    # Applications in other states; two refusals decided 10 and 30 days after submission.
    factories.application(
        enterprise=ent_e, body=body, scheme=scheme, state=Application.State.DRAFT, by=by
    )
    factories.application(
        enterprise=ent_d, body=body2, scheme=scheme, state=Application.State.SUBMITTED, by=by
    )
    reviewed = factories.application(
        enterprise=ent_c, body=body2, scheme=scheme, state=Application.State.UNDER_REVIEW, by=by
    )
    for submitted, decided in ((20, 10), (70, 40)):
        refused = factories.application(
            enterprise=ent_e,
            body=body,
            scheme=scheme,
            state=Application.State.REFUSED,
            by=by,
            submitted_on=day - days(submitted),
        )
        factories.decision(
            refused, by=by, decided_on=day - days(decided), outcome=Decision.Outcome.REFUSED
        )
    # Majors: two open past their due date; the rest must not count.
    factories.finding(by=by, due_date=day - days(1), certificate=cert_c)
    factories.finding(
        by=by, due_date=day - days(3), application=reviewed, state=Finding.State.RESPONDED
    )
    factories.finding(by=by, due_date=day - days(9), certificate=cert_d, state=Finding.State.CLOSED)
    factories.finding(
        by=by, due_date=day - days(9), certificate=cert_d, severity=Finding.Severity.MINOR
    )
    factories.finding(by=by, due_date=day, certificate=cert_f1)
    # Kon Tum: one of everything.
    ent_k = EnterpriseFactory(province=other_province, sector="crop", commune="Xã Đăk Hà")
    body_k = BodyFactory(province=other_province, code="KTCERT")
    cert_k = factories.certificate(
        enterprise=ent_k,
        body=body_k,
        scheme=scheme,
        by=by,
        valid_until=day + days(10),
        next_surveillance_due=day - days(10),
        issued_on=day - days(50),
    )
    factories.finding(by=by, due_date=day - days(2), certificate=cert_k)
    BodyRegistration.objects.create(
        body=body_k,
        scheme=scheme,
        jurisdiction=other_province,
        state=BodyRegistration.State.REGISTERED,
        registration_number="01/2026/KT",
        registered_on=day - days(100),
        valid_until=day + days(20),
    )
    return Dataset(
        body2=body2,
        cert_a=cert_a,
        cert_b=cert_b,
        cert_c=cert_c,
        cert_d=cert_d,
        cert_e=cert_e,
        cert_f1=cert_f1,
        cert_f2=cert_f2,
        cert_k=cert_k,
    )
