"""The web processes' statements prepared on their connections (DATABASE_PREPARED_STATEMENTS,
cvms/settings.py; issue 18): PostgreSQL parses and plans a statement a connection runs again and
again once, not on every request."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, connections

ROOT = Path(__file__).resolve().parents[2]


def _database_options(**env: str) -> dict:
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment.update(env, DJANGO_SETTINGS_MODULE="cvms.settings", SECRET_KEY="x" * 50)
    printed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, json; django.setup(); from django.conf import settings; "
            "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(printed.stdout)


@pytest.mark.postgres
def test_the_web_service_asks_for_prepared_statements_and_others_do_not():
    web = _database_options(DATABASE_PREPARED_STATEMENTS="1")
    worker = _database_options()

    assert (web["server_side_binding"], web["prepare_threshold"]) == (True, 5)
    assert "server_side_binding" not in worker and "prepare_threshold" not in worker


def _prepared(wrapper) -> list[str]:
    with wrapper.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["%cvms_user%"]
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_statement_run_again_and_again_on_a_web_connection_is_prepared_there():
    options = {**connection.settings_dict["OPTIONS"], "server_side_binding": True, "prepare_threshold": 5}
    web = type(connections["default"])({**connection.settings_dict, "OPTIONS": options}, alias="web")
    try:
        for run in range(5):
            with web.cursor() as cursor:
                cursor.execute("SELECT id FROM cvms_user WHERE id = %s", [run])
        assert _prepared(web) == []  # five runs: parsed and planned each time
        with web.cursor() as cursor:
            cursor.execute("SELECT id FROM cvms_user WHERE id = %s", [5])
        assert _prepared(web) == ["SELECT id FROM cvms_user WHERE id = $1"]  # from the sixth on
    finally:
        web.close()
