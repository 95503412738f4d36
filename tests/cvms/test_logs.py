"""Logs in production: JSON lines with the request's id, and no personal data."""

import io
import json
import logging
import logging.config
import secrets

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.log import configure_logging

from cvms.logs import logging_config
from cvms.roles import Role
from tests.cvms.test_settings import run_manage


@pytest.fixture
def json_logs():
    """The production logging configuration, its console writing into a buffer; the test
    configuration again afterwards. Returns a function giving the lines logged so far."""
    logging.config.dictConfig(logging_config("json", "INFO"))
    buffer = io.StringIO()
    (console,) = logging.getLogger().handlers
    console.setStream(buffer)

    def lines() -> list[dict]:
        return [json.loads(line) for line in buffer.getvalue().splitlines()]

    yield lines
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def test_search_request_is_logged_without_its_query_string(client, personas, json_logs):
    client.force_login(personas.home[Role.STATE_OFFICIAL])
    path = reverse("state:recipients.list")

    response = client.get(path, {"q": "Maria Lopez", "dob": "1990-01-01"})
    client.get("/no-such-page/", {"q": "Maria Lopez", "dob": "1990-01-01"})

    assert response.status_code == 200
    logged = json_logs()
    text = json.dumps(logged)
    for personal in ("Maria", "Lopez", "1990-01-01", "1990"):
        assert personal not in text
    requests = [line for line in logged if line["logger"] == "cvms.request"]
    assert [(line["method"], line["path"], line["status"]) for line in requests] == [
        ("GET", path, 200),
        ("GET", "/no-such-page/", 404),
    ]


def test_request_line_has_its_id_time_level_and_duration(client, db, json_logs):
    response = client.get("/healthz")

    (line,) = [line for line in json_logs() if line["logger"] == "cvms.request"]
    assert line["request_id"] == response["X-Request-ID"]
    assert len(line["request_id"]) == 32
    assert (line["level"], line["message"], line["status"]) == ("INFO", "GET /healthz 200", 200)
    assert isinstance(line["duration_ms"], float)
    assert line["time"].endswith("+00:00")


def test_every_record_of_a_request_carries_its_id(client, db, json_logs):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="proxy-7f3a9c2e")

    logged = json_logs()
    not_found = next(line for line in logged if line["logger"] == "django.request")
    request_line = next(line for line in logged if line["logger"] == "cvms.request")
    assert response["X-Request-ID"] == "proxy-7f3a9c2e"
    assert (not_found["request_id"], request_line["request_id"]) == ("proxy-7f3a9c2e", "proxy-7f3a9c2e")
    assert (not_found["level"], not_found["path"], not_found["status"]) == ("WARNING", "/no-such-page/", 404)


@pytest.mark.parametrize("sent", ["short", 'forged" "level": "ERROR', "x" * 200, "ünïcode-id-1234"])
def test_a_malformed_request_id_is_replaced(client, db, sent):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=sent)

    assert response["X-Request-ID"] != sent
    assert len(response["X-Request-ID"]) == 32


def test_records_outside_requests_have_no_request_id(json_logs):
    logging.getLogger("cvms.test").warning("Sealing took %s s", 3)

    (line,) = json_logs()
    assert line["request_id"] is None
    assert (line["logger"], line["message"]) == ("cvms.test", "Sealing took 3 s")


def test_exceptions_are_logged_in_one_line(json_logs):
    try:
        raise ValueError("bad value")
    except ValueError:
        logging.getLogger("cvms.test").exception("It failed")

    (line,) = json_logs()
    assert line["message"] == "It failed"
    assert line["exception"].splitlines()[-1] == "ValueError: bad value"


def test_production_settings_log_json_by_default():
    result = run_manage(
        "shell",
        "-c",
        "import logging; logging.getLogger('cvms.test').warning('hello')",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
    )

    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert (line["level"], line["logger"], line["message"]) == ("WARNING", "cvms.test", "hello")


def test_settings_refuse_a_log_format_they_dont_know():
    result = run_manage("check", LOG_FORMAT="xml", SECRET_KEY=secrets.token_urlsafe(50))

    assert result.returncode != 0
    assert "LOG_FORMAT must be one of json, text, not 'xml'." in result.stderr


def test_request_id_is_forgotten_when_the_response_is_closed(client, db, json_logs):
    client.get("/healthz")
    logging.getLogger("cvms.test").warning("Between requests")

    assert json_logs()[-1]["request_id"] is None
