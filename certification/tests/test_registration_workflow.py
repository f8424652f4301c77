"""Body registration with the national authority (../shared/spec/workflow.md, Body
registration). In this module `regulator` is the national regulator, the only one who decides;
`provincial_regulator` sees registrations and is refused like everyone else."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from certification.models import BodyRegistration, Role
from certification.services import (
    registration_create,
    registration_expire_due,
    registration_register,
    registration_reinstate,
    registration_reject,
    registration_request_revision,
    registration_resubmit,
    registration_revoke,
    registration_start_review,
    registration_submit,
    registration_suspend,
)
from certification.tests.factories import UserFactory, attach_documents, grant, qualified_auditors
from core.exceptions import DomainError
from core.models import LogEntry
from core.services import history_of

pytestmark = pytest.mark.django_db

CAST = [
    "enterprise_user",
    "other_enterprise_user",
    "cb_staff",
    "lead_assessor",
    "decider",
    "regulator",
    "provincial_regulator",
    "outsider",
]
DOCS = ["quality_manual", "assessor_list", "legal_documents"]


@pytest.fixture
def regulator(national_regulator):
    return national_regulator


@pytest.fixture
def provincial_regulator(province, admin_user):
    return grant(UserFactory(username="so-khcn"), Role.REGULATOR, province, by=admin_user)


@pytest.fixture(autouse=True)
def _four_qualified_auditors(body, scheme):
    qualified_auditors(body, scheme, 4)


@pytest.fixture
def draft_registration(body, scheme, province, cb_staff):
    return registration_create(
        body=body, scheme=scheme, jurisdiction=province, by=cb_staff, assessor_count=4
    )


@pytest.fixture
def submitted_registration(draft_registration, cb_staff):
    attach_documents(draft_registration, DOCS, by=cb_staff)
    return registration_submit(registration=draft_registration, by=cb_staff)


@pytest.fixture
def reviewed(submitted_registration, regulator):
    return registration_start_review(registration=submitted_registration, by=regulator)


def refused(request, role, obj, call):
    user = request.getfixturevalue(role)
    before = (obj.state, LogEntry.objects.count())
    with pytest.raises(PermissionDenied):
        call(user)
    obj.refresh_from_db()
    assert (obj.state, LogEntry.objects.count()) == before


def test_submit_needs_the_quality_manual_assessor_list_and_legal_documents(
    draft_registration, cb_staff
):
    with pytest.raises(DomainError) as exc:
        registration_submit(registration=draft_registration, by=cb_staff)
    assert exc.value.code == "documents_missing"


def test_the_regulator_registers_a_body_with_number_date_and_five_year_validity(
    reviewed, regulator
):
    registration = registration_register(
        registration=reviewed, by=regulator, registration_number="07/2026/ĐK-KHCN"
    )
    assert registration.state == BodyRegistration.State.REGISTERED
    assert registration.registration_number == "07/2026/ĐK-KHCN"
    assert registration.valid_until.year == registration.registered_on.year + 5
    assert [e.transition for e in history_of(registration)] == [
        "create",
        "submit",
        "start_review",
        "register",
    ]


def test_register_needs_a_registration_number(reviewed, regulator):
    with pytest.raises(ValidationError) as exc:
        registration_register(registration=reviewed, by=regulator, registration_number="")
    assert "registration_number" in exc.value.message_dict


@pytest.mark.parametrize("role", [r for r in CAST if r != "cb_staff"])
def test_submit_by_anyone_but_the_bodys_officer_is_refused(
    request, role, draft_registration, cb_staff
):
    attach_documents(draft_registration, DOCS, by=cb_staff)
    refused(
        request,
        role,
        draft_registration,
        lambda u: registration_submit(registration=draft_registration, by=u),
    )


@pytest.mark.parametrize("role", [r for r in CAST if r != "regulator"])
def test_review_and_register_by_anyone_but_the_regulator_are_refused(
    request, role, submitted_registration
):
    refused(
        request,
        role,
        submitted_registration,
        lambda u: registration_start_review(registration=submitted_registration, by=u),
    )


def test_a_regulator_of_another_province_may_not_review(
    submitted_registration, other_province, admin_user
):
    stranger = grant(UserFactory(), Role.REGULATOR, other_province, by=admin_user)
    with pytest.raises(PermissionDenied):
        registration_start_review(registration=submitted_registration, by=stranger)


def test_revision_round_trip_and_rejection(reviewed, regulator, cb_staff):
    returned = registration_request_revision(
        registration=reviewed, by=regulator, comment="Thiếu danh sách chuyên gia"
    )
    assert returned.state == BodyRegistration.State.REVISION_REQUESTED
    again = registration_resubmit(registration=returned, by=cb_staff)
    again = registration_start_review(registration=again, by=regulator)
    rejected = registration_reject(
        registration=again, by=regulator, comment="Không đủ 4 chuyên gia"
    )
    assert rejected.state == BodyRegistration.State.REJECTED


def test_suspend_reinstate_revoke(reviewed, regulator):
    registered = registration_register(
        registration=reviewed, by=regulator, registration_number="1/ĐK"
    )
    suspended = registration_suspend(
        registration=registered, by=regulator, comment="Vi phạm quy trình"
    )
    assert suspended.state == BodyRegistration.State.SUSPENDED
    with pytest.raises(ValidationError):
        registration_reinstate(registration=suspended, by=regulator, comment="")
    reinstated = registration_reinstate(
        registration=suspended, by=regulator, comment="Đã khắc phục"
    )
    revoked = registration_revoke(registration=reinstated, by=regulator, comment="Tái phạm")
    assert revoked.state == BodyRegistration.State.REVOKED


def test_registrations_expire_on_their_date_once(reviewed, regulator):
    registered = registration_register(
        registration=reviewed, by=regulator, registration_number="1/ĐK"
    )
    day_before = registered.valid_until - datetime.timedelta(days=1)
    assert registration_expire_due(day_before) == 0
    assert registration_expire_due(registered.valid_until) == 1
    assert registration_expire_due(registered.valid_until) == 0
    registered.refresh_from_db()
    assert registered.state == BodyRegistration.State.EXPIRED
    last = history_of(registered).last()
    assert (last.transition, last.actor) == ("expire", None)


def test_a_second_open_registration_for_the_same_scheme_is_refused(
    draft_registration, body, scheme, province, cb_staff
):
    with pytest.raises(ValidationError):
        registration_create(body=body, scheme=scheme, jurisdiction=province, by=cb_staff)


# --- every other transition: each role but the regulator of the jurisdiction is refused -------

REGULATOR_STEPS = {
    "request_revision": lambda reg, u: registration_request_revision(
        registration=reg, by=u, comment="x"
    ),
    "register": lambda reg, u: registration_register(
        registration=reg, by=u, registration_number="9/ĐK"
    ),
    "reject": lambda reg, u: registration_reject(registration=reg, by=u, comment="x"),
}


@pytest.mark.parametrize("step", sorted(REGULATOR_STEPS))
@pytest.mark.parametrize("role", [r for r in CAST if r != "regulator"])
def test_review_decisions_by_anyone_but_the_regulator_are_refused(request, role, step, reviewed):
    refused(request, role, reviewed, lambda u: REGULATOR_STEPS[step](reviewed, u))


@pytest.mark.parametrize("role", [r for r in CAST if r != "cb_staff"])
def test_resubmit_by_anyone_but_the_bodys_officer_is_refused(request, role, reviewed, regulator):
    returned = registration_request_revision(registration=reviewed, by=regulator, comment="Bổ sung")
    refused(request, role, returned, lambda u: registration_resubmit(registration=returned, by=u))


@pytest.mark.parametrize(
    "step",
    [
        lambda reg, u: registration_suspend(registration=reg, by=u, comment="x"),
        lambda reg, u: registration_revoke(registration=reg, by=u, comment="x"),
    ],
    ids=["suspend", "revoke"],
)
@pytest.mark.parametrize("role", [r for r in CAST if r != "regulator"])
def test_suspend_and_revoke_by_anyone_but_the_regulator_are_refused(
    request, role, step, reviewed, regulator
):
    registered = registration_register(
        registration=reviewed, by=regulator, registration_number="1/ĐK"
    )
    refused(request, role, registered, lambda u: step(registered, u))


@pytest.mark.parametrize("role", [r for r in CAST if r != "regulator"])
def test_reinstate_by_anyone_but_the_regulator_is_refused(request, role, reviewed, regulator):
    registered = registration_register(
        registration=reviewed, by=regulator, registration_number="1/ĐK"
    )
    suspended = registration_suspend(registration=registered, by=regulator, comment="Vi phạm")
    refused(
        request,
        role,
        suspended,
        lambda u: registration_reinstate(registration=suspended, by=u, comment="x"),
    )
