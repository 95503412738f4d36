"""Rules that change inventory. Stock moves only through `_move` and `_transfer_execute`, which
lock the `Stock` row(s) and write the ledger line in the caller's transaction.

Every function here runs in `transaction.atomic`; when the caller already holds a transaction
(administration recording a dose), the movement commits or rolls back with it.
"""

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cvms.audit import audit
from cvms.emails import send_templated_email
from cvms.models import User
from cvms.roles import Role
from enrollment.models import Location
from inventory import selectors
from inventory.enums import MovementKind, ShipmentStatus, TransferStatus, WasteReason
from inventory.models import (
    Allocation,
    ExpiryWarning,
    InventoryReport,
    InventoryReportLine,
    Lot,
    Product,
    Shipment,
    Stock,
    StockMovement,
    Transfer,
)


class InventoryError(Exception):
    """A refused inventory change; the message is for the person who asked."""


class InsufficientStock(InventoryError):
    pass


class LotExpired(InventoryError):
    pass


class LotConflict(InventoryError):
    pass


class OverCapacity(InventoryError):
    pass


# --- The ledger --------------------------------------------------------------------------------


def _stock_rows_ensure(*, pairs: list[tuple[int, int]]) -> None:
    """Make sure a `Stock` row exists for each (location_id, lot_id): INSERT … ON CONFLICT DO
    NOTHING, so concurrent first receipts don't collide and no savepoint is needed."""
    Stock.objects.bulk_create(
        [Stock(location_id=location_id, lot_id=lot_id, on_hand=0) for location_id, lot_id in pairs],
        ignore_conflicts=True,
    )


def _move(
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
        _stock_rows_ensure(pairs=[(location.pk, lot.pk)])
    stock = Stock.objects.select_for_update().filter(location=location, lot=lot).first()
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


def _refuse_expired(lot: Lot, on: date) -> None:
    if lot.is_expired(on):
        raise LotExpired(
            _("Lot %(lot)s expired on %(date)s and can't be used.")
            % {"lot": lot.number, "date": lot.expires_on.isoformat()}
        )


@transaction.atomic
def stock_administer(
    *,
    location: Location,
    lot: Lot,
    doses: int = 1,
    by: User | None,
    reason: str = "",
    reference: str = "",
    at: datetime | None = None,
) -> StockMovement:
    """Take `doses` given to a person out of stock (an `administered` movement).

    For the administration app, inside its own transaction: it commits or rolls back with the
    record of the dose. Refuses an expired lot (on the day `at`, default now) and stock below
    zero (`InsufficientStock`), under any number of concurrent callers.
    """
    if doses < 1:
        raise InventoryError(_("At least one dose must be administered."))
    at = at or timezone.now()
    _refuse_expired(lot, timezone.localdate(at))
    movement = _move(
        location=location,
        lot=lot,
        kind=MovementKind.ADMINISTERED,
        quantity=-doses,
        by=by,
        note=reason,
        reference=reference,
        at=at,
    )
    audit(
        action="inventory.stock.administered",
        by=by,
        target=movement,
        data={"location": location.pk, "lot": lot.number, "doses": doses, "reference": reference},
    )
    return movement


@transaction.atomic
def stock_return(
    *, location: Location, lot: Lot, doses: int = 1, by: User | None, reason: str, reference: str = ""
) -> StockMovement:
    """Put back doses recorded as administered that weren't (a voided dose record): the
    reversal of `stock_administer`, as a positive `administered` movement, so throughput nets it.
    Refuses to return more than was administered of the lot at the location."""
    if doses < 1:
        raise InventoryError(_("At least one dose must be returned."))
    # Lock the balance first, so concurrent returns of the same lot take turns.
    _stock_rows_ensure(pairs=[(location.pk, lot.pk)])
    Stock.objects.select_for_update().filter(location=location, lot=lot).first()
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
    movement = _move(
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
        data={"location": location.pk, "lot": lot.number, "doses": doses, "reference": reference},
    )
    return movement


# --- Products and lots -------------------------------------------------------------------------


@transaction.atomic
def product_create(*, by: User, **fields) -> Product:
    """Add a product to the catalogue (a state official)."""
    if Product.objects.filter(ndc=fields.get("ndc", "")).exists():
        raise InventoryError(_("A product with NDC %(ndc)s already exists.") % {"ndc": fields["ndc"]})
    product = Product.objects.create(**fields)
    audit(action="inventory.product.created", by=by, target=product, data={"ndc": product.ndc})
    return product


@transaction.atomic
def lot_register(*, product: Product, number: str, expires_on: date, by: User | None) -> Lot:
    """The lot with this number, created the first time it is seen.

    A lot number belongs to one product with one expiry date: the same number given for another
    product, or with another date, is refused (a typo on a receipt must not merge two lots).
    """
    number = number.strip().upper()
    if not number:
        raise LotConflict(_("Enter the lot number printed on the carton."))
    lot = Lot.objects.select_related("product").filter(number__iexact=number).first()
    if lot is None:
        try:
            with transaction.atomic():
                lot = Lot.objects.create(product=product, number=number, expires_on=expires_on)
        except IntegrityError:
            # Someone registered it at the same moment; check theirs like any known lot.
            lot = Lot.objects.select_related("product").get(number__iexact=number)
        else:
            audit(
                action="inventory.lot.registered",
                by=by,
                target=lot,
                data={"product": product.ndc, "number": number, "expires_on": expires_on.isoformat()},
            )
            return lot
    if lot.product_id != product.pk:
        raise LotConflict(
            _("Lot %(lot)s is already known as a lot of %(product)s, not of %(other)s.")
            % {"lot": lot.number, "product": lot.product.name, "other": product.name}
        )
    if lot.expires_on != expires_on:
        raise LotConflict(
            _("Lot %(lot)s is known with the expiry date %(date)s; check the carton.")
            % {"lot": lot.number, "date": lot.expires_on.isoformat()}
        )
    return lot


# --- Allocations and shipments -----------------------------------------------------------------


def week_start(day: date) -> date:
    """The Monday of `day`'s week (allocations are made per week)."""
    return day - timedelta(days=day.weekday())


@transaction.atomic
def allocation_create(
    *, week: date, product: Product, location: Location, doses: int, by: User
) -> Allocation:
    """Allocate `doses` of `product` to `location` for a week, and expect its shipment.

    Refused when the location, once every expected shipment has arrived, couldn't store them in
    the product's storage class. The location row is locked so that two officials allocating to
    the same location at once can't together exceed its capacity.
    """
    if doses < 1:
        raise InventoryError(_("Allocate at least one dose."))
    if not product.is_active:
        raise InventoryError(_("%(product)s is no longer active.") % {"product": product.name})
    location = Location.objects.select_for_update().select_related("organization").get(pk=location.pk)
    if not (
        location.is_active
        and location.organization.kind == "provider"
        and location.organization.status == "approved"
    ):
        raise InventoryError(_("%(location)s can't receive vaccine now.") % {"location": location.name})
    week = week_start(week)
    if Allocation.objects.filter(week=week, product=product, location=location).exists():
        raise InventoryError(
            _("%(location)s already has an allocation of %(product)s for the week of %(week)s.")
            % {"location": location.name, "product": product.name, "week": week.isoformat()}
        )
    capacity = selectors.storage_capacity(location=location, storage_class=product.storage_class)
    committed = selectors.storage_committed(location=location, storage_class=product.storage_class)
    if committed + doses > capacity:
        raise OverCapacity(
            _(
                "%(location)s can store %(capacity)s doses %(storage)s and already has %(committed)s "
                "on hand or expected: at most %(room)s more can be allocated, not %(doses)s."
            )
            % {
                "location": location.name,
                "capacity": capacity,
                "storage": product.get_storage_class_display().lower(),
                "committed": committed,
                "room": max(capacity - committed, 0),
                "doses": doses,
            }
        )
    allocation = Allocation.objects.create(week=week, product=product, location=location, doses=doses, by=by)
    Shipment.objects.create(
        location=location,
        product=product,
        allocation=allocation,
        source=_("State allocation, week of %(week)s") % {"week": week.isoformat()},
        doses_expected=doses,
    )
    audit(
        action="inventory.allocation.created",
        by=by,
        target=allocation,
        data={"week": week.isoformat(), "product": product.ndc, "location": location.pk, "doses": doses},
    )
    return allocation


@transaction.atomic
def shipment_receive(
    *,
    shipment: Shipment,
    lot_number: str,
    expires_on: date,
    doses_received: int,
    doses_damaged: int = 0,
    temperature_excursion: bool = False,
    notes: str = "",
    received_on: date | None = None,
    by: User,
) -> Shipment:
    """Record an expected shipment as received: its lot, the doses in good condition and those
    damaged (received, then wasted). The shipment row is locked: it is received once."""
    shipment = Shipment.objects.select_for_update().select_related("location", "product").get(pk=shipment.pk)
    if shipment.status != ShipmentStatus.EXPECTED:
        raise InventoryError(
            _("This shipment was already recorded as %(status)s.")
            % {"status": shipment.get_status_display().lower()}
        )
    if doses_received < 0 or doses_damaged < 0:
        raise InventoryError(_("Doses can't be negative."))
    if doses_received + doses_damaged < 1:
        raise InventoryError(_("Enter the doses received."))
    received_on = received_on or timezone.localdate()
    lot = lot_register(product=shipment.product, number=lot_number, expires_on=expires_on, by=by)
    _refuse_expired(lot, received_on)
    shipment.lot = lot
    shipment.doses_received = doses_received
    shipment.doses_damaged = doses_damaged
    shipment.temperature_excursion = temperature_excursion
    shipment.condition_notes = notes
    shipment.received_on = received_on
    shipment.received_by = by
    shipment.status = ShipmentStatus.RECEIVED
    shipment.save()
    _move(
        location=shipment.location,
        lot=lot,
        kind=MovementKind.RECEIVED,
        quantity=doses_received + doses_damaged,
        by=by,
        note=notes,
        shipment=shipment,
    )
    if doses_damaged:
        _move(
            location=shipment.location,
            lot=lot,
            kind=MovementKind.WASTED,
            quantity=-doses_damaged,
            by=by,
            reason=WasteReason.TEMPERATURE_EXCURSION if temperature_excursion else WasteReason.BROKEN_VIAL,
            note=notes or _("Damaged on arrival"),
            shipment=shipment,
        )
    audit(
        action="inventory.shipment.received",
        by=by,
        target=shipment,
        data={
            "lot": lot.number,
            "doses_received": doses_received,
            "doses_damaged": doses_damaged,
            "temperature_excursion": temperature_excursion,
        },
    )
    return shipment


@transaction.atomic
def shipment_record(
    *,
    location: Location,
    product: Product,
    source: str,
    lot_number: str,
    expires_on: date,
    doses_received: int,
    doses_damaged: int = 0,
    temperature_excursion: bool = False,
    notes: str = "",
    received_on: date | None = None,
    by: User,
) -> Shipment:
    """Record doses received from elsewhere than a state allocation (another program, a
    redistribution hub)."""
    if not source.strip():
        raise InventoryError(_("Say where the doses came from."))
    shipment = Shipment.objects.create(
        location=location,
        product=product,
        source=source.strip(),
        doses_expected=doses_received + doses_damaged,
    )
    return shipment_receive(
        shipment=shipment,
        lot_number=lot_number,
        expires_on=expires_on,
        doses_received=doses_received,
        doses_damaged=doses_damaged,
        temperature_excursion=temperature_excursion,
        notes=notes,
        received_on=received_on,
        by=by,
    )


# --- Transfers ---------------------------------------------------------------------------------


def _transfer_execute(*, transfer: Transfer, by: User) -> None:
    """Move the doses: both balances are locked in a fixed order (by location id), so two
    transfers in opposite directions can't deadlock."""
    _stock_rows_ensure(pairs=[(transfer.to_location_id, transfer.lot_id)])
    list(
        Stock.objects.select_for_update()
        .filter(lot_id=transfer.lot_id, location_id__in=[transfer.from_location_id, transfer.to_location_id])
        .order_by("location_id")
    )
    _refuse_expired(transfer.lot, timezone.localdate())
    _move(
        location=transfer.from_location,
        lot=transfer.lot,
        kind=MovementKind.TRANSFERRED_OUT,
        quantity=-transfer.doses,
        by=by,
        note=transfer.note,
        transfer=transfer,
    )
    _move(
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
    *, from_location: Location, to_location: Location, lot: Lot, doses: int, note: str = "", by: User
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
    _refuse_expired(lot, timezone.localdate())
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
        data={"from": from_location.pk, "to": to_location.pk, "lot": lot.number, "doses": doses},
    )
    return transfer


def _transfer_locked_awaiting(transfer: Transfer) -> Transfer:
    transfer = (
        Transfer.objects.select_for_update()
        .select_related("from_location", "to_location", "lot")
        .get(pk=transfer.pk)
    )
    if transfer.status != TransferStatus.AWAITING_APPROVAL:
        raise InventoryError(_("This transfer was already decided."))
    return transfer


@transaction.atomic
def transfer_approve(*, transfer: Transfer, by: User) -> Transfer:
    """The state approves a transfer between organizations: the doses move now (refused if the
    sending location no longer has them)."""
    transfer = _transfer_locked_awaiting(transfer)
    transfer.status = TransferStatus.COMPLETED
    transfer.decided_by, transfer.decided_at = by, timezone.now()
    transfer.save(update_fields=["status", "decided_by", "decided_at"])
    _transfer_execute(transfer=transfer, by=by)
    audit(action="inventory.transfer.approved", by=by, target=transfer, data={"doses": transfer.doses})
    return transfer


@transaction.atomic
def transfer_refuse(*, transfer: Transfer, by: User, note: str = "") -> Transfer:
    transfer = _transfer_locked_awaiting(transfer)
    transfer.status = TransferStatus.REFUSED
    transfer.decided_by, transfer.decided_at, transfer.decision_note = by, timezone.now(), note
    transfer.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit(action="inventory.transfer.refused", by=by, target=transfer, data={"note": note})
    return transfer


# --- Inventory levels --------------------------------------------------------------------------


@transaction.atomic
def inventory_report_submit(
    *, location: Location, counted_on: date, lines: list[dict], note: str = "", by: User
) -> InventoryReport:
    """Record the "Inventory Levels" form: for each lot, the doses wasted (with a reason) and
    the doses counted. Waste becomes a `wasted` (or `expired`) movement; what the count still
    differs from the ledger becomes an `adjusted` movement. All or nothing.

    `lines`: [{"lot": Lot, "counted": int, "wasted": int, "waste_reason": str, "note": str}].
    The ledger is read under each balance's lock at submission, so doses given between opening
    the form and submitting it are not counted as lost.
    """
    if counted_on > timezone.localdate():
        raise InventoryError(_("The count can't be dated in the future."))
    report = InventoryReport.objects.create(
        location=location, counted_on=counted_on, note=note, submitted_by=by
    )
    for line in sorted(lines, key=lambda line: line["lot"].pk):  # fixed lock order
        lot, counted, wasted = line["lot"], line["counted"], line.get("wasted") or 0
        reason = line.get("waste_reason") or ""
        if counted is None or counted < 0:
            raise InventoryError(_("Lot %(lot)s: the count can't be negative.") % {"lot": lot.number})
        if wasted < 0:
            raise InventoryError(_("Lot %(lot)s: wasted doses can't be negative.") % {"lot": lot.number})
        if wasted and not reason:
            raise InventoryError(
                _("Lot %(lot)s: give the reason the doses were wasted.") % {"lot": lot.number}
            )
        _stock_rows_ensure(pairs=[(location.pk, lot.pk)])
        stock = Stock.objects.select_for_update().get(location=location, lot=lot)
        report_line = InventoryReportLine.objects.create(
            report=report,
            lot=lot,
            ledger_on_hand=stock.on_hand,
            counted=counted,
            wasted=wasted,
            waste_reason=reason,
            note=line.get("note", ""),
        )
        if wasted:
            _move(
                location=location,
                lot=lot,
                kind=MovementKind.EXPIRED if reason == WasteReason.EXPIRED else MovementKind.WASTED,
                quantity=-wasted,
                reason=reason,
                note=report_line.note,
                by=by,
                report=report,
            )
        if report_line.adjustment:
            _move(
                location=location,
                lot=lot,
                kind=MovementKind.ADJUSTED,
                quantity=report_line.adjustment,
                note=report_line.note or _("Counted %(n)s on %(date)s") % {"n": counted, "date": counted_on},
                by=by,
                report=report,
            )
    audit(
        action="inventory.report.submitted",
        by=by,
        target=report,
        data={"location": location.pk, "counted_on": counted_on.isoformat(), "lots": len(lines)},
    )
    return report


# --- Expiry warnings ---------------------------------------------------------------------------

EXPIRY_WARNING_DAYS = 7


def expiry_warnings_send(*, today: date | None = None) -> int:
    """E-mail each location's provider administrators about lots with doses on hand that expire
    within a week. Each (location, lot) is warned once: the `ExpiryWarning` row, inserted before
    the mail is queued, is what makes a re-run (or a retried task) send nothing twice.
    Returns the number of e-mails queued."""
    today = today or timezone.localdate()
    stocks = (
        Stock.objects.filter(
            on_hand__gt=0,
            lot__expires_on__gte=today,
            lot__expires_on__lte=today + timedelta(EXPIRY_WARNING_DAYS),
        )
        .select_related("lot__product", "location__organization")
        .order_by("location_id", "lot__expires_on")
    )
    by_location: dict[int, list[Stock]] = {}
    for stock in stocks:
        by_location.setdefault(stock.location_id, []).append(stock)
    sent = 0
    for rows in by_location.values():
        with transaction.atomic():
            location = rows[0].location
            fresh = [
                stock
                for stock in rows
                if ExpiryWarning.objects.get_or_create(location=location, lot=stock.lot)[1]
            ]
            if not fresh:
                continue
            admins = User.objects.filter(
                is_active=True,
                memberships__organization=location.organization,
                memberships__role=Role.PROVIDER_ADMIN,
            ).distinct()
            for admin in admins:
                send_templated_email(
                    to=admin.email,
                    template="inventory/expiring_lots",
                    context={"name": admin.first_name, "location": location, "stocks": fresh},
                    language=getattr(admin, "language", None),
                )
                sent += 1
            audit(
                action="inventory.expiry_warning.sent",
                by=None,
                target=location,
                data={"lots": [stock.lot.number for stock in fresh], "recipients": len(admins)},
            )
    return sent
