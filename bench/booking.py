"""The booking benchmarks: a rush over many slots, one hot slot, a sell-out race (over HTTP),
each followed by the database's invariants (slots and the locations' doses reserved), and the
PostgreSQL time a booking costs, measured in the rush (`pg_stat_database.active_time`)."""

import os
import random
import statistics
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.harness import CSRF, QUICK, Load, Row, signed_in

BOOKING_CLINICS = 4 if QUICK else 20  # 50 slots each: 200 (QUICK) or 1,000 slots
# People with sessions: enough for the rush, the hot slot and the race at a few hundred a second.
BOOKING_PEOPLE = 2500 if QUICK else 9000


def booking_setup(*, clinics: int, people: int):
    """Clinics of 50 slots (capacity 5) at as many locations, with their doses; `people`
    eligible people with accounts and sessions."""
    from datetime import time as clock

    from enrollment.models import PriorityGroup
    from tests.administration.factories import clinic
    from tests.recipients.factories import RecipientFactory

    PriorityGroup.objects.filter(code="2").update(is_open=True)
    made = [
        clinic(opens_at=clock(8), closes_at=clock(20, 30), slot_minutes=15, slot_capacity=5, doses=260)
        for _ in range(clinics)
    ]
    cookies = [signed_in(RecipientFactory(group="2").user) for _ in range(people)]
    return made, cookies


def booking_post(clinic_pk: int, slot_pk: int, cookie: str):
    from django.urls import reverse

    path = reverse("me:administration.clinic", kwargs={"clinic_pk": clinic_pk})
    body = urlencode({"slot": slot_pk, "csrfmiddlewaretoken": CSRF})
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    return ("POST", path, body, headers)


def booking_invariants() -> tuple[int, int]:
    """(overbooked slots, slots whose count differs from their active appointments)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FILTER (WHERE s.booked > s.capacity),
                   count(*) FILTER (WHERE s.booked <> coalesce(a.n, 0))
            FROM administration_slot AS s
            LEFT JOIN (SELECT slot_id, count(*) AS n FROM administration_appointment
                       WHERE status IN ('booked', 'attended') GROUP BY slot_id) AS a ON a.slot_id = s.id
            """
        )
        return cursor.fetchone()


# Per location and product: the counter, the booked appointments, the doses usable (on hand in
# unexpired lots, plus shipments in flight), as services.reservations keeps and compares them.
RESERVATIONS = """
WITH booked AS (
    SELECT c.location_id, c.product_id, count(*) AS n
    FROM administration_appointment AS a
    JOIN administration_slot AS s ON s.id = a.slot_id
    JOIN administration_clinic AS c ON c.id = s.clinic_id
    WHERE a.status = 'booked' GROUP BY 1, 2
), supply AS (
    SELECT location_id, product_id, sum(n) AS n FROM (
        SELECT st.location_id, l.product_id, st.on_hand AS n
        FROM inventory_stock AS st JOIN inventory_lot AS l ON l.id = st.lot_id
        WHERE l.expires_on >= current_date
        UNION ALL
        SELECT location_id, product_id, doses_expected FROM inventory_shipment
        WHERE status IN ('expected', 'shipped')
    ) AS parts GROUP BY 1, 2
)
SELECT count(*) FILTER (WHERE coalesce(r.reserved, 0) <> coalesce(b.n, 0)),
       count(*) FILTER (WHERE coalesce(r.reserved, 0) > coalesce(p.n, 0))
FROM administration_dosereservation AS r
FULL JOIN booked AS b ON (b.location_id, b.product_id) = (r.location_id, r.product_id)
LEFT JOIN supply AS p ON (p.location_id, p.product_id)
    = (coalesce(r.location_id, b.location_id), coalesce(r.product_id, b.product_id))
"""


def reservation_invariants() -> tuple[int, int]:
    """(locations' counters that differ from their booked appointments, counters above the
    doses usable there)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(RESERVATIONS)
        return cursor.fetchone()


def invariants_hold(after: str) -> None:
    """Fail the run loudly if a slot or a location's counter is wrong."""
    overbooked, mismatched = booking_invariants()
    miscounted, above_stock = reservation_invariants()
    if overbooked or mismatched or miscounted or above_stock:
        raise SystemExit(
            f"INVARIANT BROKEN after {after}: {overbooked} overbooked slots, {mismatched} slots "
            f"miscounted, {miscounted} locations' doses reserved miscounted, {above_stock} above stock"
        )


# Stats of other backends reach pg_stat_database when they flush them: at the latest after 10 s
# idle (PostgreSQL 15's PGSTAT_IDLE_INTERVAL); the reading waits that long.
STATS_SETTLE_SECONDS = 11


def postgres_active_ms() -> float:
    """Milliseconds all sessions of the bench database have spent running statements."""
    from django.db import connection

    time.sleep(STATS_SETTLE_SECONDS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT active_time FROM pg_stat_database WHERE datname = current_database()")
        return float(cursor.fetchone()[0] or 0)


def backend_cpu_seconds() -> dict[int, float]:
    """CPU seconds (user and system) each PostgreSQL backend of the bench database has used, by
    pid, from /proc (PostgreSQL runs on this machine): unlike a statement's time, not lengthened
    by waiting for a CPU on a loaded machine. The web processes keep their connections
    (CONN_MAX_AGE), so the rush's backends are there before and after it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in cursor.fetchall()]
    tick = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile, or another machine's PostgreSQL
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / tick
    return used


def cpu_ms_between(before: dict[int, float], after: dict[int, float]) -> float:
    return 1000 * sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def pg_note(cpu_ms: float, active_ms: float) -> str:
    how = (
        f"PostgreSQL CPU {cpu_ms:.1f} ms a booking: the bench database's backends' CPU time "
        "(/proc, user + system) over the rush, every statement of the requests, refusals included, "
        f"divided by the bookings; their statements' wall time (pg_stat_database.active_time, with "
        f"the waits for a CPU of this loaded machine) {active_ms:.1f} ms"
    )
    if cpu_ms < 3:
        return f"{how}: under 3 ms, so one database serves over 300 bookings/s once web processes scale out"
    return (
        f"{how}: one database core serves about {1000 / cpu_ms:,.0f} bookings/s once web processes scale out"
    )


def booking_rows(clinics, cookies, noop64: Load) -> list:
    from administration.models import Slot
    from tests.inventory.factories import LotFactory, stock

    rows = []
    slots = list(Slot.objects.filter(clinic__in=clinics).values_list("clinic_id", "pk"))
    pool = iter(cookies)
    pool_lock = threading.Lock()

    def rush(client, n):
        with pool_lock:
            cookie = next(pool, None)
        if cookie is None:
            return None
        clinic_pk, slot_pk = random.choice(slots)  # noqa: S311 - spreading load, not secrets
        return booking_post(clinic_pk, slot_pk, cookie)

    active_before, cpu_before = postgres_active_ms(), backend_cpu_seconds()
    load = Load(rush, clients=64).run()
    booked = load.statuses.count(302)
    cpu_ms = cpu_ms_between(cpu_before, backend_cpu_seconds()) / max(booked, 1)
    active_ms = (postgres_active_ms() - active_before) / max(booked, 1)
    rate = booked / load.elapsed
    ratio = rate / noop64.rate
    overbooked, _mismatched = booking_invariants()
    rows.append(
        Row(
            f"booking rush, 64 clients over {len(slots):,} slots",
            round(rate, 1),
            "bookings/s",
            round(noop64.rate),
            round(ratio, 3),
            "40% of the no-op page; PostgreSQL under 3 ms a booking; p95 under 150 ms; 0 overbooked",
            ratio >= 0.4 and cpu_ms < 3 and load.p95_ms < 150 and overbooked == 0,
            f"p95 {load.p95_ms:.0f} ms; {overbooked} overbooked; {pg_note(cpu_ms, active_ms)}",
        )
    )
    invariants_hold("the rush")

    # One hot slot, then a sell-out race on a slot of 20 places.
    hot = Slot.objects.filter(clinic=clinics[0]).order_by("pk").last()
    Slot.objects.filter(pk=hot.pk).update(capacity=30_000)
    # Doses for every place it may fill: the slot's places are measured, not the location's stock.
    stock(location=hot.clinic.location, lot=LotFactory(product=hot.clinic.product), doses=30_000)
    load = Load(
        lambda c, n: (lambda k: k and booking_post(hot.clinic_id, hot.pk, k))(next(pool, None)), clients=64
    ).run()
    rate = load.statuses.count(302) / load.elapsed
    ratio = rate / noop64.rate
    invariants_hold("the hot slot")
    rows.append(
        Row(
            "booking, one hot slot, 64 clients",
            round(rate, 1),
            "bookings/s",
            round(noop64.rate),
            round(ratio, 3),
            "30% of the no-op page",
            ratio >= 0.3,
            f"p95 {load.p95_ms:.0f} ms",
        )
    )
    race = Slot.objects.filter(clinic=clinics[1]).order_by("pk").last()
    Slot.objects.filter(pk=race.pk).update(capacity=race.booked + 20)
    race_cookies = [next(pool, None) for _ in range(64)]
    load = Load(
        lambda c, n: race_cookies[n] and booking_post(race.clinic_id, race.pk, race_cookies[n]),
        clients=64,
        count=64,
    ).run()
    race.refresh_from_db()
    overbooked, _mismatched = booking_invariants()
    refused = [t for t, s in zip(load.latencies, load.statuses, strict=True) if s == 200]
    full_p95 = statistics.quantiles(refused, n=20)[-1] * 1000 if len(refused) > 1 else 0
    exact = race.booked == race.capacity
    rows.append(
        Row(
            "sell-out race, 64 people for 20 places",
            race.booked - (race.capacity - 20),
            "booked",
            20,
            None,
            "exactly its capacity; 'full' without waiting on a lock",
            exact and not overbooked,
            f"'full' answered in p95 {full_p95:.0f} ms ({len(refused)} refused)",
        )
    )
    if race.booked > race.capacity:
        raise SystemExit(f"INVARIANT BROKEN after the race: {race.booked} booked of {race.capacity}")
    invariants_hold("the race")
    return rows
