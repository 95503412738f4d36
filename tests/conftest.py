"""Shared fixtures: personas for every role, and the markers for real services.

Tests marked `postgres`, `redis` or `browser` need that service. Outside CI a missing service
skips them with the reason; in CI (CI=true) it fails them, so a green CI run has really run them.
"""

import os
import shutil

import pytest
from celery._state import _set_task_join_will_block
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from tests import brokers, factories, mail_backends
from tests.clients import SignInClient

pytest_plugins = ["tests.browser"]

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = "/usr/bin/chromium"


def _missing_service(item) -> str | None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if item.get_closest_marker("redis") and not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
        return "needs Redis: set CELERY_BROKER_URL=redis://..."
    if item.get_closest_marker("browser") and not shutil.which(CHROMIUM):
        return f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(autouse=True)
def _require_services(request):
    reason = _missing_service(request.node)
    if reason:
        if IN_CI:
            pytest.fail(f"CI must run this test: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _end_stray_connections(django_db_setup, django_db_blocker):
    """Live-server request threads may still hold a connection when the session ends; end them
    so that the test database can be dropped."""
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _keep_reference_data(django_db_serialized_rollback):
    """Transactional tests flush the database; serialized rollback restores what the migrations
    loaded (counties, ZIP codes, priority groups, role groups) for each of them."""


@pytest.fixture(autouse=True)
def _celery_may_join():
    """Celery keeps one process-wide "inside a task: don't wait on results" flag, set and
    restored around every in-process task. Thread tests run such tasks at the same moment, and
    the interleaved restores can leave it set, failing a later test's result.get()."""
    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _site_language():
    """A request in Spanish leaves Spanish active on the thread (LocaleMiddleware activates the
    reader's language and nothing deactivates it): each test starts in the site's language."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache; each test starts with none. The process's copy of
    the series rules too: a rolled-back test's products leave no signal behind."""
    cache.clear()
    _forget_series_rules()
    yield
    cache.clear()
    _forget_series_rules()


def _forget_series_rules():
    from administration.selectors import clinical

    clinical._process_rules = None


@pytest.fixture
def client():
    """Django's test client, whose force_login counts the second factor (tests/clients.py)."""
    return SignInClient()


@pytest.fixture
def admin_user(db):
    """pytest-django's operator, with the second factor the admin requires."""
    return factories.operator()


@pytest.fixture
def admin_client(admin_user):
    client = SignInClient()
    client.force_login(admin_user)
    return client


@pytest.fixture
def personas(db):
    return factories.Personas.build()


@pytest.fixture
def broker_down(settings):
    """Celery configured for a broker that can't be reached, as when Redis is down
    (tests/brokers.py); `tests.brokers.back_up()` brings it back."""
    yield from brokers.broker_down(settings)


@pytest.fixture
def refusing_mail(settings):
    """A mail server that refuses the addresses the test names, with the answer a real one would
    give: `refusing_mail["gone@example.org"] = (550, b"5.1.1 No such user")`."""
    settings.EMAIL_BACKEND = "tests.mail_backends.RefusingBackend"
    yield mail_backends.REFUSALS
    mail_backends.REFUSALS.clear()
    mail_backends.CONNECTION_ERROR.clear()
