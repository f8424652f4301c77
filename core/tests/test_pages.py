"""What every page shares: our own error pages in both languages, one date format, the
confirmation asked before an action that cannot be undone, and notifications in the reader's
language."""

import datetime

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone, translation
from django.views import defaults

from certification.services import application_withdraw
from notifications.models import Category, Notification
from notifications.services import Message, notifications_deliver

pytestmark = pytest.mark.django_db


def english(client):
    client.cookies["django_language"] = "en"
    return client


# --- Error pages --------------------------------------------------------------------------------


def test_an_unknown_address_shows_our_404_page_in_vietnamese_and_in_english(client, settings):
    settings.DEBUG = False
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.text
    assert 'data-error="404"' in response.text
    assert 'href="/verify/"' in response.text  # the site's header and a way on
    response = english(client).get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.text and "Không tìm thấy trang" not in response.text


def test_a_page_of_another_enterprise_is_our_404_page_for_a_signed_in_user(
    client, other_enterprise_user, draft
):
    client.force_login(other_enterprise_user)
    response = client.get(f"/applications/{draft.pk}/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.text
    assert 'id="nav-notifications"' in response.text  # the signed-in header


def test_the_403_page_names_the_reason_in_both_languages(rf_user_request):
    request = rf_user_request("vi")
    response = defaults.permission_denied(request, PermissionError("Chỉ cán bộ mới được làm."))
    text = response.content.decode()
    assert response.status_code == 403
    assert "Bạn không được thực hiện thao tác này" in text
    assert "Chỉ cán bộ mới được làm." in text
    request = rf_user_request("en")
    text = defaults.permission_denied(request, PermissionError("")).content.decode()
    assert "You may not do this" in text


def test_the_500_page_needs_no_database_and_speaks_both_languages(django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0), translation.override("vi"):
        response = defaults.server_error(request)
    text = response.content.decode()
    assert response.status_code == 500
    assert "Đã có lỗi phía hệ thống" in text and "TXNG Cert" in text
    assert "/static/core/app.css" in text
    with translation.override("en"):
        assert "Something went wrong on our side" in defaults.server_error(request).content.decode()


@pytest.fixture
def rf_user_request(outsider):
    def make(language: str):
        request = RequestFactory().get("/somewhere/")
        request.user = outsider
        request.LANGUAGE_CODE = language
        translation.activate(language)
        return request

    yield make
    translation.deactivate()


# --- One date format ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["vi", "en"])
def test_dates_read_dd_mm_yyyy_and_times_hh_mm_in_both_languages(language):
    moment = datetime.datetime(2026, 3, 4, 15, 7, tzinfo=timezone.get_current_timezone())
    template = Template(
        "{{ d|date }}|{{ d|date:'SHORT_DATE_FORMAT' }}|{{ m|date:'DATETIME_FORMAT' }}|"
        "{{ m|date:'SHORT_DATETIME_FORMAT' }}|{{ m|time }}|{{ d }}"
    )
    with translation.override(language):
        text = template.render(Context({"d": datetime.date(2026, 3, 4), "m": moment}))
    assert text == "04/03/2026|04/03/2026|04/03/2026 15:07|04/03/2026 15:07|15:07|04/03/2026"


# --- Confirmations and wording --------------------------------------------------------------------


def test_withdrawing_asks_first_and_a_withdrawn_application_reads_da_rut(
    client, enterprise_user, submitted
):
    client.force_login(enterprise_user)
    page = client.get(f"/applications/{submitted.pk}/").text
    form_start = page.index(f'action="/applications/{submitted.pk}/transitions/withdraw/"')
    form_tag = page[form_start : page.index(">", form_start)]
    assert "data-confirm=" in form_tag
    assert "không thể mở lại" in form_tag  # the consequence is restated
    assert 'id="confirm-dialog"' in page
    application_withdraw(application=submitted, by=enterprise_user)
    page = client.get(f"/applications/{submitted.pk}/").text
    assert "Đã rút" in page
    assert "Đã thu hồi" not in page


def test_the_enterprise_is_not_shown_the_officers_actions(client, enterprise_user, submitted):
    client.force_login(enterprise_user)
    page = client.get(f"/applications/{submitted.pk}/").text
    # Starting the review is the body's: not even a greyed-out button for the enterprise.
    assert "/transitions/start_review/" not in page
    assert "Bắt đầu xem xét" not in page


# --- Notifications in the reader's language ----------------------------------------------------


def test_a_notification_reads_in_the_language_the_reader_uses_now(client, enterprise_user):
    def render():
        from django.utils.translation import gettext

        return gettext("Page not found"), gettext("Go to the home page")

    enterprise_user.preferred_language = "vi"
    enterprise_user.save(update_fields=["preferred_language"])
    notifications_deliver(
        messages=[
            Message(
                recipient=enterprise_user,
                event="test.event",
                category=Category.APPLICATIONS,
                subject=None,
                period="1",
                render=render,
                url="/",
            )
        ]
    )
    stored = Notification.objects.get(recipient=enterprise_user)
    assert stored.title == "Không tìm thấy trang"  # the e-mail's language
    client.force_login(enterprise_user)
    page = client.get("/notifications/").text
    assert "Không tìm thấy trang" in page
    assert ">Mở</button>" in page and "Đang mở" not in page
    # The reader switches to English: the same notification now reads in English.
    client.post("/language/", {"language": "en", "next": "/notifications/"})
    page = client.get("/notifications/").text
    assert "Page not found" in page and "Go to the home page" in page
    assert "Không tìm thấy trang" not in page
    assert ">Open</button>" in page
