"""Dose recording over HTTP: 32 vaccinators recording the doses of their clinics' appointments
across several locations and lots, through the page a vaccinator posts (the clinic's
appointment), against the authenticated no-op page at the same concurrency; then the ledger's
invariant in the database, per location and lot: the balance equals its ledger, never below zero,
and the doses recorded equal the doses the ledger took out."""

import threading
from datetime import datetime, timedelta
from datetime import time as clock
from urllib.parse import urlencode

from bench.harness import CSRF, QUICK, Load, Row, get, signed_in

CLIENTS = 32
LOCATIONS = 8
LOTS_PER_LOCATION = 2
VACCINATORS = CLIENTS // LOCATIONS  # at each location
PEOPLE_PER_LOCATION = 250 if QUICK else 1000  # more than 32 clients can record in a phase
DOSES_PER_LOT = PEOPLE_PER_LOCATION  # each lot could take every dose of its location


class Site:
    """A location of the bench: its clinic today, its stock rows, vaccinators' sessions and the
    appointments still to record (taken one at a time by the clients)."""

    def __init__(self, clinic, stocks, cookies, appointments):
        self.clinic, self.stocks, self.cookies = clinic, stocks, cookies
        self.appointments = iter(appointments)
        self.lock = threading.Lock()

    def next_appointment(self):
        with self.lock:
            return next(self.appointments, None)


def _people(count: int) -> list:
    """`count` adults without an account, one INSERT for all (their duplicate keys as `save`
    writes them: the bench's people are saved as registering would save them)."""
    from recipients.models import Recipient
    from tests.recipients.factories import RecipientFactory

    people = []
    for n in range(count):
        person = RecipientFactory.build(user=None, first_name=f"Bench{n}", last_name="Recording")
        person.name_key, person.email_key, person.phone_key = _keys(person)
        people.append(person)
    return Recipient.objects.bulk_create(people, batch_size=1000)


def _keys(person) -> tuple[str, str, str]:
    from recipients.models import name_key, phone_key

    email = person.email.strip().lower()
    return name_key(person.first_name, person.last_name), email, phone_key(person.phone)


def _appointments(clinic, people: list) -> list:
    """A booked first dose for each of `people` in today's clinic (a slot each, as booked)."""
    from django.db.models import F
    from django.utils import timezone

    from administration.models import Appointment, DoseReservation, Slot
    from administration.services import reservations

    opens = timezone.make_aware(datetime.combine(clinic.date, clock(0, 0)))
    slots = Slot.objects.bulk_create(
        [
            Slot(
                clinic=clinic,
                starts_at=opens + timedelta(seconds=20 * n),
                ends_at=opens + timedelta(seconds=20 * (n + 1)),
                capacity=1,
                booked=1,
            )
            for n in range(len(people))
        ]
    )
    appointments = Appointment.objects.bulk_create(
        [
            Appointment(
                recipient=person, slot=slot, dose_number=1, confirmation_code=f"R{clinic.pk:02d}{n:05d}"
            )
            for n, (person, slot) in enumerate(zip(people, slots, strict=True))
        ]
    )
    # Booked as booking books: each holds a dose of the location's counter (the booking
    # benchmark's invariants check every location's counter against its booked appointments).
    reservations.reservation_ensure(location_id=clinic.location_id, product_id=clinic.product_id)
    DoseReservation.objects.filter(location_id=clinic.location_id, product_id=clinic.product_id).update(
        reserved=F("reserved") + len(appointments)
    )
    return appointments


def recording_setup() -> list[Site]:
    """LOCATIONS clinics today, each with LOTS_PER_LOCATION lots of its product on hand,
    VACCINATORS signed-in vaccinators assigned there and PEOPLE_PER_LOCATION
    appointments to record."""
    from django.utils import timezone

    from administration.models import Clinic
    from cvms.roles import Role
    from inventory.models import Stock
    from tests.administration.factories import works_at
    from tests.factories import LocationFactory, member
    from tests.inventory.factories import LotFactory, ProductFactory, stock

    sites = []
    for _ in range(LOCATIONS):
        location = LocationFactory()
        product = ProductFactory()
        product.refresh_from_db()  # its dose volume as a Decimal, as the page reads it
        lots = [LotFactory(product=product) for _ in range(LOTS_PER_LOCATION)]
        for lot in lots:
            stock(location=location, lot=lot, doses=DOSES_PER_LOT)
        clinic = Clinic.objects.create(
            location=location,
            product=product,
            date=timezone.localdate(),
            opens_at=clock(0),
            closes_at=clock(23),
        )
        vaccinators = [member(location.organization, Role.VACCINATOR) for _ in range(VACCINATORS)]
        for vaccinator in vaccinators:
            works_at(vaccinator, location)
        stocks = list(Stock.objects.filter(location=location).order_by("pk").values_list("pk", flat=True))
        appointments = _appointments(clinic, _people(PEOPLE_PER_LOCATION))
        sites.append(Site(clinic, stocks, [signed_in(v) for v in vaccinators], appointments))
    return sites


def dose_form(site: Site, appointment, n: int) -> tuple[str, dict]:
    """The dose form's address and fields for `appointment`, the `n`-th lot of the site in turn."""
    from django.urls import reverse
    from django.utils import timezone

    from administration.forms.records import dose_volume

    path = reverse(
        "provider:administration.dose.record",
        kwargs={"clinic_pk": site.clinic.pk, "appointment_pk": appointment.pk},
    )
    return path, {
        "stock": site.stocks[n % len(site.stocks)],
        "dose_number": 1,
        "administered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "route": "C28161",
        "site": "LD",
        "volume_ml": dose_volume(site.clinic.product) or "0.5",
    }


def _post(site: Site, client: int, n: int):
    """The page's form as a vaccinator posts it: the next appointment, one of the lots in turn."""
    appointment = site.next_appointment()
    if appointment is None:
        return None
    path, data = dose_form(site, appointment, n)
    body = urlencode({"csrfmiddlewaretoken": CSRF, **data})
    cookie = site.cookies[client // LOCATIONS % len(site.cookies)]
    return ("POST", path, body, {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})


LEDGER_CHECK = """
    SELECT count(*) FILTER (WHERE s.on_hand <> coalesce(m.total, 0)),
           count(*) FILTER (WHERE s.on_hand < 0),
           count(*) FILTER (WHERE coalesce(r.doses, 0) <> coalesce(-m.administered, 0)),
           coalesce(sum(r.doses), 0)
    FROM inventory_stock AS s
    LEFT JOIN (SELECT location_id, lot_id, sum(quantity) AS total,
                      sum(quantity) FILTER (WHERE kind = 'administered') AS administered
               FROM inventory_stockmovement GROUP BY location_id, lot_id) AS m
           ON (m.location_id, m.lot_id) = (s.location_id, s.lot_id)
    LEFT JOIN (SELECT location_id, lot_id, count(*) AS doses FROM administration_administrationrecord
               WHERE NOT refused AND status <> 'voided' AND lot_id IS NOT NULL
               GROUP BY location_id, lot_id) AS r
           ON (r.location_id, r.lot_id) = (s.location_id, s.lot_id)
    WHERE s.location_id = ANY(%s)
"""


def ledger_invariants(sites: list[Site]) -> tuple[int, int, int, int]:
    """Over the bench's balances: (balances unequal to their ledger, balances below zero,
    balances whose doses recorded differ from the ledger's doses administered, doses recorded)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(LEDGER_CHECK, [[site.clinic.location_id for site in sites]])
        return cursor.fetchone()


def recording_rows(sites: list[Site], official_cookie: str) -> list:
    from django.urls import reverse

    noop = Load(get(reverse("bench_noop"), official_cookie), clients=CLIENTS).run()
    load = Load(lambda client, n: _post(sites[client % LOCATIONS], client, n), clients=CLIENTS).run()
    recorded = load.statuses.count(302)
    rate = recorded / load.elapsed
    ratio = rate / noop.rate
    unequal, negative, mismatched, doses = ledger_invariants(sites)
    others = len(load.statuses) - recorded
    row = Row(
        f"dose recording over HTTP, {CLIENTS} clients, {LOCATIONS} locations x {LOTS_PER_LOCATION} lots",
        round(rate, 1),
        "records/s",
        round(noop.rate),
        round(ratio, 3),
        "40% of the no-op page; records equal stock decrements",
        ratio >= 0.4 and not (unequal or negative or mismatched),
        f"no-op at {CLIENTS} clients; p95 {load.p95_ms:.0f} ms (no-op {noop.p95_ms:.0f} ms); "
        f"{doses} doses recorded = ledger's decrements"
        + (f"; {others} answers not a redirect: {sorted(set(load.statuses))}" if others else ""),
    )
    if not recorded:
        raise SystemExit(f"NO DOSE RECORDED: the answers were {sorted(set(load.statuses))}")
    if unequal or negative or mismatched or doses != recorded:
        raise SystemExit(
            f"INVARIANT BROKEN after recording: {unequal} balances unequal to their ledger, {negative} "
            f"below zero, {mismatched} whose records differ from the doses taken out; {doses} doses "
            f"recorded for {recorded} pages that said so"
        )
    return [row]
