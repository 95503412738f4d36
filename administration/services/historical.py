"""Historical doses: given elsewhere (another state, another country, before this system), entered
from the person's own records (a vaccination card). They count for the series like any dose (the
clinical evaluator reads them), move no stock here, and are reported as historical (HL7 RXA-9
`01`; CVRS counts them in the day they were entered).

The dose number is the evaluator's: the dose takes its place in the series by the date it was
given. A dose the evaluator finds not valid (given too early, to someone too young) is kept only
with the documented reason, as at recording.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from administration.enums import RecordSource
from administration.models import AdministrationRecord
from administration.services.recording import (
    DoseDetails,
    DuplicateDose,
    RecordingError,
    check_series,
    validity_fields,
)
from cvms.audit import audit
from cvms.locking import lock_one
from cvms.models import User
from enrollment.models import Location
from inventory.models import Product
from recipients.models import Recipient


@dataclass(frozen=True)
class HistoricalDose:
    product: Product
    given_on: date
    invalid_reason: str = ""  # why a dose the evaluator finds not valid is entered all the same


def _noon(day: date) -> datetime:
    """A card gives the day, not the time: the dose is kept at noon of that day."""
    return timezone.make_aware(datetime.combine(day, time(12)))


@transaction.atomic
def historical_dose_record(
    *, recipient: Recipient, location: Location, dose: HistoricalDose, by: User, request=None
) -> AdministrationRecord:
    """Enter a dose given elsewhere, from the person's records, at `location` (whoever entered it
    reports it). Refused when it isn't valid for the person, unless a reason is given."""
    recipient = lock_one(Recipient.objects, pk=recipient.pk)  # as dose_record
    if dose.given_on > timezone.localdate():
        raise RecordingError(_("A dose given elsewhere can't be dated in the future."))
    if dose.given_on < recipient.date_of_birth:
        raise RecordingError(_("The dose can't be dated before the person's date of birth."))
    details = DoseDetails(
        product=dose.product,
        lot=None,
        dose_number=None,
        administered_at=_noon(dose.given_on),
        invalid_reason=dose.invalid_reason,
        historical=True,
    )
    evaluation = check_series(recipient=recipient, details=details)
    # Its place in the series by the day it was given: the evaluator's number when valid, the
    # next number otherwise (a record of a dose always has a number).
    number = evaluation.position
    try:
        with transaction.atomic():
            record = AdministrationRecord.objects.create(
                recipient=recipient,
                location=location,
                product=dose.product,
                lot=None,
                dose_number=number,
                administered_at=details.administered_at,
                historical=True,
                source=RecordSource.ONLINE,
                vaccinator=None,
                recorded_by=by,
                **validity_fields(evaluation, details),
            )
    except IntegrityError as clash:
        raise DuplicateDose(_("Dose %(n)s is already on this person's record.") % {"n": number}) from clash
    audit(
        action="administration.dose.historical_recorded",
        by=by,
        target=record,
        request=request,
        data={
            "recipient": recipient.pk,
            "product": dose.product.ndc,
            "given_on": dose.given_on.isoformat(),
            "dose": number,
            "valid": evaluation.valid,
        },
    )
    return record
