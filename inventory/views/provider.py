"""Inventory pages of the provider portal. Every object is looked up within the locations the
person may work at (`request.locations`, set by the gate), so another organization's location,
stock, shipment or transfer is 404, and so is another location's for a vaccinator."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, TemplateView, View

from cvms.access import ProviderPortalView
from cvms.hooks import contributions
from cvms.roles import PROVIDER_ADMINS
from cvms.spreadsheets import csv_download
from enrollment.models import Location
from inventory import exports, selectors
from inventory.enums import SHIPMENT_IN_FLIGHT, TransferStatus
from inventory.forms import (
    InventoryLevelsForm,
    LedgerFilterForm,
    PeriodForm,
    ShipmentReceiveForm,
    ShipmentRecordForm,
    TransferForm,
)
from inventory.models import Shipment
from inventory.services.counts import inventory_report_submit
from inventory.services.errors import InventoryError
from inventory.services.shipments import shipment_receive, shipment_record
from inventory.services.transfers import transfer_create


class LocationMixin:
    """Resolves `location_pk` among the locations the person may work at (`request.locations`,
    set by the gate: all of the organization's for its administrators, the assigned ones for a
    vaccinator), 404 otherwise."""

    def get_location(self) -> Location:
        if not hasattr(self, "_location"):
            self._location = get_object_or_404(
                self.request.locations.select_related("organization", "county"),
                pk=self.kwargs["location_pk"],
            )
        return self._location


class StockView(ProviderPortalView, ListView):
    """Stock on hand at the organization's locations, per product and lot, next to the ledger."""

    template_name = "inventory/provider/stock.html"
    paginate_by = 50
    context_object_name = "stocks"

    def get_queryset(self):
        return selectors.stock_levels(organization=self.request.organization, with_ledger=True).filter(
            location__in=self.request.locations
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["locations"] = self.request.locations.order_by("name")
        context["expected"] = (
            selectors.shipments_for(locations=self.request.locations)
            .filter(status__in=SHIPMENT_IN_FLIGHT)
            .count()
        )
        context["soon_days"] = selectors.EXPIRING_SOON_DAYS
        return context


class LedgerView(ProviderPortalView, LocationMixin, ListView):
    template_name = "inventory/provider/ledger.html"
    paginate_by = 50
    context_object_name = "movements"

    def filter_form(self) -> LedgerFilterForm:
        form = LedgerFilterForm(self.request.GET or None)
        form.is_valid()
        return form

    def filtered(self):
        form = self.filter_form()
        data = getattr(form, "cleaned_data", {}) if form.is_bound else {}
        lot = selectors.lot_find(number=data["lot"]) if data.get("lot") else None
        movements = selectors.ledger(
            location=self.get_location(),
            kind=data.get("kind", ""),
            lot=lot,
            since=data.get("since"),
            until=data.get("until"),
        )
        if data.get("lot") and lot is None:
            movements = movements.none()
        return form, movements

    def get_queryset(self):
        self.form, movements = self.filtered()
        return movements

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["location"] = self.get_location()
        context["form"] = self.form
        context["query"] = self.request.GET.urlencode()
        return context


class LedgerCsvView(LedgerView):
    """The filtered ledger as CSV, streamed row by row."""

    def get(self, request, *args, **kwargs):
        _form, movements = self.filtered()
        location = self.get_location()
        filename = f"ledger-location-{location.pk}-{timezone.localdate():%Y%m%d}.csv"
        return csv_download(filename, exports.LEDGER_HEADER, exports.ledger_rows(movements))


class ShipmentListView(ProviderPortalView, ListView):
    template_name = "inventory/provider/shipments.html"
    paginate_by = 50
    context_object_name = "shipments"

    def get_queryset(self):
        return (
            selectors.shipments_for(locations=self.request.locations)
            .select_related("location", "product", "lot")
            .order_by("-status", "-created_at", "-id")
        )


class ShipmentReceiveView(ProviderPortalView, FormView):
    template_name = "inventory/provider/shipment_receive.html"
    form_class = ShipmentReceiveForm

    def get_shipment(self) -> Shipment:
        return get_object_or_404(
            selectors.shipments_for(locations=self.request.locations), pk=self.kwargs["shipment_pk"]
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(shipment=self.get_shipment(), **kwargs)

    def form_valid(self, form):
        shipment = self.get_shipment()
        try:
            shipment_receive(
                shipment=shipment, by=self.request.user, request=self.request, **form.cleaned_data
            )
        except InventoryError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("The shipment was received into stock."))
        return redirect("provider:inventory.stock")


class ShipmentRecordView(ProviderPortalView, FormView):
    """Doses received from elsewhere than a state allocation."""

    template_name = "inventory/provider/shipment_record.html"
    form_class = ShipmentRecordForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "locations": self.request.locations}

    def form_valid(self, form):
        try:
            shipment_record(by=self.request.user, request=self.request, **form.cleaned_data)
        except InventoryError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("The doses were recorded into stock."))
        return redirect("provider:inventory.stock")


class TransferListView(ProviderPortalView, ListView):
    template_name = "inventory/provider/transfers.html"
    paginate_by = 50
    context_object_name = "transfers"

    def get_queryset(self):
        return selectors.transfers_for(locations=self.request.locations)


class TransferCreateView(ProviderPortalView, FormView):
    roles = PROVIDER_ADMINS
    template_name = "inventory/provider/transfer_form.html"
    form_class = TransferForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "organization": self.request.organization}

    def form_valid(self, form):
        stock = form.cleaned_data["stock"]
        try:
            transfer = transfer_create(
                from_location=stock.location,
                to_location=form.cleaned_data["to_location"],
                lot=stock.lot,
                doses=form.cleaned_data["doses"],
                note=form.cleaned_data["note"],
                by=self.request.user,
                request=self.request,
            )
        except InventoryError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        if transfer.status == TransferStatus.COMPLETED:
            messages.success(self.request, _("The doses were transferred."))
        else:
            messages.success(self.request, _("The transfer awaits the state's approval."))
        return redirect("provider:inventory.transfers")


class InventoryLevelsView(ProviderPortalView, LocationMixin, FormView):
    """The online "Inventory Levels" form for one location."""

    template_name = "inventory/provider/inventory_levels.html"
    form_class = InventoryLevelsForm

    def get_stocks(self):
        return selectors.stock_levels(location=self.get_location(), include_empty=False)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "stocks": self.get_stocks()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(location=self.get_location(), **kwargs)

    def form_valid(self, form):
        try:
            inventory_report_submit(
                location=self.get_location(),
                counted_on=form.cleaned_data["counted_on"],
                note=form.cleaned_data["note"],
                lines=form.lines(),
                by=self.request.user,
                request=self.request,
            )
        except InventoryError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("The inventory levels were recorded."))
        return redirect("provider:inventory.stock")


class WastageView(ProviderPortalView, TemplateView):
    """Doses wasted or expired per month and reason, and the printable report per location."""

    template_name = "inventory/wastage.html"

    def get_context_data(self, **kwargs):
        since = timezone.localdate().replace(day=1) - timedelta(days=365)
        return super().get_context_data(
            rows=selectors.wastage_by_reason(locations=self.request.locations, since=since),
            locations=self.request.locations.order_by("name"),
            period_form=PeriodForm(),
            **kwargs,
        )


class WastageReportPdfView(ProviderPortalView, LocationMixin, View):
    """Asks for the printable wasted/expired doses report of a location for a period (the
    provider's PIN in the top right-hand corner, as on the state registry's report): the PDF is
    made in the background, on the PDF workers, and the job's page follows it, then offers it."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        location = self.get_location()
        form = PeriodForm(request.POST or None)
        if form.is_bound and form.is_valid():
            since, until = form.cleaned_data["since"], form.cleaned_data["until"]
        else:
            until = timezone.localdate()
            since = until.replace(day=1)
        answers = contributions("wastage_report_request")
        if not answers:
            raise Http404  # no app makes the report's PDF
        job_page = answers[0](
            location=location,
            since=since,
            until=until,
            by=request.user,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            request=request,
        )
        messages.success(request, _("The PDF is being prepared."))
        return redirect(job_page)
