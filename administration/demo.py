"""Demo clinics: three public clinics at the demo provider's location over the coming days, with
free slots, for a product that has doses there (a demo shipment is recorded if none has).
Idempotent: clinics already scheduled on those days are left as they are."""

from datetime import time, timedelta

from django.utils import timezone

from administration.models import Clinic
from administration.services import clinics
from cvms.demo import demo_user
from cvms.roles import Role
from enrollment.models import Location
from inventory.interface import products_active, shipment_record, stock_usable

DEMO_LOCATION = "Wake Community Health — Raleigh"
DEMO_DAYS = (1, 2, 5)


def _product_with_stock(location, by):
    today = timezone.localdate()
    for product in products_active():
        if stock_usable(location=location, product=product, on=today) >= 50:
            return product
    product = products_active().filter(series_doses=2).first()
    if product is None:
        return None
    shipment_record(
        location=location,
        product=product,
        source="Demo: clinic supply",
        lot_number="CLINICDEMO01",
        expires_on=today + timedelta(days=90),
        doses_received=200,
        by=by,
    )
    return product


def seed(*, stdout) -> None:
    location = Location.objects.filter(name=DEMO_LOCATION).first()
    if location is None:
        stdout.write("Clinics demo skipped: no demo location.")
        return
    provider = demo_user(Role.PROVIDER_ADMIN)
    product = _product_with_stock(location, provider)
    if product is None:
        stdout.write("Clinics demo skipped: no vaccine product.")
        return
    today = timezone.localdate()
    made = 0
    for days in DEMO_DAYS:
        day = today + timedelta(days=days)
        if Clinic.objects.filter(location=location, date=day).exists():
            continue
        clinics.clinic_create(
            location=location,
            product=product,
            day=day,
            opens_at=time(9, 0),
            closes_at=time(12, 0),
            slot_minutes=15,
            slot_capacity=4,
            notes="Bring a photo ID if you have one (it is not required).",
            by=provider,
        )
        made += 1
    stdout.write(f"Demo clinics: {made} scheduled at {location.name} ({product.name}).")
