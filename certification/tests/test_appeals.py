"""Appeals against a refusal, a suspension or a withdrawal: who lodges them and when, who
considers them and who decides (../shared/spec/workflow.md, Appeal and complaint)."""

import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from certification.models import Appeal, Application, Certificate, Role
from certification.services import (
    appeal_dismiss,
    appeal_lodge,
    appeal_start_consideration,
    appeal_uphold,
    application_assign_decision_maker,
    application_refuse,
    application_submit_for_decision,
    certificate_suspend,
    certificate_withdraw,
)
from certification.tests.conftest import CAST, refused_and_unchanged
from certification.tests.factories import BodyFactory, UserFactory, grant
from core.clock import as_of, today
from core.exceptions import DomainError
from core.models import LogEntry
from core.services import history_of

pytestmark = pytest.mark.django_db

GROUNDS = "Kết quả thử truy xuất bị đánh giá sai: hồ sơ lô L-07 đã được xuất trình."


def others(allowed: str) -> list[str]:
    return [role for role in CAST if role != allowed]


def lodge_against_refusal(application, by, grounds=GROUNDS):
    return appeal_lodge(
        by=by, subject=Appeal.Subject.REFUSAL, grounds=grounds, application=application
    )


def lodge_against(certificate, subject, by):
    return appeal_lodge(by=by, subject=subject, grounds=GROUNDS, certificate=certificate)


def start(appeal, by, handler):
    return appeal_start_consideration(appeal=appeal, by=by, handler=handler, comment="Giao xử lý.")


@pytest.fixture
def suspended(certificate, cb_staff):
    return certificate_suspend(
        certificate=certificate,
        by=cb_staff,
        comment="Quá hạn đánh giá giám sát.",
        until=today() + relativedelta(months=3),
    )


@pytest.fixture
def appeal(refused_application, enterprise_user):
    """The enterprise's appeal against the refusal, lodged the day of the decision."""
    return lodge_against_refusal(refused_application, enterprise_user)


@pytest.fixture
def considered(appeal, cb_staff, other_decider):
    """The appeal handed to `other_decider`, who had no part in the file."""
    return start(appeal, cb_staff, other_decider)


# --- lodge --------------------------------------------------------------------------------------


def test_the_enterprise_appeals_a_refusal_and_it_is_logged(
    refused_application, enterprise_user, enterprise, body
):
    appeal = lodge_against_refusal(refused_application, enterprise_user)
    assert (appeal.state, appeal.subject) == (Appeal.State.LODGED, Appeal.Subject.REFUSAL)
    assert (appeal.enterprise, appeal.body, appeal.application) == (
        enterprise,
        body,
        refused_application,
    )
    assert (appeal.grounds, appeal.lodged_by) == (GROUNDS, enterprise_user)
    [entry] = history_of(appeal)
    assert (entry.transition, entry.target_state, entry.actor) == (
        "lodge",
        "lodged",
        enterprise_user,
    )


def test_a_refusal_may_be_appealed_on_the_30th_day_but_not_the_31st(
    refused_application, enterprise_user
):
    decided = refused_application.decision.decided_on
    days = refused_application.scheme.appeal_days
    assert days == 30
    with as_of(decided + datetime.timedelta(days=31)), pytest.raises(ValidationError) as exc:
        lodge_against_refusal(refused_application, enterprise_user)
    assert "subject" in exc.value.message_dict
    assert not Appeal.objects.exists()
    with as_of(decided + datetime.timedelta(days=30)):
        appeal = lodge_against_refusal(refused_application, enterprise_user)
    assert appeal.state == Appeal.State.LODGED


@pytest.mark.parametrize(
    ("subject", "decide"),
    [
        (
            Appeal.Subject.SUSPENSION,
            lambda cert, by: certificate_suspend(
                certificate=cert,
                by=by,
                comment="Quá hạn giám sát.",
                until=today() + relativedelta(months=2),
            ),
        ),
        (
            Appeal.Subject.WITHDRAWAL,
            lambda cert, by: certificate_withdraw(certificate=cert, by=by, comment="Vi phạm."),
        ),
    ],
    ids=["suspension", "withdrawal"],
)
def test_a_suspension_or_withdrawal_may_be_appealed_on_the_30th_day_but_not_the_31st(
    subject, decide, certificate, cb_staff, enterprise_user
):
    # Decided at 03:00 in Vietnam, which is still the previous day in UTC: the appeal period
    # counts from the local day of the decision.
    decided = timezone.localdate()
    early_morning = datetime.datetime.combine(
        decided, datetime.time(3), tzinfo=ZoneInfo(settings.TIME_ZONE)
    )
    with mock.patch("django.utils.timezone.now", return_value=early_morning):
        certificate = decide(certificate, cb_staff)
    with as_of(decided + datetime.timedelta(days=31)), pytest.raises(ValidationError):
        lodge_against(certificate, subject, enterprise_user)
    with as_of(decided + datetime.timedelta(days=30)):
        appeal = lodge_against(certificate, subject, enterprise_user)
    assert (appeal.subject, appeal.certificate, appeal.application) == (
        subject,
        certificate,
        certificate.application,
    )


def test_no_appeal_without_a_refusal_suspension_or_withdrawal_to_appeal(
    decision_pending, certificate, enterprise_user
):
    application = certificate.application
    assert application.state == Application.State.CERTIFIED
    for call in (
        lambda: lodge_against_refusal(application, enterprise_user),
        lambda: lodge_against(certificate, Appeal.Subject.SUSPENSION, enterprise_user),
        lambda: lodge_against(certificate, Appeal.Subject.WITHDRAWAL, enterprise_user),
    ):
        with pytest.raises(ValidationError) as exc:
            call()
        assert "subject" in exc.value.message_dict
    assert not Appeal.objects.exists()


def test_a_pending_application_cannot_be_appealed(decision_pending, enterprise_user):
    with pytest.raises(ValidationError):
        lodge_against_refusal(decision_pending, enterprise_user)


def test_an_appeal_needs_its_grounds_and_what_it_appeals(refused_application, enterprise_user):
    with pytest.raises(ValidationError) as exc:
        lodge_against_refusal(refused_application, enterprise_user, grounds="  ")
    assert "grounds" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        appeal_lodge(by=enterprise_user, subject=Appeal.Subject.SUSPENSION, grounds=GROUNDS)
    assert "subject" in exc.value.message_dict
    assert not Appeal.objects.exists()


@pytest.mark.parametrize("role", others("enterprise_user"))
def test_only_the_enterprise_concerned_may_appeal(request, role, refused_application):
    user = request.getfixturevalue(role)
    logged = LogEntry.objects.count()
    with pytest.raises(PermissionDenied):
        lodge_against_refusal(refused_application, user)
    assert not Appeal.objects.exists()
    assert LogEntry.objects.count() == logged


def test_a_refusal_stays_in_force_while_and_after_the_appeal_is_considered(
    refused_application, enterprise_user, cb_staff, other_decider
):
    appeal = lodge_against_refusal(refused_application, enterprise_user)
    start(appeal, cb_staff, other_decider)
    refused_application.refresh_from_db()
    assert refused_application.state == Application.State.REFUSED
    appeal_uphold(appeal=appeal, by=other_decider, comment="Có căn cứ, đề nghị đánh giá lại.")
    refused_application.refresh_from_db()
    assert refused_application.state == Application.State.REFUSED


def test_a_suspension_stays_in_force_while_and_after_the_appeal_is_considered(
    suspended, enterprise_user, cb_staff, other_decider
):
    appeal = lodge_against(suspended, Appeal.Subject.SUSPENSION, enterprise_user)
    start(appeal, cb_staff, other_decider)
    suspended.refresh_from_db()
    assert suspended.state == Certificate.State.SUSPENDED
    appeal_dismiss(appeal=appeal, by=other_decider, comment="Không có căn cứ.")
    suspended.refresh_from_db()
    assert suspended.state == Certificate.State.SUSPENDED


# --- start_consideration ------------------------------------------------------------------------


def test_an_officer_hands_the_appeal_to_an_uninvolved_decision_maker(
    appeal, cb_staff, other_decider
):
    considered = start(appeal, cb_staff, other_decider)
    considered.refresh_from_db()
    assert (considered.state, considered.handler) == (
        Appeal.State.UNDER_CONSIDERATION,
        other_decider,
    )
    entry = history_of(considered).last()
    assert (
        entry.transition,
        entry.source_state,
        entry.target_state,
        entry.actor,
        entry.comment,
    ) == ("start_consideration", "lodged", "under_consideration", cb_staff, "Giao xử lý.")
    assert entry.data == {"handler": other_decider.pk}


def handler_refused(appeal, by, handler) -> None:
    logged = LogEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        start(appeal, by, handler)
    assert "handler" in exc.value.message_dict
    appeal.refresh_from_db()
    assert (appeal.state, appeal.handler) == (Appeal.State.LODGED, None)
    assert LogEntry.objects.count() == logged


def test_consideration_needs_a_handler(appeal, cb_staff):
    handler_refused(appeal, cb_staff, None)


def test_the_decision_maker_who_refused_may_not_handle_the_appeal(appeal, cb_staff, decider):
    handler_refused(appeal, cb_staff, decider)


def test_a_member_of_an_audit_team_of_the_file_may_not_handle_the_appeal(
    appeal, cb_staff, lead_assessor, body, admin_user
):
    grant(lead_assessor, Role.DECISION_MAKER, body, by=admin_user)
    handler_refused(appeal, cb_staff, lead_assessor)


def test_the_technical_reviewer_may_not_handle_the_appeal(
    evaluated, decider, enterprise_user, body, admin_user
):
    reviewer = grant(UserFactory(username="staff_dm"), Role.CB_STAFF, body, by=admin_user)
    grant(reviewer, Role.DECISION_MAKER, body, by=admin_user)
    pending = application_submit_for_decision(
        application=evaluated, by=reviewer, technical_review_note="Đủ."
    )
    refused = application_refuse(application=pending, by=decider, comment="Không đạt.")
    handler_refused(lodge_against_refusal(refused, enterprise_user), reviewer, reviewer)


def test_the_assigned_decision_maker_of_the_file_may_not_handle_the_appeal(
    decision_pending, enterprise_user, cb_staff, other_decider
):
    application_assign_decision_maker(
        application=decision_pending, decision_maker=other_decider, by=cb_staff
    )
    refused = application_refuse(application=decision_pending, by=other_decider, comment="Không.")
    handler_refused(lodge_against_refusal(refused, enterprise_user), cb_staff, other_decider)


def test_the_officer_who_suspended_the_certificate_may_not_handle_its_appeal(
    certificate, enterprise_user, body, admin_user, cb_staff
):
    officer = grant(UserFactory(username="staff_dm"), Role.CB_STAFF, body, by=admin_user)
    grant(officer, Role.DECISION_MAKER, body, by=admin_user)
    suspended = certificate_suspend(
        certificate=certificate,
        by=officer,
        comment="Quá hạn giám sát.",
        until=today() + relativedelta(months=2),
    )
    appeal = lodge_against(suspended, Appeal.Subject.SUSPENSION, enterprise_user)
    handler_refused(appeal, cb_staff, officer)


@pytest.mark.parametrize("role", ["cb_staff", "lead_assessor", "enterprise_user", "outsider"])
def test_the_handler_must_be_a_decision_maker_of_the_body(request, role, appeal, cb_staff):
    handler_refused(appeal, cb_staff, request.getfixturevalue(role))


def test_a_decision_maker_of_another_body_may_not_handle_the_appeal(
    appeal, cb_staff, admin_user, province
):
    stranger = grant(
        UserFactory(), Role.DECISION_MAKER, BodyFactory(province=province), by=admin_user
    )
    handler_refused(appeal, cb_staff, stranger)


@pytest.mark.parametrize("role", others("cb_staff"))
def test_starting_the_consideration_by_anyone_but_an_officer_is_refused(
    request, role, appeal, other_decider
):
    refused_and_unchanged(
        request.getfixturevalue(role), appeal, lambda user: start(appeal, user, other_decider)
    )
    assert appeal.handler is None


# --- uphold / dismiss ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decide", "outcome"),
    [(appeal_uphold, Appeal.State.UPHELD), (appeal_dismiss, Appeal.State.DISMISSED)],
    ids=["uphold", "dismiss"],
)
def test_the_handler_decides_the_appeal_with_reasons(decide, outcome, considered, other_decider):
    decided = decide(appeal=considered, by=other_decider, comment="Xem xét toàn bộ hồ sơ.")
    decided.refresh_from_db()
    assert (decided.state, decided.outcome_reasons) == (outcome, "Xem xét toàn bộ hồ sơ.")
    entry = history_of(decided).last()
    assert (
        entry.transition,
        entry.source_state,
        entry.target_state,
        entry.actor,
        entry.comment,
    ) == (
        decide.__name__.removeprefix("appeal_"),
        "under_consideration",
        outcome,
        other_decider,
        "Xem xét toàn bộ hồ sơ.",
    )


@pytest.mark.parametrize("decide", [appeal_uphold, appeal_dismiss], ids=["uphold", "dismiss"])
def test_deciding_an_appeal_needs_reasons(decide, considered, other_decider):
    with pytest.raises(ValidationError) as exc:
        decide(appeal=considered, by=other_decider, comment="")
    assert "comment" in exc.value.message_dict
    considered.refresh_from_db()
    assert (considered.state, considered.outcome_reasons) == (Appeal.State.UNDER_CONSIDERATION, "")


@pytest.mark.parametrize("decide", [appeal_uphold, appeal_dismiss], ids=["uphold", "dismiss"])
@pytest.mark.parametrize("role", CAST)
def test_only_the_assigned_handler_decides_the_appeal(request, role, decide, considered):
    # `decider` is a decision maker of the body too, but not the one assigned.
    refused_and_unchanged(
        request.getfixturevalue(role),
        considered,
        lambda user: decide(appeal=considered, by=user, comment="Quyết định."),
    )


def test_an_appeal_is_decided_only_once(considered, other_decider):
    appeal_dismiss(appeal=considered, by=other_decider, comment="Không có căn cứ.")
    with pytest.raises(DomainError) as exc:
        appeal_uphold(appeal=considered, by=other_decider, comment="Đổi ý.")
    assert exc.value.code == "invalid_state"
