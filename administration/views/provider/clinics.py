"""The provider portal's clinic pages: schedule, follow bookings, check people in, cancel."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import ListView, TemplateView, View

from administration.enums import OPEN_FOR_RECORDING
from administration.forms.clinics import CheckInForm, ClinicCancelForm, ClinicForm
from administration.models import Appointment
from administration.selectors import clinics as clinic_selectors
from administration.services import booking, clinics
from administration.views.provider import ClinicScopedMixin
from cvms.access import ProviderPortalView
from cvms.audit import audit
from cvms.roles import PROVIDER_ADMINS, Role


class ClinicsView(ProviderPortalView, ListView):
    template_name = "administration/provider_clinics.html"
    context_object_name = "clinics"
    paginate_by = 50

    def get_queryset(self):
        self.include_past = self.request.GET.get("past") == "1"
        return clinic_selectors.clinics_for(locations=self.request.locations, include_past=self.include_past)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["include_past"] = self.include_past
        return context


class ClinicCreateView(ProviderPortalView, TemplateView):
    roles = PROVIDER_ADMINS
    template_name = "administration/provider_clinic_form.html"

    def _locations(self):
        return self.request.locations

    def get(self, request, *args, **kwargs):
        return self.render_to_response({"form": ClinicForm(locations=self._locations())})

    def post(self, request, *args, **kwargs):
        form = ClinicForm(data=request.POST, locations=self._locations())
        if not form.is_valid():
            return self.render_to_response({"form": form})
        data = form.cleaned_data
        try:
            clinic = clinics.clinic_create(
                location=data["location"],
                product=data["product"],
                day=data["day"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                slot_minutes=data["slot_minutes"],
                slot_capacity=data["slot_capacity"],
                is_public=data["is_public"],
                organizations=data["organizations"],
                priority_groups=data["priority_groups"],
                notes=data["notes"],
                by=request.user,
                request=request,
            )
        except clinics.ClinicError as refused:
            form.add_error(None, str(refused))
            return self.render_to_response({"form": form})
        messages.success(request, _("The clinic is scheduled."))
        warning = clinic_selectors.places_warning(clinic=clinic)
        if warning:
            messages.warning(request, _warning_text(warning))
        return redirect("provider:administration.clinic", clinic_pk=clinic.pk)


def _warning_text(warning: dict) -> str:
    return (
        _(
            "The coming clinics of this location offer %(places)s free places, but only %(doses)s doses are "
            "on hand or expected. People can book only as many places as there are doses."
        )
        % warning
    )


class ClinicDetailView(ClinicScopedMixin, ProviderPortalView, TemplateView):
    """A clinic's bookings. Seeing who booked is seeing people's records: audited."""

    template_name = "administration/provider_clinic.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        clinic = self.get_clinic()
        appointments = list(clinic_selectors.clinic_appointments(clinic=clinic))
        audit(
            action="administration.clinic.bookings_viewed",
            by=self.request.user,
            target=clinic,
            request=self.request,
            data={"recipients": [a.recipient_id for a in appointments]},
        )
        context.update(
            clinic=clinic,
            appointments=appointments,
            counts=clinic_selectors.slot_counts(clinic=clinic),
            warning=clinic_selectors.places_warning(clinic=clinic),
            check_in_form=kwargs.get("check_in_form") or CheckInForm(),
            can_manage=self.request.membership.role == Role.PROVIDER_ADMIN,
            open_for_recording=OPEN_FOR_RECORDING,
        )
        if context["warning"]:
            context["warning_text"] = _warning_text(context["warning"])
        return context


class ClinicPrintView(ClinicDetailView):
    """The day's list, to print."""

    template_name = "administration/provider_clinic_print.html"


class ClinicCancelView(ClinicScopedMixin, ProviderPortalView, TemplateView):
    roles = PROVIDER_ADMINS
    template_name = "administration/provider_clinic_cancel.html"

    def get(self, request, *args, **kwargs):
        return self._page(ClinicCancelForm())

    def _page(self, form):
        clinic = self.get_clinic()
        return self.render_to_response(
            {"clinic": clinic, "counts": clinic_selectors.slot_counts(clinic=clinic), "form": form}
        )

    def post(self, request, *args, **kwargs):
        clinic = self.get_clinic()
        form = ClinicCancelForm(request.POST)
        if not form.is_valid():
            return self._page(form)
        told = clinics.clinic_cancel(
            clinic=clinic, by=request.user, reason=form.cleaned_data["reason"], request=request
        )
        messages.success(
            request,
            ngettext(
                "The clinic is cancelled; %(n)s person was told by e-mail.",
                "The clinic is cancelled; %(n)s people were told by e-mail.",
                told,
            )
            % {"n": told},
        )
        return redirect("provider:administration.clinics")


class CheckInView(ClinicScopedMixin, ProviderPortalView, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        clinic = self.get_clinic()
        form = CheckInForm(data=request.POST)
        if not form.is_valid():
            messages.error(request, _("Enter a confirmation code."))
        else:
            try:
                appointment = booking.appointment_check_in(
                    clinic=clinic, code=form.cleaned_data["code"], by=request.user, request=request
                )
            except booking.BookingError as refused:
                messages.error(request, str(refused))
            else:
                messages.success(
                    request,
                    _("%(name)s has arrived (dose %(dose)s).")
                    % {"name": appointment.recipient.full_name, "dose": appointment.dose_number},
                )
        return redirect("provider:administration.clinic", clinic_pk=clinic.pk)


class NoShowView(ClinicScopedMixin, ProviderPortalView, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        clinic = self.get_clinic()
        appointment = get_object_or_404(Appointment, pk=self.kwargs["appointment_pk"], slot__clinic=clinic)
        try:
            booking.appointment_no_show(appointment=appointment, by=request.user, request=request)
        except booking.BookingError as refused:
            messages.error(request, str(refused))
        return redirect("provider:administration.clinic", clinic_pk=clinic.pk)
