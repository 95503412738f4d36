"""The production web server as the Dockerfile starts it: gunicorn with gunicorn.conf.py and the
production settings. What reaches its output must hold no query string."""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, headers: dict) -> int:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (a local http URL)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def gunicorn():
    """A gunicorn of one worker on a free port; yields its base URL and a function that stops
    it and returns everything it wrote."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    environment.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="localhost",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        DJANGO_SETTINGS_MODULE="cvms.settings",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "cvms.wsgi:application"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)

    def stop() -> str:
        server.terminate()
        output, _ = server.communicate(timeout=20)
        return output

    yield base, stop
    if server.poll() is None:
        server.kill()
        server.communicate()


def test_gunicorn_logs_requests_without_their_query_string(gunicorn):
    base, stop = gunicorn
    headers = {"Host": "localhost", "X-Request-ID": "probe-0123456789"}

    status = get(f"{base}/healthz?q=Maria+Lopez&dob=1990-01-01", headers)
    output = stop()

    assert status in (200, 503)  # whether this machine's services answer doesn't matter here
    for personal in ("Maria", "Lopez", "1990-01-01"):
        assert personal not in output
    access = [line for line in output.splitlines() if '"GET /healthz HTTP/1.1"' in line]
    assert len(access) == 1, output
    assert access[0].endswith("request_id=probe-0123456789")
    app = [json.loads(line) for line in output.splitlines() if line.startswith('{"time"')]
    request_lines = [line for line in app if line["logger"] == "cvms.request"]
    assert [(line["path"], line["request_id"]) for line in request_lines] == [
        ("/healthz", "probe-0123456789")
    ]
