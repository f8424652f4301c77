"""Application state machine: every transition's actor, the refusal of every other role, and
each guard (../shared/spec/workflow.md, Application)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from certification.models import Application
from certification.services import (
    application_accept,
    application_create,
    application_reject,
    application_request_revision,
    application_resubmit,
    application_start_review,
    application_submit,
    application_update_scope,
    application_withdraw,
)
from certification.tests.conftest import SCOPE
from core.exceptions import DomainError
from core.models import LogEntry
from core.services import history_of
from core.workflow import transitions_for

pytestmark = pytest.mark.django_db

CAST = [
    "enterprise_user",
    "other_enterprise_user",
    "cb_staff",
    "lead_assessor",
    "decider",
    "regulator",
    "outsider",
]


def refused_and_unchanged(request, role, application, call):
    """`call(user)` by `role` raises PermissionDenied; state and history stay as they were."""
    user = request.getfixturevalue(role)
    before = (application.state, LogEntry.objects.count())
    with pytest.raises(PermissionDenied):
        call(user)
    application.refresh_from_db()
    assert (application.state, LogEntry.objects.count()) == before


# --- create and edit -------------------------------------------------------------------------


def test_an_enterprise_user_opens_a_numbered_draft_and_it_is_logged(draft, enterprise_user):
    assert draft.state == Application.State.DRAFT
    assert draft.number.startswith("HS-") and len(draft.number) == len("HS-2026-000001")
    assert draft.filed_by_body is False
    [entry] = history_of(draft)
    assert (entry.transition, entry.actor) == ("create", enterprise_user)


def test_application_numbers_follow_each_other_without_gaps(
    enterprise, body, scheme, enterprise_user
):
    numbers = [
        application_create(
            enterprise=enterprise, body=body, scheme=scheme, by=enterprise_user
        ).number
        for _ in range(3)
    ]
    serials = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert serials == [serials[0], serials[0] + 1, serials[0] + 2]


def test_a_body_officer_files_an_application_on_paper_and_the_enterprise_continues_it(
    enterprise, body, scheme, cb_staff, enterprise_user
):
    application = application_create(
        enterprise=enterprise, body=body, scheme=scheme, by=cb_staff, **SCOPE
    )
    assert application.filed_by_body is True
    application_update_scope(
        application=application, by=enterprise_user, scope_note="Bổ sung kho Ia Grai"
    )
    submitted = application_submit(application=application, by=enterprise_user)
    assert submitted.state == Application.State.SUBMITTED


def test_the_body_may_submit_an_application_it_filed_on_paper(enterprise, body, scheme, cb_staff):
    application = application_create(
        enterprise=enterprise, body=body, scheme=scheme, by=cb_staff, **SCOPE
    )
    assert (
        application_submit(application=application, by=cb_staff).state
        == Application.State.SUBMITTED
    )


@pytest.mark.parametrize(
    "role", ["other_enterprise_user", "lead_assessor", "decider", "regulator", "outsider"]
)
def test_nobody_else_may_open_an_application(request, role, enterprise, body, scheme):
    with pytest.raises(PermissionDenied):
        application_create(
            enterprise=enterprise, body=body, scheme=scheme, by=request.getfixturevalue(role)
        )
    assert not Application.objects.exists()


def test_an_invalid_gtin_or_stage_is_refused_with_the_field_named(
    enterprise, body, scheme, enterprise_user
):
    with pytest.raises(ValidationError) as exc:
        application_create(
            enterprise=enterprise,
            body=body,
            scheme=scheme,
            by=enterprise_user,
            products=[{"name": "Hồ tiêu", "gtin": "8934567000018"}],
            stages=["teleportation"],
        )
    assert set(exc.value.message_dict) == {"products", "stages"}
    assert not Application.objects.exists()


def test_the_scope_cannot_be_edited_once_submitted(submitted, enterprise_user):
    with pytest.raises(DomainError) as exc:
        application_update_scope(application=submitted, by=enterprise_user, scope_note="x")
    assert exc.value.code == "not_editable"


# --- submit ---------------------------------------------------------------------------------


def test_submit_by_the_enterprise_is_logged(submitted, enterprise_user):
    assert submitted.state == Application.State.SUBMITTED
    assert submitted.submitted_at is not None
    last = history_of(submitted).last()
    assert (last.transition, last.source_state, last.target_state, last.actor) == (
        "submit",
        "draft",
        "submitted",
        enterprise_user,
    )


@pytest.mark.parametrize("role", [r for r in CAST if r != "enterprise_user"])
def test_submit_by_anyone_else_is_refused(request, role, draft):
    refused_and_unchanged(
        request, role, draft, lambda u: application_submit(application=draft, by=u)
    )


def test_submit_without_scope_is_refused_naming_the_guard(
    enterprise, body, scheme, enterprise_user
):
    application = application_create(
        enterprise=enterprise, body=body, scheme=scheme, by=enterprise_user
    )
    with pytest.raises(DomainError) as exc:
        application_submit(application=application, by=enterprise_user)
    assert exc.value.code == "scope_missing"
    application.refresh_from_db()
    assert application.state == Application.State.DRAFT


def test_submit_without_the_schemes_required_documents_names_them(draft, scheme, enterprise_user):
    scheme.required_document_types = ["business_registration", "traceability_procedure"]
    scheme.save()
    with pytest.raises(DomainError) as exc:
        application_submit(application=draft, by=enterprise_user)
    assert exc.value.code == "documents_missing"
    assert (
        "Giấy chứng nhận đăng ký doanh nghiệp" in exc.value.message
        or "Business" in exc.value.message
    )


def test_submit_succeeds_once_the_required_documents_are_attached(draft, scheme, enterprise_user):
    from certification.tests.factories import attach_documents

    scheme.required_document_types = ["business_registration"]
    scheme.save()
    attach_documents(draft, ["business_registration"], by=enterprise_user)
    assert (
        application_submit(application=draft, by=enterprise_user).state
        == Application.State.SUBMITTED
    )


def test_submit_twice_is_a_state_conflict(submitted, enterprise_user):
    with pytest.raises(DomainError) as exc:
        application_submit(application=submitted, by=enterprise_user)
    assert exc.value.code == "invalid_state"


# --- the body's review ----------------------------------------------------------------------


def test_start_review_by_the_body(under_review, cb_staff):
    assert under_review.state == Application.State.UNDER_REVIEW
    assert history_of(under_review).last().actor == cb_staff


@pytest.mark.parametrize("role", [r for r in CAST if r != "cb_staff"])
def test_start_review_by_anyone_else_is_refused(request, role, submitted):
    refused_and_unchanged(
        request, role, submitted, lambda u: application_start_review(application=submitted, by=u)
    )


def test_an_officer_of_another_body_may_not_review(submitted, admin_user, province):
    from certification.models import Role
    from certification.tests.factories import BodyFactory, UserFactory, grant

    stranger = grant(UserFactory(), Role.CB_STAFF, BodyFactory(province=province), by=admin_user)
    with pytest.raises(PermissionDenied):
        application_start_review(application=submitted, by=stranger)


def test_request_revision_needs_a_comment_and_resubmit_returns_it(
    under_review, cb_staff, enterprise_user
):
    with pytest.raises(ValidationError) as exc:
        application_request_revision(application=under_review, by=cb_staff, comment="  ")
    assert "comment" in exc.value.message_dict
    returned = application_request_revision(
        application=under_review, by=cb_staff, comment="Thiếu sơ đồ quy trình"
    )
    assert returned.state == Application.State.REVISION_REQUESTED
    assert history_of(returned).last().comment == "Thiếu sơ đồ quy trình"
    again = application_resubmit(application=returned, by=enterprise_user)
    assert again.state == Application.State.SUBMITTED


@pytest.mark.parametrize("role", [r for r in CAST if r != "cb_staff"])
def test_request_revision_by_anyone_else_is_refused(request, role, under_review):
    refused_and_unchanged(
        request,
        role,
        under_review,
        lambda u: application_request_revision(application=under_review, by=u, comment="x"),
    )


@pytest.mark.parametrize("role", [r for r in CAST if r != "enterprise_user"])
def test_resubmit_by_anyone_else_is_refused(request, role, under_review, cb_staff):
    returned = application_request_revision(
        application=under_review, by=cb_staff, comment="Bổ sung"
    )
    refused_and_unchanged(
        request, role, returned, lambda u: application_resubmit(application=returned, by=u)
    )


def test_reject_needs_a_reason_and_is_final(under_review, cb_staff, enterprise_user):
    with pytest.raises(ValidationError):
        application_reject(application=under_review, by=cb_staff, comment="")
    rejected = application_reject(
        application=under_review, by=cb_staff, comment="Ngoài lĩnh vực chứng nhận"
    )
    assert rejected.state == Application.State.REJECTED
    assert all(not t.allowed for t in transitions_for(rejected, cb_staff))
    with pytest.raises(DomainError):
        application_withdraw(application=rejected, by=enterprise_user)


@pytest.mark.parametrize("role", [r for r in CAST if r != "cb_staff"])
def test_reject_by_anyone_else_is_refused(request, role, under_review):
    refused_and_unchanged(
        request,
        role,
        under_review,
        lambda u: application_reject(application=under_review, by=u, comment="x"),
    )


def test_accept_records_the_review_and_needs_a_registered_body(in_evaluation):
    assert in_evaluation.state == Application.State.IN_EVALUATION
    assert in_evaluation.contract_reference == "HĐ-2026/015"
    assert in_evaluation.scope_within_competence is True


def test_accept_is_refused_while_the_body_is_not_registered_for_the_scheme(under_review, cb_staff):
    with pytest.raises(DomainError) as exc:
        application_accept(
            application=under_review,
            by=cb_staff,
            contract_reference="HĐ-1",
            scope_within_competence=True,
        )
    assert exc.value.code == "body_not_registered"
    under_review.refresh_from_db()
    assert under_review.state == Application.State.UNDER_REVIEW


def test_accept_without_the_competence_confirmation_or_contract_is_refused(
    under_review, cb_staff, registration
):
    with pytest.raises(ValidationError) as exc:
        application_accept(
            application=under_review,
            by=cb_staff,
            contract_reference="HĐ-1",
            scope_within_competence=False,
        )
    assert "scope_within_competence" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        application_accept(
            application=under_review,
            by=cb_staff,
            contract_reference="",
            scope_within_competence=True,
        )
    assert "contract_reference" in exc.value.message_dict
    under_review.refresh_from_db()
    assert under_review.state == Application.State.UNDER_REVIEW
    assert not LogEntry.objects.for_object(under_review).filter(transition="accept").exists()


@pytest.mark.parametrize("role", [r for r in CAST if r != "cb_staff"])
def test_accept_by_anyone_else_is_refused(request, role, under_review, registration):
    refused_and_unchanged(
        request,
        role,
        under_review,
        lambda u: application_accept(
            application=under_review, by=u, contract_reference="HĐ-1", scope_within_competence=True
        ),
    )


# --- withdraw -------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["draft", "submitted", "under_review", "in_evaluation"])
def test_the_enterprise_may_withdraw_before_the_decision(request, state, enterprise_user):
    application = request.getfixturevalue(state)
    withdrawn = application_withdraw(
        application=application, by=enterprise_user, comment="Tạm dừng"
    )
    assert withdrawn.state == Application.State.WITHDRAWN
    assert history_of(withdrawn).last().source_state == state


@pytest.mark.parametrize("role", [r for r in CAST if r != "enterprise_user"])
def test_withdraw_by_anyone_else_is_refused(request, role, submitted):
    refused_and_unchanged(
        request, role, submitted, lambda u: application_withdraw(application=submitted, by=u)
    )


# --- what each person may do now --------------------------------------------------------------


def test_the_transition_list_says_what_each_person_may_do_and_why_not(
    under_review, cb_staff, enterprise_user
):
    for_staff = {t.name: t for t in transitions_for(under_review, cb_staff)}
    assert set(for_staff) == {"request_revision", "reject", "accept", "withdraw"}
    assert for_staff["reject"].allowed and for_staff["request_revision"].allowed
    assert not for_staff["accept"].allowed and for_staff["accept"].code == "body_not_registered"
    assert not for_staff["withdraw"].allowed and for_staff["withdraw"].code == "permission_denied"
    for_enterprise = {t.name: t for t in transitions_for(under_review, enterprise_user)}
    assert for_enterprise["withdraw"].allowed
    assert not for_enterprise["reject"].allowed and for_enterprise["reject"].reason
    assert for_staff["reject"].requires == ("comment",)
