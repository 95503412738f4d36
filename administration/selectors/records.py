"""Reads of dose records: a person's doses (their record, their SMART Health Card), and the
provider pages' records, always within the locations the person may work at (the gate's
`request.locations`), so another organization's record is a 404."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Left
from django.utils import timezone

from administration.enums import RecordStatus
from administration.models import AdministrationRecord
from administration.reporting import keys, shc
from administration.reporting.rows import vaccine_group
from enrollment.models import Location
from recipients.models import Recipient

# --- A person's record -------------------------------------------------------------------------


@dataclass(frozen=True)
class Dose:
    """One dose on a person's vaccination record."""

    dose_number: int
    given_on: date
    product_name: str
    product_id: int
    cvx: str
    lot_number: str
    place: str
    county: str = ""
    valid: bool = True  # the clinical evaluator's verdict when it was recorded
    historical: bool = False  # given elsewhere, entered from the person's records


def doses_for(recipient: Recipient) -> list[Dose]:
    """The doses given to `recipient`, oldest first (voided records and refusals aside)."""
    records = (
        AdministrationRecord.objects.filter(recipient=recipient, refused=False)
        .exclude(status=RecordStatus.VOIDED)
        .select_related("product", "lot", "location__county")
        .order_by("administered_at", "id")
    )
    return [
        Dose(
            dose_number=record.dose_number,
            given_on=timezone.localdate(record.administered_at),
            product_name=record.product.name,
            product_id=record.product_id,
            cvx=record.product.cvx,
            lot_number=record.lot.number if record.lot else "",  # a historical dose may have none
            place=record.location.name,
            county=record.location.county.name,
            valid=record.valid,
            historical=record.historical,
        )
        for record in records
    ]


# --- The SMART Health Card ---------------------------------------------------------------------
# The card is the record read and signed: nothing is written, so it is made here, from the same
# doses as the record page.


def card_doses(recipient: Recipient) -> list[shc.CardDose]:
    """The doses on the person's card (voided records and refusals aside)."""
    records = (
        AdministrationRecord.objects.filter(recipient=recipient, refused=False)
        .exclude(status=RecordStatus.VOIDED)
        .select_related("product", "lot", "location__organization")
    )
    return [
        shc.CardDose(
            cvx=record.product.cvx,
            occurred_on=timezone.localdate(record.administered_at),
            performer=record.location.organization.name,
            lot_number=record.lot.number if record.lot else "",
            identity_checked=record.identity_checked,
            group=vaccine_group(record.product.cvx, record.product.cvx_description),
        )
        for record in records
    ]


@dataclass(frozen=True)
class HealthCard:
    jws: str
    group: str  # the vaccine group's CVX (all of it when the record fits one card: "")
    first: date
    last: date
    doses: int


def health_cards(recipient: Recipient) -> list[HealthCard] | None:
    """The person's signed cards (several when the record is too long for one QR code); [] when
    no dose is on record; None when the deployment has no signing key (the page says so)."""
    doses = card_doses(recipient)
    if not doses:
        return []
    key = keys.signing_key_or_none()
    if key is None:
        return None
    patient = shc.CardPatient(
        family=recipient.last_name,
        given=(recipient.first_name, recipient.middle_name),
        birth_date=recipient.date_of_birth,
    )
    now, issuer = timezone.now(), keys.issuer()

    def sign(bundle: dict) -> str:
        return shc.jws_sign(shc.card_payload(bundle, issuer=issuer, issued_at=now), key)

    cards = shc.card_set(patient, doses, sign=sign)
    return [
        HealthCard(
            jws=jws,
            group=part[0].group if len(cards) > 1 else "",
            first=part[0].occurred_on,
            last=part[-1].occurred_on,
            doses=len(part),
        )
        for jws, part in cards
    ]


def card_jws(recipient: Recipient) -> str | None:
    """The person's one card, or None (no dose, no key, or a record that needs several cards)."""
    cards = health_cards(recipient)
    return cards[0].jws if cards and len(cards) == 1 else None


# --- The provider pages ------------------------------------------------------------------------


def records_for(*, locations: QuerySet[Location], search: str = "") -> QuerySet[AdministrationRecord]:
    records = AdministrationRecord.objects.filter(location__in=locations)
    for word in search.split():
        records = records.filter(
            Q(recipient__last_name__icontains=word)
            | Q(recipient__first_name__icontains=word)
            | Q(lot__number__iexact=word)
            | Q(form_number__iexact=word.replace("-", "").upper())
        )
    return records.select_related("recipient", "product", "lot", "location").order_by(
        "-administered_at", "-id"
    )


def record_for(*, locations: QuerySet[Location], record_pk: int) -> AdministrationRecord | None:
    return (
        AdministrationRecord.objects.filter(pk=record_pk, location__in=locations)
        .select_related("recipient", "product", "lot", "location", "vaccinator", "recorded_by")
        .first()
    )


def walk_in_matches(
    *, last_name: str, first_name: str, date_of_birth: date, limit: int = 20
) -> list[Recipient]:
    """People registered in the state with this last name and birth date (first name narrows).
    Both the name and the birth date are asked for, so a search shows few people's details."""
    people = Recipient.objects.filter(last_name__iexact=last_name.strip(), date_of_birth=date_of_birth)
    if first_name.strip():
        people = people.filter(first_name__istartswith=first_name.strip())
    return list(people.order_by("last_name", "first_name", "id")[:limit])


# --- Demand, for the state's allocation planning -----------------------------------------------


def people_waiting_by_place() -> list[tuple[str, str, int]]:
    """(county FIPS, five-digit ZIP, people) of the people registered whose priority group is
    open and who have no dose recorded yet: who waits for vaccine, and where. One aggregate
    query; people without a county are left out (no place to send vaccine for them)."""
    given = AdministrationRecord.objects.filter(recipient=OuterRef("pk"), refused=False).exclude(
        status=RecordStatus.VOIDED
    )
    rows = (
        Recipient.objects.filter(priority_group__is_open=True, county__isnull=False)
        .exclude(Exists(given))
        .annotate(zip5=Left("zip_code", 5))
        .values("county_id", "zip5")
        .annotate(people=Count("pk"))
        .order_by("county_id", "zip5")
    )
    return [(row["county_id"], row["zip5"], row["people"]) for row in rows]
