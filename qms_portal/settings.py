"""Settings for the QMS Leadership Portal, read from the environment (see README, "Configuration").

With no variable set the portal runs on the embedded default: SQLite under ``var/``, Celery tasks
in-process, email to the console, DEBUG on with a development-only secret key.
"""
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from qms_portal.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var")))

# --- Core -------------------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", True)

DEVELOPMENT_SECRET_KEY = "development-only-insecure-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY in ("", DEVELOPMENT_SECRET_KEY):
    raise ImproperlyConfigured(
        "DEBUG is off but SECRET_KEY is unset or the development key: set SECRET_KEY to a long random "
        "value (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

# Keys the hashes that make signatures and the audit trail tamper-evident (``qms_portal.records_key``). It lives
# in the environment only: whoever can write the database must not also hold the key that re-seals what they wrote.
DEVELOPMENT_RECORDS_HMAC_KEY = "development-only-records-key-do-not-use-in-production"  # noqa: S105
RECORDS_HMAC_KEY = env_str("RECORDS_HMAC_KEY", DEVELOPMENT_RECORDS_HMAC_KEY)
if not DEBUG and RECORDS_HMAC_KEY in ("", DEVELOPMENT_RECORDS_HMAC_KEY):
    raise ImproperlyConfigured(
        "DEBUG is off but RECORDS_HMAC_KEY is unset or the development key: set it to a long random value, kept "
        "outside the database and never changed (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "js_lib_bootstrap5",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "qms_portal",
    "roles",
    "policy",
    "leadership",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the body (the CSRF check reads the form): refuses a NUL byte or an oversized body.
    "qms_portal.middleware.RequestLimitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks the session verified once the person gave their second factor; AccessMiddleware enforces it.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "qms_portal.middleware.OrganisationTimeZoneMiddleware",
    "qms_portal.middleware.AuditActorMiddleware",
    "qms_portal.middleware.SessionSecurityMiddleware",
    "qms_portal.access.AccessMiddleware",
    # Axes must come last so it sees the outcome of every login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "qms_portal.urls"
WSGI_APPLICATION = "qms_portal.wsgi.application"
ASGI_APPLICATION = "qms_portal.asgi.application"

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
                "qms_portal.context_processors.portal",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "qms.sqlite3"),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
# Each request's writes and their audit entries commit together, or not at all.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "qms_portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "qms_portal.auth.PortalBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        # Django's default attributes miss full_name, the one field our people fill in.
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "email", "first_name", "last_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle timeout: every request pushes the expiry forward, so a session ends after this long unused.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Absolute lifetime: a session ends this long after sign-in however busy it is (SessionSecurityMiddleware).
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12, minimum=1)

# Lockout after repeated failed log-ins, per user name and address, and per address across every user name
# (one address trying many names); each has its own limit (qms_portal.auth.PortalAxesHandler).
# The message never says which was wrong.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "qms_portal.auth.PortalAxesHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind a reverse proxy every request arrives from the proxy: read the client's address from the
# X-Forwarded-For entry the proxy appends, or the lockout would be per user name alone.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)
AXES_CLIENT_IP_CALLABLE = "qms_portal.auth.client_ip"

# Second factor (qms_portal/mfa.py): who needs one is an organisation setting. Authenticator apps show the
# organisation's name above the code; wrong codes make each next try wait twice as long (django-otp).
def OTP_TOTP_ISSUER(device: object) -> str:  # noqa: N802 - django-otp reads a setting of this name, or calls it
    from qms_portal.models import Organisation

    return Organisation.current().name

# Password reset e-mails asked for, per hour, from one address and for one e-mail address; more are not sent.
PASSWORD_RESETS_PER_HOUR = env_int("PASSWORD_RESETS_PER_HOUR", 5, minimum=1)

# Electronic signatures: consecutive wrong passwords before signing locks, and for how long.
SIGNING_FAILURE_LIMIT = 5
SIGNING_LOCKOUT_MINUTES = env_int("SIGNING_LOCKOUT_MINUTES", 30, minimum=1)

# Policies: how long after publication a version is due for its periodic review (flagged and reminded of from the
# organisation's reminder schedule, ``policy.periodic_review.REVIEW_DAYS_BEFORE``).
POLICY_REVIEW_MONTHS = env_int("POLICY_REVIEW_MONTHS", 12, minimum=1)
# The longest policy text accepted, in characters: anyone may download a public policy's PDF, and a text the
# size of a manual would hold a worker drawing it. A quality policy is a page or two (2,000 to 8,000).
POLICY_MAX_CHARS = env_int("POLICY_MAX_CHARS", 40_000, minimum=1_000)

# Leadership evidence: the largest attachment accepted, in megabytes.
EVIDENCE_MAX_UPLOAD_MB = env_int("EVIDENCE_MAX_UPLOAD_MB", 20, minimum=1)

# --- Security ---------------------------------------------------------------------------------
# /health/: how long each web process keeps the result of its checks, and the token a monitor sends
# (Authorization: Bearer ...) to see why a check fails; without it only quality managers see that.
HEALTH_CACHE_SECONDS = env_int("HEALTH_CACHE_SECONDS", 15, minimum=1)
HEALTH_TOKEN = env_str("HEALTH_TOKEN", "")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
    },
}

# --- Localisation -----------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
# The server's zone; the organisation's own zone (Organisation settings) is used to show times.
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# Dates and times are written one way on every page: qms_portal/formats, read through qms_portal.presentation.
FORMAT_MODULE_PATH = ["qms_portal.formats"]

# --- Files ------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
# Uploaded files are never served from a public URL: views check access and stream them.
MEDIA_URL = "/files/"
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
LOGO_MAX_BYTES = env_int("LOGO_MAX_KB", 512, minimum=1) * 1024
# The largest RACI matrix file (CSV or XLSX) an import accepts; 400 activities x 120 roles is about 200 KB.
RACI_IMPORT_MAX_BYTES = env_int("RACI_IMPORT_MAX_KB", 5120, minimum=1) * 1024
FILE_UPLOAD_PERMISSIONS = 0o640
# A request body larger than the largest upload accepted (plus room for the form's other fields) is refused
# from its Content-Length, before it is read (RequestLimitsMiddleware); each form still checks its own limit.
REQUEST_MAX_BYTES = max(EVIDENCE_MAX_UPLOAD_MB * 1024 * 1024, LOGO_MAX_BYTES, RACI_IMPORT_MAX_BYTES) + 1024 * 1024
# The largest PDF the evidence pack verify page accepts: that page alone takes bodies this large.
EVIDENCE_VERIFY_MAX_MB = env_int("EVIDENCE_VERIFY_MAX_MB", 50, minimum=1)
REQUEST_MAX_BYTES_BY_PATH = {"/verify/": EVIDENCE_VERIFY_MAX_MB * 1024 * 1024 + 1024 * 1024}
# Form fields (not files) held in memory: the longest policy text several times over.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Uploaded files above this go to a temporary file rather than memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

# --- Email ------------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "QMS Portal <qms-portal@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The portal's address as people reach it, for the links in e-mails (reminders, digests).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Celery -----------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
# Figures computed from the business records (the dashboard's, the readiness score), kept until any record changes
# (``qms_portal.records_cache``): in Redis when it is there, shared by every web process; else in each process's memory.
# Redis's database is Celery's too: the keys carry a prefix, and the cache is never cleared as a whole.
CACHES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "records": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "qms-records",
        # Redis down must not hold a request: fail fast, and the figures are computed as if nothing were kept.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    } if REDIS_URL else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "records",
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
}
CELERY_TASK_TIME_LIMIT = env_int("TASK_TIME_LIMIT_SECONDS", 900, minimum=10)
# A running job's worker renews its lease on the job every third of this; a job whose lease ran out is taken up
# again by its redelivered task, or failed ("the worker stopped") once it has been out for as long again.
JOB_LEASE_SECONDS = env_int("JOB_LEASE_SECONDS", 60, minimum=1)
# Without Redis (tasks in-process), a long job (an evidence pack) runs in a thread of the web process so that its
# page shows progress; tests turn this off to see jobs finish within the request.
JOB_THREADS_IN_PROCESS = env_bool("JOB_THREADS_IN_PROCESS", True)
# One part of an evidence pack (a section, or a slice of a long one) must render within this on a pdf worker; a
# pathological record (a huge table in a policy) fails the pack with the section's name instead of hanging.
EVIDENCE_PART_TIME_LIMIT_SECONDS = env_int("EVIDENCE_PART_TIME_LIMIT_SECONDS", 300, minimum=10)
# The whole pack (its parts waiting for a worker included) is failed if no part of it makes progress for this long.
EVIDENCE_PACK_WAIT_SECONDS = env_int("EVIDENCE_PACK_WAIT_SECONDS", 900, minimum=30)
# Anyone, signed in or not, may check a PDF on the verify page when set; otherwise only people signed in.
EVIDENCE_VERIFY_PUBLIC = env_bool("EVIDENCE_VERIFY_PUBLIC", False)
CELERY_SETTINGS = {
    # Without Redis the tasks run in-process, right where they are sent (after the commit).
    "task_always_eager": not REDIS_URL,
    "broker_url": REDIS_URL or "memory://",
    "result_backend": None,
    "task_ignore_result": True,
    "task_serializer": "json",
    "accept_content": ["json"],
    "result_accept_content": ["json"],
    "task_acks_late": True,
    "task_reject_on_worker_lost": True,
    "worker_prefetch_multiplier": 1,
    "task_soft_time_limit": CELERY_TASK_TIME_LIMIT - 30,
    "task_time_limit": CELERY_TASK_TIME_LIMIT,
    # Longer than the longest task, or Redis hands a still-running task to a second worker.
    "broker_transport_options": {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 2},
    # WeasyPrint keeps memory between renders; recycle worker processes after some tasks, and any process that
    # has grown past this many kilobytes once its task ends (a pack's part may take a few hundred MB).
    "worker_max_tasks_per_child": 50,
    "worker_max_memory_per_child": env_int("WORKER_MAX_MEMORY_MB", 600, minimum=100) * 1024,
    "task_default_queue": "default",
    "task_routes": {"*.render_*": {"queue": "pdf"}},
    "broker_connection_retry_on_startup": True,
    "worker_hijack_root_logger": False,
    "timezone": "UTC",
}

# --- Crispy forms -----------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint and fontTools narrate every step of every PDF at INFO; pikepdf greets each process.
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "fontTools", "pikepdf")},
}
