"""Settings for TXNG Cert: one module, every difference an environment variable.

Defaults give the embedded mode a newcomer gets from `make demo` (SQLite file, local media,
Celery eager, console e-mail). With DEBUG off the production switches apply and the values
production cannot guess (SECRET_KEY, ALLOWED_HOSTS, SITE_URL) become mandatory. A bad or
missing value stops start-up with a message naming the variable. See README, "Settings".
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
import xstatic.pkg.bootstrap
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no), got {raw!r}.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.str(name, default=None)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}.")
    return value


def env_required(name: str) -> str:
    value = env.str(name, default="").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off (see README, Settings).")
    return value


# Production is the default: the embedded/development mode needs an explicit DEBUG=1 (`make demo`,
# `make serve`, the test settings do so).
DEBUG = env_bool("DEBUG", False)

# --- Security ----------------------------------------
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-not-for-production-use-0123456789"
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
    # Where `make demo` / `make serve` serve (HOST= and PORT= on the make command line): unless
    # SITE_URL is set, QR codes, e-mail links and reset links point at that running server.
    _serve_host = env.str("SERVE_HOST", default="127.0.0.1").strip() or "127.0.0.1"
    _serve_port = env_int("SERVE_PORT", 8000, minimum=1)
    _public_host = "127.0.0.1" if _serve_host in {"0.0.0.0", "::", "[::]"} else _serve_host
    ALLOWED_HOSTS = env.list(
        "ALLOWED_HOSTS",
        default=list(dict.fromkeys(["127.0.0.1", "localhost", "testserver", _public_host])),
    )
    SITE_URL = env.str("SITE_URL", default=f"http://{_public_host}:{_serve_port}")
else:
    SECRET_KEY = env_required("SECRET_KEY")
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY or SECRET_KEY.startswith("dev-only-insecure"):
        raise ImproperlyConfigured(
            "SECRET_KEY is the public development key: set a random value of at least 50 "
            "characters (or DEBUG=1 for the development mode)."
        )
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured(
            "SECRET_KEY must be a random value of at least 50 characters when DEBUG is off."
        )
    ALLOWED_HOSTS = [h.strip() for h in env_required("ALLOWED_HOSTS").split(",") if h.strip()]
    SITE_URL = env_required("SITE_URL")

_site = urlsplit(SITE_URL)
if _site.scheme not in {"http", "https"} or not _site.netloc:
    raise ImproperlyConfigured(f"SITE_URL must be an absolute http(s) URL, got {SITE_URL!r}.")
SITE_URL = SITE_URL.rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list(
    "CSRF_TRUSTED_ORIGINS", default=[f"{_site.scheme}://{_site.netloc}"]
)

if not DEBUG:
    # Behind a TLS-terminating proxy (nginx example in deploy/) that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True

# Reverse proxies in front of the application: empty/0 (nobody, the default), a number of
# proxies, or their addresses/networks. X-Forwarded-For is honoured only from them; the
# throttles, the sign-in lockout and the complaint limit all count per `core.net.client_ip`.
TRUSTED_PROXIES = env.str("TRUSTED_PROXIES", default="").strip()
try:
    from core.net import parse_trusted_proxies

    parse_trusted_proxies(TRUSTED_PROXIES)
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from None
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy: scripts only from this site's static files — no inline script, no
# eval, no nonce (so cached public pages stay cacheable). Inline `style` attributes remain
# allowed (progress bars); images may be data: URIs (Bootstrap's form icons, QR codes).
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Applications ----------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    # Swagger UI and ReDoc assets for /api/v1/docs/ from the installed package (no CDN).
    "drf_spectacular_sidecar",
    "django_fsm",
    "guardian",
    "django_htmx",
    "axes",
    "csp",
    # Two-factor sign-in (TOTP) with recovery codes: core.two_factor.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "certification",
    "audits",
    "checklists",
    "documents",
    "notifications",
    "oversight",
    "webhooks",
    "signing",
    "tracing",
    "imports",
    "guide",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # Anonymous public certificate answers already cached are sent from here, with the same
    # headers as through the rest of the stack (certification/middleware.py).
    "certification.middleware.PublicAnswerMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # A signed-in user with two-factor sign-in gives their code before any page.
    "core.middleware_two_factor.TwoFactorMiddleware",
    # After authentication: a signed-in user's saved language applies on every device.
    "core.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: locks out repeated failed logins (page and API alike).
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Serves the collected static files (`collectstatic` at deploy) with far-future caching.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # no object permissions for anonymous visitors
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # The unread-notifications counter in the header (one query, signed-in only).
                "notifications.context_processors.unread",
                # `{{ guide_url }}`: the user guide's section for the page (computed when used).
                "guide.context_processors.guide",
            ],
        },
    },
]

# --- Database ----------------------------------------
_default_db = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    DATABASES = {"default": env.db_url("DATABASE_URL", default=_default_db)}
except (ImproperlyConfigured, KeyError, ValueError) as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
if DATABASES["default"].get("ENGINE") not in {
    "django.db.backends.sqlite3",
    "django.db.backends.postgresql",
}:
    raise ImproperlyConfigured(
        "DATABASE_URL must be a sqlite:/// or postgres:// URL (supported: SQLite, PostgreSQL)."
    )
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 0 if DEBUG else 60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded mode: WAL and a busy timeout keep the dev server and eager tasks out of
    # each other's way.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------
try:
    CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://txng-cert")}
except (ImproperlyConfigured, KeyError, ValueError) as exc:
    raise ImproperlyConfigured(f"CACHE_URL is not a valid cache URL: {exc}") from None
# Redis through Django's backend, reusing its client (core/cache.py).
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "core.cache.RedisCache"
# Django keeps 300 entries in a memory or file cache by default, then drops a third at random:
# fewer than the public answers of a few hundred certificates. Redis has no such limit.
if CACHES["default"]["BACKEND"].endswith(("LocMemCache", "FileBasedCache")):
    CACHES["default"].setdefault("OPTIONS", {}).setdefault(
        "MAX_ENTRIES", env_int("CACHE_MAX_ENTRIES", 5000, minimum=300)
    )
# Public certificate answers (verification page, public API) kept in the cache at most this
# long, seconds; every change of a certificate invalidates them at once anyway.
PUBLIC_CACHE_TIMEOUT = env_int("PUBLIC_CACHE_TIMEOUT", 3600, minimum=1)

# --- Passwords ----------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Lockout of repeated failed logins (django-axes) -------------------------------------------
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The page for a locked sign-in form, JSON with `detail` for the API's token endpoint.
AXES_LOCKOUT_CALLABLE = "core.api.lockout_response"
# The client's address as TRUSTED_PROXIES defines it (never a forged X-Forwarded-For).
AXES_CLIENT_IP_CALLABLE = "core.net.axes_client_ip"

# Two-factor sign-in: the issuer shown in authenticator apps.
OTP_TOTP_ISSUER = "TXNG Cert"

# --- Languages and time ----------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True
# One date format in both languages: dd/mm/yyyy, and HH:mm where the time matters
# (config/formats/<language>/formats.py; these are the fallbacks outside a language).
FORMAT_MODULE_PATH = ["config.formats"]
DATE_FORMAT = SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "d/m/Y H:i"
TIME_FORMAT = "H:i"

# --- Static files and uploads ----------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Bootstrap comes from the installed xstatic package: no CDN, no vendored copy.
STATICFILES_DIRS = [("bootstrap", xstatic.pkg.bootstrap.BASE_DIR)]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Uploaded files are never served from a public URL: downloads go through permission-checked
# views. MEDIA_URL exists only because Django requires one.
MEDIA_URL = "/media-not-public/"

# Uploads: refused above this size (413) or when their bytes are not one of these types (415).
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 20 * 1024 * 1024, minimum=1)
# Spreadsheet imports (imports app): files above this size are refused (413), and so are files
# with more rows than this (split them).
IMPORTS_MAX_BYTES = env_int("IMPORTS_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
IMPORTS_MAX_ROWS = env_int("IMPORTS_MAX_ROWS", 20_000, minimum=1)
DOCUMENT_ALLOWED_TYPES = env.list(
    "DOCUMENT_ALLOWED_TYPES", default=["pdf", "docx", "xlsx", "jpeg", "png"]
)

# Evidence photos and files of checklist items and findings (working offline): the
# browser scales photos to EVIDENCE_PHOTO_MAX_PIXELS on their longer side at JPEG quality
# EVIDENCE_PHOTO_QUALITY before queueing them; uploads go in chunks of EVIDENCE_CHUNK_BYTES;
# files above EVIDENCE_MAX_BYTES are refused (413). Partial uploads wait in EVIDENCE_UPLOAD_DIR
# (default: MEDIA_ROOT/partial-uploads, a local folder even with S3).
EVIDENCE_PHOTO_MAX_PIXELS = env_int("EVIDENCE_PHOTO_MAX_PIXELS", 1600, minimum=320)
EVIDENCE_PHOTO_QUALITY = env.float("EVIDENCE_PHOTO_QUALITY", default=0.8)
EVIDENCE_CHUNK_BYTES = env_int("EVIDENCE_CHUNK_BYTES", 512 * 1024, minimum=16 * 1024)
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 25 * 1024 * 1024, minimum=1)
EVIDENCE_UPLOAD_DIR = env.str("EVIDENCE_UPLOAD_DIR", default="")
# Trace tests from EPCIS 2.0 data (tracing app): the largest document read (upload or the
# answer of an enterprise's query interface), and how that interface is asked.
EPCIS_MAX_BYTES = env_int("EPCIS_MAX_BYTES", 100 * 1024 * 1024, minimum=1)
EPCIS_QUERY_TIMEOUT = env_int("EPCIS_QUERY_TIMEOUT", 30, minimum=1)
EPCIS_QUERY_MAX_PAGES = env_int("EPCIS_QUERY_MAX_PAGES", 100, minimum=1)
# Plain http:// query interfaces (a local test server); HTTPS only otherwise.
EPCIS_QUERY_ALLOW_HTTP = env_bool("EPCIS_QUERY_ALLOW_HTTP", False)

STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local").strip().lower()
_static_backend = (
    "django.contrib.staticfiles.storage.StaticFilesStorage"
    if DEBUG
    else "whitenoise.storage.CompressedManifestStaticFilesStorage"
)
if STORAGE_BACKEND == "local":
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": _static_backend},
    }
elif STORAGE_BACKEND == "s3":
    AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="").strip()
    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured("AWS_STORAGE_BUCKET_NAME must be set when STORAGE_BACKEND=s3.")
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="") or None
    AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default="") or None
    AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default="") or None
    AWS_DEFAULT_ACL = None  # private objects; the bucket policy decides, never public-read
    AWS_QUERYSTRING_AUTH = True
    AWS_QUERYSTRING_EXPIRE = env_int("AWS_QUERYSTRING_EXPIRE", 300, minimum=1)
    AWS_S3_FILE_OVERWRITE = False
    AWS_S3_SIGNATURE_VERSION = "s3v4"
    STORAGES = {
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
        "staticfiles": {"BACKEND": _static_backend},
    }
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3', got {STORAGE_BACKEND!r}.")

# --- E-mail ----------------------------------------
try:
    _email = env.email_url("EMAIL_URL", default="consolemail://")
except (ImproperlyConfigured, KeyError, ValueError) as exc:
    raise ImproperlyConfigured(f"EMAIL_URL is not a valid e-mail URL: {exc}") from None
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
if _email.get("EMAIL_FILE_PATH"):
    # filemail:////abs/path writes each e-mail to a file there (tests, local inspection).
    EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
# Attempts after the first before a notification's e-mail is recorded as failed (backoff).
NOTIFICATIONS_EMAIL_MAX_RETRIES = env_int("NOTIFICATIONS_EMAIL_MAX_RETRIES", 5)
# E-mails one delivery task sends over one SMTP connection.
NOTIFICATIONS_EMAIL_BATCH_SIZE = env_int("NOTIFICATIONS_EMAIL_BATCH_SIZE", 200, minimum=1)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="TXNG Cert <no-reply@txng-cert.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ----------------------------------------
_broker = env.str("CELERY_BROKER_URL", default="").strip()
# No broker configured → the embedded mode: tasks run in-process at `.delay()` (the in-memory
# transport only keeps Celery from looking for a broker on localhost).
CELERY_TASK_ALWAYS_EAGER = not _broker
CELERY_BROKER_URL = _broker or "memory://localhost/"
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="").strip() or None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="txng-cert")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# --- Outbox (core.outbox) ----------------------------------------
# Attempts at one follow-up (notification, document, portal push) before it is marked failed;
# the wait between attempts doubles from OUTBOX_BACKOFF_SECONDS up to the maximum.
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 10, minimum=1)
OUTBOX_BACKOFF_SECONDS = env_int("OUTBOX_BACKOFF_SECONDS", 30, minimum=1)
OUTBOX_BACKOFF_MAX_SECONDS = env_int("OUTBOX_BACKOFF_MAX_SECONDS", 3600, minimum=1)
# Delivered messages are kept this long (for the admin's view), then deleted by the sweeper.
OUTBOX_KEEP_DAYS = env_int("OUTBOX_KEEP_DAYS", 30, minimum=1)

# --- REST API ----------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.Schema",
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Scoped throttles (per client address for anonymous callers, per user otherwise):
    # the token endpoint, the anonymous public verification, and complaints lodged
    # without an account. Rates like "20/min"; raise API_THROTTLE_PUBLIC for a load test.
    "DEFAULT_THROTTLE_RATES": {
        "token": env.str("API_THROTTLE_TOKEN", default="20/min"),
        "public": env.str("API_THROTTLE_PUBLIC", default="120/min"),
        # Bulk verification (up to 500 numbers a request), per client address.
        "public_lookup": env.str("API_THROTTLE_PUBLIC_LOOKUP", default="30/min"),
        "complaints": env.str("API_THROTTLE_COMPLAINTS", default="10/hour"),
        # Checking a PDF file (page and API share the rate): anonymous, so kept low.
        "verify_file": env.str("API_THROTTLE_VERIFY_FILE", default="20/hour"),
    },
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # Throttles identify clients through core.net.client_ip (TRUSTED_PROXIES); a throttle that
    # does not still never reads X-Forwarded-For.
    "NUM_PROXIES": 0,
}
# API tokens expire this many hours after they were issued (and are revoked on a password
# change or reset and when a membership ends).
API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 24 * 30, minimum=1)
SPECTACULAR_SETTINGS = {
    "TITLE": "TXNG Cert API",
    "DESCRIPTION": "Certification of traceability systems (TCVN 12850:2019).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Separate request and response components: read-only fields are not asked for.
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.postprocess",
    ],
    # One name per set of choices where several models use the same field name.
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStateEnum": "certification.models.Application.State",
        "ApplicationKindEnum": "certification.models.Application.Kind",
        "CertificateStateEnum": "certification.models.Certificate.State",
        "RegistrationStateEnum": "certification.models.BodyRegistration.State",
        "AppealStateEnum": "certification.models.Appeal.State",
        "ComplaintStateEnum": "certification.models.Complaint.State",
        "OrganisationKindEnum": "certification.models.Organisation.Kind",
        "AuditStateEnum": "audits.models.Audit.State",
        "AuditKindEnum": "audits.models.Audit.Kind",
        "FindingStateEnum": "audits.models.Finding.State",
        "FindingSeverityEnum": "audits.models.Finding.Severity",
        "TraceTestResultEnum": "audits.models.TraceTest.Result",
        "TraceTestDirectionEnum": "audits.models.TraceTest.Direction",
        "TraceDirectionEnum": "audits.models.TraceTestDirection.Direction",
        "ItemSeverityEnum": "checklists.models.Severity",
        "AnswerResultEnum": "checklists.models.ChecklistAnswer.Result",
        "TemplateStatusEnum": "checklists.models.ChecklistTemplate.Status",
        "WebhookEventEnum": "webhooks.models.Event",
        "DeliveryStatusEnum": "webhooks.models.WebhookDelivery.Status",
        "SectorEnum": "certification.models.organisations.Sector",
        "ImpartialityRiskSourceEnum": "certification.models.ImpartialityRisk.Source",
        "ImpartialityLevelEnum": "certification.models.impartiality.Level",
    },
}

# --- Integrations ----------------------------------------
PORTAL_URL = env.str("PORTAL_URL", default="").strip() or None
PORTAL_TOKEN = env.str("PORTAL_TOKEN", default="").strip() or None
if PORTAL_URL and not PORTAL_TOKEN:
    raise ImproperlyConfigured("PORTAL_TOKEN must be set when PORTAL_URL is set.")

# Webhooks (certificate events POSTed to the endpoints bodies and regulators register).
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
# Allow http:// endpoints on a loopback address (local development and tests only).
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=False)
# --- Digital signatures (README, "Signed PDF documents") ----------------------------------------
# Where each body's signing key lives: "pkcs12" (a file) or "pkcs11" (a token: USB or HSM).
SIGNING_KEY_STORE = env.str("SIGNING_KEY_STORE", default="pkcs12").strip().lower()
if SIGNING_KEY_STORE not in {"pkcs12", "pkcs11"}:
    raise ImproperlyConfigured(
        f"SIGNING_KEY_STORE must be 'pkcs12' or 'pkcs11', got {SIGNING_KEY_STORE!r}."
    )
# `{body}` is replaced by the body's code; relative paths are under the project folder.
# seed_demo writes demo keys there (var/ is ignored by git).
SIGNING_PKCS12_PATH = env.str("SIGNING_PKCS12_PATH", default="var/signing/{body}.p12")
SIGNING_PKCS12_PASSWORD = env.str("SIGNING_PKCS12_PASSWORD", default="")
SIGNING_PKCS11_MODULE = env.str("SIGNING_PKCS11_MODULE", default="").strip()
# The slot number, or the token's label (either identifies the token).
SIGNING_PKCS11_SLOT = (
    env_int("SIGNING_PKCS11_SLOT", 0)
    if env.str("SIGNING_PKCS11_SLOT", default="").strip()
    else None
)
SIGNING_PKCS11_TOKEN_LABEL = env.str("SIGNING_PKCS11_TOKEN_LABEL", default="").strip()
SIGNING_PKCS11_PIN = env.str("SIGNING_PKCS11_PIN", default="")
SIGNING_PKCS11_KEY_LABEL = env.str("SIGNING_PKCS11_KEY_LABEL", default="{body}")
if SIGNING_KEY_STORE == "pkcs11" and not SIGNING_PKCS11_MODULE:
    raise ImproperlyConfigured("SIGNING_PKCS11_MODULE must be set when SIGNING_KEY_STORE=pkcs11.")
if SIGNING_KEY_STORE == "pkcs11" and SIGNING_PKCS11_SLOT is None and not SIGNING_PKCS11_TOKEN_LABEL:
    raise ImproperlyConfigured(
        "SIGNING_PKCS11_SLOT or SIGNING_PKCS11_TOKEN_LABEL must be set when "
        "SIGNING_KEY_STORE=pkcs11."
    )
# An RFC 3161 timestamp server: each signature gets a timestamp token when set.
SIGNING_TSA_URL = env.str("SIGNING_TSA_URL", default="").strip() or None
SIGNING_TSA_TIMEOUT = env_int("SIGNING_TSA_TIMEOUT", 10, minimum=1)
# Checking a file: larger uploads are refused (413) before they are read.
VERIFY_FILE_MAX_BYTES = env_int("VERIFY_FILE_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)

DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo-Pass-2026")

# --- Logging ----------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # fontTools reports every glyph of every font subset (signed PDFs) at INFO.
    "loggers": {"fontTools": {"level": "WARNING"}},
}
