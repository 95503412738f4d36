"""Factories of inventory objects. Stock is put in place through the services (a received
movement), so the balance and the ledger agree as they do in the system."""

from datetime import timedelta

import factory
from django.utils import timezone

from cvms.roles import Role
from inventory.enums import (
    MovementKind,
    OfferStatus,
    PlanStatus,
    RedistributionStatus,
    ShipmentStatus,
    StorageClass,
    SurplusStatus,
    TransferStatus,
)
from inventory.models import (
    Allocation,
    AllocationPlan,
    AllocationPlanLine,
    ExpiryWarning,
    InventoryReport,
    InventoryReportLine,
    Lot,
    Product,
    RedistributionRequest,
    SeriesRule,
    Shipment,
    Stock,
    StockMovement,
    SurplusPosting,
    Transfer,
)
from inventory.services.allocations import week_start
from inventory.services.shipments import shipment_record
from tests.factories import LocationFactory, UserFactory


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Test vaccine {n}")
    cvx = "208"
    mvx = "PFR"
    manufacturer = "Test Pharma"
    ndc = factory.Sequence(lambda n: f"99999-{n:04d}-01")
    doses_per_vial = 10
    dose_volume_ml = "0.3"  # as the Pfizer vaccine its CVX code names
    storage_class = StorageClass.REFRIGERATED
    series_doses = 2
    min_interval_days = 21
    is_active = True


class SeriesRuleFactory(factory.django.DjangoModelFactory):
    """The series rules of a product (a product without one is read from its own fields)."""

    class Meta:
        model = SeriesRule

    product = factory.SubFactory(ProductFactory)
    primary_doses = 2
    min_interval_days = 21
    recommended_interval_days = 21
    min_age_months = 144
    dose_volume_ml = "0.3"
    booster_interval_days = None


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


class StockFactory(factory.django.DjangoModelFactory):
    """The balance of a lot at a location, put in place through the ledger (`stock`), so that
    it equals the sum of its movements as it always does in the system."""

    class Meta:
        model = Stock

    location = factory.SubFactory(LocationFactory)
    lot = factory.SubFactory(LotFactory)
    on_hand = 10

    @classmethod
    def _create(cls, model_class, *, location, lot, on_hand):
        stock(location=location, lot=lot, doses=on_hand)
        return model_class.objects.get(location=location, lot=lot)


class StockMovementFactory(factory.django.DjangoModelFactory):
    """A `received` movement, written through the ledger (`stock`), so the balance follows it."""

    class Meta:
        model = StockMovement

    location = factory.SubFactory(LocationFactory)
    lot = factory.SubFactory(LotFactory)
    quantity = 10

    @classmethod
    def _create(cls, model_class, *, location, lot, quantity):
        stock(location=location, lot=lot, doses=quantity)
        return model_class.objects.filter(location=location, lot=lot, kind=MovementKind.RECEIVED).latest("id")


class AllocationFactory(factory.django.DjangoModelFactory):
    """The allocation row alone (`allocation_create` also expects its shipment)."""

    class Meta:
        model = Allocation

    week = factory.LazyFunction(lambda: week_start(timezone.localdate() + timedelta(days=7)))
    product = factory.SubFactory(ProductFactory)
    location = factory.SubFactory(LocationFactory)
    doses = 100
    by = factory.SubFactory(UserFactory, roles=[Role.STATE_OFFICIAL])


class ShipmentFactory(factory.django.DjangoModelFactory):
    """A shipment on its way (expected, not yet received: no stock has moved)."""

    class Meta:
        model = Shipment

    location = factory.SubFactory(LocationFactory)
    product = factory.SubFactory(ProductFactory)
    source = "Test distributor"
    doses_expected = 100
    status = ShipmentStatus.EXPECTED


class TransferFactory(factory.django.DjangoModelFactory):
    """A transfer between two organizations' locations, awaiting the state (no stock has moved)."""

    class Meta:
        model = Transfer

    from_location = factory.SubFactory(LocationFactory)
    to_location = factory.SubFactory(LocationFactory)
    lot = factory.SubFactory(LotFactory)
    doses = 10
    status = TransferStatus.AWAITING_APPROVAL
    requested_by = factory.SubFactory(UserFactory, roles=[Role.PROVIDER_ADMIN])


class InventoryReportFactory(factory.django.DjangoModelFactory):
    """An inventory levels form as submitted, without lines (see InventoryReportLineFactory)."""

    class Meta:
        model = InventoryReport

    location = factory.SubFactory(LocationFactory)
    counted_on = factory.LazyFunction(timezone.localdate)
    submitted_by = factory.SubFactory(UserFactory, roles=[Role.PROVIDER_ADMIN])


class InventoryReportLineFactory(factory.django.DjangoModelFactory):
    """A lot counted as the ledger says (nothing wasted, nothing to adjust)."""

    class Meta:
        model = InventoryReportLine

    report = factory.SubFactory(InventoryReportFactory)
    lot = factory.SubFactory(LotFactory)
    ledger_on_hand = 0
    counted = 0


class ExpiryWarningFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExpiryWarning

    location = factory.SubFactory(LocationFactory)
    lot = factory.SubFactory(LotFactory)


class AllocationPlanFactory(factory.django.DjangoModelFactory):
    """A draft plan with no lines (`plan_create` proposes them; see AllocationPlanLineFactory)."""

    class Meta:
        model = AllocationPlan

    week = factory.LazyFunction(lambda: week_start(timezone.localdate() + timedelta(days=7)))
    product = factory.SubFactory(ProductFactory)
    supply = 1000
    status = PlanStatus.DRAFT
    created_by = factory.SubFactory(UserFactory, roles=[Role.STATE_OFFICIAL])


class PublishedPlanFactory(AllocationPlanFactory):
    status = PlanStatus.PUBLISHED
    respond_by = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))
    published_at = factory.LazyFunction(timezone.now)


class AllocationPlanLineFactory(factory.django.DjangoModelFactory):
    """A proposed line of a draft plan (nothing explained: the figures are the defaults)."""

    class Meta:
        model = AllocationPlanLine

    plan = factory.SubFactory(AllocationPlanFactory)
    location = factory.SubFactory(LocationFactory)
    proposed = 100
    doses = 100
    storage_room = 1000
    status = OfferStatus.PROPOSED


def offer(*, location, doses: int = 100, **plan_fields) -> AllocationPlanLine:
    """`doses` of a published plan offered to `location`, awaiting its answer."""
    plan = PublishedPlanFactory(**plan_fields)
    return AllocationPlanLineFactory(
        plan=plan, location=location, doses=doses, status=OfferStatus.OFFERED, respond_by=plan.respond_by
    )


class SurplusPostingFactory(factory.django.DjangoModelFactory):
    """An open posting (the row alone: `surplus_post` also checks the doses are on hand)."""

    class Meta:
        model = SurplusPosting

    location = factory.SubFactory(LocationFactory)
    lot = factory.SubFactory(LotFactory)
    doses = 10
    status = SurplusStatus.OPEN
    posted_by = factory.SubFactory(UserFactory, roles=[Role.PROVIDER_ADMIN])


class RedistributionRequestFactory(factory.django.DjangoModelFactory):
    """A request for doses of a posting, awaiting the state."""

    class Meta:
        model = RedistributionRequest

    posting = factory.SubFactory(SurplusPostingFactory)
    location = factory.SubFactory(LocationFactory)
    doses = 5
    status = RedistributionStatus.AWAITING_APPROVAL
    requested_by = factory.SubFactory(UserFactory, roles=[Role.PROVIDER_ADMIN])
