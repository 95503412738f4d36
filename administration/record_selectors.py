"""Reads of dose records for the provider pages: always within the locations the person may
work at (enrollment's `locations_for`), so another organization's record is a 404."""

from datetime import date

from django.db.models import Q, QuerySet

from administration.models import Clinic
from administration.record_models import AdministrationRecord
from cvms.models import User
from enrollment.interface import locations_for
from enrollment.models import Organization
from recipients.models import Recipient


def records_for(
    *, user: User, organization: Organization, search: str = ""
) -> QuerySet[AdministrationRecord]:
    records = AdministrationRecord.objects.filter(location__in=locations_for(user, organization))
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


def record_for(*, user: User, organization: Organization, record_pk: int) -> AdministrationRecord | None:
    return (
        AdministrationRecord.objects.filter(pk=record_pk, location__in=locations_for(user, organization))
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


def clinics_today(*, user: User, organization: Organization, on: date) -> QuerySet[Clinic]:
    return (
        Clinic.objects.filter(date=on, location__in=locations_for(user, organization))
        .select_related("location", "product")
        .order_by("opens_at", "id")
    )
