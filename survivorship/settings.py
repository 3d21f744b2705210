"""Settings for Survivorship, read from the environment (see README, "Configuration").

Embedded default: SQLite and Celery's filesystem transport under var/. DATABASE_URL and
REDIS_URL switch to PostgreSQL and Redis. DJANGO_ENV=production turns on the hardened
settings and refuses to start without a real SECRET_KEY and ALLOWED_HOSTS.
"""

import zoneinfo
from datetime import time, timedelta
from pathlib import Path

from celery.schedules import crontab

from survivorship.env import (
    ConfigError,
    database_from_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    redis_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR") or BASE_DIR / "var").resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DJANGO_ENV = env_choice("DJANGO_ENV", ("development", "production"), "development")
PRODUCTION = DJANGO_ENV == "production"

DEV_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY") or DEV_SECRET_KEY
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])

if PRODUCTION:
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ConfigError("SECRET_KEY must be set to a random value of at least 50 characters.")
    if not ALLOWED_HOSTS:
        raise ConfigError("ALLOWED_HOSTS must list the host names the app is served on.")
    if DEBUG:
        raise ConfigError("DEBUG must be false when DJANGO_ENV=production.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "simple_history",
    "oauth2_provider",
    "survivorship",
    "patients",
    "followup",
    "devtools",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (or the switch's cookie) for pages nobody is signed in to...
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "survivorship.audit.AuditContextMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "survivorship.web.middleware.SessionTimeoutMiddleware",
    # ...and, once signed in, the patient's own language (survivorship.web.language).
    "survivorship.web.language.UserLanguageMiddleware",
    "survivorship.two_factor.flow.TwoFactorMiddleware",
    "survivorship.web.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "survivorship.web.middleware.ClinicTimeZoneMiddleware",
    # Records who made each change to a patient's record (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes must come last so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "survivorship.urls"
WSGI_APPLICATION = "survivorship.wsgi.application"

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
                "survivorship.web.context_processors.app",
            ],
            "builtins": ["survivorship.templatetags.people"],
        },
    },
]

# --- Database --------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": database_from_url("DATABASE_URL", DATABASE_URL)}
else:
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "db.sqlite3"}
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].update(
        {
            # The web server, the worker and beat share one file: wait for locks instead
            # of failing, and take the write lock at BEGIN so no transaction is upgraded
            # half-way (the classic "database is locked" with concurrent writers).
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "CONN_MAX_AGE": 0,
            # A file, not memory, so a real worker process can see the test database.
            "TEST": {"NAME": str(VAR_DIR / "test-db.sqlite3")},
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation costs more than it saves on our short queries (about 0.5 s on a
    # 100,000-row export, measured by bench_dashboard).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker and cache -----------------------------------------------------------
REDIS_URL = redis_url("REDIS_URL", env_str("REDIS_URL")) if env_str("REDIS_URL") else ""
# Two deployments sharing one Redis must never read each other's cached figures: every
# key carries the deployment's prefix (by default its database's name) and a version,
# bumped (CACHE_VERSION) when the shape of what is cached changes, so that old entries
# are simply never read again.
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX") or "survivorship-" + Path(
    str(DATABASES["default"]["NAME"])
).name.removesuffix(".sqlite3")
CACHE_VERSION = env_int("CACHE_VERSION", 1, minimum=1)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CACHES["default"].update(KEY_PREFIX=CACHE_KEY_PREFIX, VERSION=CACHE_VERSION)

# --- Celery (read by survivorship/celery.py with the CELERY_ namespace) ---------------
CELERY_BROKER_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    for _folder in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
        "control_folder": str(CELERY_BROKER_DIR / "control"),
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# Acknowledge after the task ran, so a killed worker's task is delivered again; tasks are
# written to be safe to run twice (they claim work in the database).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "survivorship.tasks.heartbeat",
        "schedule": timedelta(seconds=env_int("HEARTBEAT_SECONDS", 60, minimum=5)),
    },
    "extend-care-plans": {
        "task": "followup.tasks.extend_care_plans",
        "schedule": crontab(hour=2, minute=15),
    },
    "dispatch-reminders": {
        "task": "followup.tasks.dispatch_reminders",
        "schedule": timedelta(seconds=env_int("DISPATCH_SECONDS", 60, minimum=5)),
    },
    "report-stuck-reminders": {
        "task": "followup.tasks.report_stuck_reminders",
        "schedule": timedelta(minutes=5),
    },
    "open-checkins": {
        "task": "followup.tasks.open_checkins",
        "schedule": crontab(minute=5),  # hourly: each patient's morning comes at its hour
    },
    "escalate-urgent-reports": {
        "task": "followup.tasks.escalate_urgent_reports",
        "schedule": timedelta(minutes=10),
    },
    "remind-unanswered-checkins": {
        "task": "followup.tasks.remind_unanswered_checkins",
        "schedule": crontab(minute=35),
    },
    "overdue-snapshot": {
        "task": "followup.tasks.take_overdue_snapshot",
        "schedule": crontab(hour=23, minute=50),
    },
    "nurse-digests": {
        "task": "followup.tasks.send_nurse_digests",
        "schedule": crontab(hour=5, minute=0),
    },
}
# /healthz reports the beat as late when its heartbeat is older than this.
HEARTBEAT_MAX_AGE = timedelta(seconds=env_int("HEARTBEAT_MAX_AGE_SECONDS", 300, minimum=30))
# A plan paused for a return of disease is reviewed by its nurse within this many days.
PLAN_REVIEW_DAYS = env_int("PLAN_REVIEW_DAYS", 7, minimum=1)

# --- Authentication ---------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, loading the user with their roles in one query (survivorship/web/auth.py).
    "survivorship.web.auth.UserWithRolesBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
# Lock the account (username) and, separately, an address that tries many accounts.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Proxies (addresses or networks) whose X-Forwarded-For is believed; see client_ip.py.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
AXES_CLIENT_IP_CALLABLE = "survivorship.client_ip.client_ip"

# Sessions: 30 minutes idle (sliding) and 12 hours absolute, both enforced server-side
# by SessionTimeoutMiddleware; the cookie itself never outlives the absolute limit.
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("SESSION_IDLE_MINUTES", 30, minimum=1))
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Two-factor sign-in (TOTP) for nurses and administrators. Only a demo may relax it.
STAFF_2FA_REQUIRED = env_bool("STAFF_2FA_REQUIRED", default=True)
if PRODUCTION and not STAFF_2FA_REQUIRED:
    raise ConfigError("STAFF_2FA_REQUIRED=false is for demos only, not DJANGO_ENV=production.")
# Adding an authenticator or making backup codes asks for the password again unless it
# was typed (sign-in or the confirm page) within this many seconds (issue 14, finding 9).
TWO_FACTOR_REAUTH_SECONDS = env_int("TWO_FACTOR_REAUTH_SECONDS", 300, minimum=0)
OTP_TOTP_ISSUER = env_str("CLINIC_NAME") or "Survivorship"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Email ------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
# Seconds to wait for the mail server's answer. An answer later than this, after the
# message went out, makes the reminder "uncertain" (never resent automatically).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "Survivorship <no-reply@localhost>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Without an outgoing mail server the console/file backend writes patients' names,
# addresses and live set-password links to the server log and var/mail/. Production
# refuses that unless an operator opts in on purpose (issue 14, finding 3); the deploy
# check survivorship.W001 then says why it is unsafe.
EMAIL_BACKEND_ALLOW_CONSOLE = env_bool("EMAIL_BACKEND_ALLOW_CONSOLE", default=False)
if PRODUCTION and not EMAIL_HOST and not EMAIL_BACKEND_ALLOW_CONSOLE:
    raise ConfigError(
        "EMAIL_HOST must name the outgoing mail server in production (or set "
        "EMAIL_BACKEND_ALLOW_CONSOLE=true on purpose: mail, with patients' details and "
        "live links, then goes to the log and var/mail/)."
    )
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "survivorship.web.mail.ConsoleAndFileBackend"
EMAIL_FILE_PATH = VAR_DIR / "mail"

# --- Reminders ----------------------------------------------------------------------------
# The public address of the app, for links in messages (they lead to pages behind login).
# In development it follows PORT (as `make run` serves there); production must name it,
# or every link in a background email would lead to a dead address.
SITE_URL = (env_str("SITE_URL") or f"http://127.0.0.1:{env_int('PORT', 8000, minimum=1)}").rstrip(
    "/"
)
if PRODUCTION and not env_str("SITE_URL"):
    raise ConfigError("SITE_URL must be set to the app's public address (https://...).")
REMINDER_OFFSETS_DAYS = [
    int(days) for days in env_list("REMINDER_DAYS_BEFORE", ["7", "1"]) if days.isdigit()
] or [7, 1]
# A reminder whose moment passed more than this long ago is skipped, not sent late.
REMINDER_LATE_CUTOFF = timedelta(hours=env_int("REMINDER_LATE_CUTOFF_HOURS", 6, minimum=1))
REMINDER_MAX_ATTEMPTS = env_int("REMINDER_MAX_ATTEMPTS", 5, minimum=1)
REMINDER_RETRY_BASE = timedelta(seconds=env_int("REMINDER_RETRY_BASE_SECONDS", 60, minimum=1))
REMINDER_STUCK_AFTER = timedelta(minutes=env_int("REMINDER_STUCK_MINUTES", 15, minimum=1))
REMINDER_BATCH_SIZE = env_int("REMINDER_BATCH_SIZE", 50, minimum=1)
# A queued row not picked up after this long is enqueued again (a lost batch message);
# a claimed row not handed over within the lease is released (its worker died).
REMINDER_REQUEUE_AFTER = timedelta(seconds=env_int("REMINDER_REQUEUE_SECONDS", 60, minimum=5))
REMINDER_CLAIM_LEASE = timedelta(seconds=env_int("REMINDER_CLAIM_LEASE_SECONDS", 60, minimum=5))
NURSE_DIGEST_TIME = time(7, 30)
# An urgent symptom report not acknowledged within this time escalates to the rest of
# the care team and to administrators.
URGENT_ACK_TIMEOUT = timedelta(hours=env_int("URGENT_ACK_HOURS", 4, minimum=1))
CHECKIN_REMINDER_AFTER = timedelta(days=3)
SMS_BACKEND = env_choice("SMS_BACKEND", ("console", "http"), "console")
SMS_HTTP_URL = env_str("SMS_HTTP_URL")
SMS_HTTP_USER = env_str("SMS_HTTP_USER")
SMS_HTTP_TOKEN = env_str("SMS_HTTP_TOKEN")
SMS_FROM = env_str("SMS_FROM") or "Survivorship"
# Seconds to wait for the SMS provider's answer (as EMAIL_TIMEOUT: later is "uncertain").
SMS_HTTP_TIMEOUT = env_int("SMS_HTTP_TIMEOUT", 10, minimum=1)
if SMS_BACKEND == "http" and not SMS_HTTP_URL:
    raise ConfigError("SMS_HTTP_URL must be set when SMS_BACKEND=http.")

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "en"
# The portal speaks these; a patient whose preferred language is another one reads English.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security headers -------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = [f"https://{host.lstrip('.')}" for host in ALLOWED_HOSTS]
    # The health check is probed over plain HTTP from inside the compose network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content-Security-Policy: only our own files; no inline script, no eval. Pages load
# vendored Bootstrap, htmx and Chart.js from /static/ (django-csp).
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
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# --- Logging: messages only, never request bodies or patient details --------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"one_line": {"()": "survivorship.logfilters.OneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL") or "INFO"},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Every 403 is one line ("Forbidden (Permission denied): /path"), not tracebacks.
        "django.request": {"filters": ["one_line"]},
        "django.security.PermissionDenied": {"filters": ["one_line"]},
    },
}

CLINIC_NAME = env_str("CLINIC_NAME") or "Survivorship Clinic"
# Appointment times are entered and shown in the clinic's own time zone.
CLINIC_TIME_ZONE = env_str("CLINIC_TIME_ZONE") or "UTC"
if CLINIC_TIME_ZONE not in zoneinfo.available_timezones():
    raise ConfigError(f"CLINIC_TIME_ZONE={CLINIC_TIME_ZONE!r} is not an IANA time zone name.")
CLINIC_PHONE = env_str("CLINIC_PHONE") or "+1 555 0100"

# The FHIR read API (docs/fhir.md): OAuth2 client credentials with SMART-style scopes.
OAUTH2_PROVIDER = {
    "SCOPES": {
        "system/Patient.read": "Read patients and their records",
        "system/*.read": "Read everything the client is granted",
    },
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    # Only client credentials are used; adopt every RFC 9700 (OAuth 2.0 Security BCP)
    # behaviour so `check --deploy` stays clean and no insecure grant can be switched on.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "PKCE_REQUIRED": True,
}
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
FHIR_MAX_IMPORT_BYTES = 10 * 1024 * 1024
# Shown beside the clinic number when a patient says they have thoughts of harming
# themselves (the US Suicide & Crisis Lifeline by default: set the local line elsewhere).
CRISIS_LINE = env_str("CRISIS_LINE") or "988 (Suicide & Crisis Lifeline, call or text)"
# Shown to a patient whose urgent report arrives outside clinic hours.
AFTER_HOURS_PHONE = env_str("AFTER_HOURS_PHONE") or CLINIC_PHONE
# Who hears about an urgent report outside clinic hours.
ON_CALL_EMAIL = env_str("ON_CALL_EMAIL")
ON_CALL_PHONE = env_str("ON_CALL_PHONE")
# Clinic opening hours and days, for review deadlines (2 working days) and after-hours alerts.
CLINIC_HOURS = env_str("CLINIC_HOURS") or "08:00-17:00"
CLINIC_DAYS = env_str("CLINIC_DAYS") or "mon-fri"
CLINIC_HOLIDAYS = env_list("CLINIC_HOLIDAYS", [])
REVIEW_DUE_WORKING_DAYS = env_int("REVIEW_DUE_WORKING_DAYS", 2, minimum=1)
# Fever or chills within this many days after chemotherapy ends is urgent (febrile
# neutropenia; see docs/triage.md).
TRIAGE_FEVER_WINDOW_DAYS = env_int("TRIAGE_FEVER_WINDOW_DAYS", 42, minimum=0)
