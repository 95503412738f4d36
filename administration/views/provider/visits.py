"""The visit's page, after a dose is recorded: what was given, what is due next, and the next dose
booked before the person leaves, in a free time of a clinic at one of the vaccinator's locations
on or after the day it is due."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from administration.enums import RecordStatus
from administration.selectors import records as record_selectors
from administration.services import booking, visits
from cvms.access import ProviderPortalView
from cvms.audit import audit
from cvms.inputs import id_or_none
from cvms.roles import PROVIDER_STAFF


class VisitView(ProviderPortalView, TemplateView):
    """A dose given at one of the person's locations (another's, a refusal or a voided record is
    a 404): the next dose due and the free times to book it. Opening it is audited (it shows the
    person's record)."""

    roles = PROVIDER_STAFF
    template_name = "administration/provider_visit.html"

    def get_record(self):
        record = record_selectors.record_for(
            locations=self.request.locations, record_pk=self.kwargs["record_pk"]
        )
        if record is None or record.refused or record.status == RecordStatus.VOIDED:
            raise Http404
        return record

    def get(self, request, *args, **kwargs):
        record = self.get_record()
        audit(action="administration.visit.viewed", by=request.user, target=record, request=request)
        return self.render_to_response(self.context(record))

    def context(self, record, **extra):
        next_dose = visits.next_dose_forecast(record.recipient)
        booked = visits.booked_appointments(record.recipient)
        bookable = next_dose is not None and not booked  # a planned visit is moved, not doubled
        return {
            "record": record,
            "recipient": record.recipient,
            "next_dose": next_dose,
            "booked": booked,
            "bookable": bookable,
            "slots": list(
                visits.next_dose_slots(due=next_dose, record=record, locations=self.request.locations)
            )
            if bookable
            else [],
            **extra,
        }

    def post(self, request, *args, **kwargs):
        record = self.get_record()
        slot_id = id_or_none(request.POST.get("slot", ""))
        if slot_id is None:
            return self.render_to_response(self.context(record, error=_("Choose a time.")))
        try:
            appointment = visits.next_dose_book(
                record=record, slot_id=slot_id, locations=request.locations, by=request.user, request=request
            )
        except booking.BookingError as refused:
            return self.render_to_response(self.context(record, error=str(refused)))
        messages.success(
            request,
            _("Dose %(dose)s booked for %(name)s on %(when)s. Their confirmation code is %(code)s.")
            % {
                "dose": appointment.dose_number,
                "name": record.recipient.full_name,
                "when": formats.date_format(
                    timezone.localtime(appointment.slot.starts_at), "DATETIME_FORMAT"
                ),
                "code": appointment.confirmation_code,
            },
        )
        return redirect("provider:administration.visit", record_pk=record.pk)
