"""A roster's invitations survive a Redis outage and a worker killed mid-batch: every person gets
exactly one e-mail (issue 13, acceptance 2). Real servers, real processes:

    DATABASE_URL=postgres://... .venv/bin/python bench/resilience.py

Creates its own database (bench_resilience_<name>, migrated, dropped at the end), starts its own
redis-server on a free port (never the machine's 6379: this script shuts its Redis down), an
SMTP sink (aiosmtpd) that counts the e-mails each address receives, and Celery workers as child
processes (`celery -A cvms worker --pool=solo`, production settings). This process plays the web
process: it calls the services the upload and import pages call. Two scenarios, a roster of 300
new people each (EMPLOYERS_INVITATION_BATCH 100: three batches):

1. outage: the roster is uploaded and imported; once 100 invitations are out, Redis is shut down
   without saving (`redis-cli shutdown nosave`: the queued batches are lost with it); while it
   is down, another roster is uploaded (the page must answer in a few seconds, its reading
   waiting in the outbox); Redis is started again, empty.
2. kill: another roster is imported; as the worker sends the 151st invitation (the mail server
   has its recipient, not yet its message), the worker is killed with SIGKILL; a new worker is
   started.

After each, the sweep runs as beat would run it (cvms.outbox.sweep, and through it employers') once the
live workers are idle (nothing in Redis's queue; each worker answers that it holds no task). The
claim timeout (cvms.emails.CLAIM_TIMEOUT, 10 minutes) is the time a sweep waits before it takes
back a dead worker's claims and publishes what no task sent: the sweep is called with its clock
moved on by that much, rather than the bench waiting 10 minutes (so it must not run while a live
worker holds claims, as it never would after 10 minutes).

Prints, per scenario, the e-mails each person received (exactly one each is the pass), the
times (how long the page took during the outage; from the outage's end, or the kill, to the last
e-mail), and exits 1 if anyone got none or two. Skips (exit 0) without PostgreSQL or redis-server.

The one window left: a worker killed after the mail server accepted an e-mail and before the
database notes it sent (about a millisecond, against the 50 ms the sink takes per recipient)
sends that e-mail again; delivery is at least once, as with any SMTP client.
"""

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PEOPLE = 300
BATCH = 100
RCPT_PAUSE = 0.05  # the sink's answer to each recipient, as a real server's round trip
DEADLINE = 180.0  # seconds a scenario may take before it is called failed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sink:
    """An SMTP server that keeps count of what each address received. `on_rcpt(n)` is called as
    the n-th recipient is given (n counts every RCPT since the sink started)."""

    def __init__(self):
        self.received: Counter = Counter()
        self.rcpts = 0
        self.on_rcpt = None
        self.last_at = time.monotonic()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts += 1
        if self.on_rcpt is not None:
            self.on_rcpt(self.rcpts)
        await asyncio.sleep(RCPT_PAUSE)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for address in envelope.rcpt_tos:
            self.received[address.lower()] += 1
        self.last_at = time.monotonic()
        return "250 Message accepted for delivery"

    def count(self, domain: str) -> int:
        return sum(n for address, n in self.received.items() if address.endswith(domain))


class Redis:
    """A redis-server of the bench's own, on a port of its own."""

    def __init__(self, port: int):
        self.port = port
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - redis-server, our arguments
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.cli("ping") == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server didn't start")

    def cli(self, *args) -> str:
        done = subprocess.run(  # noqa: S603 - redis-cli, our arguments
            [shutil.which("redis-cli"), "-p", str(self.port), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.strip()

    def shutdown_nosave(self) -> None:
        self.cli("shutdown", "nosave")
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class Workers:
    """Celery workers in child processes; what they print goes to `log` (shown on failure)."""

    # Every queue (cvms.celery.queue_names): one worker here does every kind of work.
    COMMAND = [
        sys.executable, "-m", "celery", "-A", "cvms", "worker", "--pool=solo", "-l", "WARNING",
        "-Q", "celery,uploads,invitations,exports,pdfs",
    ]  # fmt: skip
    QUIET = ["--without-gossip", "--without-mingle", "--without-heartbeat"]

    def __init__(self, env: dict, log):
        self.env = env
        self.log = log
        self.started: list[subprocess.Popen] = []

    def start(self, name: str) -> subprocess.Popen:
        worker = subprocess.Popen(  # noqa: S603 - celery of this virtualenv, our arguments
            [*self.COMMAND, *self.QUIET, "-n", f"{name}@bench"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.started.append(worker)
        return worker

    def stop(self) -> None:
        for worker in self.started:
            if worker.poll() is None:
                worker.terminate()
        for worker in self.started:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()


def roster_csv(domain: str) -> bytes:
    rows = ["first name,last name,email,date of birth"]
    rows += [f"Person,Number{n},person{n}@{domain},1980-01-{n % 28 + 1:02d}" for n in range(PEOPLE)]
    return ("\n".join(rows) + "\n").encode()


def wait_for(condition, *, timeout: float = DEADLINE, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.1)


def workers_idle(redis: "Redis") -> bool:
    """Nothing waits in Redis, and every live worker answers that it runs and holds no task (a
    solo worker busy with a task can't answer; nor can one still reconnecting)."""
    from cvms.celery import app

    if redis.cli("llen", "celery") != "0":
        return False
    inspect = app.control.inspect(timeout=1.0)
    active, reserved = inspect.active(), inspect.reserved()
    if not active or not reserved:
        return False
    return not any(active.values()) and not any(reserved.values())


def wait_idle(redis: "Redis") -> None:
    """Until the live workers have done everything they were given. Only then may the sweep run
    with its clock moved on: the claims left are a dead worker's, as they would be by then."""
    wait_for(lambda: workers_idle(redis), what="the workers to be idle")


def sweep_later() -> None:
    """The sweeps, as beat runs them once the claim timeout has passed."""
    from django.utils import timezone

    from cvms import outbox
    from cvms.emails import CLAIM_TIMEOUT

    outbox.sweep(now=timezone.now() + CLAIM_TIMEOUT + timedelta(minutes=1))  # and the apps' sweeps


def upload_and_validate(organization, admin, domain: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from employers.enums import UploadStatus
    from employers.models import RosterUpload
    from employers.services.uploads import roster_upload_create

    file = SimpleUploadedFile(f"{domain}.csv", roster_csv(domain))
    upload = roster_upload_create(organization=organization, file=file, by=admin)
    wait_for(
        lambda: RosterUpload.objects.get(pk=upload.pk).status == UploadStatus.VALIDATED,
        what=f"the {domain} roster to be read",
    )
    return upload


def everyone_once(sink: Sink, domain: str) -> bool:
    expected = {f"person{n}@{domain}" for n in range(PEOPLE)}
    got = {address: n for address, n in sink.received.items() if address.endswith(domain)}
    twice = sorted(address for address, n in got.items() if n > 1)
    missing = sorted(expected - got.keys())
    counts = Counter(got.values())
    print(
        f"  {len(got)} of {PEOPLE} people got an e-mail: "
        + ", ".join(f"{people} got {n}" for n, people in sorted(counts.items()))
        + (f"; NONE for {len(missing)} ({', '.join(missing[:3])}...)" if missing else "")
        + (f"; TWO OR MORE for {len(twice)} ({', '.join(twice[:3])}...)" if twice else "")
    )
    return not missing and not twice


def settle(redis: "Redis", sink: Sink, domain: str, *, since: float) -> tuple[float, int]:
    """Sweep (as beat would, once the claim timeout has passed) until everyone has had their
    e-mail or the deadline passes; the seconds from `since` to the last e-mail, and the sweeps."""
    deadline = time.monotonic() + DEADLINE
    sweeps = 0
    while sink.count(domain) < PEOPLE and time.monotonic() < deadline:
        wait_idle(redis)
        if sink.count(domain) < PEOPLE:
            sweep_later()
            sweeps += 1
            time.sleep(0.5)
    wait_idle(redis)  # anything sent twice would have arrived by now
    return sink.last_at - since, sweeps


def outage(redis: Redis, sink: Sink, organization, admin) -> bool:
    from employers.enums import UploadStatus
    from employers.models import RosterUpload
    from employers.services.uploads import roster_upload_create, roster_upload_import

    print("outage: Redis shut down without saving while invitations go out, then started again")
    domain = "outage.example.org"
    upload = upload_and_validate(organization, admin, domain)
    started = time.monotonic()
    roster_upload_import(upload=upload, by=admin, changes_confirmed=True)
    wait_for(lambda: sink.count(domain) >= 100, what="the first 100 invitations")
    redis.shutdown_nosave()
    down_at = time.monotonic()
    print(f"  Redis down after {sink.count(domain)} invitations ({down_at - started:.1f} s after the import)")

    from django.core.files.uploadedfile import SimpleUploadedFile

    asked = time.monotonic()
    other = roster_upload_create(
        organization=organization,
        file=SimpleUploadedFile("later.csv", roster_csv("later.example.org")),
        by=admin,
    )
    page = time.monotonic() - asked
    print(f"  an upload during the outage answered in {page:.2f} s; its reading waits in the outbox")
    time.sleep(max(0.0, 5 - (time.monotonic() - down_at)))
    redis.start()
    up_at = time.monotonic()
    print(f"  Redis back, empty, after {up_at - down_at:.1f} s; {sink.count(domain)} invitations out so far")
    took, sweeps = settle(redis, sink, domain, since=up_at)
    wait_for(
        lambda: RosterUpload.objects.get(pk=other.pk).status == UploadStatus.VALIDATED,
        what="the roster uploaded during the outage to be read",
    )
    print(
        f"  the last invitation {took:.1f} s after Redis was back ({sweeps} sweep(s) once the workers were "
        "idle); the later upload read"
    )
    return everyone_once(sink, domain) and page < 5


def kill(redis: "Redis", workers: Workers, sink: Sink, organization, admin, worker) -> bool:
    from employers.services.uploads import roster_upload_import

    print("kill: the worker killed (SIGKILL) as it sends the 151st invitation, then a new one started")
    domain = "kill.example.org"
    upload = upload_and_validate(organization, admin, domain)
    before = sink.rcpts
    killed = threading.Event()

    def kill_at_151st(rcpts: int) -> None:
        if rcpts - before == 151 and not killed.is_set():
            os.kill(worker.pid, signal.SIGKILL)
            killed.set()

    sink.on_rcpt = kill_at_151st
    roster_upload_import(upload=upload, by=admin, changes_confirmed=True)
    wait_for(killed.is_set, what="the 151st invitation")
    killed_at = time.monotonic()
    worker.wait(timeout=10)
    sink.on_rcpt = None
    print(f"  killed with {sink.count(domain)} invitations out")
    workers.start("second")
    took, sweeps = settle(redis, sink, domain, since=killed_at)
    print(
        f"  the last invitation {took:.1f} s after the kill (the new worker's start and {sweeps} sweep(s) "
        "included)"
    )
    return everyone_once(sink, domain)


def run(database_url: str, env: dict) -> int:
    from aiosmtpd.controller import Controller

    from cvms.roles import Role
    from tests.factories import EmployerFactory, member

    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=int(urlsplit(env["EMAIL_URL"]).port))
    redis = Redis(int(urlsplit(env["CELERY_BROKER_URL"]).port))
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-resilience-workers-", suffix=".log", delete=False)  # noqa: SIM115
    workers = Workers({**env, "DATABASE_URL": database_url}, log)
    print(f"load average at start: {' '.join(f'{n:.2f}' for n in os.getloadavg())} ({os.cpu_count()} cores)")
    smtp.start()
    redis.start()
    ok = False
    try:
        first = workers.start("first")
        organization = EmployerFactory(name="Bench Works")
        admin = member(organization, Role.EMPLOYER_ADMIN)
        ok = outage(redis, sink, organization, admin)
        ok = kill(redis, workers, sink, organization, admin, first) and ok
    finally:
        workers.stop()
        redis.stop()
        smtp.stop()
        log.close()
    print(f"load average at end: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    if ok:
        print("PASS: every person got exactly one e-mail")
        os.unlink(log.name)
        return 0
    print(f"FAIL (the workers' log: {log.name})")
    return 1


def main() -> int:
    if not shutil.which("redis-server"):
        print("skipped: needs redis-server (apt-get install redis-server)")
        return 0
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("skipped: set DATABASE_URL=postgres://...")
        return 0
    media = tempfile.mkdtemp(prefix="bench-resilience-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cvms.settings",  # production settings, as deployed
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-not-secret"),
        "DEBUG": "false",
        "LOG_LEVEL": "ERROR",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{free_port()}/0",
        "EMAIL_URL": f"smtp://127.0.0.1:{free_port()}",
        "MEDIA_ROOT": media,
        "EMPLOYERS_INVITATION_BATCH": str(BATCH),
    }
    os.environ.update(env)

    import django

    django.setup()
    from django.db import connection

    url = urlsplit(os.environ["DATABASE_URL"])
    bench_name = f"bench_resilience_{connection.settings_dict['NAME']}"
    connection.settings_dict["TEST"]["NAME"] = bench_name
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        return run(urlunsplit(url._replace(path=f"/{bench_name}")), env)
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
