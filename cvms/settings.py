"""CVMS settings, read from the environment (see the configuration table in README.md).

The defaults are the safe production ones: DEBUG is off and a real SECRET_KEY is required.
`make run` turns DEBUG on and uses SQLite with in-process tasks.

Over 450 lines: one settings module read from the environment (STYLE.md), each app's section in
it, so that a deployment's choices are read in one place.
"""

from pathlib import Path

import dj_database_url
import dj_email_url
import xstatic.pkg.bootstrap
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from cvms.env import env_bool, env_int, env_list, env_str
from cvms.logs import LOG_FORMATS, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set (make run creates one in .secret_key).")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# How many proxies of our own stand in front of gunicorn (the TLS proxy: 1). The client's address
# is then read from X-Forwarded-For (cvms/net.py) for rate limits and the audit trail.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

SITE_NAME = env_str("SITE_NAME", "CVMS")
# The address in e-mails' links. Unset, links follow the address of the request that sends the
# e-mail (cvms/sites.py); set it in production, for the e-mails workers send on their own.
SITE_URL = env_str("SITE_URL", "")
SITE_ID = 1

INSTALLED_APPS = [
    "cvms.apps.OperatorAdminConfig",  # the admin, behind allauth and the second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "guardian",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    # The core and the domain apps, lowest layer first (see DESIGN.md, "Layers"): seed_demo
    # and the portal menus visit them in this order.
    "cvms",
    "enrollment",
    "inventory",
    "employers",
    "recipients",
    "administration",
    "helpdesk",
    "dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "cvms.middleware.RequestOriginMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "cvms.middleware.SessionTimeoutMiddleware",
    "cvms.middleware.PrivatePagesMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so that every middleware above sees its answers (headers, no-store): the apps'
    # `request_check` contributions (cvms/hooks.py), and "please try again" for a lock timeout
    # or a database gone away mid-request.
    "cvms.middleware.HookedChecksMiddleware",
    "cvms.middleware.DatabaseUnavailableMiddleware",
    "cvms.middleware.LockTimeoutMiddleware",
]

ROOT_URLCONF = "cvms.urls"
WSGI_APPLICATION = "cvms.wsgi.application"

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
                "django.template.context_processors.i18n",
                "cvms.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# PostgreSQL in production and CI (DATABASE_URL); SQLite is the embedded default for `make run`.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# A streaming read replica (optional): the state's dashboards and lists and the period CVRS
# extract read there (cvms/dbrouter.py); everything else, and every write, goes to the primary.
if _replica_url := env_str("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        _replica_url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True
    )
READ_FROM_REPLICA = bool(_replica_url)
DATABASE_ROUTERS = ["cvms.dbrouter.ReplicaRouter"]
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, waiting out a database restart when it connects (cvms/dbbackend).
        _database["ENGINE"] = "cvms.dbbackend"
        # No JIT compilation for the web's and workers' connections: pages run short queries,
        # and PostgreSQL's JIT spent up to 1.5 s compiling the plan of a list over millions of
        # rows (issue 18). A job that wants it can `SET LOCAL jit = on`. (Behind PgBouncer in
        # transaction mode, which drops startup options, set it on the role: docs/scaling.md.)
        _database.setdefault("OPTIONS", {})["options"] = "-c jit=off"
        # Web processes (DATABASE_PREPARED_STATEMENTS=1, docker-compose.yml's web service): the
        # values bound by PostgreSQL, not pasted into the SQL by psycopg, so that a statement a
        # connection ran 5 times is prepared there and PostgreSQL stops parsing and planning it
        # on every request: half a booking's PostgreSQL CPU (issue 18, bench/profile_posts.py).
        # Not for the workers: the invitations' sent marks send two statements at once, which
        # bound parameters refuse. (Behind PgBouncer: 1.21 or later, max_prepared_statements.)
        if env_bool("DATABASE_PREPARED_STATEMENTS", False):
            _database["OPTIONS"].update(server_side_binding=True, prepare_threshold=5)
# How long opening a connection waits for a restarting PostgreSQL (refused, or "starting up")
# before the request fails: a restart takes a few seconds, and the requests of those seconds are
# served late rather than refused (cvms/dbbackend/base.py).
DATABASE_CONNECT_WAIT = env_int("DATABASE_CONNECT_WAIT", 10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# How long a request waits for rows another transaction holds locked (cvms/locking.py) before it
# answers "please try again"; a bounded wait keeps a rush from piling up stuck workers.
LOCK_TIMEOUT_MS = env_int("LOCK_TIMEOUT_MS", 5000)
# The state's long lists count at most this many rows for their "Page 1 of N" (cvms/pagination.py):
# past it they say "of more than N pages" rather than count a million people on every view.
LIST_COUNT_LIMIT = env_int("LIST_COUNT_LIMIT", 10_000)

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "cvms.User"
AUTHENTICATION_BACKENDS = [
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "cvms.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# ... and the person's name (cvms/forms.py): an enrollment's contact and signature are names.
ACCOUNT_SIGNUP_FORM_CLASS = "cvms.forms.SignupForm"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
# Confirming the address in the browser that signed up signs the person in and takes them where
# they were going (an invitation, say); confirmed elsewhere, they sign in first.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# Failed logins are limited per address and per account (allauth keeps the counters in the cache).
ACCOUNT_RATE_LIMITS = {
    "login_failed": env_str("LOGIN_FAILED_RATE_LIMIT", "10/m/ip,5/5m/key"),
}
# Changing one's e-mail address, password or second factor asks for the password again.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# No "remember me": a session ends with the browser, and in any case after the lifetime below.
ACCOUNT_SESSION_REMEMBER = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]

# Sessions: signed out after this many minutes without activity (staff: anyone acting for an
# organization, the state or the helpdesk; everyone else: people managing their own vaccination),
# and at the latest this many hours after signing in.
SESSION_IDLE_MINUTES_STAFF = env_int("SESSION_IDLE_MINUTES_STAFF", 15)
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 60)
SESSION_LIFETIME_HOURS = env_int("SESSION_LIFETIME_HOURS", 12)
SESSION_COOKIE_AGE = SESSION_LIFETIME_HOURS * 3600
MFA_TOTP_ISSUER = SITE_NAME

# django-guardian: object permissions are given to groups and users; CVMS needs no anonymous user.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Cache (rate limits, sessions' helpers) ----------------------------------------------------
REDIS_CACHE_URL = env_str("CACHE_URL")
CACHES = {
    "default": (
        {"BACKEND": "cvms.cache.RedisCache", "LOCATION": REDIS_CACHE_URL}
        if REDIS_CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Languages and time ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# Appointments and clinics are shown in the state's own time zone.
TIME_ZONE = env_str("TIME_ZONE", "America/New_York")

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Third-party assets come from installed packages, never copied into the repository.
STATICFILES_DIRS = [BASE_DIR / "static", ("bootstrap", xstatic.pkg.bootstrap.BASE_DIR)]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env_str("MEDIA_ROOT", str(BASE_DIR / "media"))},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded files are private: they are served by views that check access, never under a URL, and
# only the application's own user may read them on disk.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
MEDIA_URL = "/private-media/"  # never routed

# --- E-mail -----------------------------------------------------------------------------------
_email = dj_email_url.parse(env_str("EMAIL_URL", "console://" if DEBUG else "smtp://localhost:25"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "CVMS <no-reply@cvms.example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------------------------
# With no broker configured, tasks run in-process (the quick start needs no server).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# In-process (`make run`), a long job whose page shows progress (a roster being read or
# imported) runs in a thread, so the browser isn't left waiting on the upload (cvms/outbox.py).
TASKS_LONG_IN_THREAD = env_bool("TASKS_LONG_IN_THREAD", CELERY_TASK_ALWAYS_EAGER)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
# A task whose worker dies (killed, out of memory) is delivered again, not dropped.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A web request publishing a task must not hang on a broker that is down: two short tries, then
# the outbox's sweep takes over (cvms/outbox.py).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
# No task runs forever: the soft limit lets it stop cleanly (a job goes back to waiting), the hard
# one ends the process. Exports of a million doses take minutes, not an hour.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 50 * 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 60 * 60)
CELERY_TIMEZONE = TIME_ZONE
# One queue per class of work, each served by its own workers (docker-compose.yml), so that a
# roster of 100,000 people, its invitations, a million-dose export or a stack of PDFs never holds
# up someone else's small upload or a password e-mail. E-mails, reminders and the sweeps stay
# on the default queue. Printed forms (PDFs) are export jobs too: `administration.services.files`
# sends those to `PDF_QUEUE`.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "employers.tasks.roster_validate": {"queue": "uploads"},
    "employers.tasks.roster_import": {"queue": "uploads"},
    "employers.tasks.invitations_*": {"queue": "invitations"},
    "administration.tasks.export_run": {"queue": "exports"},
    "administration.tasks.exports_expired_delete": {"queue": "exports"},
}
PDF_QUEUE = "pdfs"
# The periodic tasks of every app are written here, each in its app's section below: when they
# run (hours, time zone, which beat) is the deployment's choice, a setting of the project, not
# something an app adds to the project from afar (apps plug in through cvms/hooks.py).
CELERY_BEAT_SCHEDULE: dict = {
    # The outbox (cvms/outbox.py): publish what the broker missed, resend what a dead worker held.
    "cvms.outbox_sweep": {"task": "cvms.tasks.outbox_sweep", "schedule": 60},
    "cvms.outbox_forget_dispatched": {
        "task": "cvms.tasks.outbox_forget_dispatched",
        "schedule": crontab(hour=4, minute=0),
    },
}

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles, images and fonts from this site only, no
# inline script or style attributes (pages ask for behaviour with data attributes, static/cvms/
# cvms.js); data: images for Bootstrap's own icons and the SMART Health Card's QR code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Logging (cvms/logs.py) ----------------------------------------------------------------------
# One JSON object per line in production (text with DEBUG), each with its request's id; requests
# are logged by method and path, never their query strings (names and dates of birth).
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in LOG_FORMATS:
    raise ImproperlyConfigured(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {LOG_FORMAT!r}.")
LOGGING = logging_config(LOG_FORMAT, env_str("LOG_LEVEL", "INFO"))
MIDDLEWARE = ["cvms.logs.RequestIdMiddleware", *MIDDLEWARE]
# Celery workers log through the same configuration instead of replacing it with their own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Audit trail (cvms/auditchain.py) ----------------------------------------------------------
# Events are sealed into a hash chain every minute. The minute's run looks at events of the last
# AUDIT_SEAL_WINDOW_MINUTES only; the nightly sweep and `manage.py audit_verify` look at all.
AUDIT_SEAL_WINDOW_MINUTES = env_int("AUDIT_SEAL_WINDOW_MINUTES", 60)
AUDIT_SEAL_BATCH = env_int("AUDIT_SEAL_BATCH", 1000)
CELERY_BEAT_SCHEDULE["cvms.seal_audit_trail"] = {
    "task": "cvms.tasks.seal_audit_trail",
    "schedule": 60,
}
CELERY_BEAT_SCHEDULE["cvms.seal_audit_trail_sweep"] = {
    "task": "cvms.tasks.seal_audit_trail",
    "schedule": crontab(hour=2, minute=40),
    "kwargs": {"full": True},
}

# --- Health check (cvms/health.py) --------------------------------------------------------------
# Probes inside the container call http://127.0.0.1:8000/healthz without TLS (their Host must
# still be in ALLOWED_HOSTS, "localhost" in docker-compose.yml).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Inventory ---------------------------------------------------------------------------------
# Daily at 07:00 (TIME_ZONE): e-mail locations' administrators about lots expiring within a week.
CELERY_BEAT_SCHEDULE["inventory-warn-expiring-lots"] = {
    "task": "inventory.tasks.warn_expiring_lots",
    "schedule": crontab(hour=env_int("INVENTORY_EXPIRY_WARNING_HOUR", 7), minute=0),
}

# --- Employers: rosters and invitations ------------------------------------------------------
# People younger than this can't be on a roster (the vaccines are authorized from 16).
EMPLOYERS_MINIMUM_AGE = env_int("EMPLOYERS_MINIMUM_AGE", 16)
# How long an invitation link works after it is sent.
EMPLOYERS_INVITATION_DAYS = env_int("EMPLOYERS_INVITATION_DAYS", 14)
# Roster files larger than this are refused before they are read.
EMPLOYERS_ROSTER_MAX_BYTES = env_int("EMPLOYERS_ROSTER_MAX_BYTES", 20 * 1024 * 1024)
# A workbook is refused before it is unpacked when its parts would unpack into more than this in
# all, or when a part unpacks to more than this many times its packed size (a spreadsheet's XML
# packs 5 to 20 times; a zip bomb, a thousand). Then no roster may have more rows than this.
EMPLOYERS_ROSTER_MAX_UNCOMPRESSED_BYTES = env_int(
    "EMPLOYERS_ROSTER_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024
)
EMPLOYERS_ROSTER_MAX_RATIO = env_int("EMPLOYERS_ROSTER_MAX_RATIO", 100)
EMPLOYERS_ROSTER_MAX_ROWS = env_int("EMPLOYERS_ROSTER_MAX_ROWS", 500_000)
# Invitations sent by one task (over one SMTP connection).
EMPLOYERS_INVITATION_BATCH = env_int("EMPLOYERS_INVITATION_BATCH", 100)

# --- Recipients: priority groups --------------------------------------------------------------
# Every minute: open the priority groups whose scheduled time has come (the state sets it ahead),
# and tell their registered people by e-mail, this many to a task (one SMTP connection each).
CELERY_BEAT_SCHEDULE["recipients.open_due_priority_groups"] = {
    "task": "recipients.tasks.open_due_priority_groups",
    "schedule": 60,
}
RECIPIENTS_NOTICE_BATCH = env_int("RECIPIENTS_NOTICE_BATCH", 100)

# --- Administration: clinics and appointments ------------------------------------------------
# Reminders the day before an appointment (each appointment is claimed once, so the hourly run
# reminds nobody twice), and reminders to book a second dose (daily, 09:00 state time).
CELERY_BEAT_SCHEDULE["administration.appointment_reminders"] = {
    "task": "administration.tasks.send_appointment_reminders",
    "schedule": crontab(minute=5),
}
CELERY_BEAT_SCHEDULE["administration.next_dose_reminders"] = {
    "task": "administration.tasks.send_next_dose_reminders",
    "schedule": crontab(hour=9, minute=0),
}

# --- Administration: registry reporting and SMART Health Cards ------------------------------------
# The state's SMART Health Card issuer (https, no trailing slash) and signing key (a P-256 PEM or
# JWK, given inline or as a file); see administration/reporting/keys.py.
SHC_ISSUER = env_str("SHC_ISSUER", SITE_URL or "http://127.0.0.1:8000").rstrip("/")
SHC_PRIVATE_KEY = env_str("SHC_PRIVATE_KEY")
SHC_PRIVATE_KEY_FILE = env_str("SHC_PRIVATE_KEY_FILE")
SHC_RETIRED_PUBLIC_KEYS = env_str("SHC_RETIRED_PUBLIC_KEYS")  # JSON list of JWKs still published
# A file holding such a list, kept by `manage.py shc_keys rotate`.
SHC_RETIRED_PUBLIC_KEYS_FILE = env_str("SHC_RETIRED_PUBLIC_KEYS_FILE")
# A key derived from SECRET_KEY, used only with DEBUG on (check --deploy refuses it).
SHC_DEVELOPMENT_KEY = env_bool("SHC_DEVELOPMENT_KEY", DEBUG)
# CVRS files are named yyyymmdd_NN_AAA.txt with the submitting entity's code (NCA: North Carolina).
CVRS_SUBMITTER_CODE = env_str("CVRS_SUBMITTER_CODE", "NCA")
# HL7 MSH-3 to MSH-6: this system, the state's facility code, the registry and its facility.
HL7_SENDING_APPLICATION = env_str("HL7_SENDING_APPLICATION", "CVMS")
HL7_SENDING_FACILITY = env_str("HL7_SENDING_FACILITY", "NCA")
HL7_RECEIVING_APPLICATION = env_str("HL7_RECEIVING_APPLICATION", "NCIR")
HL7_RECEIVING_FACILITY = env_str("HL7_RECEIVING_FACILITY", "NCDHHS")
HL7_PROCESSING_ID = env_str("HL7_PROCESSING_ID", "P")
# MSH-22 (sending responsible organization) is not a field of base HL7 2.5.1: a strict receiver
# rejects it. Send it only to a registry that asks for it.
HL7_SEND_RESPONSIBLE_ORGANIZATION = env_bool("HL7_SEND_RESPONSIBLE_ORGANIZATION", False)
# RXA-11.4, the place a dose was given as the registry knows it: "iis" (each location's IIS
# facility id, set at enrollment; the provider's PIN for a location without one) or "pin" (the
# provider's PIN, for registries that key facilities on it).
HL7_FACILITY_IDENTIFIER = env_str("HL7_FACILITY_IDENTIFIER", "iis")
if HL7_FACILITY_IDENTIFIER not in {"iis", "pin"}:
    raise ImproperlyConfigured("HL7_FACILITY_IDENTIFIER must be iis or pin.")

# --- Helpdesk ---------------------------------------------------------------------------------
# The registration code for people without a provider PIN (the demo's is VAC2021).
HELPDESK_GENERIC_CODE = env_str("HELPDESK_GENERIC_CODE", "VAC2021")
# Registration attempts per hour, per IP address and per e-mail address.
HELPDESK_REGISTRATION_LIMIT_PER_IP = env_int("HELPDESK_REGISTRATION_LIMIT_PER_IP", 10)
HELPDESK_REGISTRATION_LIMIT_PER_EMAIL = env_int("HELPDESK_REGISTRATION_LIMIT_PER_EMAIL", 3)
HELPDESK_ATTACHMENT_MAX_BYTES = env_int("HELPDESK_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)
HELPDESK_REOPEN_DAYS = env_int("HELPDESK_REOPEN_DAYS", 14)
# The user guides' screenshots (docs/guides/img), served as static files. A setting of the
# project, like the beat schedule: the guides are the repository's docs/, which the helpdesk's
# pages show.
STATICFILES_DIRS = [*STATICFILES_DIRS, ("guides", BASE_DIR / "docs" / "guides" / "img")]
CELERY_BEAT_SCHEDULE["helpdesk-training-reminders"] = {
    "task": "helpdesk.tasks.send_training_reminders",
    "schedule": 60 * 60,  # hourly; each signup is reminded once, on the day before its session
}

# --- Administration: files made in the background -------------------------------------------------
# Registry exports and printed forms are kept (privately, in the default storage) this many days,
# then their files are deleted by the daily task below.
ADMINISTRATION_EXPORT_DAYS = env_int("ADMINISTRATION_EXPORT_DAYS", 7)
CELERY_BEAT_SCHEDULE["administration.exports_expired_delete"] = {
    "task": "administration.tasks.exports_expired_delete",
    "schedule": crontab(hour=3, minute=30),
}

# --- Dashboards: summary tables (dashboards/services.py) ---------------------------------------
# Every minute the days that changed are rebuilt; every night at 02:10 every day is (a person's
# county or priority group changed, the series' definition changed).
CELERY_BEAT_SCHEDULE["dashboards.summaries_refresh"] = {
    "task": "dashboards.tasks.summaries_refresh",
    "schedule": 60,
}
CELERY_BEAT_SCHEDULE["dashboards.summaries_rebuild"] = {
    "task": "dashboards.tasks.summaries_refresh",
    "schedule": crontab(hour=2, minute=10),
    "kwargs": {"full": True},
}
