"""The client may request a review of a major finding's grading (issue 15, problem 3: appeals
against any adverse decision), decided by a decision maker who had no part in the audit."""

import pytest
from django.core.exceptions import ValidationError

from audits.services import finding_raise
from certification.models import Appeal, Role
from certification.services import appeal_lodge, appeal_start_consideration
from certification.tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def major(stage1, lead_assessor):
    return finding_raise(
        audit=stage1,
        by=lead_assessor,
        severity="major",
        description="Không truy xuất được lô L-07 tới vùng trồng.",
    )


def test_the_client_appeals_a_major_findings_grading(
    major, enterprise_user, cb_staff, body, admin_user
):
    """Fails on the code before: a finding's grading could not be appealed."""
    appeal = appeal_lodge(
        by=enterprise_user,
        subject=Appeal.Subject.FINDING_GRADING,
        grounds="Hồ sơ lô L-07 đã được xuất trình, đây chỉ là điểm nhẹ.",
        finding=major,
    )
    assert (appeal.finding, appeal.application) == (major, major.audit.application)
    uninvolved = grant(UserFactory(username="dm-free"), Role.DECISION_MAKER, body, by=admin_user)
    considered = appeal_start_consideration(appeal=appeal, by=cb_staff, handler=uninvolved)
    assert considered.handler == uninvolved


def test_an_assessor_of_that_audit_may_not_consider_the_appeal(
    major, enterprise_user, cb_staff, lead_assessor, body, admin_user
):
    grant(lead_assessor, Role.DECISION_MAKER, body, by=admin_user)
    appeal = appeal_lodge(
        by=enterprise_user,
        subject=Appeal.Subject.FINDING_GRADING,
        grounds="Phân loại sai.",
        finding=major,
    )
    with pytest.raises(ValidationError) as refused:
        appeal_start_consideration(appeal=appeal, by=cb_staff, handler=lead_assessor)
    assert "handler" in refused.value.message_dict


def test_a_minor_finding_is_not_a_grading_to_appeal(stage1, lead_assessor, enterprise_user):
    minor = finding_raise(
        audit=stage1, by=lead_assessor, severity="minor", description="Thiếu chữ ký sổ."
    )
    with pytest.raises(ValidationError):
        appeal_lodge(
            by=enterprise_user,
            subject=Appeal.Subject.FINDING_GRADING,
            grounds="…",
            finding=minor,
        )


def test_the_client_finds_the_request_for_review_on_the_finding_page(
    client, major, enterprise_user, cb_staff
):
    client.force_login(enterprise_user)
    page = client.get(f"/findings/{major.pk}/")
    assert f"/appeals/new/?finding={major.pk}" in page.text
    form = client.get(f"/appeals/new/?finding={major.pk}")
    assert form.status_code == 200
    posted = client.post(f"/appeals/new/?finding={major.pk}", {"grounds": "Phân loại sai."})
    assert posted.status_code == 302
    assert Appeal.objects.get().finding == major
    client.force_login(cb_staff)
    assert f"/appeals/new/?finding={major.pk}" not in client.get(f"/findings/{major.pk}/").text
