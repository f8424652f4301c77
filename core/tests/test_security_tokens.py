"""M3: API tokens expire, and are revoked on a password change or reset and when a membership
ends."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from certification.models import Membership
from certification.services import membership_end
from core.tests.api_helpers import API

pytestmark = pytest.mark.django_db
PASSWORD = "pw-Secret-2026"


def _token(user) -> str:
    response = APIClient().post(
        f"{API}/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    return response.json()["token"]


def _me(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(f"{API}/me/").status_code


def test_a_token_stops_working_after_its_lifetime(settings, enterprise_user):
    settings.API_TOKEN_TTL_HOURS = 2
    key = _token(enterprise_user)
    assert _me(key) == 200
    Token.objects.filter(key=key).update(created=timezone.now() - datetime.timedelta(hours=3))
    assert _me(key) == 401
    assert not Token.objects.filter(key=key).exists()
    # Signing in again gives a new, working token.
    fresh = _token(enterprise_user)
    assert fresh != key
    assert _me(fresh) == 200


def test_asking_again_after_expiry_replaces_the_old_token(settings, enterprise_user):
    settings.API_TOKEN_TTL_HOURS = 1
    key = _token(enterprise_user)
    Token.objects.filter(key=key).update(created=timezone.now() - datetime.timedelta(hours=2))
    assert _token(enterprise_user) != key


def test_a_password_change_revokes_the_token(client, enterprise_user):
    key = _token(enterprise_user)
    client.force_login(enterprise_user)
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": "an-Other-Secret-2027",
            "new_password2": "an-Other-Secret-2027",
        },
    )
    assert response.status_code == 302
    assert _me(key) == 401


def test_a_password_reset_revokes_the_token(client, enterprise_user):
    enterprise_user.email = "ent@example.vn"
    enterprise_user.save()
    key = _token(enterprise_user)
    client.post("/accounts/password/reset/", {"email": "ent@example.vn"})
    link = re.search(r"/accounts/password/reset/[^/\s]+/[^/\s]+/", mail.outbox[-1].body).group(0)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "an-Other-Secret-2027", "new_password2": "an-Other-Secret-2027"},
    )
    assert done.status_code == 302
    assert _me(key) == 401


def test_saving_the_user_without_a_new_password_keeps_the_token(enterprise_user):
    key = _token(enterprise_user)
    enterprise_user.full_name = "Nguyễn Văn A"
    enterprise_user.save()
    assert _me(key) == 200


def test_ending_a_membership_revokes_the_token(enterprise_user, admin_user):
    key = _token(enterprise_user)
    membership = Membership.objects.active().get(user=enterprise_user)
    membership_end(membership=membership, by=admin_user)
    assert _me(key) == 401
