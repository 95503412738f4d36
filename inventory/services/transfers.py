"""Transfers of doses between locations: at once within an organization, on the state's approval
between two."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cvms.audit import audit
from cvms.locking import lock_all
from cvms.models import User
from enrollment.models import Location
from inventory import selectors
from inventory.enums import MovementKind, TransferStatus
from inventory.models import Lot, Stock, Transfer
from inventory.services.errors import InsufficientStock, InventoryError
from inventory.services.ledger import move, refuse_expired, stock_rows_ensure


def _transfer_execute(*, transfer: Transfer, by: User) -> None:
    """Move the doses: both balances are locked in a fixed order (by primary key), so two
    transfers in opposite directions can't deadlock."""
    stock_rows_ensure(pairs=[(transfer.to_location_id, transfer.lot_id)])
    lock_all(
        Stock.objects.filter(
            lot_id=transfer.lot_id, location_id__in=[transfer.from_location_id, transfer.to_location_id]
        )
    )
    refuse_expired(transfer.lot, timezone.localdate())
    move(
        location=transfer.from_location,
        lot=transfer.lot,
        kind=MovementKind.TRANSFERRED_OUT,
        quantity=-transfer.doses,
        by=by,
        note=transfer.note,
        transfer=transfer,
    )
    move(
        location=transfer.to_location,
        lot=transfer.lot,
        kind=MovementKind.TRANSFERRED_IN,
        quantity=transfer.doses,
        by=by,
        note=transfer.note,
        transfer=transfer,
    )


@transaction.atomic
def transfer_create(
    *,
    from_location: Location,
    to_location: Location,
    lot: Lot,
    doses: int,
    note: str = "",
    by: User,
    request=None,
) -> Transfer:
    """Send doses of a lot to another location: at once within the organization; to another
    organization once the state approves. Refuses more doses than are on hand, an expired lot,
    and a location that can't receive vaccine."""
    if doses < 1:
        raise InventoryError(_("Transfer at least one dose."))
    if from_location.pk == to_location.pk:
        raise InventoryError(_("Choose another location to transfer to."))
    if not to_location.is_active:
        raise InventoryError(_("%(location)s can't receive vaccine now.") % {"location": to_location.name})
    refuse_expired(lot, timezone.localdate())
    on_hand = selectors.stock_on_hand(location=from_location, lot=lot)
    if doses > on_hand:
        raise InsufficientStock(
            _("Only %(on_hand)s doses of lot %(lot)s are on hand at %(location)s; %(wanted)s were asked for.")
            % {"on_hand": on_hand, "lot": lot.number, "location": from_location.name, "wanted": doses}
        )
    same_organization = from_location.organization_id == to_location.organization_id
    transfer = Transfer.objects.create(
        from_location=from_location,
        to_location=to_location,
        lot=lot,
        doses=doses,
        note=note,
        requested_by=by,
        status=TransferStatus.COMPLETED if same_organization else TransferStatus.AWAITING_APPROVAL,
    )
    if same_organization:
        transfer.decided_by, transfer.decided_at = by, timezone.now()
        transfer.save(update_fields=["decided_by", "decided_at"])
        _transfer_execute(transfer=transfer, by=by)
    audit(
        action="inventory.transfer.completed" if same_organization else "inventory.transfer.requested",
        by=by,
        target=transfer,
        request=request,
        data={"from": from_location.pk, "to": to_location.pk, "lot": lot.number, "doses": doses},
    )
    return transfer


def _transfer_locked_awaiting(transfer: Transfer) -> Transfer:
    # Not `lock_one`: this query also locks both locations' rows and the lot's (a join locks every
    # row it reads), so a transfer decided now and an allocation to one of its locations take turns
    # (allocation_create locks the location before it reads what is stored there).
    transfer = (
        Transfer.objects.select_for_update()
        .select_related("from_location", "to_location", "lot")
        .get(pk=transfer.pk)
    )
    if transfer.status != TransferStatus.AWAITING_APPROVAL:
        raise InventoryError(_("This transfer was already decided."))
    return transfer


@transaction.atomic
def transfer_approve(*, transfer: Transfer, by: User, request=None) -> Transfer:
    """The state approves a transfer between organizations: the doses move now (refused if the
    sending location no longer has them)."""
    transfer = _transfer_locked_awaiting(transfer)
    transfer.status = TransferStatus.COMPLETED
    transfer.decided_by, transfer.decided_at = by, timezone.now()
    transfer.save(update_fields=["status", "decided_by", "decided_at"])
    _transfer_execute(transfer=transfer, by=by)
    audit(
        action="inventory.transfer.approved",
        by=by,
        target=transfer,
        request=request,
        data={"doses": transfer.doses},
    )
    return transfer


@transaction.atomic
def transfer_refuse(*, transfer: Transfer, by: User, note: str = "", request=None) -> Transfer:
    transfer = _transfer_locked_awaiting(transfer)
    transfer.status = TransferStatus.REFUSED
    transfer.decided_by, transfer.decided_at, transfer.decision_note = by, timezone.now(), note
    transfer.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit(action="inventory.transfer.refused", by=by, target=transfer, request=request, data={"note": note})
    return transfer
