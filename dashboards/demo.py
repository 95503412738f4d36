"""Demo activity for the dashboards: five weeks of a vaccination campaign at the demo providers'
locations, so that `make run` shows living dashboards and the registry exports have records.

About 3,000 people of twenty counties register; most book and get a first dose, those whose
second dose falls due get it; a few refuse; locations receive weekly shipments against weekly
allocations, waste a little, and report some adverse events (some to VAERS). One location
(Buncombe) has recorded nothing for four days while holding doses: it lags.

Written with bulk_create (seed_demo stays well under a minute on SQLite); the doses leave stock
through the ledger's bulk service, so balances and ledger agree. Deterministic (a seeded random
generator) and idempotent: a second run finds the demo's people and does nothing.
"""

import math
import random
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from administration.enums import AppointmentStatus, RefusalReason, Route, Severity, Site
from administration.models import AdministrationRecord, AdverseEvent, Appointment, Clinic, Slot
from cvms.demo import demo_user
from cvms.roles import Role
from dashboards.services import summaries_refresh
from enrollment.models import Location, PriorityGroup
from inventory.enums import WasteReason
from inventory.interface import DoseOut, inventory_report_submit, shipment_record, stock_administer_many
from inventory.models import Allocation, Product, Stock
from recipients.enums import Ethnicity, Race, RegistrationSource, Sex
from recipients.models import Recipient

PEOPLE = 3000
WEEKS = 5
SILENT_LOCATION = "Buncombe County Health — Asheville"
SILENT_DAYS = 4
EMAIL = "demo-person-{}@example.org"
# Where the demo's people live: the demo locations' counties, and others around them.
COUNTIES = {
    "37183": 8,
    "37119": 8,
    "37051": 5,
    "37021": 5,
    "37063": 3,
    "37081": 3,
    "37067": 3,
    "37135": 2,
    "37101": 2,
    "37037": 2,
    "37069": 1,
    "37127": 1,
    "37195": 1,
    "37065": 1,
    "37155": 2,
    "37093": 1,
    "37085": 1,
    "37089": 1,
    "37175": 1,
    "37111": 1,
}
RACES = [
    (Race.WHITE, 62),
    (Race.BLACK, 22),
    (Race.ASIAN, 3),
    (Race.AMERICAN_INDIAN, 2),
    (Race.OTHER, 5),
    (Race.UNKNOWN, 6),
]
# (lowest age, highest age, weight): early 2021, older people first.
AGES = [(16, 24, 6), (25, 39, 12), (40, 49, 10), (50, 64, 20), (65, 74, 28), (75, 95, 24)]
SECOND_DOSE_SHARE = 0.85
REFUSAL_SHARE = 0.03
ADVERSE_SHARE = 0.006


def _products() -> list[Product]:
    """Two two-dose mRNA products and the one-dose vector product, as in spring 2021."""
    wanted = [("208", 2), ("207", 2), ("212", 1)]
    products = []
    for cvx, series in wanted:
        product = Product.objects.filter(cvx=cvx, series_doses=series).order_by("-is_active", "pk").first()
        if product:
            products.append(product)
    return products


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _at(day: date, rng: random.Random) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(rng.randint(8, 16), rng.choice((0, 15, 30, 45)))))


def seed(*, stdout) -> None:
    if Recipient.objects.filter(email=EMAIL.format(0)).exists():
        stdout.write("Dashboards demo: already seeded.")
        return
    locations = list(Location.objects.filter(organization__pin__startswith="NCA65").order_by("pk"))
    products = _products()
    groups = list(PriorityGroup.objects.filter(code__in=["1", "2", "3a", "3b"]).order_by("position"))
    if not locations or not products or not groups:
        stdout.write("Dashboards demo skipped: no demo locations, products or priority groups.")
        return
    with transaction.atomic():
        counts = _campaign(random.Random(15), locations, products, groups)  # noqa: S311 — demo data
    result = summaries_refresh(full=True)
    names = {"people": "people", "doses": "doses", "refusals": "refusals", "wasted": "doses wasted",
             "adverse": "adverse events"}  # fmt: skip
    figures = ", ".join(f"{counts[key]} {name}" for key, name in names.items())
    stdout.write(f"Dashboards demo: {figures}; {result['rows']} summary rows.")


def _campaign(rng, locations, products, groups) -> dict:
    today = timezone.localdate()
    start = today - timedelta(weeks=WEEKS)
    vaccinator = demo_user(Role.VACCINATOR)
    official = demo_user(Role.STATE_OFFICIAL)
    by_county = defaultdict(list)
    for location in locations:
        by_county[location.county_id].append(location)
    # Each location gives one product most of the time; the one-dose product now and then.
    main_product = {
        location.pk: products[index % min(2, len(products))] for index, location in enumerate(locations)
    }
    silent = {location.pk for location in locations if location.name == SILENT_LOCATION}

    people = _people(rng, groups, start)
    Recipient.objects.bulk_create(people, batch_size=500)
    people = list(Recipient.objects.filter(email__startswith="demo-person-").order_by("pk"))

    # Doses: who gets which dose where and when (planned first, so that shipments cover them).
    planned = []  # (person, location, product, dose number, day) or refusal (dose number None)
    for person in people:
        if rng.random() > 0.8:
            continue  # registered, not yet vaccinated
        location = rng.choice(by_county.get(person.county_id) or locations)
        first_day = max(start, timezone.localdate(person.created_at)) + timedelta(rng.randint(0, 6))
        if first_day >= today or (location.pk in silent and first_day > today - timedelta(SILENT_DAYS + 1)):
            continue
        if rng.random() < REFUSAL_SHARE:
            planned.append((person, location, None, None, first_day))
            continue
        product = products[-1] if len(products) > 2 and rng.random() < 0.1 else main_product[location.pk]
        planned.append((person, location, product, 1, first_day))
        second_day = first_day + timedelta((product.min_interval_days or 21) + rng.randint(0, 3))
        silent_cut = location.pk in silent and second_day > today - timedelta(SILENT_DAYS + 1)
        if (
            product.series_doses > 1
            and second_day < today
            and not silent_cut
            and rng.random() < SECOND_DOSE_SHARE
        ):
            planned.append((person, location, product, 2, second_day))

    lots = _supply(rng, planned, start, official)
    records = [
        AdministrationRecord(
            recipient=person,
            location=location,
            product=product or main_product[location.pk],
            lot=lots[(location.pk, product.pk, _week(day))] if product else None,
            dose_number=number,
            administered_at=_at(day, rng),
            route=Route.INTRAMUSCULAR if product else "",
            site=rng.choice([Site.LEFT_DELTOID, Site.RIGHT_DELTOID]) if product else "",
            vaccinator=vaccinator,
            recorded_by=vaccinator,
            refused=product is None,
            refusal_reason=rng.choice(RefusalReason.values) if product is None else "",
            created_at=_at(day, rng),
            changed_at=_at(day, rng),
        )
        for person, location, product, number, day in planned
    ]
    AdministrationRecord.objects.bulk_create(records, batch_size=500)
    records = list(
        AdministrationRecord.objects.filter(recipient__email__startswith="demo-person-").select_related("lot")
    )
    given = [record for record in records if not record.refused]
    stock_administer_many(
        doses=[
            DoseOut(
                record.location_id,
                record.lot_id,
                record.administered_at,
                f"administration.record:{record.pk}",
            )
            for record in given
        ],
        by=vaccinator,
    )
    _appointments(rng, [record for record in given if record.dose_number == 1])
    adverse = _adverse_events(rng, given, vaccinator)
    wasted = _waste(rng, lots, official, silent)
    return {
        "people": len(people),
        "doses": len(given),
        "refusals": len(records) - len(given),
        "wasted": wasted,
        "adverse": adverse,
    }


def _people(rng, groups, start) -> list[Recipient]:
    people = []
    counties = list(COUNTIES.items())
    for number in range(PEOPLE):
        low, high, _weight = rng.choices(AGES, weights=[weight for *_bounds, weight in AGES])[0]
        age = rng.randint(low, high)
        group = (
            groups[0] if age >= 75 or rng.random() < 0.08 else groups[min(len(groups) - 1, rng.randint(1, 3))]
        )
        registered = _at(start + timedelta(rng.randint(-7, WEEKS * 7 - 3)), rng)
        hispanic = rng.random() < 0.1
        people.append(
            Recipient(
                first_name=rng.choice(
                    ["Ana", "James", "Mary", "Luis", "Keisha", "Wei", "John", "Rosa", "Ahmed"]
                ),
                last_name=f"Demo{number:04d}",
                date_of_birth=date(start.year - age, rng.randint(1, 12), rng.randint(1, 28)),
                sex=rng.choice([Sex.FEMALE, Sex.FEMALE, Sex.MALE, Sex.MALE, Sex.UNKNOWN])
                if number % 50
                else Sex.UNKNOWN,
                races=[_weighted(rng, RACES).value],
                ethnicity=Ethnicity.HISPANIC
                if hispanic
                else rng.choice([Ethnicity.NOT_HISPANIC] * 9 + [Ethnicity.UNKNOWN]),
                email=EMAIL.format(number),
                phone="919-555-0100",
                street=f"{number + 1} Demo Street",
                city="Demo",
                zip_code="27601",
                county_id=_weighted(rng, counties),
                priority_group=group,
                source=rng.choice(
                    [RegistrationSource.SELF, RegistrationSource.INVITATION, RegistrationSource.STAFF]
                ),
                created_at=registered,
                updated_at=registered,
            )
        )
    return people


def _week(day: date) -> date:
    return day - timedelta(day.weekday())


def _supply(rng, planned, start, official) -> dict:
    """A state allocation and a shipment received on each Monday for each location and product,
    covering the week's planned doses and a margin; returns the lot of each (location, product,
    week)."""
    demand = Counter(
        (location.pk, product.pk, _week(day)) for _person, location, product, _n, day in planned if product
    )
    locations = {location.pk: location for _person, location, *_rest in planned}
    products = {product.pk: product for _person, _location, product, *_rest in planned if product}
    Allocation.objects.bulk_create(
        [
            Allocation(
                week=week,
                product_id=product,
                location_id=location,
                doses=math.ceil(doses * 1.2) + 10,
                by=official,
            )
            for (location, product, week), doses in demand.items()
        ],
        ignore_conflicts=True,
    )
    lots = {}
    for (location, product, week), doses in sorted(demand.items(), key=lambda item: item[0][2]):
        number = f"DEMO{location:02d}{product:03d}{week:%m%d}"
        shipment = shipment_record(
            location=locations[location],
            product=products[product],
            source="Demo: state allocation",
            lot_number=number,
            expires_on=timezone.localdate() + timedelta(120),
            doses_received=math.ceil(doses * 1.2) + 10,
            received_on=max(week, start),
            by=official,
        )
        lots[(location, product, week)] = shipment.lot
    return lots


def _appointments(rng, first_doses) -> None:
    """Most first doses were booked: one clinic a day per location and product, one slot
    holding that day's appointments (vaccinated), a few people who didn't come."""
    by_clinic = defaultdict(list)
    for record in first_doses:
        if rng.random() < 0.75:
            by_clinic[
                (record.location_id, record.product_id, timezone.localdate(record.administered_at))
            ].append(record)
    clinics = Clinic.objects.bulk_create(
        [
            Clinic(
                location_id=location,
                product_id=product,
                date=day,
                opens_at=time(8),
                closes_at=time(17),
                slot_minutes=540,
                slot_capacity=len(records) + 2,
            )
            for (location, product, day), records in by_clinic.items()
        ]
    )
    zone = timezone.get_current_timezone()
    slots = Slot.objects.bulk_create(
        [
            Slot(
                clinic=clinic,
                starts_at=datetime.combine(clinic.date, time(8), tzinfo=zone),
                ends_at=datetime.combine(clinic.date, time(17), tzinfo=zone),
                capacity=clinic.slot_capacity,
                booked=len(records),
            )
            for clinic, records in zip(clinics, by_clinic.values(), strict=True)
        ]
    )
    appointments = []
    for slot, records in zip(slots, by_clinic.values(), strict=True):
        for record in records:
            booked_at = record.administered_at - timedelta(days=rng.randint(1, 6))
            appointments.append(
                Appointment(
                    recipient_id=record.recipient_id,
                    slot=slot,
                    dose_number=1,
                    confirmation_code=f"D{record.pk:07d}",
                    status=AppointmentStatus.VACCINATED,  # a dose recorded closes the visit
                    created_at=booked_at,
                    changed_at=record.administered_at,
                )
            )
    Appointment.objects.bulk_create(appointments, batch_size=500)
    AdministrationRecord.objects.bulk_update(
        [_with_appointment(record, appointment) for record, appointment in _pairs(appointments)],
        ["appointment"],
        batch_size=500,
    )


def _pairs(appointments):
    by_recipient = {
        record.recipient_id: record
        for record in AdministrationRecord.objects.filter(
            recipient_id__in=[appointment.recipient_id for appointment in appointments], dose_number=1
        )
    }
    saved = Appointment.objects.filter(recipient_id__in=list(by_recipient), confirmation_code__startswith="D")
    return [(by_recipient[appointment.recipient_id], appointment) for appointment in saved]


def _with_appointment(record, appointment):
    record.appointment = appointment
    return record


def _adverse_events(rng, given, by) -> int:
    events = []
    for record in given:
        if rng.random() >= ADVERSE_SHARE:
            continue
        severity = _weighted(
            rng,
            [
                (Severity.MILD, 70),
                (Severity.MODERATE, 22),
                (Severity.SEVERE, 6),
                (Severity.LIFE_THREATENING, 2),
            ],
        )
        reported = severity != Severity.MILD or rng.random() < 0.2
        events.append(
            AdverseEvent(
                record=record,
                onset_at=record.administered_at + timedelta(hours=rng.randint(1, 48)),
                description=rng.choice(
                    [
                        "Sore arm and fatigue",
                        "Fever and chills",
                        "Headache",
                        "Hives",
                        "Dizziness after the dose",
                        "Swollen lymph nodes",
                    ]
                ),
                severity=severity,
                reported_to_vaers=reported,
                vaers_number=f"2021-{1000000 + record.pk:07d}" if reported else "",
                recorded_by=by,
            )
        )
    AdverseEvent.objects.bulk_create(events)
    return len(events)


def _waste(rng, lots, by, silent) -> int:
    """Each location (but the silent one) counted its stock in the last days, with a few doses
    of some lots wasted: the inventory levels form, through inventory's service."""
    wasted = 0
    reasons = [
        WasteReason.DRAWN_NOT_ADMINISTERED,
        WasteReason.BROKEN_VIAL,
        WasteReason.TEMPERATURE_EXCURSION,
        WasteReason.OTHER,
    ]
    by_location = defaultdict(list)
    for (location_id, _product, _week_start), lot in lots.items():
        by_location[location_id].append(lot)
    for location_id, location_lots in sorted(by_location.items()):
        if location_id in silent:
            continue
        on_hand = dict(
            Stock.objects.filter(location_id=location_id, lot__in=location_lots).values_list(
                "lot_id", "on_hand"
            )
        )
        lines = []
        for lot in location_lots:
            doses = rng.randint(1, 6) if rng.random() < 0.6 else 0
            doses = min(doses, on_hand.get(lot.pk, 0))
            lines.append(
                {
                    "lot": lot,
                    "counted": on_hand.get(lot.pk, 0) - doses,
                    "wasted": doses,
                    "waste_reason": rng.choice(reasons) if doses else "",
                }
            )
            wasted += doses
        inventory_report_submit(
            location=Location.objects.get(pk=location_id),
            counted_on=timezone.localdate() - timedelta(rng.randint(0, 2)),
            lines=lines,
            by=by,
        )
    return wasted
