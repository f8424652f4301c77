import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from certification.models import Role
from certification.tests.factories import EnterpriseFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

# What each demo account's home page says in Vietnamese: its role and what it may do now.
DEMO_HOME = {
    "admin": "Mở trang quản trị",
    "enterprise": "Doanh nghiệp",
    "enterprise2": "Hoàn thiện hồ sơ tổ chức",
    "cbstaff": "Cán bộ tổ chức chứng nhận",
    "lead": "Chuyên gia đánh giá",
    "assessor": "Chuyên gia đánh giá",
    "decider": "Người ra quyết định chứng nhận",
    "regulator": "Cơ quan quản lý",
}


@pytest.fixture
def demo(settings):
    settings.DEMO_PASSWORD = "demo-Pass-2026"
    with open("/dev/null", "w") as quiet:
        call_command("seed_demo", "--force", stdout=quiet)


@pytest.mark.parametrize("username", sorted(DEMO_HOME))
def test_each_demo_account_signs_in_and_gets_its_role_home_in_vietnamese(demo, username):
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": "demo-Pass-2026"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert 'lang="vi"' in home.text
    assert DEMO_HOME[username] in home.text
    assert "Đăng xuất" in home.text


def test_home_requires_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/")


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, enterprise_user):
    response = client.post("/accounts/login/", {"username": "ent", "password": "nope"})
    assert response.status_code == 200
    assert "Đăng nhập" in response.text
    assert "_auth_user_id" not in client.session


def test_repeated_failed_sign_ins_lock_the_account_out(client, enterprise_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "ent", "password": "nope"})
    response = client.post("/accounts/login/", {"username": "ent", "password": "pw-Secret-2026"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_sign_out_ends_the_session(client, enterprise_user):
    client.force_login(enterprise_user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_a_user_changes_their_password(client, enterprise_user):
    client.force_login(enterprise_user)
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": "pw-Secret-2026",
            "new_password1": "Cà-phê-2027!x",
            "new_password2": "Cà-phê-2027!x",
        },
    )
    assert response.status_code == 302
    enterprise_user.refresh_from_db()
    assert enterprise_user.check_password("Cà-phê-2027!x")


def test_password_reset_by_email_links_to_the_site_and_sets_a_new_password(
    client, enterprise_user, settings
):
    response = client.post("/accounts/password/reset/", {"email": enterprise_user.email})
    assert response.status_code == 302
    [message] = mail.outbox
    link = re.search(r"https?://\S+/accounts/password/reset/\S+/\S+/", message.body).group(0)
    assert link.startswith(settings.SITE_URL)
    path = link.removeprefix(settings.SITE_URL)
    form = client.get(path, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Hồ-tiêu-2027!y", "new_password2": "Hồ-tiêu-2027!y"},
    )
    assert done.status_code == 302
    enterprise_user.refresh_from_db()
    assert enterprise_user.check_password("Hồ-tiêu-2027!y")


def test_password_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.vn"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_a_user_without_a_role_is_told_so(client, outsider):
    client.force_login(outsider)
    assert "chưa có vai trò" in client.get("/").text


def test_a_user_with_two_roles_sees_a_panel_for_each(client, body, admin_user):
    user = grant(UserFactory(), Role.CB_STAFF, body, by=admin_user)
    grant(user, Role.ASSESSOR, body, by=admin_user)
    client.force_login(user)
    text = client.get("/").text
    assert "Cán bộ tổ chức chứng nhận" in text
    assert "Chuyên gia đánh giá" in text


def test_the_regulator_home_counts_the_province_and_its_queries_do_not_grow(
    client, regulator, province, django_assert_num_queries, django_assert_max_num_queries
):
    client.force_login(regulator)
    client.get("/")  # warm caches (content types, session)
    # Session, user, memberships, figures, registrations to review, unread notifications.
    with django_assert_max_num_queries(6) as small:
        client.get("/")
    EnterpriseFactory.create_batch(15, province=province)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get("/")
    assert re.search(r"Doanh nghiệp</dt><dd[^>]*>15<", response.text)


def test_enterprise_home_queries_are_constant(
    client, enterprise_user, enterprise, admin_user, django_assert_max_num_queries
):
    client.force_login(enterprise_user)
    client.get("/")
    # Session, user, memberships, its applications, findings and certificates, notifications.
    with django_assert_max_num_queries(7):
        response = client.get("/")
    assert enterprise.name in response.text
