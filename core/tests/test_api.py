"""What every API endpoint shares: error bodies, the token endpoint (lockout and throttling),
session authentication with CSRF, the OpenAPI schema and its docs page."""

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from openapi_spec_validator import validate
from rest_framework.exceptions import NotFound
from rest_framework.test import APIClient

from core.api import exception_handler
from core.exceptions import DomainError
from core.tests.api_helpers import API, api_as
from documents.validation import DocumentTooLarge, UnsupportedDocumentType

# Every path of ../shared/spec/api.md (the contract), as the schema names them.
STATEFUL = ["applications", "audits", "findings", "certificates", "registrations", "appeals"]
CONTRACT_PATHS = [
    "auth/token/",
    "me/",
    "organizations/",
    "schemes/",
    "checklist-templates/",
    "applications/",
    "audits/",
    "audits/{id}/team/",
    "audits/{id}/team/{member_id}/",
    "audits/{id}/declarations/",
    "audits/{id}/trace-tests/",
    "audits/{id}/checklist/",
    "assessor-qualifications/",
    "registrations/",
    "complaints/",
    "findings/",
    "decisions/",
    "certificates/",
    "certificates/{id}/document/",
    "appeals/",
    "documents/",
    "documents/{id}/download/",
    "notifications/",
    "notifications/{id}/read/",
    "notifications/read-all/",
    "reports/summary/",
    "public/certificates/{number}/",
    *(
        f"{collection}/{{id}}/{tail}"
        for collection in [*STATEFUL, "complaints"]
        for tail in ("transitions/", "transitions/{name}/", "history/")
    ),
]


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


# --- Error bodies ----------------------------------------------------------------------------


def test_a_domain_error_becomes_409_with_its_reason_and_guard_code():
    response = exception_handler(DomainError("Scope is missing.", code="scope_missing"), {})
    assert response.status_code == 409
    assert response.data == {"detail": "Scope is missing.", "code": "scope_missing"}


def test_a_refusal_becomes_403_with_its_reason():
    response = exception_handler(PermissionDenied("Only officers may do this."), {})
    assert response.status_code == 403
    assert response.data == {"detail": "Only officers may do this.", "code": "permission_denied"}


def test_a_django_validation_error_becomes_400_with_its_field_errors():
    response = exception_handler(ValidationError({"until": ["Pick a later date."]}), {})
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert response.data["errors"] == {"until": ["Pick a later date."]}
    assert response.data["detail"]


def test_a_validation_error_without_a_field_is_the_detail():
    response = exception_handler(ValidationError("Already registered."), {})
    assert response.status_code == 400
    assert response.data["detail"] == "Already registered."
    assert response.data["errors"] == {"non_field_errors": ["Already registered."]}


def test_refused_uploads_become_413_and_415():
    too_large = exception_handler(DocumentTooLarge("Too large."), {})
    assert (too_large.status_code, too_large.data) == (
        413,
        {"detail": "Too large.", "code": "too_large"},
    )
    wrong_type = exception_handler(UnsupportedDocumentType("Not accepted."), {})
    assert (wrong_type.status_code, wrong_type.data["code"]) == (415, "unsupported_type")


def test_not_found_becomes_404_with_a_detail():
    for exc in (Http404("No such audit."), NotFound()):
        response = exception_handler(exc, {})
        assert response.status_code == 404
        assert response.data["code"] == "not_found"
        assert response.data["detail"]


@pytest.mark.django_db
def test_an_unknown_api_path_is_a_json_404():
    response = api_as().get(f"{API}/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_an_id_that_is_not_a_number_or_too_large_is_404(enterprise_user):
    api = api_as(enterprise_user)
    for pk in ("abc", "²", str(2**64), "-1"):
        response = api.get(f"{API}/applications/{pk}/")
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), pk


# --- Token and session ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_token_endpoint_gives_the_same_token_to_the_right_credentials(enterprise_user):
    first = api_as().post(
        f"{API}/auth/token/", {"username": "ent", "password": "pw-Secret-2026"}, format="json"
    )
    assert first.status_code == 200
    again = api_as().post(
        f"{API}/auth/token/", {"username": "ent", "password": "pw-Secret-2026"}, format="json"
    )
    assert first.json()["token"] == again.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {first.json()['token']}")
    assert client.get(f"{API}/me/").json()["username"] == "ent"


@pytest.mark.django_db
def test_wrong_credentials_are_400_without_saying_which_part(enterprise_user):
    wrong_password = api_as().post(
        f"{API}/auth/token/", {"username": "ent", "password": "nope"}, format="json"
    )
    unknown_user = api_as().post(
        f"{API}/auth/token/", {"username": "nobody", "password": "nope"}, format="json"
    )
    assert wrong_password.status_code == unknown_user.status_code == 400
    assert wrong_password.json() == unknown_user.json()
    assert list(wrong_password.json()["errors"]) == ["non_field_errors"]


@pytest.mark.django_db
def test_a_bad_token_is_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")
    response = client.get(f"{API}/me/")
    assert response.status_code == 401
    assert response.json()["detail"]


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_even_for_the_right_password(settings, enterprise_user):
    settings.AXES_FAILURE_LIMIT = 3
    api = api_as()
    statuses = [
        api.post(f"{API}/auth/token/", {"username": "ent", "password": "wrong"}, format="json")
        for _ in range(3)
    ]
    assert [r.status_code for r in statuses] == [400, 400, 429]
    locked = api.post(
        f"{API}/auth/token/", {"username": "ent", "password": "pw-Secret-2026"}, format="json"
    )
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert "token" not in locked.json()


@pytest.mark.django_db
def test_the_token_endpoint_is_throttled(settings, enterprise_user):
    settings.AXES_ENABLED = False
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "token": "2/min",
        },
    }
    api = api_as()
    statuses = [
        api.post(
            f"{API}/auth/token/", {"username": "ent", "password": "pw-Secret-2026"}, format="json"
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]


@pytest.mark.django_db
def test_a_browser_session_is_accepted_and_its_writes_need_the_csrf_token(enterprise_user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(enterprise_user)
    assert client.get(f"{API}/me/").status_code == 200
    response = client.post(f"{API}/notifications/read-all/", {}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


# --- Schema and docs -----------------------------------------------------------------------------


@pytest.fixture
def schema(db):
    response = APIClient().get(f"{API}/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate(schema)


def test_the_schema_documents_every_path_of_the_contract(schema):
    missing = [p for p in CONTRACT_PATHS if f"{API}/{p}" not in schema["paths"]]
    assert missing == []


def test_the_schema_documents_the_error_responses(schema):
    paths = schema["paths"]

    def codes(path: str, method: str) -> set[str]:
        return set(paths[f"{API}/{path}"][method]["responses"])

    assert {"200", "400", "401", "403", "404", "409"} <= codes(
        "applications/{id}/transitions/{name}/", "post"
    )
    assert {"201", "400", "401", "403", "404", "413", "415"} <= codes("documents/", "post")
    assert {"200", "400", "429"} <= codes("auth/token/", "post")
    assert {"200", "404", "429"} <= codes("public/certificates/{number}/", "get")
    assert "429" in codes("complaints/", "post")
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"detail", "code"}


def test_the_transition_names_are_listed_without_the_system_ones(schema):
    operation = schema["paths"][f"{API}/certificates/{{id}}/transitions/{{name}}/"]["post"]
    (name,) = [p for p in operation["parameters"] if p["name"] == "name"]
    # Restoration is the grant of a recertification application, never a step of its own.
    assert sorted(name["schema"]["enum"]) == ["reinstate", "suspend", "withdraw"]


@pytest.mark.django_db
def test_the_docs_page_is_served_from_installed_packages():
    response = APIClient().get(f"{API}/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()
    assert f"{API}/schema/" in page
