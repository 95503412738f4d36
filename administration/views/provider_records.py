"""The provider portal's dose recording: from an appointment of the day's clinic."""

from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from administration import recording
from administration.models import Appointment
from administration.record_forms import DoseForm, RefusalForm
from administration.views.provider_clinics import ClinicScopedMixin
from cvms.access import ProviderPortalView
from cvms.roles import PROVIDER_STAFF
from enrollment.interface import locations_for
from inventory.interface import lots_usable


def dose_volume(product) -> Decimal | None:
    """The product's dose volume as recorded: the catalogue keeps 3 decimals, a record 2 (0.30 mL)."""
    if product.dose_volume_ml is None:
        return None
    return product.dose_volume_ml.quantize(Decimal("0.01"))


class RecordDoseView(ClinicScopedMixin, ProviderPortalView, TemplateView):
    """Record the dose given to a person with an appointment at one of the organization's clinics."""

    roles = PROVIDER_STAFF
    template_name = "administration/provider_record_dose.html"

    def dispatch_objects(self):
        self.clinic = self.get_clinic()
        # A vaccinator records only at the locations they are assigned to.
        if (
            not locations_for(self.request.user, self.request.organization)
            .filter(pk=self.clinic.location_id)
            .exists()
        ):
            raise Http404
        self.appointment = get_object_or_404(
            Appointment.objects.select_related("recipient", "slot"),
            pk=self.kwargs["appointment_pk"],
            slot__clinic=self.clinic,
        )
        # Only the lots on hand at this location and not expired, first-expiring first.
        self.stocks = lots_usable(location=self.clinic.location, product=self.clinic.product)

    def get_form(self):
        initial = {
            "dose_number": self.appointment.dose_number,
            "volume_ml": dose_volume(self.clinic.product),
        }
        data = None if self.request.POST.get("action") == "refuse" else (self.request.POST or None)
        return DoseForm(data, stocks=self.stocks, initial=initial)

    def get(self, request, *args, **kwargs):
        self.dispatch_objects()
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context |= {
            "clinic": self.clinic,
            "appointment": self.appointment,
            "recipient": self.appointment.recipient,
            "refusal_form": kwargs.get("refusal_form") or RefusalForm(),
        }
        return context

    def post(self, request, *args, **kwargs):
        self.dispatch_objects()
        if request.POST.get("action") == "refuse":
            return self._refuse()
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

    def _refuse(self):
        """The person declined the vaccine: recorded as a refusal (no lot, no stock moved)."""
        form = RefusalForm(self.request.POST)
        if form.is_valid():
            try:
                recording.refusal_record(
                    recipient=self.appointment.recipient,
                    location=self.clinic.location,
                    product=self.clinic.product,
                    refused_at=form.cleaned_data["refused_at"],
                    reason=form.cleaned_data["reason"],
                    appointment=self.appointment,
                    by=self.request.user,
                    request=self.request,
                )
            except recording.RecordingError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(
                    self.request,
                    _("Refusal recorded for %(name)s.") % {"name": self.appointment.recipient.full_name},
                )
                return redirect("provider:administration.clinic", clinic_pk=self.clinic.pk)
        return self.render_to_response(self.get_context_data(form=self.get_form(), refusal_form=form))
