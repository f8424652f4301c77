"""What an integrator building from the schema alone relies on: the token scheme, public
routes, the error codes, one request schema per transition, typed public data, incremental
sync (`updated_since`, stable ordering, page numbers) and the language of messages."""

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from certification.models import Application
from core.api.errors import error_codes
from core.tests.api_helpers import API, api_as

ROOT = Path(__file__).resolve().parents[2]
APPS = ["core", "certification", "audits", "checklists", "documents", "notifications",
        "oversight", "webhooks", "signing"]  # fmt: skip


@pytest.fixture
def schema(db):
    response = APIClient().get(f"{API}/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


# --- Authentication ----------------------------------------------------------------------------


def test_the_token_is_declared_as_a_bearer_scheme(schema):
    token = schema["components"]["securitySchemes"]["tokenAuth"]
    assert (token["type"], token["scheme"]) == ("http", "bearer")


@pytest.mark.django_db
def test_bearer_and_token_keywords_are_both_accepted(enterprise_user):
    key = Token.objects.create(user=enterprise_user).key
    for keyword in ("Bearer", "bearer", "Token"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
        assert client.get(f"{API}/me/").status_code == 200, keyword
    for header in (f"Bearer {key}x", "Bearer", f"Basic {key}"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)
        response = client.get(f"{API}/me/")
        assert response.status_code == 401, header
        assert response.json()["code"] in ("authentication_failed", "not_authenticated")


def test_public_routes_need_no_security_and_the_others_do(schema):
    public = {
        (path, method)
        for path, method, operation in operations(schema)
        if operation.get("security") == []
    }
    assert public == {
        (f"{API}/auth/token/", "post"),
        (f"{API}/public/certificates/{{number}}/", "get"),
        (f"{API}/public/certificates/lookup/", "post"),
        (f"{API}/public/verify-file/", "post"),
    }
    for path, method, operation in operations(schema):
        assert operation.get("security") != [{}], (path, method)
        if (path, method) not in public and not path.endswith("/complaints/"):
            assert {"tokenAuth": []} in operation["security"], (path, method)


# --- Errors ------------------------------------------------------------------------------------


def _codes_in_source() -> set[str]:
    """Every code a DomainError, a guard, a refused upload or a hand-written error body is
    given in the project's code."""
    found = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            text = path.read_text()
            for call in re.finditer(r"DomainError\((.{0,400}?)\)\s*$", text, re.S | re.M):
                found |= set(re.findall(r'code="([a-z0-9_]+)"', call.group(1)))
            found |= set(re.findall(r'@guard\(\s*"([a-z0-9_]+)"', text))
            if app == "documents":
                found |= set(re.findall(r'^\s+code = "([a-z0-9_]+)"', text, re.M))
            if app == "core":  # error bodies written by hand (exception handler, 404, lockout)
                found |= set(re.findall(r'"code": "([a-z0-9_]+)"', text))
    return found


def test_every_error_code_is_in_the_schemas_enum_and_the_error_bodies_use_it(schema):
    enum = schema["components"]["schemas"]["ErrorCode"]["enum"]
    assert len(enum) == len(set(enum))
    assert _codes_in_source() - set(enum) == set()
    assert {"invalid", "permission_denied", "not_found", "throttled", "invalid_state"} <= set(enum)
    for name in ("Error", "ValidationError"):
        code = schema["components"]["schemas"][name]["properties"]["code"]
        assert code == {"$ref": "#/components/schemas/ErrorCode"}
    assert (
        "| `scope_missing` | 409 |" in schema["components"]["schemas"]["ErrorCode"]["description"]
    )


def test_the_readme_table_lists_every_error_code():
    readme = (ROOT / "README.md").read_text()
    missing = [code for code, _status, _text in error_codes() if f"`{code}`" not in readme]
    assert missing == []


@pytest.mark.django_db
def test_a_refusal_has_the_same_code_in_the_transitions_list_and_in_the_403(
    enterprise_user, submitted
):
    api = api_as(enterprise_user)  # the body's officer starts the review, not the applicant
    listed = next(
        t
        for t in api.get(f"{API}/applications/{submitted.pk}/transitions/").json()
        if t["name"] == "start_review"
    )
    refused = api.post(
        f"{API}/applications/{submitted.pk}/transitions/start_review/", {}, format="json"
    )
    assert refused.status_code == 403
    assert listed["code"] == refused.json()["code"] == "permission_denied"


# --- One request schema per transition -------------------------------------------------------


def test_accept_asks_for_what_it_really_needs(schema):
    operation = schema["paths"][f"{API}/applications/{{id}}/transitions/accept/"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(body["required"]) == {"contract_reference", "scope_within_competence"}
    assert "default" not in body["properties"]["contract_reference"]
    reject = schema["components"]["schemas"]["ApplicationRejectRequest"]
    assert reject["required"] == ["comment"]
    suspend = schema["components"]["schemas"]["CertificateSuspendRequest"]
    assert set(suspend["required"]) == {"comment", "until"}


@pytest.mark.django_db
def test_accept_without_its_fields_is_400_naming_both(cb_staff, under_review, registration):
    response = api_as(cb_staff).post(
        f"{API}/applications/{under_review.pk}/transitions/accept/", {}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"contract_reference", "scope_within_competence"}
    under_review.refresh_from_db()
    assert under_review.state == Application.State.UNDER_REVIEW


@pytest.mark.django_db
def test_a_transition_not_offered_here_is_404(cb_staff, certificate):
    api = api_as(cb_staff)
    for name in ("expire", "supersede", "grant", "nonsense"):
        response = api.post(f"{API}/certificates/{certificate.pk}/transitions/{name}/", {})
        assert response.status_code == 404, name


# --- Types -------------------------------------------------------------------------------------


def test_the_public_scope_is_typed(schema):
    components = schema["components"]["schemas"]
    scope = components["PublicCertificate"]["properties"]["scope"]
    assert scope == {"$ref": "#/components/schemas/PublicScope"}
    typed = components["PublicScope"]
    assert set(typed["required"]) == {"products", "sites", "stages"}
    assert typed["properties"]["products"]["items"] == {
        "$ref": "#/components/schemas/PublicProduct"
    }
    assert "enum" in str(typed["properties"]["stages"]["items"]) or "$ref" in str(
        typed["properties"]["stages"]["items"]
    )


def test_downloads_are_declared_as_binary_with_a_type_generators_read(schema):
    for path in (f"{API}/certificates/{{id}}/document/", f"{API}/documents/{{id}}/download/"):
        content = schema["paths"][path]["get"]["responses"]["200"]["content"]
        first_type, first = next(iter(content.items()))
        assert first_type == "application/octet-stream"
        assert first["schema"] == {"type": "string", "format": "binary"}


def test_no_component_name_repeats_a_word(schema):
    doubled = [n for n in schema["components"]["schemas"] if re.search(r"(Request|List)\1", n)]
    assert doubled == []


# --- Synchronisation ---------------------------------------------------------------------------


def test_every_collection_offers_updated_since_and_an_enumerated_ordering(schema):
    for path, method, operation in operations(schema):
        if method != "get" or not path.endswith("/") or "{" in path:
            continue
        names = {p["name"]: p for p in operation.get("parameters", [])}
        if "page" not in names:
            continue  # not a collection
        assert names["updated_since"]["schema"]["format"] == "date-time", path
        ordering = names["ordering"]["schema"]["enum"]
        assert {"id", "-id"} <= set(ordering), path
    certificates = {
        p["name"]: p for p in schema["paths"][f"{API}/certificates/"]["get"]["parameters"]
    }
    assert {"updated_at", "-updated_at", "valid_until"} <= set(
        certificates["ordering"]["schema"]["enum"]
    )


@pytest.mark.django_db
def test_updated_since_returns_only_what_changed(enterprise_user, draft, submitted):
    api = api_as(enterprise_user)
    from certification.services import application_create

    older = application_create(
        enterprise=draft.enterprise, body=draft.body, scheme=draft.scheme, by=enterprise_user
    )
    Application.objects.filter(pk=older.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=3)
    )
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    changed = api.get(f"{API}/applications/", {"updated_since": since, "ordering": "updated_at"})
    assert changed.status_code == 200
    assert older.pk not in [a["id"] for a in changed.json()["results"]]
    assert draft.pk in [a["id"] for a in changed.json()["results"]]
    day = api.get(f"{API}/applications/", {"updated_since": "2020-01-01"}).json()
    assert day["count"] == 2
    for bad in ("yesterday", "2026-02-31", "2026-13-01T00:00:00Z"):
        response = api.get(f"{API}/applications/", {"updated_since": bad})
        assert response.status_code == 400, bad
        assert "updated_since" in response.json()["errors"]


@pytest.mark.django_db
def test_updated_since_takes_any_iso_offset_and_refuses_a_moment_before_year_one(
    enterprise_user, draft
):
    """ISO 8601 allows offsets up to ±23:59; PostgreSQL stores ±15:59 only."""
    api = api_as(enterprise_user)
    now = timezone.now()
    for shift, offset, visible in ((23, "+23:30", True), (-15, "-16:25", False)):
        # UTC: now - 30 minutes (the draft changed after it), then now + 85 minutes (before it).
        wall = (now + datetime.timedelta(hours=shift)).strftime("%Y-%m-%dT%H:%M")
        body = api.get(f"{API}/applications/", {"updated_since": wall + offset})
        assert body.status_code == 200, offset
        assert (draft.pk in [a["id"] for a in body.json()["results"]]) is visible, offset
    response = api.get(f"{API}/applications/", {"updated_since": "0001-01-01T00:00:00+16:00"})
    assert response.status_code == 400
    assert "updated_since" in response.json()["errors"]


@pytest.mark.django_db
def test_rows_with_the_same_ordering_value_come_in_id_order(enterprise_user, draft):
    from certification.services import application_create

    others = [
        application_create(
            enterprise=draft.enterprise, body=draft.body, scheme=draft.scheme, by=enterprise_user
        )
        for _ in range(3)
    ]
    moment = timezone.now()
    Application.objects.all().update(updated_at=moment)
    api = api_as(enterprise_user)
    ids = []
    for page in (1, 2, 3, 4):
        body = api.get(
            f"{API}/applications/", {"ordering": "updated_at", "page_size": 1, "page": page}
        ).json()
        ids += [a["id"] for a in body["results"]]
    assert ids == sorted([draft.pk, *(o.pk for o in others)])


@pytest.mark.django_db
def test_pages_are_given_by_number_and_by_link(enterprise_user, draft):
    from certification.services import application_create

    application_create(
        enterprise=draft.enterprise, body=draft.body, scheme=draft.scheme, by=enterprise_user
    )
    api = api_as(enterprise_user)
    first = api.get(f"{API}/applications/", {"page_size": 1}).json()
    assert (first["page"], first["pages"], first["next_page"], first["previous_page"]) == (
        1,
        2,
        2,
        None,
    )
    assert "page=2" in first["next"]
    second = api.get(f"{API}/applications/", {"page_size": 1, "page": first["next_page"]}).json()
    assert (second["next_page"], second["previous_page"], second["next"]) == (None, 1, None)


# --- Language ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_accept_language_is_honoured_for_api_callers_and_not_for_pages(client):
    lookup = f"{API}/public/certificates/lookup/"
    english = APIClient().post(lookup, {}, format="json", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert english.json()["errors"]["numbers"] == ["This field is required."]
    assert english["Content-Language"] == "en"
    vietnamese = APIClient().post(lookup, {}, format="json")
    assert vietnamese["Content-Language"] == "vi"
    assert vietnamese.json()["errors"]["numbers"] != ["This field is required."]
    fallback = APIClient().post(lookup, {}, format="json", HTTP_ACCEPT_LANGUAGE="fr, de")
    assert fallback["Content-Language"] == "vi"
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "vi"
