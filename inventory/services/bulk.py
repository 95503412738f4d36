"""Many doses out of stock at once: the ledger's lines and the balances they change, written
together in one transaction under the balances' row locks (the demo's weeks of doses; an import
of doses recorded elsewhere). The same rule as `ledger.move`, a statement per balance rather
than per dose: the balance is the sum of its ledger and never below zero."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from cvms.audit import audit
from cvms.locking import lock_all
from cvms.models import User
from inventory.enums import MovementKind
from inventory.models import Stock, StockMovement
from inventory.services.errors import InsufficientStock


@dataclass(frozen=True)
class DoseOut:
    location_id: int
    lot_id: int
    at: datetime
    reference: str = ""


def stock_administer_many(*, doses: list[DoseOut], by: User | None, batch_size: int = 500) -> int:
    """Take each dose of `doses` out of its location's stock of its lot (an `administered`
    movement each); all or nothing. Returns the number of movements written."""
    if not doses:
        return 0
    wanted = Counter((dose.location_id, dose.lot_id) for dose in doses)
    pairs = Q()
    for location_id, lot_id in wanted:
        pairs |= Q(location_id=location_id, lot_id=lot_id)
    with transaction.atomic():
        stocks = {(stock.location_id, stock.lot_id): stock for stock in lock_all(Stock.objects.filter(pairs))}
        for pair, count in wanted.items():
            on_hand = stocks[pair].on_hand if pair in stocks else 0
            if on_hand < count:
                raise InsufficientStock(
                    _(
                        "Only %(on_hand)s doses of lot %(lot)s are on hand at location %(location)s; "
                        "%(wanted)s were asked for."
                    )
                    % {"on_hand": on_hand, "lot": pair[1], "location": pair[0], "wanted": count}
                )
        StockMovement.objects.bulk_create(
            [
                StockMovement(
                    location_id=dose.location_id,
                    lot_id=dose.lot_id,
                    kind=MovementKind.ADMINISTERED,
                    quantity=-1,
                    reference=dose.reference,
                    at=dose.at,
                    by=by,
                )
                for dose in doses
            ],
            batch_size=batch_size,
        )
        for pair, count in wanted.items():
            Stock.objects.filter(pk=stocks[pair].pk).update(on_hand=F("on_hand") - count)
        audit(
            action="inventory.stock.administered_many",
            by=by,
            data={"doses": len(doses), "balances": len(wanted)},
        )
    return len(doses)
