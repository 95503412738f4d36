"""The ledger: the one way stock moves (`move`, under the balance's row lock; a dose given, by a
conditional UPDATE of the balance, `_take`), and the doses given or given back. `move`,
`refuse_expired` and `stock_rows_ensure` are for this package's services only; other apps call
`stock_administer` and `stock_return` (through `inventory.interface`)."""

from datetime import date, datetime

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cvms.audit import audit
from cvms.locking import lock_all, lock_one, lock_one_or_none
from cvms.models import User
from enrollment.models import Location
from inventory.enums import MovementKind
from inventory.models import Lot, Stock, StockMovement
from inventory.services.errors import InsufficientStock, InventoryError


class LotExpired(InventoryError):
    pass


def stock_rows_ensure(*, pairs: list[tuple[int, int]]) -> None:
    """Make sure a `Stock` row exists for each (location_id, lot_id): INSERT … ON CONFLICT DO
    NOTHING, so concurrent first receipts don't collide and no savepoint is needed."""
    Stock.objects.bulk_create(
        [Stock(location_id=location_id, lot_id=lot_id, on_hand=0) for location_id, lot_id in pairs],
        ignore_conflicts=True,
    )


@transaction.atomic
def stock_rows_lock(*, pairs: list[tuple[Location, Lot]]) -> None:
    """Lock the balances of several (location, lot) at once, in primary-key order, for the
    caller's transaction: a change that moves doses between two balances (a correction from lot A
    to lot B) takes both before moving, so two changes in opposite directions (B to A at the
    same moment) wait for each other instead of deadlocking."""
    stock_rows_ensure(pairs=[(location.pk, lot.pk) for location, lot in pairs])
    wanted = Q()
    for location, lot in pairs:
        wanted |= Q(location=location, lot=lot)
    lock_all(Stock.objects.filter(wanted))


def move(
    *,
    location: Location,
    lot: Lot,
    kind: MovementKind,
    quantity: int,
    by: User | None,
    reason: str = "",
    note: str = "",
    reference: str = "",
    at: datetime | None = None,
    **links,
) -> StockMovement:
    """Write one ledger line and apply it to the balance, under the balance's row lock.

    The lock (SELECT … FOR UPDATE) makes concurrent movements of one lot at one location take
    turns: each re-reads the balance after the previous one committed, so two requests can't
    both take the last dose. The CHECK constraint on `Stock.on_hand` is the last guard.
    """
    if quantity == 0:
        raise InventoryError(_("A movement must move at least one dose."))
    if quantity > 0:
        stock_rows_ensure(pairs=[(location.pk, lot.pk)])
    stock = lock_one_or_none(Stock.objects.all(), location=location, lot=lot)
    on_hand = stock.on_hand if stock else 0
    if on_hand + quantity < 0:
        raise InsufficientStock(
            _("Only %(on_hand)s doses of lot %(lot)s are on hand at %(location)s; %(wanted)s were asked for.")
            % {"on_hand": on_hand, "lot": lot.number, "location": location.name, "wanted": -quantity}
        )
    Stock.objects.filter(pk=stock.pk).update(on_hand=F("on_hand") + quantity)
    return StockMovement.objects.create(
        location=location,
        lot=lot,
        kind=kind,
        quantity=quantity,
        reason=reason,
        note=note,
        reference=reference,
        at=at or timezone.now(),
        by=by,
        **links,
    )


def refuse_expired(lot: Lot, on: date) -> None:
    if lot.is_expired(on):
        raise LotExpired(
            _("Lot %(lot)s expired on %(date)s and can't be used.")
            % {"lot": lot.number, "date": lot.expires_on.isoformat()}
        )


def _take(*, location: Location, lot: Lot, doses: int) -> bool:
    """Take `doses` off the balance if it holds them: one conditional UPDATE, whose row lock lasts
    only until the caller commits. Concurrent takers of the last doses queue on the row, and each
    re-checks `on_hand >= doses` on the balance the previous one left (the filter is on the row's
    own columns, which PostgreSQL re-evaluates after the wait): no read, no SELECT … FOR UPDATE."""
    taken = Stock.objects.filter(location=location, lot=lot, on_hand__gte=doses).update(
        on_hand=F("on_hand") - doses
    )
    return taken == 1


def stock_administer(
    *,
    location: Location,
    lot: Lot,
    doses: int = 1,
    by: User | None,
    reason: str = "",
    reference: str = "",
    at: datetime | None = None,
    request=None,
) -> StockMovement:
    """Take `doses` given to a person out of stock (an `administered` movement).

    For the administration app, inside its own transaction: it commits or rolls back with the
    record of the dose. Refuses an expired lot (on the day `at`, default now) and stock below
    zero (`InsufficientStock`), under any number of concurrent callers, before writing anything:
    the caller's transaction stays usable, and no savepoint is spent. The caller takes the
    balance as late as it can, since its row, which every vaccinator of the location giving this
    lot shares, stays locked from here until the commit.
    """
    if doses < 1:
        raise InventoryError(_("At least one dose must be administered."))
    at = at or timezone.now()
    refuse_expired(lot, timezone.localdate(at))
    with transaction.atomic(savepoint=False):
        taken = _take(location=location, lot=lot, doses=doses)
        if taken:
            movement = StockMovement.objects.create(
                location=location,
                lot=lot,
                kind=MovementKind.ADMINISTERED,
                quantity=-doses,
                note=reason,
                reference=reference,
                at=at,
                by=by,
            )
            audit(
                action="inventory.stock.administered",
                by=by,
                target=movement,
                request=request,
                data={"location": location.pk, "lot": lot.number, "doses": doses, "reference": reference},
            )
            return movement
    on_hand = Stock.objects.filter(location=location, lot=lot).values_list("on_hand", flat=True).first()
    raise InsufficientStock(
        _("Only %(on_hand)s doses of lot %(lot)s are on hand at %(location)s; %(wanted)s were asked for.")
        % {"on_hand": on_hand or 0, "lot": lot.number, "location": location.name, "wanted": doses}
    )


@transaction.atomic
def stock_return(
    *,
    location: Location,
    lot: Lot,
    doses: int = 1,
    by: User | None,
    reason: str,
    reference: str = "",
    request=None,
) -> StockMovement:
    """Put back doses recorded as administered that weren't (a voided dose record): the
    reversal of `stock_administer`, as a positive `administered` movement, so throughput nets it.
    Refuses to return more than was administered of the lot at the location."""
    if doses < 1:
        raise InventoryError(_("At least one dose must be returned."))
    # Lock the balance first, so concurrent returns of the same lot take turns.
    stock_rows_ensure(pairs=[(location.pk, lot.pk)])
    lock_one(Stock.objects.all(), location=location, lot=lot)
    administered = -(
        StockMovement.objects.filter(location=location, lot=lot, kind=MovementKind.ADMINISTERED).aggregate(
            total=Sum("quantity")
        )["total"]
        or 0
    )
    if doses > administered:
        raise InventoryError(
            _("Only %(n)s doses of lot %(lot)s were administered here; %(wanted)s can't be returned.")
            % {"n": administered, "lot": lot.number, "wanted": doses}
        )
    movement = move(
        location=location,
        lot=lot,
        kind=MovementKind.ADMINISTERED,
        quantity=doses,
        by=by,
        note=reason,
        reference=reference,
    )
    audit(
        action="inventory.stock.returned",
        by=by,
        target=movement,
        request=request,
        data={"location": location.pk, "lot": lot.number, "doses": doses, "reference": reference},
    )
    return movement
