"""L1, L2, L5 and one error shape: every answer under /api/ is JSON in the API's error shape
(`detail`, `code`, plus `errors` on 400), whatever failed — a body nested too deep, too many
files, unreadable JSON, the database, a bug — and /readyz names what failed without saying
why to an anonymous caller."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import OperationalError
from rest_framework.test import APIClient

from core.tests.api_helpers import API, api_as
from documents.models import Document


def _json_error(response, status):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body["detail"]
    assert body["code"]
    if status == 400:
        assert isinstance(body["errors"], dict) and body["errors"]
    return body


def _raw_client(user=None):
    client = api_as(user) if user else APIClient()
    client.raise_request_exception = False
    return client


@pytest.mark.django_db
def test_deeply_nested_json_is_a_400_not_a_500_also_anonymously(body):
    nested = "[" * 100_000 + "]" * 100_000
    response = _raw_client().post(f"{API}/complaints/", nested, content_type="application/json")
    _json_error(response, 400)


@pytest.mark.django_db
def test_json_nested_deeper_than_any_resource_needs_is_refused(body):
    value: object = "x"
    for _ in range(40):
        value = {"a": value}
    response = _raw_client().post(
        f"{API}/complaints/",
        json.dumps({"body": body.pk, "subject": value}),
        content_type="application/json",
    )
    _json_error(response, 400)


@pytest.mark.django_db
def test_malformed_json_is_a_400_with_the_errors_key(body):
    response = _raw_client().post(
        f"{API}/complaints/", '{"body": 1,', content_type="application/json"
    )
    body_ = _json_error(response, 400)
    assert body_["code"] == "parse_error"


@pytest.mark.django_db
def test_more_than_a_hundred_files_is_a_json_400_on_the_api(enterprise_user):
    files = {
        f"file{n}": SimpleUploadedFile(f"f{n}.pdf", b"%PDF-1.4\n", "application/pdf")
        for n in range(101)
    }
    response = _raw_client(enterprise_user).post(
        f"{API}/documents/", {"owner_type": "application", "owner_id": 1, **files}
    )
    _json_error(response, 400)
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_an_unexpected_error_on_the_api_is_a_json_500(monkeypatch, enterprise_user):
    from certification.api import MeView

    def broken(*args, **kwargs):
        raise RuntimeError("internal detail that must not leak")

    monkeypatch.setattr(MeView, "get", broken)
    response = _raw_client(enterprise_user).get(f"{API}/me/")
    body = _json_error(response, 500)
    assert "internal detail" not in json.dumps(body)


@pytest.mark.django_db
def test_with_the_database_down_the_api_answers_json_500(monkeypatch, enterprise_user):
    client = _raw_client(enterprise_user)

    def refuse(self):
        raise OperationalError("could not connect to server: secret-host:5432")

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)
    for path in ("me/", "applications/", "public/certificates/GLCERT-1/"):
        response = client.get(f"{API}/{path}")
        _json_error(response, 500)
        assert "secret-host" not in response.content.decode()
    # A path that needs no database still answers as usual.
    _json_error(client.get(f"{API}/no-such-thing/"), 404)


def test_a_page_outside_the_api_still_gets_the_html_error(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_an_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v2/nothing")
    _json_error(response, 404)


@pytest.mark.django_db
def test_readyz_names_the_failed_part_without_internal_text(client, monkeypatch):
    def refuse(self):
        raise OperationalError("FATAL: password authentication failed for user txng at 10.2.3.4")

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert response.json()["checks"]["database"] == "failed"
    text = response.content.decode()
    assert "10.2.3.4" not in text and "OperationalError" not in text
