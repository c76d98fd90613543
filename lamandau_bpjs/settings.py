"""Settings for Lamandau BPJS: one file, every difference comes from the environment.

With no environment at all (``make run``) the app runs on a SQLite file with Celery eager.
``DATABASE_URL`` switches to PostgreSQL and ``REDIS_URL`` to a real Celery broker and cache.
Production values default to safe: ``DEBUG`` is off unless asked for, a deployment (DEBUG off,
DATABASE_URL set) must give ``SECRET_KEY``, and the security headers are on, so
``manage.py check --deploy`` is clean.
Every variable is listed in ``.env.example`` and the README.
"""

import datetime
import os
import secrets
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def env_bool(name, default):
    """A boolean variable; anything but a clear yes/no fails loudly (as healthchecks' envbool)."""
    raw = env.str(name, default="")
    if raw == "":
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


DEBUG = env_bool("DEBUG", False)

def local_secret_key(path: Path) -> str:
    """A random key kept in var/ for the embedded default (no DATABASE_URL): a machine running
    manage.py without any environment gets a real secret, never a published one."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        try:
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
                handle.write(key)
        except FileExistsError:  # another process wrote it first
            return path.read_text().strip()
        return key


SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG and "DATABASE_URL" in os.environ:
        # A deployment (it names its database): its key must come from the environment.
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off and DATABASE_URL is set")
    SECRET_KEY = local_secret_key(BASE_DIR / "var" / "secret_key")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Where the site is served from, for links printed on certificates (QR codes) outside a request.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "funding",
    "enrollment",
    "claims",
    "certificates",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.LanguageMiddleware",
    "core.middleware.RejectBadInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.accounts.RequireTwoFactorMiddleware",
    # Issue 14: a village or kecamatan account's requests see only its area (core/areas.py).
    "enrollment.areas.AreaScopeMiddleware",
    # Last, as django-axes asks: it answers the lockout page for a locked account or address.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lamandau_bpjs.urls"

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
                "core.accounts.account_settings",
            ],
        },
    },
]

WSGI_APPLICATION = "lamandau_bpjs.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # SQLite (make run only): wait for the writer instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
# ATOMIC_REQUESTS stays off: the state-changing functions are durable atomic blocks,
# which cannot nest inside a request-wide transaction.

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

# The cache (rate limits) may live in another Redis database than the broker: clearing it then
# never touches Celery's queues. Default: the broker's Redis, or memory without Redis.
CACHES = {"default": env.cache("CACHE_URL", default=REDIS_URL or "locmemcache://")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Accounts (issue 10; README "Security"). django-axes counts failed sign-ins (login page and admin)
# and locks the account and, separately, the address after AXES_FAILURE_LIMIT failures for
# AXES_COOLOFF_MINUTES; an administrator unlocks earlier (`manage.py unlock_account`, or the admin).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each one locks by itself
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failure kept (admin: Axes › Access failures)
# Behind the TLS proxy the client address is the last one it appended to X-Forwarded-For.
if env_bool("BEHIND_TLS_PROXY", False):
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Two-factor sign-in (django-otp TOTP) for superusers and the roles that move money or approve
# claims (core.roles.TWO_FACTOR_PERMISSIONS): required unless DEBUG (the demo accounts of
# `make run`) or OTP_REQUIRED=false.
OTP_REQUIRED = env_bool("OTP_REQUIRED", not DEBUG)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Lamandau BPJS")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a user's TOTP secret or its QR code

# Mail (password reset): EMAIL_URL (e.g. smtp+tls://user:pw@mail.lamandaukab.go.id:587) or the
# usual EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS. Without
# either, no reset link is shown and the reset pages answer 404.
EMAIL_URL = env.str("EMAIL_URL", default="")
EMAIL_HOST = env.str("EMAIL_HOST", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
elif EMAIL_HOST:
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
MAIL_CONFIGURED = bool(EMAIL_URL or EMAIL_HOST)
if not MAIL_CONFIGURED:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="BPJS Lamandau <noreply@lamandaukab.go.id>")

# Bahasa Indonesia first, English available; WIB (UTC+7).
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Pontianak"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG

# Uploaded and generated files (claim documents, certificates, import files) are private:
# MEDIA_ROOT is never routed; views check the role and stream the file.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/private-media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Security: safe unless the environment says otherwise (a local http run sets DEBUG=true).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# /healthz is probed over plain http by the orchestrator.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Celery: a real broker with REDIS_URL, otherwise tasks run in the caller (make run only).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 55 * 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_BEAT_SCHEDULE = {}
# Coverages end by themselves after their end date (run by `celery -A lamandau_bpjs beat`).
CELERY_BEAT_SCHEDULE["end-expired-coverages"] = {
    "task": "funding.tasks.end_expired_coverages_task",
    "schedule": crontab(hour=0, minute=15),
}
# The monthly report (laporan bulanan) of the month just ended, on the 1st (dashboard.tasks).
CELERY_BEAT_SCHEDULE["monthly-report"] = {
    "task": "dashboard.tasks.render_last_months_report",
    "schedule": crontab(day_of_month=1, hour=1, minute=0),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# True only for the demo and test machines; seed_demo refuses to run when it is off and DEBUG
# is off, unless forced (it would create accounts with known passwords).
DEMO_DATA_ALLOWED = env_bool("DEMO_DATA_ALLOWED", DEBUG)

# Certificates (certificates/rendering.py, certificates/batches.py): rendering runs on this Celery
# queue (a deployment may give it its own worker with `-Q`), a batch runs as this many parallel
# parts, a claimed document not finished within the lease is taken again (a killed worker), and
# transient failures are retried after this many seconds.
CERTIFICATE_QUEUE = env.str("CERTIFICATE_QUEUE", default="celery")
CERTIFICATE_BATCH_PARTS = env.int("CERTIFICATE_BATCH_PARTS", default=2)
CERTIFICATE_LEASE_SECONDS = env.int("CERTIFICATE_LEASE_SECONDS", default=120)
CERTIFICATE_RETRY_SECONDS = env.int("CERTIFICATE_RETRY_SECONDS", default=10)
# /verify/<code>/ is public: at most this many look-ups per client IP per window (seconds).
VERIFY_RATE_LIMIT = env.int("VERIFY_RATE_LIMIT", default=30)
VERIFY_RATE_WINDOW = env.int("VERIFY_RATE_WINDOW", default=300)
# WeasyPrint logs seven INFO lines per document: thousands per batch.
LOGGING["loggers"]["weasyprint"] = {"level": "WARNING"}

# Dashboard: seconds its figures stay cached (audited changes show at once; 0 = no cache).
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=60)

# --- Resilience and backups (issue 11): Redis, a worker or the database may go away ---------------
# Why each Celery value: README, "Production shape → When a part fails".

# The cache degrades instead of failing: errors are misses, a dead Redis costs at most this timeout.
CACHE_SOCKET_TIMEOUT = env.float("CACHE_SOCKET_TIMEOUT", default=0.5)
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "core.cache.ForgivingRedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        socket_connect_timeout=CACHE_SOCKET_TIMEOUT, socket_timeout=CACHE_SOCKET_TIMEOUT)
# A request whose database connection was cut answers 503 with a clear message (nothing saved);
# inside axes, which stays last.
MIDDLEWARE.insert(MIDDLEWARE.index("axes.middleware.AxesMiddleware"), "core.middleware.DatabaseUnavailableMiddleware")

# Messages are acknowledged after the task ran: a worker that dies (or loses Redis) mid-task
# leaves its message to be delivered again. Every task is safe to run twice.
CELERY_TASK_ACKS_LATE = True
# ...but a task whose process was killed (SIGKILL, out of memory) is not redelivered at once: a
# file that kills the worker would kill it again forever. The sweeper resumes that work from the
# database instead, and the items' attempt counters give up on what keeps failing.
CELERY_TASK_REJECT_ON_WORKER_LOST = False
# Redis re-delivers an unacknowledged message after this long: longer than the hard time limit,
# so a task still running legitimately is never handed to a second worker. Lost work comes back
# much sooner through the sweeper.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 5 * 60,
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
    "retry_on_timeout": True,
    "health_check_interval": 25,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 5
# A worker keeps trying to reach Redis for as long as it is down, and never needs a restart.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Running tasks go on while the broker is away (their state is in PostgreSQL, not in Redis).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# A web request that cannot publish gives up within about a second and records "menunggu antrean".
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}

# The sweeper (core/queued_work.py): every this many seconds, batches waiting for the queue, or
# queued/claimed without moving for QUEUED_WORK_STALE_SECONDS, are sent again.
QUEUED_WORK_SWEEP_SECONDS = env.int("QUEUED_WORK_SWEEP_SECONDS", default=30)
QUEUED_WORK_STALE_SECONDS = env.int("QUEUED_WORK_STALE_SECONDS", default=60)
CELERY_BEAT_SCHEDULE["resume-stalled-work"] = {
    "task": "core.tasks.resume_stalled_work",
    "schedule": QUEUED_WORK_SWEEP_SECONDS,
    "options": {"expires": QUEUED_WORK_SWEEP_SECONDS},  # a sweep not run in time is replaced by the next
}

# Backups (django-dbbackup): PostgreSQL through pg_dump (custom format, restored with pg_restore)
# and MEDIA_ROOT as a tar, into BACKUP_DIR; nightly by the beat, keeping BACKUP_KEEP of each.
INSTALLED_APPS.append("dbbackup")
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(BASE_DIR / "var" / "backup")))
STORAGES["dbbackup"] = {"BACKEND": "django.core.files.storage.FileSystemStorage",
                        "OPTIONS": {"location": str(BACKUP_DIR)}}
DBBACKUP_CLEANUP_KEEP = env.int("BACKUP_KEEP", default=14)
DBBACKUP_CLEANUP_KEEP_MEDIA = DBBACKUP_CLEANUP_KEEP
DBBACKUP_SEND_EMAIL = False
DBBACKUP_HOSTNAME = env.str("BACKUP_NAME", default="lamandau")
CELERY_BEAT_SCHEDULE["nightly-backup"] = {
    "task": "core.tasks.nightly_backup",
    "schedule": crontab(hour=env.int("BACKUP_HOUR", default=1), minute=30),
}
