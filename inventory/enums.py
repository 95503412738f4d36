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
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


class TransferStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting the state's approval")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused by the state")
