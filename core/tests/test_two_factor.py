"""Two-factor sign-in (TOTP) for body staff, decision makers and regulators: set-up with a QR
code, recovery codes, the code at every sign-in, enforcement per organisation, the API's token
endpoint."""

import re

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from core.tests.api_helpers import API

pytestmark = pytest.mark.django_db
PASSWORD = "pw-Secret-2026"


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _enrol(client, user) -> list[str]:
    client.force_login(user)
    page = client.get("/accounts/two-factor/setup/")
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in page.text
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post("/accounts/two-factor/setup/", {"code": _code(device)})
    assert done.status_code == 200
    codes = re.findall(r"data-recovery-code>([^<]+)<", done.text)
    assert len(codes) == 10
    assert TOTPDevice.objects.get(user=user).confirmed
    return codes


def _sign_in(client, username):
    client.logout()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302


def test_an_officer_sets_it_up_and_then_every_sign_in_asks_for_a_code(client, cb_staff):
    codes = _enrol(client, cb_staff)
    _sign_in(client, "staff")
    held = client.get("/applications/")
    assert held.status_code == 302
    assert held["Location"].startswith("/accounts/two-factor/verify/")
    wrong = client.post("/accounts/two-factor/verify/", {"code": "000000"})
    assert wrong.status_code == 200
    assert client.get("/applications/").status_code == 302
    right = client.post("/accounts/two-factor/verify/?next=/applications/", {"code": codes[0]})
    assert right.status_code == 302
    assert right["Location"] == "/applications/"
    assert client.get("/applications/").status_code == 200


def test_a_recovery_code_works_once(client, cb_staff):
    codes = _enrol(client, cb_staff)
    _sign_in(client, "staff")
    assert client.post("/accounts/two-factor/verify/", {"code": codes[1]}).status_code == 302
    _sign_in(client, "staff")
    again = client.post("/accounts/two-factor/verify/", {"code": codes[1]})
    assert again.status_code == 200  # refused: the form again
    assert client.get("/").status_code == 302


def test_an_organisation_that_requires_it_sends_its_people_to_the_set_up(client, cb_staff, body):
    body.require_two_factor = True
    body.save()
    _sign_in(client, "staff")
    held = client.get("/applications/")
    assert held["Location"].startswith("/accounts/two-factor/setup/")
    # And it may not be turned off.
    _enrol(client, cb_staff)
    client.post("/accounts/two-factor/disable/")
    assert TOTPDevice.objects.filter(user=cb_staff, confirmed=True).exists()


def test_a_province_may_require_it_of_its_regulators(client, regulator, province):
    province.require_two_factor = True
    province.save()
    _sign_in(client, "reg")
    assert client.get("/oversight/")["Location"].startswith("/accounts/two-factor/setup/")


def test_without_it_nothing_changes_and_it_can_be_turned_off(client, cb_staff):
    client.force_login(cb_staff)
    assert client.get("/applications/").status_code == 200
    _enrol(client, cb_staff)
    client.post("/accounts/two-factor/disable/")
    assert not TOTPDevice.objects.filter(user=cb_staff).exists()


def test_enterprise_users_are_not_offered_it(client, enterprise_user):
    client.force_login(enterprise_user)
    assert client.get("/accounts/two-factor/").status_code == 403
    assert client.get("/accounts/two-factor/setup/").status_code == 403


def test_the_token_endpoint_asks_for_the_code(client, decider):
    codes = _enrol(client, decider)
    api = APIClient()
    credentials = {"username": "decider", "password": PASSWORD}
    without = api.post(f"{API}/auth/token/", credentials, format="json")
    assert without.status_code == 400
    assert "otp" in without.json()["errors"]
    with_code = api.post(f"{API}/auth/token/", {**credentials, "otp": codes[2]}, format="json")
    assert with_code.status_code == 200
    assert with_code.json()["token"]


def test_an_unverified_session_gets_no_api_answer(client, cb_staff):
    _enrol(client, cb_staff)
    _sign_in(client, "staff")
    response = client.get(f"{API}/applications/")
    assert response.status_code == 403
    assert response.json()["code"] == "two_factor_required"


def test_the_pages_are_in_vietnamese_and_english(client, cb_staff):
    client.force_login(cb_staff)
    vi = client.get("/accounts/two-factor/").text
    client.cookies["django_language"] = "en"
    en = client.get("/accounts/two-factor/").text
    assert "Two-factor sign-in" in en
    assert "Two-factor sign-in" not in vi
