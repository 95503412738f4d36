"""PostgreSQL restarted during a write load: how many requests fail, how soon the site serves
again, and whether any invariant broke.

    CELERY_BROKER_URL=redis://... .venv/bin/python bench/pg_restart.py

The shared PostgreSQL of this machine is never touched: the script makes a private cluster of its
own (initdb into a temporary directory, trust authentication, a free port; as the `postgres`
user when run as root, since initdb refuses root), migrates a database there and seeds it small
(4 clinics of 50 slots, PEOPLE people with sessions), starts gunicorn on it (production settings,
4 workers) and books from CLIENTS clients over HTTP, one booking per person. Once RESTART_AFTER
are answered, `pg_ctl restart -m fast` (the open connections are cut, the server stops and
starts again); the load goes on until every person has booked (the share of failures is of a
number of requests, not of a time, which a loaded machine stretches). The cluster is stopped
and removed at the end, also on failure.

Prints one line, `RESULT {...}` (JSON): requests, failed (any answer but a booking made, 302, or
the form shown again, 200), the restart's own seconds, the seconds from the restart to the first
booking made through the new server, the slowest request, and the invariants afterwards (slots
overbooked, slots whose count differs from their appointments, stock rows whose count differs
from their ledger). `restart_rows()` runs it for `make bench` (bench/run.py).
"""

import glob
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import QUICK, Gunicorn, Load, Row, _free_port, child_env, manage  # noqa: E402

CLIENTS = 24
PEOPLE = 400 if QUICK else 1000  # one booking each: the load's length in requests
RESTART_AFTER = PEOPLE // 4  # bookings answered before the restart: the load is running
LOAD_SECONDS = 300.0  # a bound: the load ends when the people run out
TARGET_FAILED = 0.02
TARGET_RECOVERY = 10.0


class PrivateCluster:
    """A PostgreSQL cluster of this script's own, in a temporary directory, on a free port."""

    def __init__(self):
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
        if not binaries:
            raise SystemExit("skipped: no PostgreSQL server binaries (/usr/lib/postgresql/*/bin)")
        self.bin = Path(binaries[-1]).parent
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root

    def __enter__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="cvms-pg-restart-"))
        self.data = self.directory / "data"
        if self.as_postgres:
            shutil.chown(self.directory, "postgres", "postgres")
        self.run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self.started = False
        self.pg_ctl("start")
        self.started = True
        return self

    def __exit__(self, *exc):
        try:
            if self.started:
                self.run("pg_ctl", "stop", "-D", self.data, "-m", "immediate", "-w")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c max_connections=60"
        log = self.directory / "server.log"
        self.run("pg_ctl", action, "-D", self.data, "-l", log, "-w", "-t", "60", "-o", options, *extra)

    def run(self, tool: str, *args) -> None:
        command = [str(self.bin / tool), *(str(arg) for arg in args)]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.directory)  # noqa: S603

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


def _version(path: str) -> float:
    try:
        return float(Path(path).parent.parent.name)
    except ValueError:
        return 0.0


def main() -> None:
    # Killed (a timeout, Ctrl-C of `make bench`): stop and remove the cluster all the same.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    with PrivateCluster() as cluster:
        import psycopg

        with psycopg.connect(cluster.url("postgres"), autocommit=True) as admin:
            admin.execute('CREATE DATABASE "cvms_restart"')
        env = child_env(cluster.url("cvms_restart"))
        manage(env, "migrate", "--no-input", "-v0")
        manage(env, "collectstatic", "--no-input", "-v0")
        os.environ.update(env)
        import django

        django.setup()
        from django.conf import settings

        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # see run.py
        from bench import booking

        clinics, cookies = booking.booking_setup(clinics=4, people=PEOPLE)
        from administration.models import Slot

        slots = list(Slot.objects.filter(clinic__in=clinics).values_list("clinic_id", "pk"))
        from django.db import connection

        connection.close()  # this process's own connection, cut by the restart too
        with Gunicorn(env):
            result = load_with_restart(cluster, slots, cookies)
        result.update(invariants())
    print("RESULT " + json.dumps(result))


def load_with_restart(cluster: PrivateCluster, slots: list, cookies: list) -> dict:
    """CLIENTS threads book, one person each time, until the people run out; the cluster
    restarts once RESTART_AFTER are answered."""
    from bench.booking import booking_post

    pool, pool_lock = iter(cookies), threading.Lock()

    def book(client, n):
        with pool_lock:
            cookie = next(pool, None)
        return cookie and booking_post(*random.choice(slots), cookie)  # noqa: S311

    load = Load(book, clients=CLIENTS, seconds=LOAD_SECONDS).start()
    while len(load.calls) < RESTART_AFTER and load.running:
        time.sleep(0.05)
    restart_at = time.monotonic()
    cluster.pg_ctl("restart", "-m", "fast")
    up_at = time.monotonic()
    load.join()
    return summary(load.calls, load.started, restart_at, up_at)


def summary(calls: list, started: float, restart_at: float, up_at: float) -> dict:
    failed = [call for call in calls if call[2] not in (200, 302)]
    # Serving again: the first booking made through the new server (answered after it was up).
    again = [answered for _sent, answered, status in calls if status == 302 and answered >= up_at]
    statuses = {}
    for _sent, _answered, status in calls:
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "requests": len(calls),
        "failed": len(failed),
        "failed_share": len(failed) / max(len(calls), 1),
        "statuses": statuses,
        "restart_seconds": round(up_at - restart_at, 2),
        "serving_again_seconds": round(min(again) - restart_at, 2) if again else None,
        "slowest_seconds": round(max((a - s for s, a, _ in calls), default=0), 2),
        "before_restart": sum(1 for _s, answered, _st in calls if answered < restart_at),
        "load_seconds": round(max((a for _s, a, _st in calls), default=started) - started, 1),
        "load_average": os.getloadavg()[0],
    }


def invariants() -> dict:
    """Slots overbooked, slots miscounted, stock rows whose on-hand differs from their ledger."""
    from django.db import connection

    from bench.booking import booking_invariants

    overbooked, miscounted = booking_invariants()
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM inventory_stock AS s
               LEFT JOIN (SELECT location_id, lot_id, sum(quantity) AS total FROM inventory_stockmovement
                          GROUP BY location_id, lot_id) AS m
                 ON m.location_id = s.location_id AND m.lot_id = s.lot_id
               WHERE s.on_hand <> coalesce(m.total, 0)"""
        )
        (stock_mismatched,) = cursor.fetchone()
    return {"overbooked": overbooked, "miscounted": miscounted, "stock_mismatched": stock_mismatched}


def restart_rows() -> list:
    """The row of `make bench`: this script in a child process (its own Django, on its cluster)."""
    out = subprocess.run(  # noqa: S603 (this very script)
        [sys.executable, __file__],
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((text for text in out.stdout.splitlines() if text.startswith("RESULT ")), None)
    if line is None:
        reason = (out.stdout.strip().splitlines() or out.stderr.strip().splitlines() or ["no output"])[-1]
        return [Row(NAME, None, "% failed", target=TARGET, note=f"not measured: {reason[:200]}")]
    return [result_row(json.loads(line.removeprefix("RESULT ")))]


NAME = "PostgreSQL restarted during a write load"
TARGET = "at most 2% failed, serving again within 10 s, no invariant broken"


def result_row(result: dict) -> Row:
    share, again = result["failed_share"], result["serving_again_seconds"]
    broken = result["overbooked"] + result["miscounted"] + result["stock_mismatched"]
    return Row(
        NAME,
        round(share * 100, 2),
        "% failed",
        None,
        None,
        TARGET,
        share <= TARGET_FAILED and again is not None and again <= TARGET_RECOVERY and not broken,
        f"{result['failed']} of {result['requests']} bookings over HTTP ({CLIENTS} clients) failed; "
        f"serving again {again} s after `pg_ctl restart -m fast` (the restart itself "
        f"{result['restart_seconds']} s); slowest request {result['slowest_seconds']} s; "
        f"{result['overbooked']} overbooked, {result['miscounted']} slots miscounted, "
        f"{result['stock_mismatched']} stock rows off their ledger; a private cluster, load "
        f"{result['load_average']:.1f}",
    )


if __name__ == "__main__":
    main()
