"""The state's weekly allocations of doses to locations, within their storage capacity, and
their corrections until they ship (a change or a cancellation, each with a reason)."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cvms.audit import audit
from cvms.models import User
from enrollment.enums import OrganizationKind, OrganizationStatus
from enrollment.models import Location
from inventory import selectors
from inventory.enums import AllocationStatus, ShipmentStatus
from inventory.models import Allocation, Product, Shipment
from inventory.services.errors import InventoryError


class OverCapacity(InventoryError):
    pass


def lowercase_first(text: str) -> str:
    """A label inside a sentence: "Refrigerated (2 °C to 8 °C)" → "refrigerated (2 °C to 8 °C)"
    (`lower()` would also make "°c" of the units)."""
    return text[:1].lower() + text[1:]


def week_start(day: date) -> date:
    """The Monday of `day`'s week (allocations are made per week)."""
    return day - timedelta(days=day.weekday())


def _location_locked_allocatable(location: Location) -> Location:
    # Not `lock_one`: this query also locks the organization's row, so an allocation and the
    # organization's suspension (which locks it) take turns and the status read here holds.
    location = Location.objects.select_for_update().select_related("organization").get(pk=location.pk)
    if not (
        location.is_active
        and location.organization.kind == OrganizationKind.PROVIDER
        and location.organization.status == OrganizationStatus.APPROVED
    ):
        raise InventoryError(_("%(location)s can't receive vaccine now.") % {"location": location.name})
    return location


def storage_room(*, location: Location, product: Product) -> int:
    """Doses of `product`'s storage class the location can still take, once every expected
    shipment has arrived."""
    capacity = selectors.storage_capacity(location=location, storage_class=product.storage_class)
    committed = selectors.storage_committed(location=location, storage_class=product.storage_class)
    return max(capacity - committed, 0)


def _refuse_over_capacity(*, location: Location, product: Product, doses: int, replacing: int = 0) -> None:
    """Refuse `doses` more of `product` (in place of `replacing` doses already expected) when
    the location couldn't store them. The caller holds the location's row lock."""
    capacity = selectors.storage_capacity(location=location, storage_class=product.storage_class)
    committed = (
        selectors.storage_committed(location=location, storage_class=product.storage_class) - replacing
    )
    if committed + doses <= capacity:
        return
    storage = lowercase_first(product.get_storage_class_display())
    values = {
        "location": location.name,
        "capacity": capacity,
        "storage": storage,
        "committed": committed,
        "room": max(capacity - committed, 0),
        "doses": doses,
    }
    if replacing:
        raise OverCapacity(
            _(
                "%(location)s can store %(capacity)s doses %(storage)s and has %(committed)s on hand "
                "or expected besides this allocation: at most %(room)s can be allocated, not %(doses)s."
            )
            % values
        )
    raise OverCapacity(
        _(
            "%(location)s can store %(capacity)s doses %(storage)s and already has %(committed)s "
            "on hand or expected: at most %(room)s more can be allocated, not %(doses)s."
        )
        % values
    )


def allocation_add(
    *, week: date, product: Product, location: Location, doses: int, by: User, plan=None, request=None
) -> Allocation:
    """`allocation_create`'s work, in the caller's transaction (a plan's accepted offer): a new
    allocation with its expected shipment, or more doses on the week's allocation not yet
    shipped."""
    if doses < 1:
        raise InventoryError(_("Allocate at least one dose."))
    if not product.is_active:
        raise InventoryError(_("%(product)s is no longer active.") % {"product": product.name})
    location = _location_locked_allocatable(location)
    week = week_start(week)
    existing = Allocation.objects.filter(
        week=week, product=product, location=location, status=AllocationStatus.ACTIVE
    ).first()
    if existing is not None and (plan is None or existing.plan_id != plan.pk):
        raise InventoryError(
            _("%(location)s already has an allocation of %(product)s for the week of %(week)s.")
            % {"location": location.name, "product": product.name, "week": week.isoformat()}
        )
    _refuse_over_capacity(location=location, product=product, doses=doses)
    if existing is not None:
        return _allocation_increase(allocation=existing, doses=doses, by=by, request=request)
    allocation = Allocation.objects.create(
        week=week, product=product, location=location, doses=doses, by=by, plan=plan
    )
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
        request=request,
        data={"week": week.isoformat(), "product": product.ndc, "location": location.pk, "doses": doses},
    )
    return allocation


def _allocation_increase(*, allocation: Allocation, doses: int, by: User, request=None) -> Allocation:
    """A later round of a plan adds doses to the week's allocation, while it hasn't shipped."""
    shipment = _shipment_locked_changeable(allocation)
    allocation = shipment.allocation
    before = allocation.doses
    allocation.doses = before + doses
    allocation.changed_at = timezone.now()
    allocation.save(update_fields=["doses", "changed_at"])
    shipment.doses_expected = allocation.doses
    shipment.save(update_fields=["doses_expected"])
    audit(
        action="inventory.allocation.increased",
        by=by,
        target=allocation,
        request=request,
        data={"from": before, "to": allocation.doses},
    )
    return allocation


@transaction.atomic
def allocation_create(
    *, week: date, product: Product, location: Location, doses: int, by: User, request=None
) -> Allocation:
    """Allocate `doses` of `product` to `location` for a week, and expect its shipment.

    Refused when the location, once every expected shipment has arrived, couldn't store them in
    the product's storage class, and when the week already has an active allocation of the
    product there (change that one instead). The location row is locked so that two officials
    allocating to the same location at once can't together exceed its capacity.
    """
    return allocation_add(week=week, product=product, location=location, doses=doses, by=by, request=request)


def _shipment_locked_changeable(allocation: Allocation) -> Shipment:
    """The allocation's shipment, locked, refused once it has left: every change of an
    allocation (its doses, its cancellation, its shipping) takes this one lock first, so the
    allocation row itself needs none. Not `lock_one`: like
    `shipment_receive`, this query also locks the location's row (the same rows in the same
    order), so a change and a receipt take turns, and so do a change and another allocation to
    the location (which locks the location before it reads what is stored there)."""
    shipment = (
        Shipment.objects.select_for_update()
        .select_related("location", "product", "allocation")
        .get(allocation_id=allocation.pk)
    )
    if shipment.allocation.status == AllocationStatus.CANCELLED:
        raise InventoryError(_("This allocation was cancelled."))
    if shipment.status != ShipmentStatus.EXPECTED:
        raise InventoryError(
            _("This allocation has already shipped (%(status)s): it can't be changed any more.")
            % {"status": lowercase_first(shipment.get_status_display())}
        )
    return shipment


def _reason_required(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InventoryError(_("Give the reason for the change."))
    return reason


@transaction.atomic
def allocation_change(
    *, allocation: Allocation, doses: int, reason: str, by: User, request=None
) -> Allocation:
    """Correct the doses of an allocation that hasn't shipped; its expected shipment follows.
    More doses are checked against the location's storage, as a new allocation is."""
    reason = _reason_required(reason)
    if doses < 1:
        raise InventoryError(_("Allocate at least one dose, or cancel the allocation."))
    shipment = _shipment_locked_changeable(allocation)
    allocation = Allocation.objects.select_related("product", "location").get(pk=allocation.pk)
    before = allocation.doses
    if doses > before:
        _refuse_over_capacity(
            location=allocation.location, product=allocation.product, doses=doses, replacing=before
        )
    allocation.doses = doses
    allocation.changed_at = timezone.now()
    allocation.change_reason = reason
    allocation.save(update_fields=["doses", "changed_at", "change_reason"])
    shipment.doses_expected = doses
    shipment.save(update_fields=["doses_expected"])
    audit(
        action="inventory.allocation.changed",
        by=by,
        target=allocation,
        request=request,
        data={"from": before, "to": doses, "reason": reason},
    )
    return allocation


@transaction.atomic
def allocation_cancel(*, allocation: Allocation, reason: str, by: User, request=None) -> Allocation:
    """Cancel an allocation that hasn't shipped: its shipment is no longer expected, its week is
    free for another allocation, and (from a plan) its doses return to the plan's pool."""
    reason = _reason_required(reason)
    shipment = _shipment_locked_changeable(allocation)
    allocation = shipment.allocation
    allocation.status = AllocationStatus.CANCELLED
    allocation.changed_at = timezone.now()
    allocation.change_reason = reason
    allocation.save(update_fields=["status", "changed_at", "change_reason"])
    shipment.status = ShipmentStatus.CANCELLED
    shipment.save(update_fields=["status"])
    audit(
        action="inventory.allocation.cancelled",
        by=by,
        target=allocation,
        request=request,
        data={"doses": allocation.doses, "reason": reason},
    )
    return allocation


@transaction.atomic
def allocation_ship(*, allocation: Allocation, by: User, request=None) -> Allocation:
    """The doses have left for the location: from now on the allocation stands as it is."""
    shipment = _shipment_locked_changeable(allocation)
    shipment.status = ShipmentStatus.SHIPPED
    shipment.save(update_fields=["status"])
    audit(
        action="inventory.allocation.shipped",
        by=by,
        target=allocation,
        request=request,
        data={"doses": shipment.doses_expected},
    )
    return shipment.allocation
