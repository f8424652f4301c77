import pytest
from django.core.exceptions import PermissionDenied

from audits.tests.factories import closed_audit
from certification.models import Role
from certification.services import (
    application_accept,
    application_create,
    application_grant,
    application_refuse,
    application_start_review,
    application_submit,
    application_submit_for_decision,
)
from certification.tests.factories import SchemeFactory, UserFactory, grant, registered_body
from core.models import LogEntry

SCOPE = {
    "products": [{"name": "Cà phê nhân Robusta Chư Sê", "gtin": "8934567000017"}],
    "sites": [{"name": "Nhà máy chế biến Chư Sê", "address": "Quốc lộ 14, xã Chư Sê"}],
    "stages": ["primary_production", "processing", "packing"],
    "sector_standard": "TCVN 12827:2023",
}


@pytest.fixture
def scheme(db):
    return SchemeFactory()


@pytest.fixture
def registration(body, scheme, regulator, cb_staff):
    return registered_body(body, scheme, regulator=regulator, staff=cb_staff)


@pytest.fixture
def draft(enterprise, body, scheme, enterprise_user):
    return application_create(
        enterprise=enterprise, body=body, scheme=scheme, by=enterprise_user, **SCOPE
    )


@pytest.fixture
def submitted(draft, enterprise_user):
    return application_submit(application=draft, by=enterprise_user)


@pytest.fixture
def under_review(submitted, cb_staff):
    return application_start_review(application=submitted, by=cb_staff)


@pytest.fixture
def in_evaluation(under_review, cb_staff, registration):
    return application_accept(
        application=under_review,
        by=cb_staff,
        contract_reference="HĐ-2026/015",
        scope_within_competence=True,
    )


# --- Evaluation, decision and certificate (audits made through the audits app's services) ---

# The shared cast (root conftest) whose refusals the decision, certificate and appeal tests
# check; each test leaves out the one person the rule names.
CAST = [
    "enterprise_user",
    "other_enterprise_user",
    "cb_staff",
    "lead_assessor",
    "decider",
    "regulator",
    "outsider",
]


def refused_and_unchanged(user, obj, call) -> None:
    """`call(user)` raises PermissionDenied; `obj`'s state and the whole log stay as they were."""
    before = (obj.state, LogEntry.objects.count())
    with pytest.raises(PermissionDenied):
        call(user)
    obj.refresh_from_db()
    assert (obj.state, LogEntry.objects.count()) == before


@pytest.fixture
def evaluated(in_evaluation, cb_staff, lead_assessor):
    """An application in evaluation whose stage 1 and stage 2 audits are closed (a passing
    trace test in stage 2). `lead_assessor` leads both; `cb_staff` is on no team."""
    closed_audit(staff=cb_staff, lead=lead_assessor, application=in_evaluation, kind="stage1")
    closed_audit(staff=cb_staff, lead=lead_assessor, application=in_evaluation, kind="stage2")
    in_evaluation.refresh_from_db()
    return in_evaluation


@pytest.fixture
def decision_pending(evaluated, cb_staff):
    """Technically reviewed by `cb_staff`, waiting for a decision."""
    return application_submit_for_decision(
        application=evaluated, by=cb_staff, technical_review_note="Hồ sơ đầy đủ, đề nghị cấp."
    )


@pytest.fixture
def certificate(decision_pending, decider):
    """The certificate issued when `decider` grants the application."""
    return application_grant(application=decision_pending, by=decider, comment="Đủ điều kiện.")


@pytest.fixture
def refused_application(decision_pending, decider):
    """The application refused by `decider`."""
    return application_refuse(
        application=decision_pending, by=decider, comment="Không truy xuất được lô hàng."
    )


@pytest.fixture
def other_decider(body, admin_user):
    """A decision maker of the body who had no part in the file."""
    return grant(UserFactory(username="decider2"), Role.DECISION_MAKER, body, by=admin_user)
