"""The booking benchmarks: a rush over many slots, one hot slot, a sell-out race (over HTTP),
each followed by the database's invariants."""

import random
import statistics
import threading
from urllib.parse import urlencode

from bench.harness import CSRF, QUICK, Load, Row, signed_in

BOOKING_CLINICS = 4 if QUICK else 20  # 50 slots each: 200 (QUICK) or 1,000 slots


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
                       WHERE status IN ('booked', 'checked_in') GROUP BY slot_id) AS a ON a.slot_id = s.id
            """
        )
        return cursor.fetchone()


def booking_rows(clinics, cookies, noop64: Load) -> list:
    from administration.models import Slot

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

    load = Load(rush, clients=64).run()
    booked = load.statuses.count(302)
    rate = booked / load.elapsed
    ratio = rate / noop64.rate
    overbooked, mismatched = booking_invariants()
    rows.append(
        Row(
            f"booking rush, 64 clients over {len(slots):,} slots",
            round(rate, 1),
            "bookings/s",
            round(noop64.rate),
            round(ratio, 3),
            "40% of the no-op page; p95 under 150 ms; 0 overbooked",
            ratio >= 0.4 and load.p95_ms < 150 and overbooked == 0,
            f"p95 {load.p95_ms:.0f} ms; {overbooked} overbooked; booking itself is being reworked on "
            "another branch (counters, outbox after commit): measured as it is today",
        )
    )
    if overbooked or mismatched:
        raise SystemExit(f"INVARIANT BROKEN: {overbooked} overbooked slots, {mismatched} slots miscounted")

    # One hot slot, then a sell-out race on a slot of 20 places.
    hot = Slot.objects.filter(clinic=clinics[0]).order_by("pk").last()
    Slot.objects.filter(pk=hot.pk).update(capacity=30_000)
    load = Load(
        lambda c, n: (lambda k: k and booking_post(hot.clinic_id, hot.pk, k))(next(pool, None)), clients=64
    ).run()
    rate = load.statuses.count(302) / load.elapsed
    ratio = rate / noop64.rate
    rows.append(
        Row(
            "booking, one hot slot, 64 clients",
            round(rate, 1),
            "bookings/s",
            round(noop64.rate),
            round(ratio, 3),
            "30% of the no-op page",
            ratio >= 0.3,
            f"p95 {load.p95_ms:.0f} ms; measured as booking is today",
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
    overbooked, mismatched = booking_invariants()
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
    if overbooked or mismatched or race.booked > race.capacity:
        raise SystemExit(f"INVARIANT BROKEN after the race: {overbooked} overbooked, {mismatched} miscounted")
    return rows
