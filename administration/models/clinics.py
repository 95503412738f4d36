"""Clinics, their slots and the appointments booked in them.

A slot's `booked` counter is the scarce thing: a booking takes a place with a conditional UPDATE
(`booked = booked + 1 WHERE booked < capacity`, see services.booking.appointment_book), and a CHECK
constraint is the last guard against overbooking. A person holds at most one active appointment
for each dose (a partial unique constraint).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from administration.enums import AppointmentStatus, ClinicStatus


class Clinic(models.Model):
    """A vaccination session at a provider location on one day, with one product."""

    location = models.ForeignKey(
        "enrollment.Location", verbose_name=_("location"), on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        "inventory.Product", verbose_name=_("vaccine"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=15)
    slot_capacity = models.PositiveSmallIntegerField(_("people per slot"), default=5)
    # A public clinic is open to every eligible person; otherwise only to the invited people of
    # `organizations` and the people of `priority_groups`.
    is_public = models.BooleanField(_("open to the public"), default=True)
    organizations = models.ManyToManyField(
        "enrollment.Organization", blank=True, related_name="+", verbose_name=_("for the invited people of")
    )
    priority_groups = models.ManyToManyField(
        "enrollment.PriorityGroup", blank=True, related_name="+", verbose_name=_("for the priority groups")
    )
    notes = models.TextField(_("notes for the people booking"), blank=True)
    status = models.CharField(max_length=16, choices=ClinicStatus.choices, default=ClinicStatus.SCHEDULED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["date", "opens_at", "id"]
        indexes = [models.Index(fields=["date", "status"], name="clinic_date_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="clinic_closes_after_opening"
            ),
            models.CheckConstraint(condition=Q(slot_minutes__gte=5), name="clinic_slot_at_least_5_minutes"),
            models.CheckConstraint(condition=Q(slot_capacity__gte=1), name="clinic_slot_capacity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.location} {self.date:%Y-%m-%d}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == ClinicStatus.CANCELLED


class Slot(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField()
    booked = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "starts_at"], name="slot_unique_start"),
            # The last guard: no code path books a slot beyond its capacity.
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="slot_not_overbooked"),
            models.CheckConstraint(condition=Q(booked__gte=0), name="slot_booked_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.clinic_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def free(self) -> int:
        return self.capacity - self.booked


class Appointment(models.Model):
    recipient = models.ForeignKey(
        "recipients.Recipient", on_delete=models.PROTECT, related_name="appointments"
    )
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="appointments")
    dose_number = models.PositiveSmallIntegerField(_("dose"), default=1)
    # Shown by the person and checked by the clinic at arrival; unique among all appointments.
    confirmation_code = models.CharField(max_length=8, unique=True)
    status = models.CharField(
        max_length=16, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    created_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(default=timezone.now)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # When the booking's confirmation e-mail was claimed (after commit, by its task: once).
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    # For an attended first dose of a two-dose product: when the person was reminded to book the
    # second (so the daily task reminds once).
    next_dose_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # The appointment this one replaced when the person rescheduled.
    rescheduled_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["slot__starts_at", "id"]
        indexes = [
            models.Index(fields=["slot", "status"], name="appointment_slot_status"),
            # The dashboards' minute refresh asks what was booked since its last run.
            models.Index(fields=["created_at"], name="appointment_created"),
        ]
        constraints = [
            # One active appointment per person and dose, whatever the number of requests.
            models.UniqueConstraint(
                fields=["recipient", "dose_number"],
                condition=Q(status=AppointmentStatus.BOOKED),
                name="appointment_one_active_per_dose",
            ),
            models.CheckConstraint(condition=Q(dose_number__gte=1), name="appointment_dose_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.confirmation_code} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status == AppointmentStatus.BOOKED


class DoseReservation(models.Model):
    """The doses of a product promised to booked appointments at a location: `reserved` is the
    number of its appointments with status booked, at any of its clinics of that product.

    The second scarce thing of a booking after the slot's place: a booking takes a dose with a
    conditional UPDATE (`reserved = reserved + 1 WHERE reserved < the doses usable there`, see
    services.reservations), and every change that ends or moves a booked appointment gives it
    back, so no booking counts the appointments under a lock on the location.
    """

    location = models.ForeignKey("enrollment.Location", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, related_name="+")
    reserved = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["location", "product"], name="dose_reservation_unique"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="dose_reservation_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.location_id}/{self.product_id}: {self.reserved}"
