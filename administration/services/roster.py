"""The roster follows the person: registered → booked → vaccinated.

A person on an employer's roster (an `Invitee`, employers sits below) shows how far they got.
Administration knows, so it tells employers through its interface whenever something that moves it
happens here: a booking, a cancellation, a dose, a refusal, a no-show. The status is worked out
from the facts each time (never stepped up or down), so that the order of events can't leave it
wrong: vaccinated once the primary series is complete, booked while an appointment is booked,
registered otherwise (the evaluator says when the series is complete).
"""

from administration.enums import AppointmentStatus
from administration.models import Appointment
from administration.selectors.clinical import person_evaluation
from cvms.models import User
from employers.enums import InviteeStatus
from employers.interface import invitee_ids_for_recipient, invitee_status_set
from employers.models import Invitee
from recipients.models import Recipient


def series_complete(recipient: Recipient) -> bool:
    """The person's primary series is complete, as the evaluator judges their doses."""
    return person_evaluation(recipient).primary_complete


def roster_status(recipient: Recipient) -> InviteeStatus:
    if series_complete(recipient):
        return InviteeStatus.VACCINATED
    if Appointment.objects.filter(recipient=recipient, status=AppointmentStatus.BOOKED).exists():
        return InviteeStatus.BOOKED
    return InviteeStatus.REGISTERED


def roster_people(recipient_ids) -> list[int]:
    """Which of these people are on a roster (one query, for a batch)."""
    return list(
        Invitee.objects.filter(recipient_id__in=list(recipient_ids))
        .values_list("recipient_id", flat=True)
        .distinct()
    )


def roster_follow(recipient: Recipient, *, by: User | None) -> None:
    """Show the person's progress on every roster they are on (nothing to do when on none)."""
    invitee_ids = invitee_ids_for_recipient(recipient.pk)
    if invitee_ids:
        invitee_status_set(invitee_ids=invitee_ids, status=roster_status(recipient), by=by)
