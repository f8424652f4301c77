import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_me_lists_the_current_users_memberships(enterprise_user, enterprise):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=enterprise_user).key}")
    response = api.get("/api/v1/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "ent"
    assert body["language"] == "vi"
    assert [(m["role"], m["organisation"]) for m in body["memberships"]] == [
        ("enterprise", enterprise.pk)
    ]


def test_me_without_credentials_is_401():
    response = APIClient().get("/api/v1/me/")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_the_schema_is_served_as_openapi_3():
    response = APIClient().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")
    assert "/api/v1/me/" in response.json()["paths"]
