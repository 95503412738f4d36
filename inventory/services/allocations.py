"""The state's weekly allocations of doses to locations, within their storage capacity."""

from datetime import date, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from cvms.audit import audit
from cvms.models import User
from enrollment.enums import OrganizationKind, OrganizationStatus
from enrollment.models import Location
from inventory import selectors
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


@transaction.atomic
def allocation_create(
    *, week: date, product: Product, location: Location, doses: int, by: User, request=None
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
    # Not `lock_one`: this query also locks the organization's row, so an allocation and the
    # organization's suspension (which locks it) take turns and the status read here holds.
    location = Location.objects.select_for_update().select_related("organization").get(pk=location.pk)
    if not (
        location.is_active
        and location.organization.kind == OrganizationKind.PROVIDER
        and location.organization.status == OrganizationStatus.APPROVED
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
                # "refrigerated (2 °C to 8 °C)": the first letter only, the units stay.
                "storage": lowercase_first(product.get_storage_class_display()),
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
        request=request,
        data={"week": week.isoformat(), "product": product.ndc, "location": location.pk, "doses": doses},
    )
    return allocation
