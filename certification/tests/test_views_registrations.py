"""Body registration pages: the body's officers apply, the national regulator decides, the
province's regulator sees."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certification.models import BodyRegistration, Role
from certification.services import registration_create
from certification.tests.factories import (
    BodyFactory,
    SchemeFactory,
    UserFactory,
    attach_documents,
    grant,
    qualified_auditors,
)

pytestmark = pytest.mark.django_db

DOCUMENTS = ["quality_manual", "assessor_list", "legal_documents"]


@pytest.fixture
def other_scheme(db):
    return SchemeFactory(
        code="tcvn-12850-2019-food",
        name="Chứng nhận TXNG thực phẩm",
        checklist_code="tcvn-12850-2019-food",
    )


@pytest.fixture
def draft(body, other_scheme, province, cb_staff):
    return registration_create(
        body=body, scheme=other_scheme, jurisdiction=province, by=cb_staff, assessor_count=4
    )


def query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


# --- List -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["cb_staff", "regulator"])
def test_the_body_and_the_regulator_see_the_registrations_in_vietnamese(
    client, registration, draft, who, request
):
    client.force_login(request.getfixturevalue(who))
    response = client.get("/registrations/")
    assert response.status_code == 200
    assert 'lang="vi"' in response.text
    assert f"/registrations/{registration.pk}/" in response.text
    assert f"/registrations/{draft.pk}/" in response.text
    assert "01/2026/ĐK" in response.text


@pytest.mark.parametrize("who", ["enterprise_user", "decider", "outsider"])
def test_others_get_an_empty_registration_list(client, registration, who, request):
    client.force_login(request.getfixturevalue(who))
    response = client.get("/registrations/")
    assert response.status_code == 200
    assert f"/registrations/{registration.pk}/" not in response.text
    assert "empty-state" in response.text


def test_the_registration_list_filters_by_state_and_search(client, registration, draft, cb_staff):
    client.force_login(cb_staff)
    drafts = client.get("/registrations/", {"state": "draft"}).text
    assert f"/registrations/{draft.pk}/" in drafts
    assert f"/registrations/{registration.pk}/" not in drafts
    found = client.get("/registrations/", {"q": "01/2026"}).text
    assert f"/registrations/{registration.pk}/" in found
    assert f"/registrations/{draft.pk}/" not in found


def test_only_body_officers_are_offered_a_new_registration(
    client, registration, cb_staff, regulator
):
    client.force_login(cb_staff)
    assert "/registrations/new/" in client.get("/registrations/").text
    client.force_login(regulator)
    assert "/registrations/new/" not in client.get("/registrations/").text


def test_the_registration_list_renders_in_english(client, registration, regulator):
    client.force_login(regulator)
    client.cookies["django_language"] = "en"
    response = client.get("/registrations/")
    assert 'lang="en"' in response.text
    assert "Body registrations" in response.text
    assert "Registered" in response.text


def test_the_registration_list_makes_the_same_number_of_queries_for_more_registrations(
    client, registration, regulator, province, admin_user, other_scheme
):
    client.force_login(regulator)
    client.get("/registrations/")
    few = query_count(client, "/registrations/")
    for i in range(4):
        body = BodyFactory(province=province)
        staff = grant(UserFactory(username=f"staff-{i}"), Role.CB_STAFF, body, by=admin_user)
        registration_create(body=body, scheme=other_scheme, jurisdiction=province, by=staff)
    assert query_count(client, "/registrations/") == few


# --- Creating ---------------------------------------------------------------------------------


def test_an_officer_opens_a_draft_registration(client, body, other_scheme, province, cb_staff):
    client.force_login(cb_staff)
    page = client.get("/registrations/new/")
    assert page.status_code == 200
    assert page.context["form"].initial["body"] == body.pk
    response = client.post(
        "/registrations/new/",
        {
            "body": body.pk,
            "scheme": other_scheme.pk,
            "jurisdiction": province.pk,
            "assessor_count": 5,
            "note": "Đăng ký lĩnh vực thực phẩm.",
        },
    )
    registration = BodyRegistration.objects.get(scheme=other_scheme)
    assert response.status_code == 302
    assert response["Location"] == f"/registrations/{registration.pk}/"
    assert registration.state == BodyRegistration.State.DRAFT
    assert registration.assessor_count == 5


def test_a_second_open_registration_for_the_same_scheme_is_refused(
    client, draft, body, other_scheme, province, cb_staff
):
    client.force_login(cb_staff)
    response = client.post(
        "/registrations/new/",
        {
            "body": body.pk,
            "scheme": other_scheme.pk,
            "jurisdiction": province.pk,
            "assessor_count": 1,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert BodyRegistration.objects.filter(scheme=other_scheme).count() == 1


def test_an_officer_may_only_register_their_own_body(
    client, other_scheme, province, cb_staff, admin_user
):
    stranger_body = BodyFactory(province=province)
    client.force_login(cb_staff)
    response = client.post(
        "/registrations/new/",
        {
            "body": stranger_body.pk,
            "scheme": other_scheme.pk,
            "jurisdiction": province.pk,
            "assessor_count": 1,
        },
    )
    assert response.status_code == 200
    assert "body" in response.context["form"].errors
    assert not BodyRegistration.objects.filter(body=stranger_body).exists()


@pytest.mark.parametrize("who", ["regulator", "enterprise_user", "outsider"])
def test_only_body_officers_may_open_a_registration(client, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/registrations/new/").status_code == 403


def test_the_registration_form_renders_in_english(client, cb_staff):
    client.force_login(cb_staff)
    client.cookies["django_language"] = "en"
    response = client.get("/registrations/new/")
    assert "New registration" in response.text


# --- The file and its transitions -------------------------------------------------------------


@pytest.mark.parametrize("who", ["cb_staff", "regulator"])
def test_the_registration_file_shows_documents_transitions_and_history(client, draft, who, request):
    client.force_login(request.getfixturevalue(who))
    response = client.get(f"/registrations/{draft.pk}/")
    assert response.status_code == 200
    assert 'lang="vi"' in response.text
    assert draft.body.name in response.text
    submit = next(t for t in response.context["transitions"] if t.name == "submit")
    assert not submit.allowed
    if who == "cb_staff":
        assert submit.reason in response.text  # why the button is disabled
    else:  # the regulator never submits a body's registration: no button at all
        assert not submit.permitted
        assert "/transitions/submit/" not in response.text
    assert "documents-registration" in response.text
    assert "Đã tạo" in response.text or response.context["history"].exists()


@pytest.mark.parametrize("who", ["enterprise_user", "decider", "outsider"])
def test_others_do_not_find_the_registration(client, draft, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/registrations/{draft.pk}/").status_code == 404
    response = client.post(f"/registrations/{draft.pk}/transitions/submit/")
    assert response.status_code == 404


def test_the_officers_may_upload_the_documents(client, draft, cb_staff, regulator):
    client.force_login(cb_staff)
    assert 'name="doc_type"' in client.get(f"/registrations/{draft.pk}/").text
    client.force_login(regulator)
    assert 'name="doc_type"' not in client.get(f"/registrations/{draft.pk}/").text


def test_submitting_without_the_documents_is_refused_with_the_reason(client, draft, cb_staff):
    client.force_login(cb_staff)
    response = client.post(f"/registrations/{draft.pk}/transitions/submit/")
    assert response.status_code == 409
    assert response.context["message"] in response.text
    draft.refresh_from_db()
    assert draft.state == BodyRegistration.State.DRAFT


def test_a_registration_goes_from_draft_to_registered(
    client, draft, cb_staff, national_regulator, body, other_scheme
):
    regulator = national_regulator
    qualified_auditors(body, other_scheme)
    attach_documents(draft, DOCUMENTS, by=cb_staff)
    base = f"/registrations/{draft.pk}/transitions/"
    client.force_login(cb_staff)
    assert client.post(base + "submit/").status_code == 302
    client.force_login(regulator)
    assert client.post(base + "start_review/").status_code == 302
    assert client.post(base + "request_revision/", {"comment": "Bổ sung."}).status_code == 302
    client.force_login(cb_staff)
    assert client.post(base + "resubmit/").status_code == 302
    client.force_login(regulator)
    assert client.post(base + "start_review/").status_code == 302
    assert client.post(base + "register/", {}).status_code == 400
    assert client.post(base + "register/", {"registration_number": "07/2026/ĐK"}).status_code == 302
    draft.refresh_from_db()
    assert draft.state == BodyRegistration.State.REGISTERED
    assert draft.registration_number == "07/2026/ĐK"
    page = client.get(f"/registrations/{draft.pk}/").text
    assert "07/2026/ĐK" in page
    assert "Bổ sung." in page  # the history
    assert draft.valid_until.strftime("%d/%m/%Y") in page


def test_the_regulator_suspends_reinstates_and_revokes(client, registration, national_regulator):
    base = f"/registrations/{registration.pk}/transitions/"
    client.force_login(national_regulator)
    assert client.post(base + "suspend/", {"comment": "Thiếu chuyên gia."}).status_code == 302
    assert client.post(base + "reinstate/", {"comment": "Đã bổ sung."}).status_code == 302
    assert client.post(base + "revoke/", {"comment": "Vi phạm."}).status_code == 302
    registration.refresh_from_db()
    assert registration.state == BodyRegistration.State.REVOKED


def test_the_body_may_not_review_its_own_registration(client, draft, cb_staff):
    attach_documents(draft, DOCUMENTS, by=cb_staff)
    client.force_login(cb_staff)
    client.post(f"/registrations/{draft.pk}/transitions/submit/")
    response = client.post(f"/registrations/{draft.pk}/transitions/start_review/")
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.state == BodyRegistration.State.SUBMITTED


def test_the_registration_file_renders_in_english(client, registration, regulator):
    client.force_login(regulator)
    client.cookies["django_language"] = "en"
    page = client.get(f"/registrations/{registration.pk}/").text
    assert 'lang="en"' in page
    assert "Registered" in page
    assert "Suspend" in page
