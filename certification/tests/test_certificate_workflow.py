"""The certificate's life: suspension, reinstatement, withdrawal, expiry (scheduled), restoration,
supersession by a recertification or a re-issue, and surveillance dates
(../shared/spec/workflow.md, Certificate)."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError

from audits.models import Audit
from audits.services import audit_approve_report, finding_raise
from audits.tests.factories import (
    application_in_evaluation,
    closed_audit,
    record_trace_test,
    started_audit,
    submit_report,
)
from certification.models import Application, Certificate
from certification.services import (
    application_accept,
    application_create,
    application_grant,
    application_start_review,
    application_submit,
    application_submit_for_decision,
    certificate_expire_due,
    certificate_reinstate,
    certificate_surveillance_done,
    certificate_suspend,
    certificate_withdraw,
)
from certification.tests.conftest import CAST, SCOPE, refused_and_unchanged
from core.clock import as_of, today
from core.exceptions import DomainError
from core.models import LogEntry
from core.services import history_of
from core.workflow import execute, transitions_for

pytestmark = pytest.mark.django_db

REASON = "Doanh nghiệp không duy trì hồ sơ truy xuất lô hàng."


def others(allowed: str) -> list[str]:
    return [role for role in CAST if role != allowed]


def last_entry(obj) -> tuple:
    entry = history_of(obj).last()
    return (entry.transition, entry.source_state, entry.target_state, entry.actor, entry.comment)


def suspend(certificate, by, *, until=None, comment=REASON):
    until = until if until is not None else today() + relativedelta(months=3)
    return certificate_suspend(certificate=certificate, by=by, comment=comment, until=until)


def renewal_in_evaluation(certificate, *, enterprise_user, cb_staff, **extra):
    """A recertification application renewing `certificate`, accepted for evaluation."""
    return application_in_evaluation(
        enterprise=certificate.enterprise,
        body=certificate.body,
        scheme=certificate.scheme,
        enterprise_user=enterprise_user,
        cb_staff=cb_staff,
        kind=Application.Kind.RECERTIFICATION,
        renews=certificate,
        **extra,
    )


@pytest.fixture
def suspended(certificate, cb_staff):
    return suspend(certificate, cb_staff)


@pytest.fixture
def expired(certificate):
    """The certificate expired by the scheduled job on its last day of validity."""
    assert certificate_expire_due(certificate.valid_until) == 1
    certificate.refresh_from_db()
    return certificate


@pytest.fixture
def restore_day(expired):
    """Ten days after expiry: within the restoration window."""
    return expired.expired_on + datetime.timedelta(days=10)


@pytest.fixture
def restorable(expired, restore_day, enterprise_user, cb_staff, lead_assessor):
    """The expired certificate, a recertification audit of its renewal closed on `restore_day`."""
    with as_of(restore_day):
        renewal = renewal_in_evaluation(expired, enterprise_user=enterprise_user, cb_staff=cb_staff)
        closed_audit(
            staff=cb_staff, lead=lead_assessor, application=renewal, kind="recertification"
        )
    return expired


# --- suspend ------------------------------------------------------------------------------------


def test_an_officer_suspends_the_certificate_until_a_date_and_it_is_logged(certificate, cb_staff):
    until = today() + relativedelta(months=2)
    suspended = suspend(certificate, cb_staff, until=until)
    suspended.refresh_from_db()
    assert (suspended.state, suspended.suspended_until) == (Certificate.State.SUSPENDED, until)
    assert last_entry(suspended) == ("suspend", "active", "suspended", cb_staff, REASON)
    stop_by = today() + datetime.timedelta(days=suspended.scheme.stop_use_days)
    assert history_of(suspended).last().data == {
        "until": until.isoformat(),
        "stop_use_by": stop_by.isoformat(),
    }
    notice = suspended.stop_use_notices.get()
    assert (notice.cause, notice.deadline, notice.issued_by) == ("suspension", stop_by, cb_staff)
    assert suspended.number in notice.text and "ngừng sử dụng" in notice.text


def test_a_suspension_may_last_up_to_the_schemes_longest_suspension(certificate, cb_staff):
    limit = today() + relativedelta(months=certificate.scheme.suspension_max_months)
    assert suspend(certificate, cb_staff, until=limit).suspended_until == limit


@pytest.mark.parametrize(
    "until",
    [
        lambda: today(),
        lambda: today() - datetime.timedelta(days=1),
        lambda: today() + relativedelta(months=6) + datetime.timedelta(days=1),
        lambda: today() + relativedelta(years=1),
    ],
    ids=["today", "yesterday", "six_months_and_a_day", "a_year"],
)
def test_a_suspension_end_not_after_today_or_beyond_the_maximum_is_refused(
    until, certificate, cb_staff
):
    logged = LogEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        suspend(certificate, cb_staff, until=until())
    assert "until" in exc.value.message_dict
    certificate.refresh_from_db()
    assert (certificate.state, certificate.suspended_until) == (Certificate.State.ACTIVE, None)
    assert LogEntry.objects.count() == logged


def test_a_suspension_needs_a_reason_and_an_end_date(certificate, cb_staff):
    with pytest.raises(ValidationError) as exc:
        certificate_suspend(certificate=certificate, by=cb_staff, comment=" ", until=None)
    assert {"comment", "until"} <= set(exc.value.message_dict)
    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.ACTIVE


@pytest.mark.parametrize("role", others("cb_staff"))
def test_a_suspension_by_anyone_but_an_officer_is_refused_and_changes_nothing(
    request, role, certificate
):
    refused_and_unchanged(
        request.getfixturevalue(role), certificate, lambda user: suspend(certificate, user)
    )
    assert certificate.suspended_until is None


def test_a_suspended_certificate_is_not_suspended_again(suspended, cb_staff):
    with pytest.raises(DomainError) as exc:
        suspend(suspended, cb_staff)
    assert exc.value.code == "invalid_state"


# --- reinstate ----------------------------------------------------------------------------------


def test_an_officer_reinstates_a_suspended_certificate_with_a_comment(suspended, cb_staff):
    reinstated = certificate_reinstate(
        certificate=suspended, by=cb_staff, comment="Đã khắc phục, kiểm tra đặc biệt đạt."
    )
    reinstated.refresh_from_db()
    assert (reinstated.state, reinstated.suspended_until) == (Certificate.State.ACTIVE, None)
    assert last_entry(reinstated) == (
        "reinstate",
        "suspended",
        "active",
        cb_staff,
        "Đã khắc phục, kiểm tra đặc biệt đạt.",
    )


def test_a_reinstatement_needs_a_comment(suspended, cb_staff):
    with pytest.raises(ValidationError) as exc:
        certificate_reinstate(certificate=suspended, by=cb_staff, comment="")
    assert "comment" in exc.value.message_dict
    suspended.refresh_from_db()
    assert suspended.state == Certificate.State.SUSPENDED


@pytest.mark.parametrize("role", others("cb_staff"))
def test_a_reinstatement_by_anyone_but_an_officer_is_refused_and_changes_nothing(
    request, role, suspended
):
    refused_and_unchanged(
        request.getfixturevalue(role),
        suspended,
        lambda user: certificate_reinstate(certificate=suspended, by=user, comment="Đã khắc phục."),
    )


def test_an_active_certificate_is_not_reinstated(certificate, cb_staff):
    with pytest.raises(DomainError) as exc:
        certificate_reinstate(certificate=certificate, by=cb_staff, comment="?")
    assert exc.value.code == "invalid_state"


# --- withdraw -----------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["certificate", "suspended"])
def test_an_officer_withdraws_an_active_or_suspended_certificate_for_good(request, state, cb_staff):
    certificate = request.getfixturevalue(state)
    source = certificate.state
    withdrawn = certificate_withdraw(certificate=certificate, by=cb_staff, comment=REASON)
    assert withdrawn.state == Certificate.State.WITHDRAWN
    assert last_entry(withdrawn) == ("withdraw", source, "withdrawn", cb_staff, REASON)
    assert not any(t.allowed for t in transitions_for(withdrawn, cb_staff))


def test_a_withdrawal_needs_a_reason(certificate, cb_staff):
    with pytest.raises(ValidationError) as exc:
        certificate_withdraw(certificate=certificate, by=cb_staff, comment="")
    assert "comment" in exc.value.message_dict
    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.ACTIVE


@pytest.mark.parametrize("role", others("cb_staff"))
def test_a_withdrawal_by_anyone_but_an_officer_is_refused_and_changes_nothing(
    request, role, certificate
):
    refused_and_unchanged(
        request.getfixturevalue(role),
        certificate,
        lambda user: certificate_withdraw(certificate=certificate, by=user, comment=REASON),
    )


# --- expire (scheduled) -------------------------------------------------------------------------


def test_the_scheduled_job_expires_a_certificate_on_its_last_day_once(certificate):
    assert certificate_expire_due(certificate.valid_until - datetime.timedelta(days=1)) == 0
    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.ACTIVE
    assert certificate_expire_due(certificate.valid_until) == 1
    certificate.refresh_from_db()
    assert (certificate.state, certificate.expired_on) == (
        Certificate.State.EXPIRED,
        certificate.valid_until,
    )
    entry = history_of(certificate).last()
    assert (entry.transition, entry.source_state, entry.target_state) == (
        "expire",
        "active",
        "expired",
    )
    assert (entry.actor, entry.actor_name) == (None, "system")
    assert certificate_expire_due(certificate.valid_until) == 0
    assert history_of(certificate).filter(transition="expire").count() == 1


def test_a_certificate_missed_by_the_job_expires_on_a_later_run_as_of_its_last_day(
    certificate,
):
    later = certificate.valid_until + datetime.timedelta(days=3)
    assert certificate_expire_due(later) == 1
    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.EXPIRED
    # The restoration window counts from the end of validity, not from the late run.
    assert certificate.expired_on == certificate.valid_until


def test_a_suspended_certificate_expires_too_but_not_a_withdrawn_one(suspended, cb_staff):
    assert certificate_expire_due(suspended.valid_until) == 1
    suspended.refresh_from_db()
    assert history_of(suspended).last().source_state == "suspended"
    assert suspended.state == Certificate.State.EXPIRED


def test_a_withdrawn_certificate_does_not_expire(certificate, cb_staff):
    certificate_withdraw(certificate=certificate, by=cb_staff, comment=REASON)
    assert certificate_expire_due(certificate.valid_until) == 0
    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.WITHDRAWN


def test_a_person_cannot_expire_a_certificate(certificate, cb_staff):
    with as_of(certificate.valid_until):
        refused_and_unchanged(
            cb_staff, certificate, lambda user: execute(certificate, "expire", by=user)
        )
        assert "expire" not in {t.name for t in transitions_for(certificate, cb_staff)}


# --- restore (the grant of a recertification application within the window) ------------------


@pytest.fixture
def renewal_pending(restorable, restore_day, cb_staff):
    """The recertification application of the expired certificate, technically reviewed."""
    renewal = Application.objects.get(renews=restorable)
    with as_of(restore_day):
        return application_submit_for_decision(
            application=renewal, by=cb_staff, technical_review_note="Đánh giá chứng nhận lại đạt."
        )


def test_granting_the_recertification_restores_the_expired_certificate_from_the_decision_date(
    restorable, renewal_pending, restore_day, decider
):
    lapsed_from = restorable.expired_on
    count = Certificate.objects.count()
    with as_of(restore_day):
        restored = application_grant(application=renewal_pending, by=decider, comment="Đạt.")
    restored.refresh_from_db()
    assert restored.pk == restorable.pk and Certificate.objects.count() == count
    assert restored.state == Certificate.State.ACTIVE
    assert (restored.valid_from, restored.restored_on) == (restore_day, restore_day)
    assert (restored.lapsed_from, restored.lapsed_until) == (lapsed_from, restore_day)
    assert restored.valid_until == lapsed_from + relativedelta(
        months=restored.scheme.validity_months
    )
    assert restored.decision.application == renewal_pending
    assert restored.decision.number.endswith(f"/{restore_day.year}/QĐ-GLCERT")
    assert last_entry(restored) == ("restore", "expired", "active", decider, "Đạt.")
    renewal_pending.refresh_from_db()
    assert renewal_pending.state == Application.State.CERTIFIED


def test_a_restored_recertification_cannot_be_granted_a_second_time(
    renewal_pending, restore_day, decider
):
    with as_of(restore_day):
        application_grant(application=renewal_pending, by=decider)
        with pytest.raises(DomainError) as exc:
            application_grant(application=renewal_pending, by=decider)
    assert exc.value.code == "invalid_state"
    assert Certificate.objects.filter(decision__application=renewal_pending).count() == 1


def test_a_certificate_is_restored_on_the_last_day_of_the_window_but_not_the_day_after(
    restorable, renewal_pending, decider
):
    last_day = restorable.expired_on + relativedelta(months=restorable.scheme.restore_within_months)
    with as_of(last_day + datetime.timedelta(days=1)), pytest.raises(DomainError) as exc:
        application_grant(application=renewal_pending, by=decider)
    assert exc.value.code == "recertification_window_passed"
    assert "chứng nhận lần đầu" in exc.value.message
    restorable.refresh_from_db()
    assert restorable.state == Certificate.State.EXPIRED
    with as_of(last_day):
        restored = application_grant(application=renewal_pending, by=decider)
    assert restored.state == Certificate.State.ACTIVE


def test_a_recertification_past_the_window_is_refused_and_an_initial_application_offered(
    expired, enterprise_user
):
    late = expired.expired_on + relativedelta(months=expired.scheme.restore_within_months, days=1)
    with as_of(late), pytest.raises(DomainError) as exc:
        application_create(
            enterprise=expired.enterprise,
            body=expired.body,
            scheme=expired.scheme,
            by=enterprise_user,
            kind=Application.Kind.RECERTIFICATION,
            renews=expired,
            **SCOPE,
        )
    assert exc.value.code == "recertification_window_passed"
    assert "chứng nhận lần đầu" in exc.value.message
    assert not Application.objects.filter(renews=expired).exists()
    with as_of(late):
        initial = application_create(
            enterprise=expired.enterprise,
            body=expired.body,
            scheme=expired.scheme,
            by=enterprise_user,
            **SCOPE,
        )
    assert initial.kind == Application.Kind.INITIAL


def test_no_restoration_decision_without_a_completed_recertification_audit(
    expired, restore_day, enterprise_user, cb_staff, lead_assessor
):
    with as_of(restore_day):
        renewal = renewal_in_evaluation(expired, enterprise_user=enterprise_user, cb_staff=cb_staff)
        audit = started_audit(
            staff=cb_staff, lead=lead_assessor, application=renewal, kind="recertification"
        )
        record_trace_test(audit, lead_assessor)
        finding_raise(
            audit=audit,
            by=lead_assessor,
            severity="major",
            description="Không truy xuất được lô L-12 tới khách hàng.",
        )
        submit_report(audit, lead_assessor)
        audit_approve_report(audit=audit, by=cb_staff)
        # Closed, but with a major finding still open: no technical review, so no decision.
        with pytest.raises(DomainError) as exc:
            application_submit_for_decision(
                application=renewal, by=cb_staff, technical_review_note="Chưa."
            )
    assert exc.value.code == "major_open"
    expired.refresh_from_db()
    assert expired.state == Certificate.State.EXPIRED


@pytest.mark.parametrize("role", CAST)
def test_nobody_restores_a_certificate_outside_a_decision(request, role, restorable, restore_day):
    user = request.getfixturevalue(role)
    with as_of(restore_day):
        assert "restore" not in {t.name for t in transitions_for(restorable, user)}
        refused_and_unchanged(user, restorable, lambda u: execute(restorable, "restore", by=u))
    assert restorable.valid_until == restorable.original_valid_until


# --- supersede (on a recertification or a re-issue) ---------------------------------------------


def test_granting_a_recertification_supersedes_the_old_certificate(
    certificate, enterprise_user, cb_staff, lead_assessor, decider
):
    renewal = renewal_in_evaluation(certificate, enterprise_user=enterprise_user, cb_staff=cb_staff)
    closed_audit(staff=cb_staff, lead=lead_assessor, application=renewal, kind="recertification")
    application_submit_for_decision(
        application=renewal, by=cb_staff, technical_review_note="Đánh giá chứng nhận lại đạt."
    )
    new = application_grant(application=renewal, by=decider)
    certificate.refresh_from_db()
    assert (certificate.state, certificate.superseded_by) == (Certificate.State.SUPERSEDED, new)
    assert not certificate.is_current
    assert new.state == Certificate.State.ACTIVE
    assert new.number == f"GLCERT-TXNG-{today().year}-0002"
    assert new.application == renewal
    entry = history_of(certificate).last()
    assert (entry.transition, entry.source_state, entry.target_state, entry.actor) == (
        "supersede",
        "active",
        "superseded",
        None,
    )
    assert entry.data == {"by": new.number}


def test_granting_a_scope_extension_reissues_the_certificate_as_version_1(
    certificate, enterprise, body, scheme, enterprise_user, cb_staff, lead_assessor, decider
):
    products = [*SCOPE["products"], {"name": "Cà phê rang xay Chư Sê", "gtin": ""}]
    extension = application_create(
        enterprise=enterprise,
        body=body,
        scheme=scheme,
        by=enterprise_user,
        kind=Application.Kind.SCOPE_EXTENSION,
        renews=certificate,
        products=products,
        sites=SCOPE["sites"],
        stages=[*SCOPE["stages"], "storage"],
    )
    extension = application_submit(application=extension, by=enterprise_user)
    extension = application_start_review(application=extension, by=cb_staff)
    extension = application_accept(
        application=extension, by=cb_staff, contract_reference="PL-01", scope_within_competence=True
    )
    closed_audit(staff=cb_staff, lead=lead_assessor, application=extension, kind=Audit.Kind.SPECIAL)
    application_submit_for_decision(
        application=extension, by=cb_staff, technical_review_note="Mở rộng phạm vi đạt."
    )
    with as_of(today() + datetime.timedelta(days=40)):
        new = application_grant(application=extension, by=decider)
    new.refresh_from_db()
    certificate.refresh_from_db()
    assert new.number == f"{certificate.number}/1"
    assert (new.base_number, new.version) == (certificate.number, 1)
    assert (new.valid_from, new.valid_until, new.original_valid_until) == (
        certificate.valid_from,
        certificate.valid_until,
        certificate.original_valid_until,
    )
    assert new.next_surveillance_due == certificate.next_surveillance_due
    assert new.products == products
    assert "storage" in new.stages
    assert new.verification_token != certificate.verification_token
    assert (certificate.state, certificate.superseded_by) == (Certificate.State.SUPERSEDED, new)
    assert [e.transition for e in history_of(new)] == ["reissue"]


def test_a_person_cannot_supersede_a_certificate(certificate, cb_staff):
    refused_and_unchanged(
        cb_staff, certificate, lambda user: execute(certificate, "supersede", by=user)
    )


# --- surveillance -------------------------------------------------------------------------------


def test_a_surveillance_done_moves_the_next_surveillance_a_year_on(certificate, cb_staff):
    due = certificate.next_surveillance_due
    assert due == certificate.valid_from + relativedelta(months=12)
    done = certificate_surveillance_done(
        certificate=certificate, audit_end=due - datetime.timedelta(days=20), by=cb_staff
    )
    done.refresh_from_db()
    assert done.next_surveillance_due == due + relativedelta(months=12)
    entry = history_of(done).last()
    assert (entry.transition, entry.actor) == ("surveillance_done", cb_staff)
    assert entry.data["next_due"] == (due + relativedelta(months=12)).isoformat()


def test_closing_a_surveillance_audit_moves_the_next_surveillance_a_year_on(
    certificate, cb_staff, lead_assessor
):
    due = certificate.next_surveillance_due
    with as_of(due - relativedelta(months=1)):
        closed_audit(
            staff=cb_staff, lead=lead_assessor, certificate=certificate, kind="surveillance"
        )
    certificate.refresh_from_db()
    assert certificate.next_surveillance_due == due + relativedelta(months=12)
    with as_of(due + relativedelta(months=11)):
        closed_audit(
            staff=cb_staff, lead=lead_assessor, certificate=certificate, kind="surveillance"
        )
    certificate.refresh_from_db()
    assert certificate.next_surveillance_due == due + relativedelta(months=24)


def test_a_late_surveillance_is_next_due_a_year_after_the_missed_date(certificate, cb_staff):
    due = certificate.next_surveillance_due
    done = certificate_surveillance_done(
        certificate=certificate, audit_end=due + datetime.timedelta(days=45), by=cb_staff
    )
    assert done.next_surveillance_due == due + relativedelta(months=12)


def test_a_special_audit_does_not_move_the_surveillance_date(certificate, cb_staff, lead_assessor):
    due = certificate.next_surveillance_due
    closed_audit(staff=cb_staff, lead=lead_assessor, certificate=certificate, kind="special")
    certificate.refresh_from_db()
    assert certificate.next_surveillance_due == due


def test_a_surveillance_is_not_planned_for_a_withdrawn_certificate(certificate, cb_staff):
    from audits.services import audit_plan

    certificate_withdraw(certificate=certificate, by=cb_staff, comment=REASON)
    with pytest.raises(DomainError) as exc:
        audit_plan(
            certificate=certificate,
            kind="surveillance",
            planned_start=today(),
            planned_end=today(),
            by=cb_staff,
        )
    assert exc.value.code == "certificate_not_active"


def test_the_transition_list_offers_an_officer_suspend_and_withdraw_only(certificate, cb_staff):
    offered = {t.name: t for t in transitions_for(certificate, cb_staff)}
    assert set(offered) == {"suspend", "withdraw"}
    assert all(t.allowed for t in offered.values())
    assert offered["suspend"].requires == ("comment", "until")
