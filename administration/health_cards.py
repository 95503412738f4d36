"""A recipient's SMART Health Card, from the doses on their record."""

from django.utils import timezone

from administration.enums import RecordStatus
from administration.models import AdministrationRecord
from administration.reporting import keys, shc
from recipients.models import Recipient


def card_doses(recipient: Recipient) -> list[shc.CardDose]:
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
            lot_number=record.lot.number,
        )
        for record in records
    ]


def card_jws(recipient: Recipient) -> str | None:
    """The signed card, or None when no dose is on record."""
    doses = card_doses(recipient)
    if not doses:
        return None
    patient = shc.CardPatient(
        family=recipient.last_name,
        given=(recipient.first_name, recipient.middle_name),
        birth_date=recipient.date_of_birth,
    )
    payload = shc.card_payload(
        shc.immunization_bundle(patient, doses), issuer=keys.issuer(), issued_at=timezone.now()
    )
    return shc.jws_sign(payload, keys.signing_key())
