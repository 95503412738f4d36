"""What every benchmark of `make bench` shares: the run's size (QUICK), the table's row, the
bench database and gunicorn, the load generator and signed-in sessions. Each benchmark lives in a
module of its own (bench/booking.py, bench/pages.py, ...) and returns its `Row`s to bench/run.py."""

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "latest.json"

QUICK = os.environ.get("QUICK", "") not in ("", "0")
SCALE = (
    {"recipients": 20_000, "doses": 40_000, "locations": 30}
    if QUICK
    else {"recipients": 1_000_000, "doses": 2_000_000, "locations": 300}
)
SECONDS = 6 if QUICK else 20  # each load phase


def _free_port() -> int:
    """A port nobody listens on (other people's servers may share this machine)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


PORT = int(os.environ.get("BENCH_PORT") or _free_port())


class Row(dict):
    """One line of the table: name, figure, unit, limit, ratio, target, met, note."""

    def __init__(self, name, figure, unit, limit=None, ratio=None, target="", met=None, note=""):
        super().__init__(
            name=name, figure=figure, unit=unit, limit=limit, ratio=ratio, target=target, met=met, note=note
        )


# --- The database and the server -------------------------------------------------------------


def bench_database_url() -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    url = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(url._replace(path=f"{url.path}_bench"))


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        name = parts.path.lstrip("/")
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def child_env(database_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-not-secret-" + "x" * 40,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_ACCESS_LOG": "",
        "GUNICORN_BIND": f"127.0.0.1:{PORT}",
        "GUNICORN_WORKERS": "4",
        # The cache production has (docker-compose.yml: Redis), shared by the four workers: a
        # dashboard drawn by one is read by the others. The broker's Redis: Django's keys
        # (":1:…") never meet Celery's.
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL") or os.environ.get("CELERY_BROKER_URL", ""),
    }


def manage(env: dict, *args: str) -> tuple[str, float, float]:
    """`manage.py args` in a child process: its output, seconds and peak memory (MB)."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        child = subprocess.Popen(  # noqa: S603 - our own manage.py
            [sys.executable, str(ROOT / "manage.py"), *args], env=env, stdout=out, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        text = out.read()
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{text}")
        return text.strip(), seconds, usage.ru_maxrss / 1024


class Gunicorn:
    def __init__(self, env: dict):
        self.env = env

    def __enter__(self):
        self.log = tempfile.TemporaryFile("w+")
        self.process = subprocess.Popen(  # noqa: S603
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "cvms.wsgi", "-c", str(ROOT / "gunicorn.conf.py")],
            # As docker-compose.yml's web service runs: its statements prepared on its connections.
            env={"DATABASE_PREPARED_STATEMENTS": "1", **self.env},
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                connection = HTTPConnection("127.0.0.1", PORT, timeout=2)
                connection.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
                if connection.getresponse().status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.5)
        self.log.seek(0)
        raise RuntimeError(f"gunicorn did not start:\n{self.log.read()}")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)


# --- The load generator ----------------------------------------------------------------------


class Load:
    """`clients` threads, each with its own keep-alive connection, calling `request(client, n)`
    (which returns (method, path, body, headers), or None to stop) for `seconds`; each call kept
    as (sent, answered, status) on the monotonic clock. `run()` waits for the end; `start()` and
    `join()` let the caller act while the load runs (bench/pg_restart.py restarts PostgreSQL)."""

    def __init__(self, request, *, clients: int, seconds: float = SECONDS, count: int | None = None):
        self.request, self.clients, self.seconds, self.count = request, clients, seconds, count
        self.calls: list[tuple[float, float, int]] = []
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []

    def run(self) -> "Load":
        return self.start().join()

    def start(self) -> "Load":
        stop = time.monotonic() + self.seconds
        counter = iter(range(10**9))
        self.started = time.monotonic()
        self.threads = [
            threading.Thread(target=self._client, args=(n, stop, counter)) for n in range(self.clients)
        ]
        for thread in self.threads:
            thread.start()
        return self

    def join(self) -> "Load":
        for thread in self.threads:
            thread.join()
        self.elapsed = time.monotonic() - self.started
        return self

    @property
    def running(self) -> bool:
        return any(thread.is_alive() for thread in self.threads)

    def _client(self, number: int, stop: float, counter) -> None:
        connection = HTTPConnection("127.0.0.1", PORT, timeout=60)
        while time.monotonic() < stop:
            with self.lock:
                n = next(counter)
            if self.count is not None and n >= self.count:
                return
            call = self.request(number, n)
            if call is None:
                return
            method, path, body, headers = call
            sent = time.monotonic()
            try:
                connection.request(method, path, body=body, headers={"Host": "127.0.0.1", **headers})
                response = connection.getresponse()
                response.read()
                status = response.status
            except OSError:
                connection.close()
                connection = HTTPConnection("127.0.0.1", PORT, timeout=60)
                status = 0
            with self.lock:
                self.calls.append((sent, time.monotonic(), status))

    @property
    def latencies(self) -> list[float]:
        return [answered - sent for sent, answered, _status in self.calls]

    @property
    def statuses(self) -> list[int]:
        return [status for _sent, _answered, status in self.calls]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed

    @property
    def p95_ms(self) -> float:
        return statistics.quantiles(self.latencies, n=20)[-1] * 1000 if len(self.latencies) > 1 else 0.0


def get(path: str, cookie: str):
    return lambda client, n: ("GET", path, None, {"Cookie": cookie})


def signed_in(user) -> str:
    """A session cookie for `user`, made as a login (and its second factor) makes it."""
    from tests.clients import SignInClient

    client = SignInClient()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}; csrftoken={CSRF}"


CSRF = "b" * 32  # the CSRF cookie and the form's token (Django accepts an unmasked secret)
