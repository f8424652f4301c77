"""Regulators at two levels (issue 15, problem 4): body registration is a national competence
(Decree 107/2016 as amended by Decree 154/2018); a provincial regulator sees it and gets 403;
the "≥ 4 official auditors" condition counts the body's auditors qualified for the scheme on the
day, not a typed number."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from audits.models import AssessorQualification
from audits.selectors import qualified_auditor_count
from certification.models import BodyRegistration, Membership, Role
from certification.selectors import jurisdictions_of, registrations_visible_to
from certification.services import (
    membership_end,
    registration_create,
    registration_register,
    registration_start_review,
    registration_submit,
)
from certification.tests.factories import (
    ProvinceFactory,
    UserFactory,
    attach_documents,
    grant,
    qualified_auditors,
)
from core.exceptions import DomainError

# The auditors counted are those each test records (not the cast's standing competence).
pytestmark = [pytest.mark.django_db, pytest.mark.competence_as_recorded]

DOCS = ["quality_manual", "assessor_list", "legal_documents"]


@pytest.fixture
def reviewed(body, scheme, cb_staff, national_regulator):
    # The body declares 9 auditors: the declaration decides nothing.
    registration = registration_create(body=body, scheme=scheme, by=cb_staff, assessor_count=9)
    attach_documents(registration, DOCS, by=cb_staff)
    registration = registration_submit(registration=registration, by=cb_staff)
    return registration_start_review(registration=registration, by=national_regulator)


def register(registration, by):
    return registration_register(registration=registration, by=by, registration_number="5/ĐK")


def test_a_body_with_three_qualified_auditors_is_refused_and_with_four_registered(
    reviewed, body, scheme, national_regulator
):
    """Acceptance 3. Fails on the code before: a body with 0 auditors was registered."""
    qualified_auditors(body, scheme, 3)
    with pytest.raises(DomainError) as refused:
        register(reviewed, national_regulator)
    assert refused.value.code == "too_few_qualified_auditors"
    assert "3" in refused.value.message and "4" in refused.value.message
    reviewed.refresh_from_db()
    assert reviewed.state == BodyRegistration.State.UNDER_REVIEW

    qualified_auditors(body, scheme, 4)
    assert register(reviewed, national_regulator).state == BodyRegistration.State.REGISTERED


def test_only_qualifications_valid_today_for_this_scheme_of_current_auditors_count(
    body, scheme, admin_user
):
    from certification.tests.factories import SchemeFactory

    other_scheme = SchemeFactory(code="other", standard="TCVN 0000")
    counted = qualified_auditors(body, scheme, 2)
    lapsed = grant(UserFactory(), Role.ASSESSOR, body, by=admin_user)
    AssessorQualification.objects.create(
        user=lapsed,
        scheme=scheme,
        valid_from=datetime.date(2019, 1, 1),
        valid_until=datetime.date(2020, 1, 1),
    )
    elsewhere = grant(UserFactory(), Role.ASSESSOR, body, by=admin_user)
    AssessorQualification.objects.create(
        user=elsewhere, scheme=other_scheme, valid_from=datetime.date(2020, 1, 1)
    )
    assert qualified_auditor_count(body, scheme) == 2
    # An auditor who left the body no longer counts.
    membership = Membership.objects.get(user=counted[0], organisation=body, role=Role.ASSESSOR)
    membership_end(membership=membership, by=admin_user)
    assert qualified_auditor_count(body, scheme) == 1
    # In 2019 only the auditor whose qualification has since lapsed was qualified.
    assert qualified_auditor_count(body, scheme, on=datetime.date(2019, 6, 1)) == 1


def test_a_provincial_regulator_sees_the_registration_but_may_not_decide(
    reviewed, body, scheme, regulator
):
    """Acceptance 3. Fails on the code before: the provincial Sở KH&CN registered bodies."""
    qualified_auditors(body, scheme, 4)
    assert reviewed in registrations_visible_to(regulator)
    with pytest.raises(PermissionDenied):
        register(reviewed, regulator)


def test_the_provincial_regulator_gets_403_on_the_page_and_the_api_and_sees_it(
    client, reviewed, body, scheme, regulator, national_regulator
):
    qualified_auditors(body, scheme, 4)
    client.force_login(regulator)
    assert client.get(f"/registrations/{reviewed.pk}/").status_code == 200
    assert f"/registrations/{reviewed.pk}/" in client.get("/registrations/").text
    page = client.post(
        f"/registrations/{reviewed.pk}/transitions/register/", {"registration_number": "5/ĐK"}
    )
    assert page.status_code == 403
    api = client.post(
        f"/api/v1/registrations/{reviewed.pk}/transitions/register/",
        {"registration_number": "5/ĐK"},
        content_type="application/json",
    )
    assert api.status_code == 403
    reviewed.refresh_from_db()
    assert reviewed.state == BodyRegistration.State.UNDER_REVIEW

    client.force_login(national_regulator)
    done = client.post(
        f"/registrations/{reviewed.pk}/transitions/register/", {"registration_number": "5/ĐK"}
    )
    assert done.status_code == 302
    reviewed.refresh_from_db()
    assert reviewed.state == BodyRegistration.State.REGISTERED


def test_the_page_refuses_three_auditors_with_409_and_the_reason(
    client, reviewed, body, scheme, national_regulator
):
    qualified_auditors(body, scheme, 3)
    client.force_login(national_regulator)
    page = client.get(f"/registrations/{reviewed.pk}/")
    assert 'id="registration-qualified-auditors">3' in page.text
    response = client.post(
        f"/registrations/{reviewed.pk}/transitions/register/", {"registration_number": "5/ĐK"}
    )
    assert response.status_code == 409
    assert "ít nhất 4" in response.text


def test_a_registration_is_filed_with_the_national_authority(body, scheme, cb_staff, province):
    registration = registration_create(body=body, scheme=scheme, jurisdiction=province, by=cb_staff)
    assert registration.jurisdiction.is_national


def test_the_national_regulator_oversees_every_province_and_a_provincial_one_only_theirs(
    province, other_province, regulator, national_regulator
):
    assert set(jurisdictions_of(national_regulator)) >= {province, other_province}
    assert not any(p.is_national for p in jurisdictions_of(national_regulator))
    assert list(jurisdictions_of(regulator)) == [province]
    third = ProvinceFactory(code="dak-lak", name="Đắk Lắk")
    assert third in jurisdictions_of(national_regulator)
