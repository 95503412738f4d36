"""The provider portal's dose recording: today's clinics, a dose (or a refusal) recorded from an
appointment of a clinic, and walk-ins, found by name and date of birth (or registered there when
they have no record yet) and recorded at one of the person's locations. A vaccinator records only
at the locations they are assigned to. A dose recorded leads to the visit's page
(views/provider/visits.py), where the next dose is booked."""

import time
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from administration.enums import OPEN_FOR_RECORDING
from administration.forms.records import (
    DoseForm,
    HistoricalDoseForm,
    RefusalForm,
    WalkInSearchForm,
    dose_volume,
)
from administration.forms.visits import WalkInRegistrationForm
from administration.models import Appointment
from administration.selectors import clinical as clinical_selectors
from administration.selectors import clinics as clinic_selectors
from administration.selectors import records as record_selectors
from administration.services import historical, recording, visits
from administration.views.provider import ClinicScopedMixin
from cvms.access import ProviderPortalView
from cvms.audit import audit
from cvms.roles import PROVIDER_STAFF
from cvms.searches import PostedSearchMixin, search_audit
from inventory.interface import lots_usable, products_active
from inventory.models import Product, Stock
from recipients.models import Recipient


class RecordDoseView(ClinicScopedMixin, ProviderPortalView, TemplateView):
    """Record the dose given to a person with an appointment at one of the organization's clinics."""

    roles = PROVIDER_STAFF
    template_name = "administration/provider_record_dose.html"

    def dispatch_objects(self):
        # Among the person's locations: a vaccinator records only where they are assigned.
        self.clinic = self.get_clinic()
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
        return DoseForm(data, stocks=self.stocks, recipient=self.appointment.recipient, initial=initial)

    def closed(self):
        """A vaccinated, refused, no-show or cancelled appointment takes nothing more: back to the
        clinic's list, saying so."""
        messages.info(
            self.request,
            _("This appointment is closed: %(status)s.") % {"status": self.appointment.get_status_display()},
        )
        return redirect("provider:administration.clinic", clinic_pk=self.clinic.pk)

    def get(self, request, *args, **kwargs):
        self.dispatch_objects()
        if self.appointment.status not in OPEN_FOR_RECORDING:
            return self.closed()
        # The page shows the person's name and date of birth: a read of their record.
        audit(
            action="administration.appointment.opened",
            by=request.user,
            target=self.appointment.recipient,
            request=request,
            data={"appointment": self.appointment.pk},
        )
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
        if self.appointment.status not in OPEN_FOR_RECORDING:
            return self.closed()
        if request.POST.get("action") == "refuse":
            return self._refuse()
        form = self.get_form()
        if form.is_valid():
            details = form.dose_details(product=self.clinic.product, lot=form.cleaned_data["stock"].lot)
            try:
                record = recording.dose_record(
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
                return redirect("provider:administration.visit", record_pk=record.pk)
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


class TodayView(ProviderPortalView, TemplateView):
    """Today's clinics at the person's locations: each opens its list of appointments to record."""

    roles = PROVIDER_STAFF
    template_name = "administration/provider_today.html"

    def get_context_data(self, **kwargs):
        clinics = clinic_selectors.clinics_today(locations=self.request.locations, on=timezone.localdate())
        return super().get_context_data(**kwargs) | {"clinics": clinics}


# A walk-in search remembers, in the session, whom it found: the page that records for a person
# opens only a person this user found in a walk-in search a short while ago, never any id typed
# into its URL (a walk-in can be anyone in the state, so the search is the only way in).
WALK_IN_FOUND_SESSION_KEY = "administration.walk_in.found"
WALK_IN_FOUND_SECONDS = 20 * 60


def walk_in_found_keep(request, people) -> None:
    now = time.time()
    found = {
        pk: at
        for pk, at in request.session.get(WALK_IN_FOUND_SESSION_KEY, {}).items()
        if now - at < WALK_IN_FOUND_SECONDS
    }
    found |= {str(person.pk): now for person in people}
    request.session[WALK_IN_FOUND_SESSION_KEY] = found


def walk_in_found(request, recipient_pk: str) -> Recipient:
    """The person, if this session's walk-in search found them a short while ago; 404 otherwise."""
    at = request.session.get(WALK_IN_FOUND_SESSION_KEY, {}).get(recipient_pk.strip())
    if at is None or time.time() - at >= WALK_IN_FOUND_SECONDS:
        raise Http404
    return get_object_or_404(Recipient, pk=int(recipient_pk))


class WalkInView(PostedSearchMixin, ProviderPortalView, TemplateView):
    """Find a person who walked in, by last name and date of birth, both exact (first name
    narrows). Any resident may walk in, so the search is state-wide; its terms are POSTed and
    each search is audited with the people it found."""

    roles = PROVIDER_STAFF
    template_name = "administration/provider_walk_in.html"
    search_form_class = WalkInSearchForm

    def get_context_data(self, **kwargs):
        form = self.search_form()
        people = None
        if form.is_bound and form.is_valid():
            people = record_selectors.walk_in_matches(**form.cleaned_data)
            search_audit(
                action="administration.walk_in.searched",
                request=self.request,
                form=form,
                found=[person.pk for person in people],
            )
            walk_in_found_keep(self.request, people)
        return super().get_context_data(**kwargs) | {"form": form, "people": people}


class WalkInRegisterView(ProviderPortalView, TemplateView):
    """Register a walk-in who has no record yet (the search found nobody), at one of the
    vaccinator's locations, then go on to record their dose: the person is kept as found by this
    session's walk-in search, so the record page opens for them."""

    roles = PROVIDER_STAFF
    template_name = "administration/provider_walk_in_register.html"

    def get_form(self):
        return WalkInRegistrationForm(self.request.POST or None, locations=self.request.locations)

    def get(self, request, *args, **kwargs):
        return self.render_to_response({"form": self.get_form()})

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid():
            location = form.cleaned_data["location"]
            try:
                recipient = visits.walk_in_register(
                    data=form.person(), location=location, by=request.user, request=request
                )
            except visits.WalkInRefused as refused:
                form.add_error(None, str(refused))
            else:
                walk_in_found_keep(request, [recipient])
                messages.success(
                    request, _("%(name)s is registered. Record their dose.") % {"name": recipient.full_name}
                )
                return redirect(
                    f"{reverse('provider:administration.walk_in.record')}"
                    f"?{urlencode({'recipient': recipient.pk, 'location': location.pk})}"
                )
        return self.render_to_response({"form": form})


class WalkInRecordView(ProviderPortalView, TemplateView):
    """Record a walk-in's dose, or their refusal, at one of the person's locations: only for a
    person found by this user's walk-in search (404 for any other id); opening them is audited."""

    roles = PROVIDER_STAFF
    template_name = "administration/provider_walk_in_record.html"
    redirects_on_get = True  # without a person chosen, back to the search

    def dispatch_objects(self):
        source = self.request.POST if self.request.method == "POST" else self.request.GET
        self.recipient = walk_in_found(self.request, source.get("recipient", ""))
        self.locations = self.request.locations
        self.location = self.locations.filter(pk=source.get("location") or None).first()
        if self.location is None and len(self.locations) == 1:
            self.location = self.locations[0]
        self.stocks = None
        if self.location is not None:
            self.stocks = _union(
                lots_usable(location=self.location, product=product) for product in products_active()
            )

    def get(self, request, *args, **kwargs):
        if not request.GET.get("recipient"):
            return redirect("provider:administration.walk_in")
        self.dispatch_objects()
        audit(action="administration.walk_in.opened", by=request.user, target=self.recipient, request=request)
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # What the evaluator says of the person's doses: the dose to give next, and from when.
        evaluation = clinical_selectors.person_evaluation(self.recipient)
        context |= {
            "recipient": self.recipient,
            "location": self.location,
            "locations": self.locations,
            "evaluation": evaluation,
        }
        if self.location is not None:
            initial = {"dose_number": evaluation.forecast.dose_number}
            context.setdefault(
                "form",
                kwargs.get("form") or DoseForm(stocks=self.stocks, recipient=self.recipient, initial=initial),
            )
            context.setdefault(
                "refusal_form",
                kwargs.get("refusal_form") or RefusalForm(products=products_active()),
            )
            context.setdefault(
                "historical_form",
                kwargs.get("historical_form") or HistoricalDoseForm(products=Product.objects.all()),
            )
        return context

    def post(self, request, *args, **kwargs):
        self.dispatch_objects()
        if self.location is None:
            raise Http404
        if request.POST.get("action") == "refuse":
            return self._refuse()
        if request.POST.get("action") == "historical":
            return self._historical()
        form = DoseForm(request.POST, stocks=self.stocks, recipient=self.recipient)
        if form.is_valid():
            data = form.cleaned_data
            lot = data["stock"].lot
            try:
                record = recording.dose_record(
                    recipient=self.recipient,
                    location=self.location,
                    details=form.dose_details(
                        product=lot.product, lot=lot, volume_ml=dose_volume(lot.product)
                    ),
                    by=request.user,
                    request=request,
                )
            except recording.RecordingError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(
                    request,
                    _("Dose %(n)s recorded for %(name)s.")
                    % {"n": data["dose_number"], "name": self.recipient.full_name},
                )
                return redirect("provider:administration.visit", record_pk=record.pk)
        return self.render_to_response(self.get_context_data(form=form))

    def _refuse(self):
        request = self.request
        form = RefusalForm(request.POST, products=products_active())
        if form.is_valid():
            try:
                recording.refusal_record(
                    recipient=self.recipient,
                    location=self.location,
                    product=form.cleaned_data["product"],
                    refused_at=form.cleaned_data["refused_at"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                    request=request,
                )
            except recording.RecordingError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(
                    request, _("Refusal recorded for %(name)s.") % {"name": self.recipient.full_name}
                )
                return redirect("provider:administration.walk_in")
        return self.render_to_response(self.get_context_data(refusal_form=form))

    def _historical(self):
        """A dose given elsewhere, entered from the person's card: counts for the series."""
        request = self.request
        form = HistoricalDoseForm(request.POST, products=Product.objects.all())
        if form.is_valid():
            try:
                record = historical.historical_dose_record(
                    recipient=self.recipient,
                    location=self.location,
                    dose=historical.HistoricalDose(
                        product=form.cleaned_data["product"],
                        given_on=form.cleaned_data["given_on"],
                        invalid_reason=form.cleaned_data["invalid_reason"],
                    ),
                    by=request.user,
                    request=request,
                )
            except recording.RecordingError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(
                    request,
                    _("Dose %(n)s given elsewhere entered for %(name)s.")
                    % {"n": record.dose_number, "name": self.recipient.full_name},
                )
                return redirect(
                    f"{reverse('provider:administration.walk_in.record')}?recipient={self.recipient.pk}"
                    f"&location={self.location.pk}"
                )
        return self.render_to_response(self.get_context_data(historical_form=form))


def _union(querysets):
    """One query for the usable lots of several products (each `lots_usable` is a filter)."""
    combined = Stock.objects.none()
    for queryset in querysets:
        combined = combined | queryset
    return combined.order_by("lot__product__name", "lot__expires_on", "lot_id")
