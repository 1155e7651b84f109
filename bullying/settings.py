"""Settings for the school-bullying governance portal.

Everything comes from the environment through the typed readers in ``bullying.env``.
With no environment at all the portal runs embedded: SQLite file, tasks run in-process,
debug on. A deployment sets ``DEBUG=0``, ``SECRET_KEY``, ``DATABASE_URL`` and ``REDIS_URL``.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from bullying.env import envbool, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = envbool("DEBUG", True)
SECRET_KEY = envstr("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-for-the-embedded-demo-0123456789"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_htmx",
    "bullying.audit",
    "accounts",
    "bullying.deadlines",
    "cases",
    "cases.appeals",
    "reporting",
    "inspections",
    "scripts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "bullying.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.DenyByDefaultMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "bullying.middleware.NoStoreMiddleware",
    "bullying.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "bullying.urls"
WSGI_APPLICATION = "bullying.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bullying.navigation.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT spends seconds compiling the dashboard and deadline queries (many
    # filtered aggregates) that then run in less; this is an OLTP application.
    options = "-c jit=off"
    # A request's statement may not outlive the request: gunicorn kills a worker after 60 s,
    # but PostgreSQL would go on running its query. Off (0) unless set (the web service sets it).
    if statement_timeout := envint("DB_STATEMENT_TIMEOUT_MS", 0):
        options += f" -c statement_timeout={statement_timeout}"
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = options
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous grants

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions: 30 minutes idle (the cookie age is renewed on every request) and
# 12 hours absolute (checked by accounts.middleware.SessionLimitsMiddleware).
SESSION_COOKIE_AGE = envint("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = False  # accounts.middleware.SessionLimitsMiddleware moves the idle limit
SESSION_ABSOLUTE_SECONDS = envint("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Lockout: 5 failures within 15 minutes lock a username for 30 minutes. Keyed on the
# username only, so a whole school behind one NAT address is never locked out together.
LOGIN_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW = timedelta(minutes=envint("LOGIN_FAILURE_WINDOW_MINUTES", 15))
LOGIN_LOCKOUT_DURATION = timedelta(minutes=envint("LOGIN_LOCKOUT_MINUTES", 30))

# Second factor (TOTP) for every role above the school; off only for development.
BULLYING_REQUIRE_MFA = envbool("BULLYING_REQUIRE_MFA", True)
OTP_TOTP_ISSUER = "校园欺凌防治平台"

API_TOKEN_LIFETIME = timedelta(hours=envint("API_TOKEN_HOURS", 12))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "bullying.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "bullying.api.exception_handler",
    "DATE_FORMAT": "%Y-%m-%d",
    "DATE_INPUT_FORMATS": ["%Y-%m-%d"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "中小学生欺凌防治平台 API",
    "DESCRIPTION": "学校、县（区）、市、省各级教育部门使用的欺凌事件处置、复查、报告与督导接口。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # The default enum hook, then the error answers every operation may give.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "bullying.schema.add_error_responses",
    ],
    # Many resources have a "status" or a "kind": name each set of choices after its owner.
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.models.Status",
        "AppealStatusEnum": "cases.appeals.models.AppealStatus",
        "UnmaskStatusEnum": "cases.models.UnmaskStatus",
        "MeasureKindEnum": "cases.models.MeasureKind",
        "PanelKindEnum": "cases.appeals.models.PanelKind",
        "ReportKindEnum": "reporting.models.ReportKind",
        "ReportStatusEnum": "reporting.models.ReportStatus",
        "PhaseKindEnum": "inspections.models.PhaseKind",
        "TaskKindEnum": "inspections.models.TaskKind",
        "SubmissionStatusEnum": "inspections.models.SubmissionStatus",
        "InspectionKindEnum": "inspections.models.InspectionKind",
        "InspectionStatusEnum": "inspections.models.InspectionStatus",
        "RectificationStatusEnum": "inspections.models.RectificationStatus",
        "NoteKindEnum": "inspections.models.NoteKind",
        "AccountabilityKindEnum": "inspections.models.AccountabilityKind",
        "DayKindEnum": "bullying.deadlines.calendar.DayKind",
    },
}

REDIS_URL = envstr("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Embedded mode (no Redis): tasks run in-process, right away.
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
# A task killed with its worker is redelivered after this long (Redis has no real acks).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 600)}
# The one beat schedule. Each entry expires before its next run, so a backlog after an
# outage is dropped rather than replayed; the sweep itself catches up from the database.
REMINDER_SWEEP_SECONDS = envint("REMINDER_SWEEP_SECONDS", 300)
REMINDER_BATCH_SIZE = envint("REMINDER_BATCH_SIZE", 2000)
CELERY_BEAT_SCHEDULE = {
    "sweep-reminders": {
        "task": "bullying.deadlines.tasks.sweep_reminders",
        "schedule": REMINDER_SWEEP_SECONDS,
        "options": {"expires": REMINDER_SWEEP_SECONDS * 0.8},
    },
}

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "noreply@bullying-portal.local")

# Security headers. HTTPS is terminated in front of gunicorn in a deployment.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

PORTAL_NAME = _("中小学生欺凌防治平台")

# A city or province official's approved request to see children's names lasts this long.
UNMASK_HOURS = envint("UNMASK_HOURS", 24)

# Audit rows are kept at least 185 days (网络安全法第二十一条: logs kept no less than six months).
AUDIT_RETENTION_DAYS = envint("AUDIT_RETENTION_DAYS", 365)
if AUDIT_RETENTION_DAYS < 185:
    raise ImproperlyConfigured("AUDIT_RETENTION_DAYS must be at least 185 (six months)")
