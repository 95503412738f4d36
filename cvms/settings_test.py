"""Settings for the test suite: the production settings with fast, local stand-ins.

The database still comes from DATABASE_URL, so `make test` runs against PostgreSQL when it's set.
"""

import os
import secrets

os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

from cvms.settings import *  # noqa: F403

ALLOWED_HOSTS = ["*"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tasks run in-process unless a test starts a real worker (tests/cvms/test_celery.py).
CELERY_TASK_ALWAYS_EAGER = True
# ... and at once, in the request's thread (tests/employers/test_progress.py turns threads on).
TASKS_LONG_IN_THREAD = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# Serve static files straight from the finders (no collectstatic before tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# No persistent connections: live-server and worker threads must not hold the test database open.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# The audit tables refuse TRUNCATE (cvms migration 0005) unless the session says it is the test
# runner emptying its database between transactional tests; production never sets this.
if DATABASES["default"]["ENGINE"] == "cvms.dbbackend":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c cvms.flushing_test_database=on".strip()
# A second alias for the replica router's tests (tests/cvms/test_replica.py): the test database
# itself, under another connection, as a replica is the primary's rows under another server.
# Off unless a test turns READ_FROM_REPLICA on.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
READ_FROM_REPLICA = False
