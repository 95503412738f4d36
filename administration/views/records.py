"""The provider portal's dose records: the list, a record, its correction, voiding and adverse
events; walk-ins found by name and date of birth; today's clinics to record from.

Every record is looked up within the locations the person may work at, so a record of another
organization (or of a location a vaccinator isn't assigned to) is a 404.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView

from administration import record_selectors, recording
from administration.record_forms import (
    AdverseEventForm,
    CorrectionForm,
    DoseForm,
    RefusalForm,
    VoidForm,
    WalkInSearchForm,
)
from administration.views.provider_records import dose_volume
from cvms.access import ProviderPortalView
from cvms.audit import audit
from cvms.roles import PROVIDER_ADMINS, PROVIDER_STAFF
from enrollment.interface import locations_for
from inventory.interface import lots_usable, products_active
from inventory.models import Lot, Stock
from recipients.models import Recipient


class RecordsView(ProviderPortalView, ListView):
    roles = PROVIDER_STAFF
    template_name = "administration/provider_records.html"
    context_object_name = "records"
    paginate_by = 50

    def get_queryset(self):
        self.search = self.request.GET.get("q", "").strip()
        return record_selectors.records_for(
            user=self.request.user, organization=self.request.organization, search=self.search
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"search": self.search}


class RecordScopedMixin:
    def get_record(self):
        record = record_selectors.record_for(
            user=self.request.user, organization=self.request.organization, record_pk=self.kwargs["record_pk"]
        )
        if record is None:
            raise Http404
        return record


class RecordDetailView(RecordScopedMixin, ProviderPortalView, TemplateView):
    """One record: seeing it is seeing a person's health record, so it is audited."""

    roles = PROVIDER_STAFF
    template_name = "administration/provider_record.html"

    def get_context_data(self, **kwargs):
        record = self.get_record()
        audit(action="administration.dose.viewed", by=self.request.user, target=record, request=self.request)
        return super().get_context_data(**kwargs) | {
            "record": record,
            "adverse_events": list(record.adverse_events.all()),
            "can_change": self.request.membership.role in PROVIDER_ADMINS and record.status != "voided",
            "form": kwargs.get("form") or AdverseEventForm(),
        }


class RecordCorrectView(RecordScopedMixin, ProviderPortalView, TemplateView):
    roles = PROVIDER_ADMINS
    template_name = "administration/provider_record_correct.html"

    def get_form(self, record):
        locations = locations_for(self.request.user, self.request.organization)
        lots = (
            Lot.objects.filter(product=record.product)
            .select_related("product")
            .order_by("expires_on", "number")
        )
        initial = {
            "location": record.location_id,
            "lot": record.lot_id,
            "dose_number": record.dose_number,
            "administered_at": timezone.localtime(record.administered_at).strftime("%Y-%m-%dT%H:%M"),
            "route": record.route,
            "site": record.site,
            "volume_ml": record.volume_ml,
            "product_exception": record.product_exception,
        }
        return CorrectionForm(self.request.POST or None, lots=lots, locations=locations, initial=initial)

    def get(self, request, *args, **kwargs):
        record = self.get_record()
        if record.refused or record.status == "voided":
            messages.error(request, _("Only a standing dose can be corrected."))
            return redirect("provider:administration.record", record_pk=record.pk)
        return self.render_to_response(self.get_context_data(record=record, form=self.get_form(record)))

    def post(self, request, *args, **kwargs):
        record = self.get_record()
        form = self.get_form(record)
        if form.is_valid():
            data = form.cleaned_data
            try:
                recording.dose_correct(
                    record=record,
                    location=data["location"],
                    details=recording.DoseDetails(
                        product=data["lot"].product,
                        lot=data["lot"],
                        dose_number=data["dose_number"],
                        administered_at=data["administered_at"],
                        route=data["route"],
                        site=data["site"],
                        volume_ml=data["volume_ml"],
                        product_exception=data["product_exception"],
                    ),
                    reason=data["reason"],
                    by=request.user,
                    request=request,
                )
            except recording.RecordingError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, _("The record was corrected."))
                return redirect("provider:administration.record", record_pk=record.pk)
        return self.render_to_response(self.get_context_data(record=record, form=form))


class RecordVoidView(RecordScopedMixin, ProviderPortalView, TemplateView):
    """GET asks for the reason and a confirmation; POST voids (the record stays, marked void)."""

    roles = PROVIDER_ADMINS
    template_name = "administration/provider_record_void.html"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(record=self.get_record(), form=VoidForm()))

    def post(self, request, *args, **kwargs):
        record = self.get_record()
        form = VoidForm(request.POST)
        if form.is_valid():
            try:
                recording.dose_void(
                    record=record, reason=form.cleaned_data["reason"], by=request.user, request=request
                )
            except recording.RecordingError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, _("The record was voided."))
                return redirect("provider:administration.record", record_pk=record.pk)
        return self.render_to_response(self.get_context_data(record=record, form=form))


class AdverseEventCreateView(RecordScopedMixin, ProviderPortalView, TemplateView):
    """POST only: the form is on the record's page."""

    roles = PROVIDER_STAFF
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        record = self.get_record()
        form = AdverseEventForm(request.POST)
        if form.is_valid():
            try:
                recording.adverse_event_record(
                    record=record, by=request.user, request=request, **form.cleaned_data
                )
            except recording.RecordingError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, _("The adverse event was recorded."))
                return redirect("provider:administration.record", record_pk=record.pk)
        view = RecordDetailView(request=request, kwargs=self.kwargs)
        return view.render_to_response(view.get_context_data(form=form))


class TodayView(ProviderPortalView, TemplateView):
    """Today's clinics at the person's locations: each opens its list of appointments to record."""

    roles = PROVIDER_STAFF
    template_name = "administration/provider_today.html"

    def get_context_data(self, **kwargs):
        clinics = record_selectors.clinics_today(
            user=self.request.user, organization=self.request.organization, on=timezone.localdate()
        )
        return super().get_context_data(**kwargs) | {"clinics": clinics}


class WalkInView(ProviderPortalView, TemplateView):
    """Find a person who walked in, by last name and date of birth (first name narrows)."""

    roles = PROVIDER_STAFF
    template_name = "administration/provider_walk_in.html"

    def get_context_data(self, **kwargs):
        form = WalkInSearchForm(self.request.GET or None)
        people = None
        if form.is_valid():
            people = record_selectors.walk_in_matches(**form.cleaned_data)
            audit(
                action="administration.walk_in.searched",
                by=self.request.user,
                request=self.request,
                data={"found": [person.pk for person in people]},
            )
        return super().get_context_data(**kwargs) | {"form": form, "people": people}


class WalkInRecordView(ProviderPortalView, TemplateView):
    """Record a walk-in's dose, or their refusal, at one of the person's locations."""

    roles = PROVIDER_STAFF
    template_name = "administration/provider_walk_in_record.html"
    redirects_on_get = True  # without a person chosen, back to the search

    def dispatch_objects(self):
        source = self.request.POST if self.request.method == "POST" else self.request.GET
        try:
            self.recipient = get_object_or_404(Recipient, pk=int(source.get("recipient", "")))
        except ValueError:
            raise Http404 from None
        self.locations = locations_for(self.request.user, self.request.organization)
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
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context |= {"recipient": self.recipient, "location": self.location, "locations": self.locations}
        if self.location is not None:
            context.setdefault("form", kwargs.get("form") or DoseForm(stocks=self.stocks))
            context.setdefault(
                "refusal_form",
                kwargs.get("refusal_form") or RefusalForm(products=products_active()),
            )
        return context

    def post(self, request, *args, **kwargs):
        self.dispatch_objects()
        if self.location is None:
            raise Http404
        if request.POST.get("action") == "refuse":
            return self._refuse()
        form = DoseForm(request.POST, stocks=self.stocks)
        if form.is_valid():
            data = form.cleaned_data
            lot = data["lot"].lot
            try:
                recording.dose_record(
                    recipient=self.recipient,
                    location=self.location,
                    details=recording.DoseDetails(
                        product=lot.product,
                        lot=lot,
                        dose_number=data["dose_number"],
                        administered_at=data["administered_at"],
                        route=data["route"],
                        site=data["site"],
                        volume_ml=data["volume_ml"]
                        if data["volume_ml"] is not None
                        else dose_volume(lot.product),
                        product_exception=data["product_exception"],
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
                return redirect("provider:administration.walk_in")
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


def _union(querysets):
    """One query for the usable lots of several products (each `lots_usable` is a filter)."""
    combined = Stock.objects.none()
    for queryset in querysets:
        combined = combined | queryset
    return combined.order_by("lot__product__name", "lot__expires_on", "lot_id")
