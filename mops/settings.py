"""MOps Portal settings: one module, read from the environment.

Every variable is optional in development; production (``DEBUG`` off) requires ``SECRET_KEY``
and ``ALLOWED_HOSTS``. A missing or malformed variable stops start-up with a message naming it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def _read(name: str, reader, **kwargs):
    """Read one variable; re-raise any parse error with the variable's name in it."""
    try:
        return reader(name, **kwargs)
    except ImproperlyConfigured:
        raise
    except Exception as exc:  # environ raises ValueError, KeyError… for malformed values
        raise ImproperlyConfigured(f"Environment variable {name} is malformed: {exc}") from exc


DEBUG = _read("DEBUG", env.bool, default=True)
_DEV_SECRET = "django-insecure-dev-only-key-not-for-production"  # noqa: S105
SECRET_KEY = _read("SECRET_KEY", env.str, default=_DEV_SECRET if DEBUG else environ.Env.NOTSET)
if not DEBUG and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "Environment variable SECRET_KEY must be a random string of at least 50 characters "
        "(5 or more distinct) when DEBUG is off."
    )
ALLOWED_HOSTS = _read(
    "ALLOWED_HOSTS",
    env.list,
    default=["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else environ.Env.NOTSET,
)
CSRF_TRUSTED_ORIGINS = _read("CSRF_TRUSTED_ORIGINS", env.list, default=[])
# The portal's public address, for links in e-mails and webhooks sent outside a request.
SITE_URL = _read("SITE_URL", env.url, default="http://127.0.0.1:8000").geturl().rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_celery_beat",
    "django_htmx",
    "simple_history",
    "csp",
    "axes",
    "mops",
    "analytics",
    "operations",
    "governance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mops.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mops.urls"
WSGI_APPLICATION = "mops.wsgi.application"
ASGI_APPLICATION = "mops.asgi.application"

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
                "csp.context_processors.nonce",
                "mops.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASES = {
    "default": _read("DATABASE_URL", env.db_url, default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
_engine = DATABASES["default"].get("ENGINE", "")
if _engine not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
    raise ImproperlyConfigured(
        "Environment variable DATABASE_URL must be a sqlite:/// or postgres:// URL."
    )
if _engine.endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = _read("CONN_MAX_AGE", env.int, default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -------------------------------------------------------------------
REDIS_URL = _read("REDIS_URL", env.str, default="")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        "Environment variable REDIS_URL must start with redis://, rediss:// or unix://."
    )
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Overview and section-page panels (and the parts of pages given to mops.panel_cache.cached) are
# cached per user and checked against the tables their queries read (PostgreSQL only); this
# bounds what only time changes in them (relative times, "overdue"). 0 turns the cache off.
PANEL_CACHE_SECONDS = _read("PANEL_CACHE_SECONDS", env.int, default=60)

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Auth -------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "mops.role_cache.CachedRolesBackend",  # Django's ModelBackend, roles cached across requests
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; anonymous sees nothing
AXES_FAILURE_LIMIT = _read("AXES_FAILURE_LIMIT", env.int, default=10)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = _read("AXES_ENABLED", env.bool, default=True)

# The audit trail is append-only: the admin shows history but cannot revert it.
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False

# --- i18n -------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = _read("TIME_ZONE", env.str, default="Asia/Tokyo")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# plotly.js comes from the plotly Python package itself (no CDN, no copy in the repository):
# its package_data/plotly.min.js is served as /static/plotly/plotly.min.js, only on chart pages.
_plotly_spec = importlib.util.find_spec("plotly")  # locate the package without importing it
_PLOTLY_JS_DIR = Path(str(_plotly_spec.origin if _plotly_spec else "")).parent / "package_data"
STATICFILES_DIRS = [BASE_DIR / "static", ("plotly", _PLOTLY_JS_DIR)]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = _read("MEDIA_ROOT", env.path, default=BASE_DIR / "media")
MEDIA_URL = "/media/"

# --- Backups (mops.backups: nightly, and `manage.py backup`) ---------------------------------
BACKUP_DIR = _read("BACKUP_DIR", env.path, default=BASE_DIR / "backups")
BACKUP_KEEP = _read("BACKUP_KEEP", env.int, default=14)  # the newest N backups are kept

# --- Email ------------------------------------------------------------------------------
_email = _read(
    "EMAIL_URL", env.email_url, default="consolemail://" if DEBUG else "smtp://localhost:25"
)
globals().update(_email)
DEFAULT_FROM_EMAIL = _read("DEFAULT_FROM_EMAIL", env.str, default="mops@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "mops.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["mops.api.permissions.ScopedRolePermission"],
    "DEFAULT_PAGINATION_CLASS": "mops.api.pagination.CountPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "mops.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": _read("API_THROTTLE_ANON", env.str, default="60/min"),
        "user": _read("API_THROTTLE_USER", env.str, default="1200/min"),
        "ping": "600/min",
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MOps Portal API",
    "DESCRIPTION": "Operations, governance and analytics for marketing teams.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "mops.api.errors.add_error_responses",
    ],
    # One schema name per choice set, so that fields called "kind", "state" or "status" in
    # different apps don't get hashed names like "Status9a3Enum".
    "ENUM_NAME_OVERRIDES": {
        f"{path.rsplit('.', 1)[1]}Enum": path
        for path in [
            "mops.models.Role",
            "mops.models.Scope",
            "analytics.models.Channel",
            "analytics.models.CampaignStatus",
            "analytics.models.BatchKind",
            "analytics.models.BatchStatus",
            "analytics.models.Granularity",
            "analytics.models.KpiFormat",
            "analytics.models.AnomalyDirection",
            "operations.models.MaintenanceStatus",
            "operations.models.CheckKind",
            "operations.models.CheckState",
            "operations.models.ResultStatus",
            "operations.models.PingKind",
            "operations.models.ToolCategory",
            "operations.models.ToolLifecycle",
            "operations.models.AssignmentRole",
            "operations.models.IntegrationFrequency",
            "operations.models.StepKind",
            "operations.models.ExecutionOutcome",
            "operations.models.Severity",
            "operations.models.IncidentState",
            "operations.models.IncidentSource",
            "operations.models.EventKind",
            "operations.models.ChannelKind",
            "operations.models.NotificationStatus",
            "governance.models.Direction",
            "governance.models.ActionStatus",
            "governance.models.Cadence",
            "governance.models.ReviewState",
            "governance.models.AgendaKind",
            "governance.models.FeedbackDirection",
            "governance.models.FeedbackStatus",
            "governance.models.PeriodKind",
            "governance.models.StrategyStatus",
            "governance.models.PlanStatus",
        ]
    }
    | {"KpiStatusEnum": "governance.status.Status"},
}

# --- Security ---------------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the meta tag; the cookie stays SameSite
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _read("SECURE_SSL_REDIRECT", env.bool, default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^ping/"]
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

# --- Logging ----------------------------------------------------------------------------
LOG_LEVEL = _read("LOG_LEVEL", env.str, default="INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        "Environment variable LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}, "axes": {"level": "WARNING"}},
}

# Names shown in navigation; the sections are the three apps.
PORTAL_NAME = _("MOps Portal")
