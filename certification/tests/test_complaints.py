import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from certification.models import Complaint
from certification.services import complaint_acknowledge, complaint_lodge, complaint_resolve
from core.services import history_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaint(body, enterprise):
    return complaint_lodge(
        body=body,
        enterprise=enterprise,
        complainant_email="nguoitieudung@example.vn",
        complainant_name="Người tiêu dùng",
        subject="Mã QR trên bao bì không truy xuất được",
        description="Quét mã trên gói cà phê 500 g thì trang báo lỗi.",
    )


def test_anyone_may_lodge_a_complaint_without_an_account(complaint):
    assert complaint.state == Complaint.State.RECEIVED
    assert complaint.submitted_by is None
    [entry] = history_of(complaint)
    assert (entry.transition, entry.actor) == ("lodge", None)


def test_a_complaint_needs_an_email_a_subject_and_a_description(body):
    with pytest.raises(ValidationError) as exc:
        complaint_lodge(body=body, complainant_email="not-an-email", subject="", description="")
    assert {"subject", "description"} <= set(exc.value.message_dict)
    assert not Complaint.objects.exists()


def test_the_bodys_officer_acknowledges_and_resolves_it(complaint, cb_staff):
    investigating = complaint_acknowledge(complaint=complaint, by=cb_staff)
    assert investigating.state == Complaint.State.INVESTIGATING
    with pytest.raises(ValidationError):
        complaint_resolve(complaint=investigating, by=cb_staff, comment="")
    resolved = complaint_resolve(
        complaint=investigating, by=cb_staff, comment="Đã yêu cầu doanh nghiệp sửa mã"
    )
    assert resolved.state == Complaint.State.RESOLVED
    assert resolved.resolution == "Đã yêu cầu doanh nghiệp sửa mã"


@pytest.mark.parametrize(
    "role",
    [
        "enterprise_user",
        "other_enterprise_user",
        "lead_assessor",
        "decider",
        "regulator",
        "outsider",
    ],
)
def test_nobody_but_the_bodys_officers_handles_complaints(request, role, complaint):
    with pytest.raises(PermissionDenied):
        complaint_acknowledge(complaint=complaint, by=request.getfixturevalue(role))
    complaint.refresh_from_db()
    assert complaint.state == Complaint.State.RECEIVED


@pytest.mark.parametrize(
    "role",
    [
        "enterprise_user",
        "other_enterprise_user",
        "lead_assessor",
        "decider",
        "regulator",
        "outsider",
    ],
)
def test_nobody_but_the_bodys_officers_resolves_complaints(request, role, complaint, cb_staff):
    investigating = complaint_acknowledge(complaint=complaint, by=cb_staff)
    with pytest.raises(PermissionDenied):
        complaint_resolve(complaint=investigating, by=request.getfixturevalue(role), comment="x")
    investigating.refresh_from_db()
    assert investigating.state == Complaint.State.INVESTIGATING
