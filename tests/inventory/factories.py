"""Factories of inventory objects. Stock is put in place through the services (a received
movement), so the balance and the ledger agree as they do in the system."""

from datetime import timedelta

import factory
from django.utils import timezone

from inventory.enums import StorageClass
from inventory.models import Lot, Product
from inventory.services.shipments import shipment_record
from tests.factories import LocationFactory


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Test vaccine {n}")
    cvx = "208"
    mvx = "PFR"
    manufacturer = "Test Pharma"
    ndc = factory.Sequence(lambda n: f"99999-{n:04d}-01")
    doses_per_vial = 10
    dose_volume_ml = "0.5"
    storage_class = StorageClass.REFRIGERATED
    series_doses = 2
    min_interval_days = 21
    is_active = True


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lot

    product = factory.SubFactory(ProductFactory)
    number = factory.Sequence(lambda n: f"LOT{n:05d}")
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=90))


def stock(*, location=None, lot=None, doses: int = 10, by=None):
    """`doses` of `lot` on hand at `location`, received through the ledger. Returns (location, lot)."""
    location = location or LocationFactory()
    lot = lot or LotFactory()
    shipment = shipment_record(
        location=location,
        product=lot.product,
        source="Test stock",
        lot_number=lot.number,
        expires_on=lot.expires_on,
        doses_received=doses,
        by=by,
    )
    assert shipment.lot_id == lot.pk
    return location, lot
