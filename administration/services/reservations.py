"""The doses a location has promised to booked appointments (`DoseReservation`, one counter per
location and product): taken by a booking with a conditional UPDATE, given back in the same
transaction by everything that ends or moves a booked appointment.

A booking takes a dose only while fewer are reserved than the doses usable at the location (on
hand in unexpired lots, plus shipments in flight: `selectors.booking.usable_supply`), compared in
the UPDATE itself. Bookings at one location take turns on the counter's row for that statement
and their commit only: PostgreSQL re-checks `reserved < supply` on the row version a concurrent
booking just committed (the supply is the statement's own read, which bookings don't change), so
the last dose goes once, without a lock on the location while the person is checked.

`reserved` equals the location's booked appointments of the product, of any day: booking (+1),
moving (-1 at the old, +1 at the new), cancelling, a no-show (one, or the end of day's sweep),
checking in, a dose or a refusal recorded, a clinic cancelled (-1 each). The stock side is read,
not kept: a receipt, a waste or a count is seen by the next booking.
"""

from collections import Counter

from django.db.models import F

from administration.models import Appointment, DoseReservation
from administration.selectors.booking import usable_supply


def reservation_ensure(*, location_id: int, product_id: int) -> None:
    """The counter of (location, product), made at zero if missing (a new clinic's first). INSERT …
    ON CONFLICT DO NOTHING: two clinics scheduled at once don't collide."""
    DoseReservation.objects.bulk_create(
        [DoseReservation(location_id=location_id, product_id=product_id)], ignore_conflicts=True
    )


def dose_take(*, location_id: int, product_id: int) -> bool:
    """Reserve one dose at the location if one is left to promise; False when none is."""
    counter = DoseReservation.objects.filter(location_id=location_id, product_id=product_id)
    taken = counter.filter(reserved__lt=usable_supply(location_id=location_id, product_id=product_id)).update(
        reserved=F("reserved") + 1
    )
    if taken or counter.exists():
        return bool(taken)
    # A clinic made before the counter existed for its location and product (data loaded by hand).
    reservation_ensure(location_id=location_id, product_id=product_id)
    return dose_take(location_id=location_id, product_id=product_id)


def doses_give_back(counts: Counter) -> None:
    """Give back doses reserved by appointments no longer booked: `counts` maps (location id,
    product id) to how many. The counters are changed in (location, product) order, the order
    every change of several takes them in (a move, the day's sweep), so two can't deadlock."""
    for (location_id, product_id), doses in sorted(counts.items()):
        if doses:
            DoseReservation.objects.filter(location_id=location_id, product_id=product_id).update(
                reserved=F("reserved") - doses
            )


def appointment_gives_back(appointment: Appointment) -> None:
    """One booked appointment ended or moved away: its dose is free again (its slot, with
    `select_related("slot__clinic")` or without, is read for the clinic's location and product)."""
    clinic = appointment.slot.clinic
    doses_give_back(Counter({(clinic.location_id, clinic.product_id): 1}))


def appointments_give_back(appointment_ids: list[int]) -> None:
    """Several booked appointments ended at once (a clinic cancelled, the day's no-shows)."""
    pairs = Appointment.objects.filter(pk__in=appointment_ids).values_list(
        "slot__clinic__location_id", "slot__clinic__product_id"
    )
    doses_give_back(Counter(pairs))
