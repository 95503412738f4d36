"""Invitations at the mail server's speed, and a small upload that doesn't wait behind them.

An SMTP sink of its own (bench/smtp_sink.py, aiosmtpd, in a process of its own) is the mail server.
The limit: raw smtplib into it, 100 messages per connection, one client, messages of an
invitation's size, measured before and after the invitations (the mean: the machine's load
moves). Then a roster of 100,000 new people (QUICK: 10,000) is invited through real Celery
workers, one per queue as docker-compose.yml runs them (its `-Q` and `--concurrency`), against
the bench's database and the Redis of CELERY_BROKER_URL: the roster is put in the table as an
import leaves it, and the import's last step (the invitations' dispatch through the outbox)
starts them. Once the e-mails flow, a 1-row roster is uploaded and imported as the pages do it:
the time until it is imported is its processing time (target: 10 s). Afterwards every invitee
must have exactly one e-mail in the sink, and every invitation be marked sent; if not, the run
fails loudly.
"""

import json
import os
import re
import smtplib
import subprocess
import sys
import tempfile
import time

from bench.harness import QUICK, ROOT, Row, _free_port, child_env

PEOPLE = 10_000 if QUICK else 100_000
RAW_MESSAGES = 2_000 if QUICK else 5_000
PER_CONNECTION = 100
RUN = f"{int(time.time())}.bench.example.org"  # this run's people (BENCH_KEEP=1 keeps earlier runs')
DOMAIN = f"roster.{RUN}"
SMALL_DOMAIN = f"small.{RUN}"


class Sink:
    def __init__(self):
        self.port = _free_port()
        self.status_file = tempfile.NamedTemporaryFile(prefix="bench-sink-", suffix=".json", delete=False)  # noqa: SIM115
        self.status_file.close()

    def __enter__(self):
        self.process = subprocess.Popen(  # noqa: S603 - our own script
            [sys.executable, str(ROOT / "bench" / "smtp_sink.py"), str(self.port), self.status_file.name]
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                smtplib.SMTP("127.0.0.1", self.port, timeout=2).quit()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the SMTP sink did not start")

    def status(self) -> dict:
        try:
            with open(self.status_file.name) as status:
                return json.load(status)
        except (OSError, ValueError):
            return {"total": 0, "domains": {}}

    def domain(self, name: str) -> dict:
        return self.status()["domains"].get(name, {"count": 0})

    def final(self) -> dict:
        self.process.terminate()
        self.process.wait(timeout=30)
        return self.status()

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()
        os.unlink(self.status_file.name)


def raw_smtplib_rate(port: int, message: bytes, tag: str) -> float:
    """What the sink takes from a client that does nothing else: messages/s."""
    started = time.perf_counter()
    for start in range(0, RAW_MESSAGES, PER_CONNECTION):
        with smtplib.SMTP("127.0.0.1", port) as client:
            for n in range(start, start + PER_CONNECTION):
                client.sendmail("no-reply@cvms.example.org", [f"raw{n}@{tag}.raw.bench.example.org"], message)
    return RAW_MESSAGES / (time.perf_counter() - started)


def an_invitation_message() -> bytes:
    """An invitation's e-mail as the workers send it, for the raw client to send as many times."""
    from employers.services.invitation_mail import invitation_email_slow
    from tests.employers.factories import InvitationFactory

    invitation = InvitationFactory.build(invitee__first_name="Ana", invitee__organization__name="Bench Works")
    return invitation_email_slow(invitation).message().as_bytes(linesep="\r\n")


def compose_workers() -> list[tuple[str, str]]:
    """(queue, concurrency) of each worker pool in docker-compose.yml."""
    text = (ROOT / "docker-compose.yml").read_text()
    return re.findall(r"command: celery -A cvms worker -Q (\S+) .*--concurrency (\d+)", text)


def worker_command(queue: str, concurrency: str) -> list[str]:
    command = [
        sys.executable, "-m", "celery", "-A", "cvms", "worker", "-Q", queue, "--concurrency", concurrency,
        "-l", "WARNING", "-n", f"{queue}@bench", "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    return command


class Workers:
    def __init__(self, env: dict):
        self.env = env
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed on exit, kept on failure
            "w+", prefix="bench-invitations-workers-", suffix=".log", delete=False
        )

    def __enter__(self):
        self.processes = [
            subprocess.Popen(  # noqa: S603 - celery of this virtualenv, our arguments
                worker_command(queue, concurrency),
                cwd=ROOT,
                env=self.env,
                stdout=self.log,
                stderr=subprocess.STDOUT,
            )
            for queue, concurrency in compose_workers()
        ]
        from cvms.celery import app

        expected = {f"{queue}@bench" for queue, _ in compose_workers()}
        _wait_for(
            lambda: expected <= set(app.control.inspect(timeout=1).ping() or {}), 60, "the workers to start"
        )
        return self

    def __exit__(self, *exc):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        self.log.close()


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"INVITATIONS BENCH: timed out waiting for {what}")
        time.sleep(0.1)


def _purge_queues(broker_url: str) -> None:
    """What an earlier run left in the bench's Redis database (it is this run's)."""
    import redis

    from cvms.celery import queue_names

    redis.Redis.from_url(broker_url).delete(*queue_names())


def big_roster(organization, admin):
    """An upload just imported, its PEOPLE new people on the roster, their invitations not made
    (as the import leaves them before its last step)."""
    from django.utils import timezone

    from employers.enums import InviteeStatus, UploadStatus
    from employers.models import Invitee, RosterUpload

    upload = RosterUpload.objects.create(
        organization=organization,
        uploaded_by=admin,
        original_name="big.csv",
        file_format="csv",
        status=UploadStatus.IMPORTED,
        finished_at=timezone.now(),
        people_to_invite=PEOPLE,
    )
    for start in range(0, PEOPLE, 5000):
        Invitee.objects.bulk_create(
            Invitee(
                organization=organization,
                first_name=("Ana", "José", "Mary Ann", "O'Brien")[n % 4],
                last_name=f"Number{n}",
                email=f"person{n}@{DOMAIN}",
                date_of_birth="1980-01-01",
                language="es" if n % 3 == 0 else "en",
                status=InviteeStatus.ADDED,
                created_by_upload=upload,
            )
            for n in range(start, min(start + 5000, PEOPLE))
        )
    return upload


def small_upload(organization, admin) -> tuple[float, float]:
    """A 1-row roster uploaded, read and imported as the pages do it: (seconds until it was read,
    seconds until it was imported), from the upload."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from employers.enums import UploadStatus
    from employers.models import RosterUpload
    from employers.services.uploads import roster_upload_create, roster_upload_import

    csv = f"first name,last name,email,date of birth\nRosa,Small,rosa@{SMALL_DOMAIN},1975-05-05\n".encode()
    started = time.monotonic()
    file = SimpleUploadedFile("one.csv", csv)
    upload = roster_upload_create(organization=organization, file=file, by=admin)

    def status():
        return RosterUpload.objects.get(pk=upload.pk).status

    _wait_for(lambda: status() == UploadStatus.VALIDATED, 600, "the 1-row roster to be read")
    read = time.monotonic() - started
    roster_upload_import(upload=RosterUpload.objects.get(pk=upload.pk), by=admin, changes_confirmed=True)
    _wait_for(lambda: status() == UploadStatus.IMPORTED, 600, "the 1-row roster to be imported")
    return read, time.monotonic() - started


def everyone_once(received: dict) -> tuple[int, int, int]:
    """(invitees with no e-mail, with two or more, e-mails to nobody on the rosters)."""
    expected = {f"person{n}@{DOMAIN}" for n in range(PEOPLE)} | {f"rosa@{SMALL_DOMAIN}"}
    got = {address: n for address, n in received.items() if address.endswith(RUN)}
    missing = len(expected - got.keys())
    twice = sum(1 for address, n in got.items() if address in expected and n > 1)
    strangers = len(got.keys() - expected)
    return missing, twice, strangers


def invitation_rows(database_url: str) -> list:
    from django.db import transaction

    from cvms import outbox
    from cvms.roles import Role
    from employers.enums import DeliveryStatus
    from employers.models import Invitation, RosterUpload
    from employers.tasks import invitations_dispatch
    from tests.factories import EmployerFactory, member

    broker = os.environ["CELERY_BROKER_URL"]
    message = an_invitation_message()
    with Sink() as sink:
        raw_before = raw_smtplib_rate(sink.port, message, "before")
        env = {
            **child_env(database_url),
            "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
            "CELERY_BROKER_URL": broker,
            "EMPLOYERS_INVITATION_BATCH": "100",
            "LOG_LEVEL": "WARNING",
        }
        _purge_queues(broker)
        organization = EmployerFactory(name=f"Bench Invitations {RUN}", pin=None)
        admin = member(organization, Role.EMPLOYER_ADMIN, email=f"admin@{RUN}")
        upload = big_roster(organization, admin)
        with Workers(env) as workers:
            started = time.time()
            with transaction.atomic():  # the import's last step
                outbox.enqueue(invitations_dispatch, upload_id=upload.pk)
            made = RosterUpload.objects.filter(pk=upload.pk, invitations_made_at__isnull=False)
            _wait_for(made.exists, 1800, "the invitations to be made")
            made_in = time.time() - started
            _wait_for(lambda: sink.domain(DOMAIN)["count"] >= PEOPLE // 20, 1800, "the first e-mails")
            read, processed = small_upload(organization, admin)
            ours = Invitation.objects.filter(invitee__organization=organization)
            unsent = ours.exclude(status__in=[DeliveryStatus.SENT, DeliveryStatus.FAILED])
            _wait_for(
                lambda: sink.domain(SMALL_DOMAIN)["count"] >= 1 and not unsent.exists(),
                3600,
                f"every invitation to be sent (workers' log: {workers.log.name})",
            )
            time.sleep(1)  # anything sent twice arrives
        # The machine's load moves by a factor of several within minutes: the limit is measured
        # before and after the invitations, and the mean is the one they are compared with.
        raw_after = raw_smtplib_rate(sink.port, message, "after")
        raw = (raw_before + raw_after) / 2
        final = sink.final()
    roster = final["domains"][DOMAIN]
    small = final["domains"][SMALL_DOMAIN]
    rate = (roster["count"] - 1) / (roster["last"] - roster["first"])
    missing, twice, strangers = everyone_once(final["received"])
    invitations = ours.count()
    not_sent = ours.exclude(status=DeliveryStatus.SENT).count()
    if missing or twice or strangers or not_sent or invitations != PEOPLE + 1:
        raise SystemExit(
            f"INVARIANT BROKEN: {missing} invitees got no e-mail, {twice} got two or more, {strangers} "
            f"e-mails to nobody; {invitations} invitations for {PEOPLE + 1} people, {not_sent} not sent"
        )
    os.unlink(workers.log.name)
    workers_note = ", ".join(f"{queue} x{n}" for queue, n in compose_workers())
    return [
        Row(
            f"invitations, {PEOPLE:,} through Celery to a local SMTP sink",
            round(rate),
            "mails/s",
            round(raw),
            round(rate / raw, 2),
            "60% of raw smtplib",
            rate >= 0.6 * raw,
            f"limit: raw smtplib into the same sink, {PER_CONNECTION} per connection, one client, the mean "
            f"of {raw_before:.0f}/s before and {raw_after:.0f}/s after; workers "
            f"as compose runs them ({workers_note}); {PEOPLE:,} invitations made in {made_in:.0f} s, the "
            f"first e-mail {roster['first'] - started:.0f} s after the dispatch, the last "
            f"{roster['last'] - started:.0f} s; "
            f"every invitee exactly one e-mail ({PEOPLE + 1:,} in the sink)",
        ),
        Row(
            "a 1-row roster upload during them",
            round(processed, 1),
            "s to imported",
            10,
            round(processed / 10, 2),
            "processed within 10 s",
            processed <= 10,
            f"read in {read:.1f} s, imported in {processed:.1f} s (uploads queue, its own workers); its "
            f"one invitation went {small['last'] - started:.0f} s after the roster's dispatch, behind the "
            "roster's batches on the invitations queue",
        ),
    ]
