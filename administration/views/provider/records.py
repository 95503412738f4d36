"""The provider portal's dose records: the list, a record, its correction, voiding and adverse
events.

Every record is looked up within the locations the person may work at, so a record of another
organization (or of a location a vaccinator isn't assigned to) is a 404.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView

from administration.enums import RecordStatus
from administration.forms.records import AdverseEventForm, CorrectionForm, RecordSearchForm, VoidForm
from administration.selectors import records as record_selectors
from administration.services import recording, visits
from cvms.access import ProviderPortalView
from cvms.audit import audit
from cvms.roles import PROVIDER_ADMINS, PROVIDER_STAFF
from cvms.searches import PostedSearchMixin, search_audit
from inventory.models import Lot


class RecordsView(PostedSearchMixin, ProviderPortalView, ListView):
    """The records of the person's locations, newest first, searched by name, lot or form
    number: the terms are POSTed (never in a URL), and each page of people shown is audited."""

    roles = PROVIDER_STAFF
    template_name = "administration/provider_records.html"
    context_object_name = "records"
    paginate_by = 50
    search_form_class = RecordSearchForm

    def get_queryset(self):
        form = self.search_form()
        search = form.cleaned_data["q"].strip() if form.is_bound and form.is_valid() else ""
        return record_selectors.records_for(locations=self.request.locations, search=search)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.search_form()
        search_audit(
            action="administration.record.searched",
            request=self.request,
            form=context["form"],
            found=[record.pk for record in context["records"]],
        )
        return context


class RecordScopedMixin:
    def get_record(self):
        record = record_selectors.record_for(
            locations=self.request.locations, record_pk=self.kwargs["record_pk"]
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
            "can_change": (
                self.request.membership.role in PROVIDER_ADMINS and record.status != RecordStatus.VOIDED
            ),
            "form": kwargs.get("form") or AdverseEventForm(),
            # What's next for the person (the forecaster), and what is booked for it.
            "next_dose": visits.next_dose_forecast(record.recipient),
            "booked": visits.booked_appointments(record.recipient),
        }


class RecordCorrectView(RecordScopedMixin, ProviderPortalView, TemplateView):
    roles = PROVIDER_ADMINS
    template_name = "administration/provider_record_correct.html"

    def get_form(self, record):
        locations = self.request.locations
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
            **{name: getattr(record, name) for name in CorrectionForm.EXTRAS},
        }
        return CorrectionForm(
            self.request.POST or None,
            lots=lots,
            locations=locations,
            recipient=record.recipient,
            initial=initial,
        )

    def get(self, request, *args, **kwargs):
        record = self.get_record()
        if record.refused or record.status == RecordStatus.VOIDED:
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
                    details=form.dose_details(product=data["lot"].product, lot=data["lot"]),
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
