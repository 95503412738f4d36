"""Reads of what the registry answered: the messages it refused that still wait for something."""

from django.db.models import F, QuerySet

from administration.enums import AckCode
from administration.models import Hl7Message


def refused_messages() -> QuerySet[Hl7Message]:
    """The registry's refusals (AE, AR) still standing: the record's latest refusal, until the
    registry accepts a later version. Newest first, with what the page shows in the same query."""
    return (
        Hl7Message.objects.filter(
            ack_code__in=[AckCode.ERROR, AckCode.REJECTED], version=F("record__hl7_rejected_version")
        )
        .select_related("batch", "record__location__organization", "record__product")
        .order_by("-acknowledged_at", "-id")
    )
