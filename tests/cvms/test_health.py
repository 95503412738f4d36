"""/healthz: what the compose healthchecks and a load balancer ask."""

import os

import pytest
from django.contrib.sessions.models import Session

from cvms.models import AuditEvent

# Nothing listens on port 1: a server that is down.
DOWN = "redis://127.0.0.1:1/0"


def test_healthz_answers_ok_for_the_database_and_cache(client, db, settings):
    settings.CELERY_BROKER_URL = ""

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.redis
def test_healthz_checks_the_broker_when_there_is_one(client, db, settings):
    settings.CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok", "broker": "ok"}


def test_healthz_names_a_broker_that_is_down(client, db, settings, caplog):
    settings.CELERY_BROKER_URL = DOWN

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "cache": "ok", "broker": "failed"}
    assert "127.0.0.1:1" not in response.content.decode()  # the reason is logged, not shown
    assert "Health check broker failed" in caplog.text


def test_healthz_names_a_cache_that_is_down(client, db, settings):
    settings.CELERY_BROKER_URL = ""
    settings.CACHES = {"default": {"BACKEND": "cvms.cache.RedisCache", "LOCATION": DOWN}}

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "cache": "failed"}


def test_healthz_makes_one_query_and_no_session_or_audit_row(client, db, settings, django_assert_num_queries):
    settings.CELERY_BROKER_URL = ""

    with django_assert_num_queries(1):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert (Session.objects.count(), AuditEvent.objects.count()) == (0, 0)


def test_healthz_is_served_over_plain_http_when_https_is_enforced(client, db, settings):
    settings.CELERY_BROKER_URL = ""
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301
