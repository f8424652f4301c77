from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from certification.views import home
from core import views_two_factor
from core.health import healthz, readyz
from core.views import switch_language

_site = urlsplit(settings.SITE_URL)

admin.site.site_header = "TXNG Cert"
admin.site.site_title = "TXNG Cert"

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("language/", switch_language, name="switch_language"),
    # Accounts: Django's views with our templates; reset links point at SITE_URL.
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(
            extra_email_context={"domain": _site.netloc, "protocol": _site.scheme}
        ),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/two-factor/", views_two_factor.status, name="two_factor"),
    path("accounts/two-factor/setup/", views_two_factor.setup, name="two_factor_setup"),
    path("accounts/two-factor/verify/", views_two_factor.verify, name="two_factor_verify"),
    path(
        "accounts/two-factor/recovery-codes/",
        views_two_factor.recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("accounts/two-factor/disable/", views_two_factor.disable, name="two_factor_disable"),
    path("", include("documents.urls")),
    path("", include("signing.urls")),
    path("oversight/", include("oversight.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("imports/", include("imports.urls")),
    path("guide/", include("guide.urls")),
    path("", include("certification.urls")),
    path("", include("checklists.urls")),
    path("", include("audits.urls")),
    path("", include("tracing.urls")),
    path("", include("notifications.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
]

# JSON for every error under /api/ (5xx included), Django's pages elsewhere.
handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
