"""A certificate's whole life through the services, as the people of the cast live it
(acceptance 2 of the issue): application, stage 1, stage 2 with findings, technical review,
grant, two surveillance audits, recertification, suspension, reinstatement, withdrawal; and
expiry followed by restoration. `core.clock.as_of` moves the days the rules count."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta

from audits.models import Audit, Finding
from audits.services import (
    audit_approve_report,
    finding_accept_plan,
    finding_raise,
    finding_respond,
    finding_verify,
)
from audits.tests.factories import (
    application_in_evaluation,
    certify,
    closed_audit,
    record_trace_test,
    started_audit,
    submit_report,
)
from certification.models import Application, Certificate, Decision
from certification.services import (
    application_accept,
    application_assign_decision_maker,
    application_create,
    application_grant,
    application_start_review,
    application_submit,
    application_submit_for_decision,
    certificate_expire_due,
    certificate_reinstate,
    certificate_suspend,
    certificate_withdraw,
)
from certification.tests.factories import SchemeFactory, attach_documents, registered_body
from core.clock import as_of, today
from core.exceptions import DomainError
from core.services import history_of

pytestmark = pytest.mark.django_db

SCOPE = {
    "products": [{"name": "Cà phê nhân Robusta Chư Sê", "gtin": "8934588012228"}],
    "sites": [{"name": "Nhà máy chế biến Chư Sê", "address": "Quốc lộ 14, xã Chư Sê"}],
    "stages": ["primary_production", "processing", "packing"],
    "sector_standard": "TCVN 12827:2023",
}
YEAR = relativedelta(years=1)


@pytest.fixture
def scheme(db):
    return SchemeFactory()


@pytest.fixture
def registration(body, scheme, regulator, cb_staff):
    return registered_body(body, scheme, regulator=regulator, staff=cb_staff)


def transitions(obj) -> list[str]:
    return [entry.transition for entry in history_of(obj)]


def respond(finding, enterprise_user):
    """The enterprise answers the finding and attaches the evidence of its corrective action."""
    finding = finding_respond(
        finding=finding,
        by=enterprise_user,
        root_cause="Sổ nhập kho không có cột số lô nguyên liệu.",
        correction="Bổ sung số lô cho các phiếu nhập đã lập.",
        corrective_action="Sửa biểu mẫu BM-07, đào tạo thủ kho, kiểm tra hằng tháng.",
        planned_completion=today() + datetime.timedelta(days=20),
    )
    attach_documents(finding, ["evidence"], by=enterprise_user)
    return finding


def surveillance(certificate, *, day, cb_staff, lead_assessor):
    with as_of(day):
        return closed_audit(
            staff=cb_staff, lead=lead_assessor, certificate=certificate, kind="surveillance"
        )


def test_a_certificate_from_application_to_withdrawal(
    enterprise,
    body,
    scheme,
    registration,
    enterprise_user,
    cb_staff,
    lead_assessor,
    decider,
):
    # 1. The enterprise applies; the body reviews and accepts the application.
    application = application_create(
        enterprise=enterprise, body=body, scheme=scheme, by=enterprise_user, **SCOPE
    )
    application_submit(application=application, by=enterprise_user)
    application_start_review(application=application, by=cb_staff)
    application = application_accept(
        application=application,
        by=cb_staff,
        contract_reference="HĐ-2026/015",
        scope_within_competence=True,
    )

    # 2. Stage 1 today; stage 2 two months later (within six months of stage 1).
    closed_audit(staff=cb_staff, lead=lead_assessor, application=application, kind="stage1")
    stage2_day = today() + relativedelta(months=2)
    with as_of(stage2_day):
        stage2 = started_audit(
            staff=cb_staff, lead=lead_assessor, application=application, kind="stage2"
        )
        record_trace_test(stage2, lead_assessor)
        minor = finding_raise(
            audit=stage2,
            by=lead_assessor,
            severity="minor",
            description="Phiếu xuất kho thiếu mã lô thành phẩm.",
            clause_reference="TCVN 12850:2019 §5.3",
        )
        major = finding_raise(
            audit=stage2,
            by=lead_assessor,
            severity="major",
            description="Không truy xuất được lô L-07 tới hộ cung cấp.",
            clause_reference="TCVN 12850:2019 §5.4",
        )
        submit_report(stage2, lead_assessor)
        audit_approve_report(audit=stage2, by=cb_staff)

    # 3. The enterprise responds with evidence; the lead accepts the minor's plan and
    #    verifies the major closed.
    with as_of(stage2_day + datetime.timedelta(days=14)):
        with pytest.raises(DomainError) as blocked:
            application_submit_for_decision(
                application=application, by=cb_staff, technical_review_note="Chưa."
            )
        assert blocked.value.code == "major_open"
        minor = finding_accept_plan(finding=respond(minor, enterprise_user), by=lead_assessor)
        major = finding_verify(finding=respond(major, enterprise_user), by=lead_assessor)
    assert (minor.state, major.state) == (Finding.State.PLAN_ACCEPTED, Finding.State.CLOSED)

    # 4. Technical review by an officer on no team; the assigned decision maker grants.
    decision_day = stage2_day + relativedelta(months=1)
    with as_of(decision_day):
        application_assign_decision_maker(
            application=application, decision_maker=decider, by=cb_staff
        )
        application_submit_for_decision(
            application=application,
            by=cb_staff,
            technical_review_note="Điểm không phù hợp lớn đã được khắc phục và xác nhận.",
        )
        first = application_grant(application=application, by=decider, comment="Đạt.")
    assert first.number == f"GLCERT-TXNG-{decision_day.year}-0001"
    assert (first.valid_from, first.valid_until) == (decision_day, decision_day + 3 * YEAR)
    assert first.next_surveillance_due == decision_day + YEAR
    assert first.decision.outcome == Decision.Outcome.GRANTED

    # 5. Two surveillance audits, each moving the next surveillance a year on.
    surveillance(
        first,
        day=decision_day + relativedelta(months=11),
        cb_staff=cb_staff,
        lead_assessor=lead_assessor,
    )
    first.refresh_from_db()
    assert first.next_surveillance_due == decision_day + 2 * YEAR
    surveillance(
        first,
        day=decision_day + relativedelta(months=23),
        cb_staff=cb_staff,
        lead_assessor=lead_assessor,
    )
    first.refresh_from_db()
    assert first.next_surveillance_due == decision_day + 3 * YEAR

    # 6. Recertification before expiry: a recertification audit with its trace test, granted.
    renewal_day = decision_day + relativedelta(months=33)
    with as_of(renewal_day):
        renewal = application_in_evaluation(
            enterprise=enterprise,
            body=body,
            scheme=scheme,
            enterprise_user=enterprise_user,
            cb_staff=cb_staff,
            kind=Application.Kind.RECERTIFICATION,
            renews=first,
        )
        recertification = closed_audit(
            staff=cb_staff, lead=lead_assessor, application=renewal, kind="recertification"
        )
        assert recertification.trace_tests.count() == 1
        application_submit_for_decision(
            application=renewal, by=cb_staff, technical_review_note="Đánh giá chứng nhận lại đạt."
        )
        second = application_grant(application=renewal, by=decider)
    first.refresh_from_db()
    assert (first.state, first.superseded_by) == (Certificate.State.SUPERSEDED, second)
    assert second.state == Certificate.State.ACTIVE
    # Numbers run per body and year: the renewal is granted in a later year.
    assert second.number == f"GLCERT-TXNG-{renewal_day.year}-0001"
    assert second.valid_from == renewal_day

    # 7. Suspension, reinstatement, withdrawal of the new certificate.
    with as_of(renewal_day + relativedelta(months=4)):
        certificate_suspend(
            certificate=second,
            by=cb_staff,
            comment="Quá hạn khắc phục sau khiếu nại của khách hàng.",
            until=today() + relativedelta(months=2),
        )
    with as_of(renewal_day + relativedelta(months=5)):
        certificate_reinstate(
            certificate=second, by=cb_staff, comment="Đánh giá đặc biệt xác nhận đã khắc phục."
        )
    with as_of(renewal_day + relativedelta(months=8)):
        second = certificate_withdraw(
            certificate=second, by=cb_staff, comment="Doanh nghiệp ngừng sản xuất."
        )
    assert second.state == Certificate.State.WITHDRAWN

    # The history tells the story in order.
    assert transitions(application) == [
        "create",
        "submit",
        "start_review",
        "accept",
        "assign_decision_maker",
        "submit_for_decision",
        "grant",
    ]
    assert transitions(minor) == ["raise", "respond", "accept_plan"]
    assert transitions(major) == ["raise", "respond", "verify"]
    assert transitions(first) == ["issue", "surveillance_done", "surveillance_done", "supersede"]
    assert transitions(renewal) == [
        "create",
        "submit",
        "start_review",
        "accept",
        "submit_for_decision",
        "grant",
    ]
    assert transitions(second) == ["issue", "suspend", "reinstate", "withdraw"]
    assert [
        (entry.source_state, entry.target_state, entry.actor) for entry in history_of(second)
    ] == [
        ("", "active", decider),
        ("active", "suspended", cb_staff),
        ("suspended", "active", cb_staff),
        ("active", "withdrawn", cb_staff),
    ]
    assert Audit.objects.filter(certificate=first, kind="surveillance", state="closed").count() == 2


def test_an_expired_certificate_is_restored_by_a_recertification_decision_within_the_window(
    client,
    enterprise,
    body,
    scheme,
    registration,
    enterprise_user,
    cb_staff,
    lead_assessor,
    decider,
):
    application = application_in_evaluation(
        enterprise=enterprise,
        body=body,
        scheme=scheme,
        enterprise_user=enterprise_user,
        cb_staff=cb_staff,
    )
    certificate = certify(application, staff=cb_staff, lead=lead_assessor, decider=decider)
    original_until = certificate.valid_until
    initial_day = certificate.valid_from

    # 1. The scheduled job expires it on its last day of validity (not the day before).
    assert certificate_expire_due(original_until - datetime.timedelta(days=1)) == 0
    assert certificate_expire_due(original_until) == 1
    certificate.refresh_from_db()
    assert (certificate.state, certificate.expired_on) == (
        Certificate.State.EXPIRED,
        original_until,
    )

    # 2. Two months later, within the six months allowed, the enterprise applies for
    #    recertification; a recertification audit is completed.
    restore_day = original_until + relativedelta(months=2)
    with as_of(restore_day):
        renewal = application_in_evaluation(
            enterprise=enterprise,
            body=body,
            scheme=scheme,
            enterprise_user=enterprise_user,
            cb_staff=cb_staff,
            kind=Application.Kind.RECERTIFICATION,
            renews=certificate,
        )
        closed_audit(
            staff=cb_staff, lead=lead_assessor, application=renewal, kind="recertification"
        )

        # 3. Technical review by an officer on no team, then the decision maker decides.
        application_assign_decision_maker(application=renewal, decision_maker=decider, by=cb_staff)
        application_submit_for_decision(
            application=renewal,
            by=cb_staff,
            technical_review_note="Đánh giá chứng nhận lại đạt, không còn điểm không phù hợp.",
        )
        restored = application_grant(application=renewal, by=decider, comment="Khôi phục.")

    # 4. The same certificate, valid again from the decision's date, with the gap recorded.
    assert restored.pk == certificate.pk
    restored.refresh_from_db()
    renewal.refresh_from_db()
    assert restored.state == Certificate.State.ACTIVE
    assert renewal.state == Application.State.CERTIFIED
    assert restored.decision == renewal.decision
    assert restored.decision.number == f"2/{restore_day.year}/QĐ-GLCERT" or (
        restore_day.year != initial_day.year
        and restored.decision.number == f"1/{restore_day.year}/QĐ-GLCERT"
    )
    assert (restored.valid_from, restored.restored_on) == (restore_day, restore_day)
    assert restored.valid_until == original_until + 3 * YEAR
    assert restored.initially_certified_on == initial_day
    assert transitions(restored) == ["issue", "expire", "restore"]
    assert [(e.source_state, e.target_state, e.actor) for e in history_of(restored)] == [
        ("", "active", decider),
        ("active", "expired", None),
        ("expired", "active", decider),
    ]
    assert transitions(renewal)[-2:] == ["submit_for_decision", "grant"]
    with as_of(restore_day), pytest.raises(DomainError) as again:
        application_grant(application=renewal, by=decider)
    assert again.value.code == "invalid_state"

    # 5. The public page shows the lapse: not valid from the expiry to the restoration.
    page = client.get(f"/verify/{restored.number}/", HTTP_ACCEPT_LANGUAGE="vi")
    text = page.content.decode()
    assert page.status_code == 200
    assert f"hết hiệu lực từ {original_until:%d/%m/%Y} đến {restore_day:%d/%m/%Y}" in text
    assert restored.decision.number in text


def test_a_recertification_past_the_restoration_window_is_refused(
    enterprise,
    body,
    scheme,
    registration,
    enterprise_user,
    cb_staff,
    lead_assessor,
    decider,
):
    application = application_in_evaluation(
        enterprise=enterprise,
        body=body,
        scheme=scheme,
        enterprise_user=enterprise_user,
        cb_staff=cb_staff,
    )
    certificate = certify(application, staff=cb_staff, lead=lead_assessor, decider=decider)
    certificate_expire_due(certificate.valid_until)
    certificate.refresh_from_db()

    # Two years after expiry (issue 14, problem 1): no recertification, no fresh certificate.
    with as_of(certificate.expired_on + 2 * YEAR), pytest.raises(DomainError) as refused:
        application_create(
            enterprise=enterprise,
            body=body,
            scheme=scheme,
            by=enterprise_user,
            kind=Application.Kind.RECERTIFICATION,
            renews=certificate,
            **SCOPE,
        )
    assert refused.value.code == "recertification_window_passed"
    assert "chứng nhận lần đầu" in refused.value.message
    assert not Application.objects.filter(renews=certificate).exists()
