import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from certification.models import BodyRegistration, Role
from certification.tests.factories import BodyFactory, ProvinceFactory, UserFactory, grant
from documents.selectors import (
    current_documents_of,
    document_get_for_user,
    document_types_of,
    documents_visible_to,
)
from documents.services import document_upload
from documents.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def application_document(draft_application, enterprise_user):
    return document_upload(
        owner=draft_application, doc_type="general", file=factories.pdf(), by=enterprise_user
    )


def test_the_people_of_the_enterprise_the_body_and_the_province_see_an_applications_document(
    application_document, enterprise_user, cb_staff, decider, regulator
):
    factories.submitted(application_document.owner)  # a draft is the enterprise's alone
    for user in (enterprise_user, cb_staff, decider, regulator):
        assert list(documents_visible_to(user)) == [application_document], user.username
        assert document_get_for_user(user, application_document.pk) == application_document


def test_outsiders_do_not_see_an_applications_document(
    application_document, other_enterprise_user, outsider, admin_user
):
    for user in (other_enterprise_user, outsider, admin_user):
        assert not documents_visible_to(user).exists()
        with pytest.raises(Http404):
            document_get_for_user(user, application_document.pk)


def test_an_assessor_of_the_body_off_every_team_does_not_see_an_applications_document(
    application_document, lead_assessor
):
    # Like the application itself: an assessor sees what the audits they are on cover.
    assert not documents_visible_to(lead_assessor).exists()
    with pytest.raises(Http404):
        document_get_for_user(lead_assessor, application_document.pk)


def test_a_regulator_of_another_province_does_not_see_it(application_document, admin_user):
    elsewhere = grant(UserFactory(), Role.REGULATOR, ProvinceFactory(), by=admin_user)
    assert not documents_visible_to(elsewhere).exists()


def test_staff_of_another_body_do_not_see_it(application_document, province, admin_user):
    staff = grant(UserFactory(), Role.CB_STAFF, BodyFactory(province=province), by=admin_user)
    assert not documents_visible_to(staff).exists()


def test_a_registrations_documents_are_seen_by_its_body_and_its_regulator_not_by_enterprises(
    body, province, cb_staff, regulator, enterprise_user
):
    registration = BodyRegistration.objects.create(
        body=body, scheme=factories.scheme(), jurisdiction=province
    )
    document = document_upload(
        owner=registration, doc_type="quality_manual", file=factories.pdf(), by=cb_staff
    )
    assert list(documents_visible_to(cb_staff)) == [document]
    assert list(documents_visible_to(regulator)) == [document]
    assert not documents_visible_to(enterprise_user).exists()


def test_a_certificates_documents_are_seen_by_its_holder(
    issued_certificate, cb_staff, enterprise_user, other_enterprise_user
):
    document = document_upload(
        owner=issued_certificate, doc_type="general", file=factories.pdf(), by=cb_staff
    )
    assert list(documents_visible_to(enterprise_user)) == [document]
    assert not documents_visible_to(other_enterprise_user).exists()


def test_visibility_takes_the_same_number_of_queries_for_many_documents(
    draft_application, enterprise_user, django_assert_max_num_queries
):
    def upload():
        document_upload(
            owner=draft_application, doc_type="general", file=factories.pdf(), by=enterprise_user
        )

    upload()
    with CaptureQueriesContext(connection) as one:
        assert len(list(documents_visible_to(enterprise_user))) == 1
    for _ in range(4):
        upload()
    # One query per kind of owner at most, however many documents there are.
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(list(documents_visible_to(enterprise_user))) == 5
    assert len(one.captured_queries) <= 14


def test_document_types_of_lists_the_types_attached_and_current_documents_the_latest_versions(
    draft_application, enterprise_user
):
    assert document_types_of(draft_application) == set()
    for doc_type in ("site_list", "site_list", "product_list"):
        document_upload(
            owner=draft_application, doc_type=doc_type, file=factories.pdf(), by=enterprise_user
        )
    assert document_types_of(draft_application) == {"site_list", "product_list"}
    current = {d.doc_type: d.version for d in current_documents_of(draft_application)}
    assert current == {"site_list": 2, "product_list": 1}


def test_a_missing_required_document_type_is_reported_by_the_application(
    draft_application, enterprise_user
):
    scheme = draft_application.scheme
    scheme.required_document_types = ["scope_statement", "site_list"]
    scheme.save(update_fields=["required_document_types"])
    document_upload(
        owner=draft_application, doc_type="site_list", file=factories.pdf(), by=enterprise_user
    )
    assert draft_application.missing_document_types() == ["scope_statement"]
