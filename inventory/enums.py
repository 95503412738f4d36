from django.db import models
from django.utils.translation import gettext_lazy as _


class StorageClass(models.TextChoices):
    """The temperature class a product is stored in; each matches a capacity of `Location`."""

    ULTRA_COLD = "ultra_cold", _("Ultra-cold (-90 °C to -60 °C)")
    FROZEN = "frozen", _("Frozen (-50 °C to -15 °C)")
    REFRIGERATED = "refrigerated", _("Refrigerated (2 °C to 8 °C)")


class MovementKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    ADMINISTERED = "administered", _("Administered")
    WASTED = "wasted", _("Wasted")
    EXPIRED = "expired", _("Expired")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")
    TRANSFERRED_IN = "transferred_in", _("Transferred in")
    ADJUSTED = "adjusted", _("Adjusted after a count")


class WasteReason(models.TextChoices):
    """The reasons of the paper "Inventory Levels" form."""

    BROKEN_VIAL = "broken_vial", _("Broken vial or syringe")
    EXPIRED = "expired", _("Expired")
    TEMPERATURE_EXCURSION = "temperature_excursion", _("Temperature excursion")
    DRAWN_NOT_ADMINISTERED = "drawn_not_administered", _("Drawn but not administered")
    OTHER = "other", _("Other")


class ShipmentStatus(models.TextChoices):
    EXPECTED = "expected", _("Expected")
    # On its way: the allocation behind it can no longer be edited or cancelled.
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


class TransferStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting the state's approval")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused by the state")


# A shipment still to arrive: its doses count as expected at the location.
SHIPMENT_IN_FLIGHT = [ShipmentStatus.EXPECTED, ShipmentStatus.SHIPPED]


class AllocationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class OfferStatus(models.TextChoices):
    """Where one location's line of an allocation plan stands."""

    PROPOSED = "proposed", _("Proposed (not published)")
    OFFERED = "offered", _("Awaiting the location's answer")
    ACCEPTED = "accepted", _("Accepted")
    PARTLY_ACCEPTED = "partly_accepted", _("Partly accepted")
    DECLINED = "declined", _("Declined")
    LAPSED = "lapsed", _("No answer by the deadline")


# Lines whose location said it wants no more than it took: reallocation passes them by.
OFFER_STATUSES_REFUSING_MORE = [OfferStatus.PARTLY_ACCEPTED, OfferStatus.DECLINED, OfferStatus.LAPSED]


class SurplusStatus(models.TextChoices):
    OPEN = "open", _("Open for requests")
    CLOSED = "closed", _("Closed")


class RedistributionStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting the state's approval")
    APPROVED = "approved", _("Approved: the doses moved")
    REFUSED = "refused", _("Refused by the state")
