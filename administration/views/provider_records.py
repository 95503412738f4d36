"""The provider portal's dose recording: from an appointment of the day's clinic."""

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from administration import recording
from administration.models import Appointment
from administration.record_forms import DoseForm
from administration.views.provider_clinics import ClinicScopedMixin
from cvms.access import ProviderPortalView
from cvms.roles import Role
from inventory import selectors as inventory_selectors

VACCINATORS = frozenset({Role.PROVIDER_ADMIN, Role.VACCINATOR})


class RecordDoseView(ClinicScopedMixin, ProviderPortalView, TemplateView):
    """Record the dose given to a person with an appointment at one of the organization's clinics."""

    roles = VACCINATORS
    template_name = "administration/provider_record_dose.html"

    def dispatch_objects(self):
        self.clinic = self.get_clinic()
        self.appointment = get_object_or_404(
            Appointment.objects.select_related("recipient", "slot"),
            pk=self.kwargs["appointment_pk"],
            slot__clinic=self.clinic,
        )
        # Only the lots on hand at this location and not expired, first-expiring first.
        self.stocks = inventory_selectors.lots_usable(
            location=self.clinic.location, product=self.clinic.product
        )

    def get_form(self):
        initial = {
            "dose_number": self.appointment.dose_number,
            # The catalogue keeps 3 decimals; a dose volume is recorded with 2 (0.30 mL).
            "volume_ml": self.clinic.product.dose_volume_ml.quantize(Decimal("0.01"))
            if self.clinic.product.dose_volume_ml is not None
            else None,
        }
        return DoseForm(self.request.POST or None, stocks=self.stocks, initial=initial)

    def get(self, request, *args, **kwargs):
        self.dispatch_objects()
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context |= {
            "clinic": self.clinic,
            "appointment": self.appointment,
            "recipient": self.appointment.recipient,
        }
        return context

    def post(self, request, *args, **kwargs):
        self.dispatch_objects()
        form = self.get_form()
        if form.is_valid():
            data = form.cleaned_data
            details = recording.DoseDetails(
                product=self.clinic.product,
                lot=data["lot"].lot,
                dose_number=data["dose_number"],
                administered_at=data["administered_at"],
                route=data["route"],
                site=data["site"],
                volume_ml=data["volume_ml"],
                product_exception=data["product_exception"],
            )
            try:
                recording.dose_record(
                    recipient=self.appointment.recipient,
                    location=self.clinic.location,
                    details=details,
                    appointment=self.appointment,
                    by=request.user,
                    request=request,
                )
            except recording.RecordingError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(
                    request,
                    _("Dose %(n)s recorded for %(name)s.")
                    % {"n": details.dose_number, "name": self.appointment.recipient.full_name},
                )
                return redirect("provider:administration.clinic", clinic_pk=self.clinic.pk)
        return self.render_to_response(self.get_context_data(form=form))
