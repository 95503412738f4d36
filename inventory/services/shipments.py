"""Shipments received: an allocation's expected shipment, or doses from elsewhere."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cvms.audit import audit
from cvms.models import User
from enrollment.models import Location
from inventory.enums import SHIPMENT_IN_FLIGHT, MovementKind, ShipmentStatus, WasteReason
from inventory.models import Product, Shipment
from inventory.services.catalogue import lot_register
from inventory.services.errors import InventoryError
from inventory.services.ledger import move, refuse_expired


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
    request=None,
) -> Shipment:
    """Record an expected shipment as received: its lot, the doses in good condition and those
    damaged (received, then wasted). The shipment row is locked: it is received once."""
    # Not `lock_one`: this query also locks the location's row (and the product's), so a receipt
    # and an allocation to the same location take turns (allocation_create locks the location
    # before it reads what is on hand and expected there).
    shipment = Shipment.objects.select_for_update().select_related("location", "product").get(pk=shipment.pk)
    if shipment.status not in SHIPMENT_IN_FLIGHT:
        raise InventoryError(
            _("This shipment was already recorded as %(status)s.")
            % {"status": shipment.get_status_display().lower()}
        )
    if doses_received < 0 or doses_damaged < 0:
        raise InventoryError(_("Doses can't be negative."))
    if doses_received + doses_damaged < 1:
        raise InventoryError(_("Enter the doses received."))
    received_on = received_on or timezone.localdate()
    lot = lot_register(
        product=shipment.product, number=lot_number, expires_on=expires_on, by=by, request=request
    )
    refuse_expired(lot, received_on)
    shipment.lot = lot
    shipment.doses_received = doses_received
    shipment.doses_damaged = doses_damaged
    shipment.temperature_excursion = temperature_excursion
    shipment.condition_notes = notes
    shipment.received_on = received_on
    shipment.received_by = by
    shipment.status = ShipmentStatus.RECEIVED
    shipment.save()
    move(
        location=shipment.location,
        lot=lot,
        kind=MovementKind.RECEIVED,
        quantity=doses_received + doses_damaged,
        by=by,
        note=notes,
        shipment=shipment,
    )
    if doses_damaged:
        move(
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
        request=request,
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
    request=None,
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
        request=request,
    )
