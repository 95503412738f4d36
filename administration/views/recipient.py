"""The recipient portal's pages of this app (mounted under /me/): finding a clinic and booking,
the person's appointments, and their vaccination record (the page, its PDF, its SMART Health Card)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView, View

from administration.forms.booking import FindClinicsForm
from administration.models import Appointment, Clinic
from administration.reporting import shc
from administration.selectors import booking as booking_selectors
from administration.selectors import clinical as clinical_selectors
from administration.selectors import records as record_selectors
from administration.selectors.clinical import series_rules_kept
from administration.services import booking
from cvms.access import RecipientPortalView
from cvms.inputs import id_or_none
from recipients.interface import RecipientRecordMixin, eligibility


class OwnAppointmentMixin:
    """The appointment in the URL, among the person's own: anyone else's is a 404."""

    def get_appointment(self) -> Appointment:
        return get_object_or_404(
            booking_selectors.appointments_of(self.recipient), pk=self.kwargs["appointment_pk"]
        )


def _rescheduling(view) -> Appointment | None:
    """The person's own active appointment being moved (`?reschedule=<id>`), or None."""
    value = id_or_none(view.request.GET.get("reschedule") or view.request.POST.get("reschedule"))
    if value is None:
        return None
    return get_object_or_404(booking_selectors.active_appointments(view.recipient), pk=value)


class FindClinicsView(RecipientRecordMixin, RecipientPortalView, ListView):
    template_name = "administration/find_clinics.html"
    context_object_name = "clinics"
    paginate_by = 20

    def get_queryset(self):
        self.form = FindClinicsForm(self.request.GET or None)
        self.appointment = _rescheduling(self)
        self.next_dose = booking_selectors.next_dose(self.recipient)
        if not self.form.is_bound or not self.form.is_valid():
            return Clinic.objects.none()
        data = self.form.cleaned_data
        # Only what the person can book: the vaccines their next dose may be (the forecaster's),
        # from the day it is due, at clinics with doses left.
        due = self.next_dose
        if self.appointment is not None:
            due = booking_selectors.next_dose(
                self.recipient, excluding=self.appointment, before_dose=self.appointment.dose_number
            )
        return booking_selectors.clinics_open_for_booking(
            county_id=data["county"].pk if data["county"] else "",
            zip_code=data["zip_code"],
            on=data["day"],
            products=due["products"] if due else None,
            from_day=due["earliest"] if due else None,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            form=self.form,
            searched=self.form.is_bound,
            rescheduling=self.appointment,
            next_dose=self.next_dose,
            eligibility=eligibility(self.recipient),
        )
        return context


class ClinicSlotsView(RecipientRecordMixin, RecipientPortalView, TemplateView):
    """One clinic's free times; booking (or moving an appointment) posts here."""

    template_name = "administration/clinic_slots.html"

    def get_clinic(self) -> Clinic:
        return get_object_or_404(
            Clinic.objects.select_related("location__county", "product"), pk=self.kwargs["clinic_pk"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        clinic = self.get_clinic()
        appointment = _rescheduling(self)
        next_dose = booking_selectors.next_dose(self.recipient)
        dose_number = appointment.dose_number if appointment else (next_dose or {}).get("dose_number")
        doses_left = booking_selectors.doses_available(location=clinic.location, product=clinic.product)
        context.update(
            clinic=clinic,
            slots=list(booking_selectors.slots_for_booking(clinic=clinic)) if doses_left else [],
            doses_left=doses_left,
            admits=booking_selectors.clinic_admits(clinic=clinic, recipient=self.recipient),
            rescheduling=appointment,
            dose_number=dose_number,
            next_dose=next_dose,
            cancelled=clinic.is_cancelled,
        )
        return context

    @method_decorator(series_rules_kept())
    def post(self, request, *args, **kwargs):
        appointment = _rescheduling(self)
        slot_id = id_or_none(request.POST.get("slot", ""))
        # A new booking doesn't read the clinic: the service reads the slot with its clinic and
        # refuses a slot of another (a clinic that doesn't exist is the page's 404 on refusal).
        if slot_id is None or (
            appointment is not None and not self.get_clinic().slots.filter(pk=slot_id).exists()
        ):
            messages.error(request, _("Choose a time."))
            return self.render_to_response(self.get_context_data())
        try:
            if appointment is not None:
                booked = booking.appointment_reschedule(
                    appointment=appointment, slot_id=slot_id, by=request.user, request=request
                )
                messages.success(request, _("Your appointment is moved. We sent you an e-mail."))
            else:
                # The dose due next, and the slot among this clinic's: asked by the service,
                # in the reads it makes anyway.
                booked = booking.appointment_book(
                    recipient=self.recipient,
                    slot_id=slot_id,
                    dose_number=None,
                    by=request.user,
                    request=request,
                    clinic_id=self.kwargs["clinic_pk"],
                    recipient_read_now=True,  # by the gate, with their group, in this request
                )
                messages.success(request, _("Your appointment is booked. We sent you an e-mail."))
        except booking.BookingError as refused:
            messages.error(request, str(refused))
            return self.render_to_response(self.get_context_data())
        return redirect("me:administration.appointment", appointment_pk=booked.pk)


class AppointmentsView(RecipientRecordMixin, RecipientPortalView, ListView):
    template_name = "administration/appointments.html"
    context_object_name = "appointments"
    paginate_by = 20

    def get_queryset(self):
        return booking_selectors.appointments_of(self.recipient)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next_dose"] = booking_selectors.next_dose(self.recipient)
        context["eligibility"] = eligibility(self.recipient)
        context["now"] = timezone.now()
        return context


class AppointmentDetailView(OwnAppointmentMixin, RecipientRecordMixin, RecipientPortalView, TemplateView):
    template_name = "administration/appointment.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["appointment"] = self.get_appointment()
        context["next_dose"] = booking_selectors.next_dose(self.recipient)
        return context


class AppointmentCancelView(OwnAppointmentMixin, RecipientRecordMixin, RecipientPortalView, TemplateView):
    """A confirmation page, then the cancellation."""

    template_name = "administration/appointment_cancel.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["appointment"] = self.get_appointment()
        return context

    def post(self, request, *args, **kwargs):
        appointment = self.get_appointment()
        try:
            booking.appointment_cancel(appointment=appointment, by=request.user, request=request)
        except booking.BookingError as refused:
            messages.error(request, str(refused))
            return redirect("me:administration.appointment", appointment_pk=appointment.pk)
        messages.success(request, _("Your appointment is cancelled."))
        return redirect("me:administration.appointments")


class RecordView(RecipientRecordMixin, RecipientPortalView, TemplateView):
    """The person's vaccination record (read only: recorded doses can't be edited here)."""

    template_name = "administration/record.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["recipient"] = self.recipient
        context["doses"] = record_selectors.doses_for(self.recipient)
        # What's next, from the forecaster over the doses on the record.
        context["forecast"] = clinical_selectors.person_evaluation(self.recipient).forecast
        context["booked"] = booking_selectors.active_appointments(self.recipient).first()
        return context


class RecordPdfView(RecipientRecordMixin, RecipientPortalView, View):
    """The vaccination record as a PDF, rendered by WeasyPrint."""

    def get(self, request, *args, **kwargs):
        from weasyprint import HTML

        html = render_to_string(
            "administration/record_pdf.html",
            {
                "recipient": self.recipient,
                "doses": record_selectors.doses_for(self.recipient),
                "now": timezone.now(),
            },
            request=request,
        )
        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="vaccination-record.pdf"'
        return response


class HealthCardFileView(RecipientRecordMixin, RecipientPortalView, View):
    """The person's own card(s) as a `.smart-health-card` file (only ever their own record):
    every card of the record, when it needs several."""

    def get(self, request, *args, **kwargs):
        cards = record_selectors.health_cards(self.recipient)
        if cards is None:
            return render(request, "administration/health_card_unavailable.html", status=503)
        if not cards:
            return HttpResponse(status=404)
        response = HttpResponse(
            shc.card_file([card.jws for card in cards]), content_type=shc.FILE_CONTENT_TYPE
        )
        response["Content-Disposition"] = f'attachment; filename="vaccination{shc.FILE_EXTENSION}"'
        return response
