"""Factories of the dashboards' summary rows, and `scene`: a small known week of activity in
two counties whose figures the tests compute by hand."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import factory
from django.db import transaction
from django.utils import timezone

from administration.enums import Severity
from administration.models import AdministrationRecord
from administration.services import recording
from dashboards.enums import DoseDimension, PipelineStage, SupplyKind
from dashboards.models import DoseDay, PeopleDay, SummaryWatermark, SupplyDay
from dashboards.services import summaries_refresh
from enrollment.models import Location, PriorityGroup
from inventory.enums import MovementKind, WasteReason
from inventory.models import Product
from inventory.services.ledger import move
from recipients.enums import Ethnicity, Race, Sex
from tests.administration.factories import AdministrationRecordFactory
from tests.factories import LocationFactory, UserFactory
from tests.inventory.factories import LotFactory, ProductFactory, stock
from tests.recipients.factories import RecipientFactory

WAKE, DURHAM = "37183", "37063"


class DoseDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DoseDay

    day = factory.LazyFunction(timezone.localdate)
    county_id = WAKE
    product = factory.SubFactory(ProductFactory)
    priority_group = None
    dimension = DoseDimension.DOSE
    value = "1"
    doses = 1


class PeopleDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PeopleDay

    day = factory.LazyFunction(timezone.localdate)
    county_id = WAKE
    priority_group = None
    stage = PipelineStage.REGISTERED
    people = 1


class SupplyDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupplyDay

    day = factory.LazyFunction(timezone.localdate)
    location = factory.SubFactory(LocationFactory)
    county = factory.SelfAttribute("location.county")
    product = factory.SubFactory(ProductFactory)
    kind = SupplyKind.DELIVERED
    doses = 10


class SummaryWatermarkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SummaryWatermark
        django_get_or_create = ("name",)

    name = "summaries"


def born_years_ago(years: int) -> date:
    """A birthday long past this year (1 January): the age is exactly `years` all year."""
    return date(timezone.localdate().year - years, 1, 1)


def at_noon(days_ago: int) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days_ago), time(12)))


@dataclass
class Scene:
    product: Product
    wake: Location
    durham: Location
    records: dict[str, AdministrationRecord] = field(default_factory=dict)


def scene() -> Scene:
    """Doses of a two-dose product, in Wake and in Durham, summarized:

    - Wake (location W): person a (group 1, female, white, not Hispanic, 79) had dose 1 22 days
      ago and dose 2 yesterday; person b (group 2, male, Black, not Hispanic, 30) dose 1
      yesterday; person v's dose 1 of yesterday was voided.
    - Durham (location D): person c (group 2, female, white, Hispanic, 20) dose 1 yesterday,
      with a moderate adverse event reported to VAERS (2021-0001234).
    - W wasted 2 doses of a broken vial yesterday.

    So: 4 doses (22 days ago 1, yesterday 3: two first doses and one second); Wake 3, Durham 1;
    people with a first dose: Wake 2 (a, b), Durham 1 (c); completed series: Wake 1 (a).
    """
    product = ProductFactory(name="Comirnaty test", series_doses=2)
    lot = LotFactory(product=product)
    wake = LocationFactory(name="Wake Clinic", county_id=WAKE)
    durham = LocationFactory(name="Durham Clinic", county_id=DURHAM)
    group_1, group_2 = PriorityGroup.objects.get(code="1"), PriorityGroup.objects.get(code="2")

    def person(name, group, sex, race, ethnicity, age, county):
        return RecipientFactory(
            first_name=name, priority_group=group, sex=sex, races=[race], ethnicity=ethnicity,
            date_of_birth=born_years_ago(age), county_id=county,
        )  # fmt: skip

    a = person("Ada", group_1, Sex.FEMALE, Race.WHITE, Ethnicity.NOT_HISPANIC, 79, WAKE)
    b = person("Ben", group_2, Sex.MALE, Race.BLACK, Ethnicity.NOT_HISPANIC, 30, WAKE)
    c = person("Cruz", group_2, Sex.FEMALE, Race.WHITE, Ethnicity.HISPANIC, 20, DURHAM)
    v = person("Val", group_2, Sex.FEMALE, Race.WHITE, Ethnicity.NOT_HISPANIC, 40, WAKE)

    the_scene = Scene(product=product, wake=wake, durham=durham)
    doses = [("a1", a, wake, 1, 22), ("a2", a, wake, 2, 1), ("b1", b, wake, 1, 1), ("c1", c, durham, 1, 1),
             ("v1", v, wake, 1, 1)]  # fmt: skip
    for key, recipient, location, number, days_ago in doses:
        the_scene.records[key] = AdministrationRecordFactory(
            recipient=recipient,
            location=location,
            lot=lot,
            dose_number=number,
            administered_at=at_noon(days_ago),
        )
    official = UserFactory()
    recording.dose_void(record=the_scene.records["v1"], reason="Entered twice", by=official)
    recording.adverse_event_record(
        record=the_scene.records["c1"],
        onset_at=at_noon(1) + timedelta(hours=2),
        description="Fever and chills",
        severity=Severity.MODERATE,
        reported_to_vaers=True,
        vaers_number="2021-0001234",
        by=official,
    )
    stock(location=wake, lot=lot, doses=5)
    with transaction.atomic():  # the ledger's row lock is taken inside a transaction
        move(
            location=wake, lot=lot, kind=MovementKind.WASTED, quantity=-2, reason=WasteReason.BROKEN_VIAL,
            by=official, at=at_noon(1),
        )  # fmt: skip
    summaries_refresh(full=True)
    return the_scene
