"""The production files: docker-compose.yml, its database init script, the image."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = (ROOT / "docker-compose.yml").read_text()


def lines_with(text: str, needle: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if needle in line]


def test_compose_binds_the_web_port_to_this_host_only():
    assert lines_with(COMPOSE, ":8000:8000") == ['- "127.0.0.1:8000:8000"']


def test_compose_connects_the_app_as_its_own_login_and_migrates_as_the_owner():
    urls = lines_with(COMPOSE, "DATABASE_URL:")

    assert urls == [
        "DATABASE_URL: postgres://cvms_web:${APP_DB_PASSWORD:?set APP_DB_PASSWORD in .env}@db:5432/cvms",
        "DATABASE_URL: postgres://cvms:${OWNER_DB_PASSWORD:?set OWNER_DB_PASSWORD in .env}@db:5432/cvms",
    ]


def test_compose_database_superuser_is_not_the_apps():
    assert lines_with(COMPOSE, "POSTGRES_USER:") == ["POSTGRES_USER: postgres"]
    assert "./deploy/postgres-init.sh:/docker-entrypoint-initdb.d/" in COMPOSE


def test_web_healthcheck_asks_healthz():
    assert lines_with(COMPOSE, "8000/healthz") == [
        'test: ["CMD", "curl", "-fsS", "-H", "Host: localhost", "http://127.0.0.1:8000/healthz"]'
    ]


def test_init_script_makes_the_app_login_a_member_not_a_superuser():
    script = (ROOT / "deploy" / "postgres-init.sh").read_text()

    assert "ALTER ROLE cvms_web LOGIN INHERIT NOSUPERUSER" in script
    assert "GRANT cvms_app TO cvms_web;" in script
    assert "ALTER ROLE cvms LOGIN NOSUPERUSER" in script


def test_secrets_stay_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().splitlines()

    assert {".env", "app.env"} <= set(ignored)


def test_image_starts_gunicorn_with_its_config():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert 'CMD ["gunicorn", "--config", "gunicorn.conf.py", "cvms.wsgi:application"]' in dockerfile


def test_compose_runs_a_worker_for_every_queue():
    from cvms.celery import queue_names

    served = set(re.findall(r"celery -A cvms worker -Q (\S+)", COMPOSE))
    assert served == set(queue_names()) == {"celery", "uploads", "invitations", "exports", "pdfs"}
