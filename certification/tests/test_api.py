"""The certification API: applications, their transitions and history, certificates and the
public verification, registrations, appeals, complaints, organisations and summary figures."""

import datetime

import pytest
from django.core.cache import cache

from audits.services import finding_raise
from audits.tests.factories import started_audit
from certification.models import Application, Certificate, Role
from certification.services import application_create, application_submit, certificate_reissue
from certification.tests.conftest import SCOPE
from certification.tests.factories import EnterpriseFactory, UserFactory, grant
from core.clock import today
from core.models import LogEntry
from core.tests.api_helpers import API, api_as, queries_of
from documents.services import document_generate_certificate, document_upload
from documents.tests import factories as rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


def test_me_lists_the_current_users_memberships(enterprise_user, enterprise):
    response = api_as(enterprise_user).get(f"{API}/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "ent"
    assert body["language"] == "vi"
    assert [(m["role"], m["organisation"]) for m in body["memberships"]] == [
        ("enterprise", enterprise.pk)
    ]


def test_me_without_credentials_is_401_with_a_detail():
    response = api_as().get(f"{API}/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- Applications ---------------------------------------------------------------------------


def test_an_enterprise_user_opens_an_application_with_its_scope(
    enterprise_user, enterprise, body, scheme
):
    response = api_as(enterprise_user).post(
        f"{API}/applications/",
        {"enterprise": enterprise.pk, "body": body.pk, "scheme": scheme.pk, **SCOPE},
        format="json",
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["state"] == "draft"
    assert created["number"].startswith(f"HS-{today().year}-")
    assert created["products"] == SCOPE["products"]
    assert created["filed_by_body"] is False


def test_opening_an_application_for_another_enterprise_is_403(
    other_enterprise_user, enterprise, body, scheme
):
    response = api_as(other_enterprise_user).post(
        f"{API}/applications/",
        {"enterprise": enterprise.pk, "body": body.pk, "scheme": scheme.pk},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["detail"]
    assert not Application.objects.exists()


def test_an_application_with_a_wrong_gtin_is_400_naming_the_field(
    enterprise_user, enterprise, body, scheme
):
    response = api_as(enterprise_user).post(
        f"{API}/applications/",
        {
            "enterprise": enterprise.pk,
            "body": body.pk,
            "scheme": scheme.pk,
            "products": [{"name": "Cà phê", "gtin": "8934567000018"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == ["products"]


def test_the_scope_of_a_draft_is_changed_with_patch(enterprise_user, draft):
    response = api_as(enterprise_user).patch(
        f"{API}/applications/{draft.pk}/", {"scope_note": "Thêm sản phẩm mới."}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["scope_note"] == "Thêm sản phẩm mới."


def test_lists_filter_search_order_and_cap_the_page_size(enterprise_user, draft, submitted):
    other = application_create(
        enterprise=draft.enterprise, body=draft.body, scheme=draft.scheme, by=enterprise_user
    )
    api = api_as(enterprise_user)
    drafts = api.get(f"{API}/applications/?state=draft").json()
    assert [a["id"] for a in drafts["results"]] == [other.pk]
    found = api.get(f"{API}/applications/?search={draft.number}").json()
    assert [a["number"] for a in found["results"]] == [draft.number]
    ordered = api.get(f"{API}/applications/?ordering=number&page_size=1000").json()
    assert ordered["count"] == 2
    assert [a["number"] for a in ordered["results"]] == sorted([draft.number, other.number])
    assert set(drafts) == {
        *("count", "next", "previous", "results"),
        *("page", "pages", "next_page", "previous_page"),
    }
    assert api.get(f"{API}/applications/?enterprise=abc").status_code == 400
    assert api.get(f"{API}/applications/?state=nonsense").status_code == 400


def test_the_transitions_say_what_the_user_may_do_now_and_why_not(enterprise_user, draft):
    mine = api_as(enterprise_user).get(f"{API}/applications/{draft.pk}/transitions/").json()
    submit = next(t for t in mine if t["name"] == "submit")
    assert submit == {
        "name": "submit",
        "label": submit["label"],
        "target": "submitted",
        "allowed": True,
        "reason": "",
        "code": "",
        "requires": [],
    }
    # Submitted, the review is the body's: the applicant is told why it is not theirs.
    application_submit(application=draft, by=enterprise_user)
    theirs = api_as(enterprise_user).get(f"{API}/applications/{draft.pk}/transitions/").json()
    refused = next(t for t in theirs if t["name"] == "start_review")
    assert refused["allowed"] is False
    assert refused["code"] == "permission_denied"
    assert refused["reason"]


def test_a_permitted_transition_answers_200_with_the_updated_object(enterprise_user, draft):
    response = api_as(enterprise_user).post(
        f"{API}/applications/{draft.pk}/transitions/submit/",
        {"comment": "Nộp hồ sơ."},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["state"] == "submitted"
    assert response.json()["submitted_at"]


def test_a_transition_by_someone_not_permitted_is_403_and_changes_nothing(
    enterprise_user, submitted
):
    before = LogEntry.objects.count()
    response = api_as(enterprise_user).post(
        f"{API}/applications/{submitted.pk}/transitions/start_review/", {}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    submitted.refresh_from_db()
    assert (submitted.state, LogEntry.objects.count()) == ("submitted", before)


def test_a_transition_from_the_wrong_state_is_409_with_the_code(cb_staff, submitted):
    response = api_as(cb_staff).post(
        f"{API}/applications/{submitted.pk}/transitions/accept/", {}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_state"
    assert response.json()["detail"]


def test_a_failed_guard_is_409_with_the_guard_code(cb_staff, under_review):
    # The body is not registered for the scheme (no registration fixture here).
    response = api_as(cb_staff).post(
        f"{API}/applications/{under_review.pk}/transitions/accept/",
        {"contract_reference": "HĐ-1", "scope_within_competence": True},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "body_not_registered"


def test_missing_transition_fields_are_400_with_field_errors(cb_staff, under_review, registration):
    api = api_as(cb_staff)
    accept = api.post(
        f"{API}/applications/{under_review.pk}/transitions/accept/", {}, format="json"
    )
    assert accept.status_code == 400
    assert set(accept.json()["errors"]) == {"contract_reference", "scope_within_competence"}
    reject = api.post(
        f"{API}/applications/{under_review.pk}/transitions/reject/", {}, format="json"
    )
    assert reject.status_code == 400
    assert list(reject.json()["errors"]) == ["comment"]
    bad_type = api.post(
        f"{API}/applications/{under_review.pk}/transitions/accept/",
        {"contract_reference": ["x"], "scope_within_competence": "maybe"},
        format="json",
    )
    assert bad_type.status_code == 400
    under_review.refresh_from_db()
    assert under_review.state == "under_review"


def test_an_unknown_transition_is_404(enterprise_user, draft):
    response = api_as(enterprise_user).post(
        f"{API}/applications/{draft.pk}/transitions/fly/", {}, format="json"
    )
    assert response.status_code == 404


def test_an_application_the_user_may_not_see_is_404_everywhere(other_enterprise_user, draft):
    api = api_as(other_enterprise_user)
    for response in (
        api.get(f"{API}/applications/{draft.pk}/"),
        api.get(f"{API}/applications/{draft.pk}/transitions/"),
        api.get(f"{API}/applications/{draft.pk}/history/"),
        api.post(f"{API}/applications/{draft.pk}/transitions/submit/", {}, format="json"),
        api.patch(f"{API}/applications/{draft.pk}/", {"scope_note": "x"}, format="json"),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    draft.refresh_from_db()
    assert draft.state == "draft"


def test_the_history_lists_the_log_oldest_first(enterprise_user, under_review):
    history = api_as(enterprise_user).get(f"{API}/applications/{under_review.pk}/history/")
    assert history.status_code == 200
    assert [(e["transition"], e["target_state"]) for e in history.json()] == [
        ("create", "draft"),
        ("submit", "submitted"),
        ("start_review", "under_review"),
    ]


def test_list_queries_do_not_grow_with_the_number_of_applications(
    enterprise_user, enterprise, body, cb_staff
):
    def make(n):
        for _ in range(n):
            rows.application(
                enterprise=enterprise, body=body, created_by=enterprise_user, state="submitted"
            )

    counts = []
    for user, total in ((enterprise_user, 3), (enterprise_user, 15), (cb_staff, 15)):
        make(total - Application.objects.count())
        api = api_as(user)
        counts.append(queries_of(lambda api=api: api.get(f"{API}/applications/?page_size=100")))
        assert api.get(f"{API}/applications/").json()["count"] == total
    assert counts[0] == counts[1]
    assert counts[2] == counts[1]


# --- Another enterprise sees nothing ---------------------------------------------------------


def test_another_enterprises_token_reveals_none_of_its_files(
    enterprise_user, other_enterprise_user, cb_staff, lead_assessor, certificate
):
    """Applications, documents, findings and certificates of an enterprise: neither listed nor
    readable with another enterprise's token (and readable with its own)."""
    application = certificate.application
    document = document_upload(owner=application, doc_type="general", file=rows.pdf(), by=cb_staff)
    audit = started_audit(
        staff=cb_staff, lead=lead_assessor, certificate=certificate, kind="surveillance"
    )
    finding = finding_raise(
        audit=audit, by=lead_assessor, severity="minor", description="Thiếu số lô trên phiếu."
    )
    owned = {
        "applications": application.pk,
        "documents": document.pk,
        "findings": finding.pk,
        "certificates": certificate.pk,
    }
    mine, theirs = api_as(enterprise_user), api_as(other_enterprise_user)
    for collection, pk in owned.items():
        assert pk in [r["id"] for r in mine.get(f"{API}/{collection}/").json()["results"]]
        assert mine.get(f"{API}/{collection}/{pk}/").status_code == 200
        listed = theirs.get(f"{API}/{collection}/").json()
        assert listed["count"] == 0, collection
        assert theirs.get(f"{API}/{collection}/{pk}/").status_code == 404, collection
    assert theirs.get(f"{API}/documents/{document.pk}/download/").status_code == 404
    assert theirs.get(f"{API}/certificates/{certificate.pk}/document/").status_code == 404
    assert theirs.get(f"{API}/audits/{audit.pk}/").status_code == 404
    assert theirs.get(f"{API}/decisions/").json()["count"] == 0


# --- Certificates and the public verification -------------------------------------------------


def test_a_certificate_is_suspended_with_a_date_and_refused_without_one(cb_staff, certificate):
    api = api_as(cb_staff)
    path = f"{API}/certificates/{certificate.pk}/transitions/suspend/"
    missing = api.post(path, {"comment": "Không giám sát đúng hạn."}, format="json")
    assert missing.status_code == 400
    assert list(missing.json()["errors"]) == ["until"]
    until = (today() + datetime.timedelta(days=60)).isoformat()
    done = api.post(path, {"comment": "Không giám sát đúng hạn.", "until": until}, format="json")
    assert done.status_code == 200
    assert (done.json()["state"], done.json()["suspended_until"]) == ("suspended", until)


def test_system_transitions_cannot_be_called(cb_staff, certificate):
    api = api_as(cb_staff)
    names = [t["name"] for t in api.get(f"{API}/certificates/{certificate.pk}/transitions/").json()]
    assert "expire" not in names and "supersede" not in names
    for name in ("expire", "supersede"):
        path = f"{API}/certificates/{certificate.pk}/transitions/{name}/"
        assert api.post(path, {}, format="json").status_code == 404
    certificate.refresh_from_db()
    assert certificate.state == "active"


def test_the_certificate_document_is_downloaded_once_generated(enterprise_user, certificate):
    api = api_as(enterprise_user)
    assert api.get(f"{API}/certificates/{certificate.pk}/document/").status_code == 404
    document_generate_certificate(certificate_id=certificate.pk)
    response = api.get(f"{API}/certificates/{certificate.pk}/document/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert b"".join(response.streaming_content)[:2] == b"PK"


def test_anyone_checks_a_certificate_by_number_without_a_token(certificate):
    response = api_as().get(f"{API}/public/certificates/{certificate.number}/")
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == certificate.number
    assert body["holder"] == certificate.enterprise.name
    assert body["body"] == certificate.body.name
    assert (body["state"], body["is_current"], body["current_number"]) == ("active", True, None)
    assert body["issued"] == certificate.issued_on.isoformat()
    assert body["valid_until"] == certificate.valid_until.isoformat()
    assert body["scope"]["stages"] == certificate.stages
    assert api_as().get(f"{API}/public/certificates/NO-SUCH-1/").status_code == 404


def test_a_superseded_certificate_names_the_current_version(certificate, decider):
    new = certificate_reissue(
        certificate=certificate,
        by=decider,
        application=certificate.application,
        decision=certificate.decision,
    )
    body = api_as().get(f"{API}/public/certificates/{certificate.number}/").json()
    assert (body["state"], body["is_current"], body["current_number"]) == (
        "superseded",
        False,
        new.number,
    )
    assert api_as().get(f"{API}/public/certificates/{new.number}/").json()["is_current"]


def test_the_public_endpoint_is_throttled(settings, certificate):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "public": "2/min",
        },
    }
    api = api_as()
    path = f"{API}/public/certificates/{certificate.number}/"
    assert [api.get(path).status_code for _ in range(3)] == [200, 200, 429]
    assert api.get(path).json()["code"] == "throttled"


def test_certificate_list_queries_do_not_grow(enterprise_user, enterprise, body, decider):
    counts = []
    for total in (3, 15):
        for n in range(Certificate.objects.count(), total):
            rows.certificate(
                enterprise=enterprise,
                body=body,
                created_by=enterprise_user,
                decider=decider,
                number=f"GLCERT-TXNG-2026-{n + 1:04d}",
            )
        api = api_as(enterprise_user)
        counts.append(queries_of(lambda api=api: api.get(f"{API}/certificates/?page_size=100")))
        for collection in ("decisions", "applications"):
            counts.append(queries_of(lambda api=api, c=collection: api.get(f"{API}/{c}/")))
    assert counts[:3] == counts[3:]


# --- Registrations, appeals, complaints --------------------------------------------------------


def test_a_body_officer_opens_a_registration_the_regulator_sees(cb_staff, regulator, body, scheme):
    response = api_as(cb_staff).post(
        f"{API}/registrations/",
        {"body": body.pk, "scheme": scheme.pk, "jurisdiction": body.province.code},
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    submit = api_as(cb_staff).post(
        f"{API}/registrations/{pk}/transitions/submit/", {}, format="json"
    )
    assert (submit.status_code, submit.json()["code"]) == (409, "documents_missing")
    assert api_as(regulator).get(f"{API}/registrations/{pk}/").status_code == 200
    assert api_as(regulator).get(f"{API}/registrations/").json()["count"] == 1


def test_an_enterprise_sees_no_registrations(enterprise_user, registration):
    assert api_as(enterprise_user).get(f"{API}/registrations/").json()["count"] == 0
    response = api_as(enterprise_user).get(f"{API}/registrations/{registration.pk}/")
    assert response.status_code == 404


def test_an_appeal_is_lodged_then_handed_to_an_uninvolved_decision_maker(
    enterprise_user, cb_staff, refused_application, other_decider
):
    lodged = api_as(enterprise_user).post(
        f"{API}/appeals/",
        {
            "subject": "refusal",
            "application": refused_application.pk,
            "grounds": "Lô hàng đã truy xuất được.",
        },
        format="json",
    )
    assert lodged.status_code == 201, lodged.json()
    path = f"{API}/appeals/{lodged.json()['id']}/transitions/start_consideration/"
    missing = api_as(cb_staff).post(path, {}, format="json")
    assert (missing.status_code, list(missing.json()["errors"])) == (400, ["handler"])
    started = api_as(cb_staff).post(path, {"handler": other_decider.pk}, format="json")
    assert started.status_code == 200
    assert (started.json()["state"], started.json()["handler"]) == (
        "under_consideration",
        other_decider.pk,
    )


def test_anyone_lodges_a_complaint_without_an_account_and_it_is_throttled(settings, body, cb_staff):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "complaints": "1/min",
        },
    }
    complaint = {
        "body": body.pk,
        "complainant_email": "nguoi.mua@example.vn",
        "subject": "Tem truy xuất không mở được",
        "description": "Mã QR trên gói cà phê dẫn tới trang lỗi.",
    }
    first = api_as().post(f"{API}/complaints/", complaint, format="json")
    assert first.status_code == 201
    assert first.json()["state"] == "received"
    assert api_as().post(f"{API}/complaints/", complaint, format="json").status_code == 429
    assert api_as().get(f"{API}/complaints/").status_code == 401
    listed = api_as(cb_staff).get(f"{API}/complaints/").json()
    assert [c["id"] for c in listed["results"]] == [first.json()["id"]]


def test_a_complaint_without_an_address_is_400(body):
    response = api_as().post(
        f"{API}/complaints/", {"body": body.pk, "subject": "x", "description": "y"}, format="json"
    )
    assert response.status_code == 400
    assert "complainant_email" in response.json()["errors"]


# --- Organisations and figures -------------------------------------------------------------------


def test_organisations_show_every_body_and_only_related_enterprises(
    enterprise_user, other_enterprise, enterprise, body, cb_staff, draft
):
    seen = api_as(enterprise_user).get(f"{API}/organizations/?page_size=100").json()["results"]
    assert {o["id"] for o in seen} == {enterprise.pk, body.pk}
    staff_seen = api_as(cb_staff).get(f"{API}/organizations/?kind=enterprise").json()["results"]
    assert [o["id"] for o in staff_seen] == [enterprise.pk]  # it applied to the body
    assert (
        api_as(enterprise_user).get(f"{API}/organizations/{other_enterprise.pk}/").status_code
        == 404
    )


def test_the_summary_gives_a_regulator_and_a_body_their_figures(
    regulator, cb_staff, enterprise_user, submitted, province, admin_user
):
    elsewhere = EnterpriseFactory()  # another province: not in the regulator's figures
    outside_user = grant(UserFactory(username="far"), Role.ENTERPRISE, elsewhere, by=admin_user)
    application_create(
        enterprise=elsewhere, body=submitted.body, scheme=submitted.scheme, by=outside_user
    )
    figures = api_as(regulator).get(f"{API}/reports/summary/").json()
    assert figures["scope"] == [{"kind": "province", "id": province.pk, "name": province.name}]
    assert figures["applications"]["submitted"] == 1
    assert figures["applications"]["draft"] == 0
    assert set(figures["open_findings"]) == {"major", "minor", "observation"}
    staff = api_as(cb_staff).get(f"{API}/reports/summary/").json()
    assert (staff["applications"]["submitted"], staff["applications"]["draft"]) == (1, 1)
    assert api_as(enterprise_user).get(f"{API}/reports/summary/").status_code == 403
    api = api_as(regulator)
    assert queries_of(lambda: api.get(f"{API}/reports/summary/")) <= 8


def test_organisation_and_complaint_list_queries_do_not_grow(
    cb_staff, enterprise_user, body, scheme, province
):
    from certification.services import complaint_lodge

    counts = []
    for total in (3, 15):
        while Application.objects.count() < total:
            applicant = EnterpriseFactory(province=province)
            rows.application(enterprise=applicant, body=body, created_by=enterprise_user)
            complaint_lodge(
                body=body,
                complainant_email="a@example.vn",
                subject="Tem lỗi",
                description="Mã QR không đọc được.",
                enterprise=applicant,
            )
        api = api_as(cb_staff)
        for collection in ("organizations", "complaints", "registrations", "appeals", "schemes"):
            counts.append(queries_of(lambda api=api, c=collection: api.get(f"{API}/{c}/")))
        assert api.get(f"{API}/complaints/").json()["count"] == total
    assert counts[:5] == counts[5:]
