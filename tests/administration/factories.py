"""Factories of clinics, appointments, dose records and their files.

`clinic` makes a clinic the way providers do (through the service, which generates the slots);
`clinic_with_stock` and `appointment_at` make them directly for the dose-record tests (the
recipients and booking services have their own tests). The model factories make one row each,
valid, with what it points at; a dose record is recorded through the service, so that its dose
leaves the stock as it does in the system."""

from datetime import datetime, time, timedelta

import factory
from django.db.models import F
from django.utils import timezone

from administration.enums import AppointmentStatus, ExportKind, Route, Severity, Site
from administration.models import (
    AdministrationRecord,
    AdverseEvent,
    Appointment,
    Clinic,
    CvrsFile,
    DoseReservation,
    ExportJob,
    Hl7Batch,
    Hl7Message,
    Hl7Sent,
    OfflineForm,
    Slot,
)
from administration.offline.numbers import form_number_new
from administration.services import clinics as services
from administration.services import recording, reservations
from cvms.roles import Role
from tests.factories import LocationFactory, UserFactory, member
from tests.inventory.factories import LotFactory, ProductFactory, stock
from tests.recipients.factories import RecipientFactory


class ClinicFactory(factory.django.DjangoModelFactory):
    """A public clinic in three days, without slots (`clinic` makes them as providers do)."""

    class Meta:
        model = Clinic

    location = factory.SubFactory(LocationFactory)
    product = factory.SubFactory(ProductFactory)
    date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=3))
    opens_at = time(9)
    closes_at = time(10)
    slot_minutes = 30
    slot_capacity = 5


def _next_slot_start(o) -> datetime:
    """Right after the clinic's last slot, from its opening time."""
    opening = timezone.make_aware(datetime.combine(o.clinic.date, o.clinic.opens_at))
    return opening + timedelta(minutes=o.clinic.slot_minutes * Slot.objects.filter(clinic=o.clinic).count())


class SlotFactory(factory.django.DjangoModelFactory):
    """The clinic's next free slot, with its clinic's length and capacity, nobody booked."""

    class Meta:
        model = Slot

    clinic = factory.SubFactory(ClinicFactory)
    starts_at = factory.LazyAttribute(_next_slot_start)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(minutes=o.clinic.slot_minutes))
    capacity = factory.SelfAttribute("clinic.slot_capacity")


class AppointmentFactory(factory.django.DjangoModelFactory):
    """A booked first dose. It takes its place in the slot (`booked` + 1), as booking does."""

    class Meta:
        model = Appointment

    recipient = factory.SubFactory(RecipientFactory)
    slot = factory.SubFactory(SlotFactory)
    dose_number = 1
    confirmation_code = factory.Sequence(lambda n: f"T{n:07d}")
    status = AppointmentStatus.BOOKED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        appointment = super()._create(model_class, *args, **kwargs)
        if appointment.status in (AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED):
            Slot.objects.filter(pk=appointment.slot_id).update(booked=F("booked") + 1)
            appointment.slot.refresh_from_db()
        if appointment.status == AppointmentStatus.BOOKED:
            reserve_dose(appointment)
        return appointment


def reserve_dose(appointment: Appointment) -> None:
    """Count a booked appointment made here in its location's doses reserved, as booking does
    (without asking whether a dose is left: the test chose the data)."""
    clinic = appointment.slot.clinic
    reservations.reservation_ensure(location_id=clinic.location_id, product_id=clinic.product_id)
    DoseReservation.objects.filter(location_id=clinic.location_id, product_id=clinic.product_id).update(
        reserved=F("reserved") + 1
    )


class DoseReservationFactory(factory.django.DjangoModelFactory):
    """A location's counter of doses reserved for a product (none reserved)."""

    class Meta:
        model = DoseReservation
        django_get_or_create = ("location", "product")

    location = factory.SubFactory(LocationFactory)
    product = factory.SubFactory(ProductFactory)


class AdministrationRecordFactory(factory.django.DjangoModelFactory):
    """A first dose given an hour ago, recorded through the service: one dose of the lot is put
    in stock at the location first, and the record takes it out."""

    class Meta:
        model = AdministrationRecord

    recipient = factory.SubFactory(RecipientFactory)
    location = factory.SubFactory(LocationFactory)
    lot = factory.SubFactory(LotFactory)
    dose_number = 1
    administered_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    route = Route.INTRAMUSCULAR
    site = Site.LEFT_DELTOID
    vaccinator = factory.SubFactory(UserFactory, roles=[Role.VACCINATOR])

    @classmethod
    def _create(
        cls, model_class, *, recipient, location, lot, dose_number, administered_at, route, site, vaccinator
    ):
        stock(location=location, lot=lot, doses=1)
        details = recording.DoseDetails(
            product=lot.product,
            lot=lot,
            dose_number=dose_number,
            administered_at=administered_at,
            route=route,
            site=site,
        )
        return recording.dose_record(recipient=recipient, location=location, details=details, by=vaccinator)


class HistoricalRecordFactory(AdministrationRecordFactory):
    """A dose given elsewhere months ago, recorded from the person's card: no lot known, no stock
    moved, RXA-9 01 (made directly, with the number given: `services/historical.py` is the flow)."""

    lot = None
    administered_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=120))
    route = ""
    site = ""

    @classmethod
    def _create(
        cls, model_class, *, recipient, location, lot, dose_number, administered_at, route, site, vaccinator
    ):
        return model_class.objects.create(
            recipient=recipient,
            location=location,
            product=ProductFactory(),
            lot=lot,
            dose_number=dose_number,
            administered_at=administered_at,
            route=route,
            site=site,
            vaccinator=vaccinator,
            recorded_by=vaccinator,
            historical=True,
        )


class AdverseEventFactory(factory.django.DjangoModelFactory):
    """A mild reaction half an hour after the dose, recorded by its vaccinator."""

    class Meta:
        model = AdverseEvent

    record = factory.SubFactory(AdministrationRecordFactory)
    onset_at = factory.LazyAttribute(lambda o: o.record.administered_at + timedelta(minutes=30))
    description = "Sore arm and a light fever."
    severity = Severity.MILD
    recorded_by = factory.SelfAttribute("record.recorded_by")


class OfflineFormFactory(factory.django.DjangoModelFactory):
    """A blank paper form number issued to a location."""

    class Meta:
        model = OfflineForm

    number = factory.LazyFunction(form_number_new)
    location = factory.SubFactory(LocationFactory)
    issued_by = factory.SubFactory(UserFactory, roles=[Role.PROVIDER_ADMIN])


class ExportJobFactory(factory.django.DjangoModelFactory):
    """A CVRS export a state official asked for, still waiting for the worker."""

    class Meta:
        model = ExportJob

    kind = ExportKind.CVRS
    requested_by = factory.SubFactory(UserFactory, roles=[Role.STATE_OFFICIAL])


class Hl7BatchFactory(factory.django.DjangoModelFactory):
    """An HL7 batch file written and marked sent."""

    class Meta:
        model = Hl7Batch

    label = factory.Sequence(lambda n: f"F{n}")
    messages = 1
    marked_sent_at = factory.LazyFunction(timezone.now)


class Hl7MessageFactory(factory.django.DjangoModelFactory):
    """A VXU message sent for a dose at its first version, not acknowledged yet."""

    class Meta:
        model = Hl7Message

    batch = factory.SubFactory(Hl7BatchFactory)
    control_id = factory.LazyAttributeSequence(lambda o, n: f"{o.batch.label}-{n + 1}")
    record = factory.SubFactory(AdministrationRecordFactory)
    version = 1


class Hl7SentFactory(factory.django.DjangoModelFactory):
    """A record's sent mark: its first version written to a batch."""

    class Meta:
        model = Hl7Sent

    record = factory.SubFactory(AdministrationRecordFactory)
    version = 1
    batch = factory.SubFactory(Hl7BatchFactory)
    sent_at = factory.LazyFunction(timezone.now)


def hl7_sent_version(record) -> int:
    """The version of `record` last written to an HL7 batch (its `Hl7Sent` mark), 0 if none."""
    return Hl7Sent.objects.filter(record_id=record.pk).values_list("version", flat=True).first() or 0


def earlier_today(*, minutes: int) -> datetime:
    """`minutes` ago, or the day's first instant if that was yesterday: a moment of today (the
    state's day) already past, for the records of a "today's records" test run just after
    midnight."""
    start_of_day = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return max(timezone.now() - timedelta(minutes=minutes), start_of_day)


class CvrsFileFactory(factory.django.DjangoModelFactory):
    """Today's first de-identified CVRS file, of one record."""

    class Meta:
        model = CvrsFile

    reported_on = factory.LazyFunction(timezone.localdate)
    sequence = factory.Sequence(lambda n: n % 99 + 1)
    name = factory.LazyAttribute(lambda o: f"{o.reported_on:%Y%m%d}_{o.sequence:02d}_NCA.txt")
    records = 1
    extract_type = "D"


def clinic_with_stock(*, organization=None, doses: int = 10, expires_on=None):
    """A clinic today at a location of `organization` with `doses` of one lot on hand."""
    location = LocationFactory(**({"organization": organization} if organization else {}))
    lot = LotFactory(**({"expires_on": expires_on} if expires_on else {}))
    stock(location=location, lot=lot, doses=doses)
    clinic = Clinic.objects.create(
        location=location,
        product=lot.product,
        date=timezone.localdate(),
        opens_at=time(8),
        closes_at=time(18),
    )
    return clinic, lot


def appointment_at(clinic: Clinic, *, recipient=None, dose_number: int = 1) -> Appointment:
    starts = timezone.make_aware(datetime.combine(clinic.date, time(9))) + timedelta(
        minutes=15 * Slot.objects.filter(clinic=clinic).count()
    )
    slot = Slot.objects.create(
        clinic=clinic, starts_at=starts, ends_at=starts + timedelta(minutes=15), capacity=5, booked=1
    )
    appointment = Appointment.objects.create(
        recipient=recipient or RecipientFactory(),
        slot=slot,
        dose_number=dose_number,
        confirmation_code=f"C{Appointment.objects.count():07d}",
    )
    reserve_dose(appointment)
    return appointment


def clinic(
    *,
    location=None,
    product=None,
    days_ahead: int = 3,
    opens_at: time = time(9, 0),
    closes_at: time = time(10, 0),
    slot_minutes: int = 30,
    slot_capacity: int = 5,
    doses: int = 100,
    is_public: bool = True,
    organizations=(),
    priority_groups=(),
):
    """A scheduled clinic `days_ahead` from today with `doses` of its product on hand."""
    location = location or LocationFactory()
    lot = LotFactory(product=product) if product is not None else LotFactory()
    if doses:
        stock(location=location, lot=lot, doses=doses)
    by = member(location.organization, Role.PROVIDER_ADMIN)
    return services.clinic_create(
        location=location,
        product=lot.product,
        day=timezone.localdate() + timedelta(days=days_ahead),
        opens_at=opens_at,
        closes_at=closes_at,
        slot_minutes=slot_minutes,
        slot_capacity=slot_capacity,
        is_public=is_public,
        organizations=organizations,
        priority_groups=priority_groups,
        by=by,
    )


def works_at(user, *locations) -> None:
    """Assign a vaccinator to locations (as a provider administrator does on the people page):
    a vaccinator records only where assigned (`enrollment.selectors.locations_for`)."""
    from guardian.shortcuts import assign_perm

    for location in locations:
        assign_perm("enrollment.work_at_location", user, location)
