import pytest

pytestmark = pytest.mark.django_db


def test_pages_are_vietnamese_by_default_even_for_an_english_browser(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert 'lang="vi"' in response.text
    assert "Đăng nhập" in response.text


def test_switching_to_english_sets_the_cookie_and_the_page_speaks_english(client):
    response = client.post("/language/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    page = client.get("/accounts/login/")
    assert 'lang="en"' in page.text
    assert "Sign in to TXNG Cert" in page.text


def test_a_signed_in_users_choice_is_saved_and_follows_them_to_another_browser(
    client, enterprise_user
):
    client.force_login(enterprise_user)
    client.post("/language/", {"language": "en"})
    enterprise_user.refresh_from_db()
    assert enterprise_user.preferred_language == "en"
    client.cookies.clear()
    client.force_login(enterprise_user)
    assert 'lang="en"' in client.get("/").text


def test_an_unknown_language_is_refused(client):
    assert client.post("/language/", {"language": "fr"}).status_code == 400


def test_the_switch_never_redirects_to_another_site(client):
    response = client.post("/language/", {"language": "en", "next": "https://evil.example.com/"})
    assert response["Location"] == "/"
