"""Inventory pages of the state portal: allocations, the catalogue, stock across the state,
transfers awaiting approval, wastage."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import CreateView, ListView, TemplateView, View

from cvms.access import StatePortalView
from cvms.dbrouter import ReplicaReadsMixin
from cvms.inputs import search_text
from cvms.pagination import BoundedPaginator
from cvms.rows import esc, intcomma, local_date, rows_html
from inventory import selectors
from inventory.forms import AllocationForm, ProductForm, StateStockFilterForm, TransferDecisionForm
from inventory.models import Product
from inventory.services.allocations import allocation_create, week_start
from inventory.services.catalogue import product_create
from inventory.services.errors import InventoryError
from inventory.services.transfers import transfer_approve, transfer_refuse


class StateStockView(StatePortalView, ReplicaReadsMixin, ListView):
    """Stock on hand across the state by product, lot and county."""

    template_name = "inventory/state/stock.html"
    paginate_by = 50
    paginator_class = BoundedPaginator
    context_object_name = "stocks"

    def get_queryset(self):
        self.form = StateStockFilterForm(self.request.GET or None)
        data = self.form.cleaned_data if self.form.is_bound and self.form.is_valid() else {}
        county = data.get("county")
        self.county_id = county.pk if county else None
        self.filters = {
            "product": data.get("product"),
            "county_id": self.county_id,
            "lot_number": data.get("lot", ""),
        }
        return selectors.stock_level_rows(**self.filters)

    def get_paginator(self, queryset, *args, **kwargs):
        # Counted without the joins that only name what a row shows (planned in 0.07 ms, not 1 ms).
        counted = selectors.stock_levels(**self.filters).values("pk")
        return super().get_paginator(queryset, *args, count_rows=counted, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.form
        context["totals"] = selectors.stock_totals(county_id=self.county_id)
        context["soon_days"] = selectors.EXPIRING_SOON_DAYS
        # Both tables' rows written in Python (cvms/rows.py): their markup is in _total_row and
        # _stock_row below.
        context["total_rows"] = rows_html(context["totals"], _total_row)
        # Written as `{% translate %}` writes them: the catalogue's text, not escaped.
        expired = _("Expired — can't be used")
        soon = _("Expires soon")
        context["stock_rows"] = rows_html(context["stocks"], lambda stock: _stock_row(stock, expired, soon))
        return context


def _total_row(row: dict) -> str:
    return (
        f"<tr><td>{esc(row['location__county__name'])}</td><td>{esc(row['lot__product__name'])}</td>"
        f'<td class="text-end">{intcomma(row["doses"])}</td></tr>\n'
    )


def _stock_row(stock: dict, expired: str, soon: str) -> str:
    """A `stock_level_rows` row; expired lots in red, lots expiring soon in yellow."""
    if stock["is_expired"]:
        tr, badge = ' class="table-danger"', f'<span class="badge text-bg-danger">{expired}</span>'
    elif stock["expires_soon"]:
        tr, badge = ' class="table-warning"', f'<span class="badge text-bg-warning">{soon}</span>'
    else:
        tr, badge = "", ""
    return (
        f"<tr{tr}>\n"
        f'      <td>{esc(stock["location_name"])} <span class="text-body-secondary">'
        f"({esc(stock['organization_name'])})</span></td><td>{esc(stock['county_name'])}</td>\n"
        f"      <td>{esc(stock['product_name'])}</td><td>{esc(stock['lot_number'])}</td>"
        f"<td>{esc(local_date(stock['expires_on'], 'Y-m-d'))}</td>\n"
        f'      <td class="text-end">{intcomma(stock["on_hand"])}</td><td>{badge}</td></tr>\n'
    )


class AllocationListView(StatePortalView, ListView):
    template_name = "inventory/state/allocations.html"
    paginate_by = 50
    paginator_class = BoundedPaginator
    context_object_name = "allocations"

    def get_queryset(self):
        return selectors.allocations()


class AllocationCreateView(StatePortalView, TemplateView):
    """Choose a week, product and location: the form shows the location's capacity, stock,
    throughput and booked appointments; then allocate doses within its capacity."""

    template_name = "inventory/state/allocation_form.html"

    def get(self, request, *args, **kwargs):
        form = AllocationForm(request.GET or None, initial={"week": week_start(timezone.localdate())})
        planning = None
        if form.is_bound and form.is_valid():
            planning = selectors.allocation_planning(
                location=form.cleaned_data["location"], product=form.cleaned_data["product"]
            )
        return self.render_to_response(self.get_context_data(form=form, planning=planning))

    def post(self, request, *args, **kwargs):
        form = AllocationForm(request.POST, require_doses=True)
        planning = None
        if form.is_valid():
            data = form.cleaned_data
            try:
                allocation_create(
                    week=data["week"],
                    product=data["product"],
                    location=data["location"],
                    doses=data["doses"],
                    by=request.user,
                    request=request,
                )
            except InventoryError as error:
                form.add_error("doses", str(error))
            else:
                messages.success(
                    request,
                    _("%(doses)s doses of %(product)s allocated to %(location)s.")
                    % {
                        "doses": data["doses"],
                        "product": data["product"].name,
                        "location": data["location"].name,
                    },
                )
                return redirect("state:inventory.allocations")
            planning = selectors.allocation_planning(location=data["location"], product=data["product"])
        return self.render_to_response(self.get_context_data(form=form, planning=planning))


class ProductListView(StatePortalView, ListView):
    template_name = "inventory/state/products.html"
    paginate_by = 50
    context_object_name = "products"

    def get_queryset(self):
        products = Product.objects.order_by("-is_active", "name", "ndc")
        self.query = query = search_text(self.request)
        if query:
            products = (
                products.filter(name__icontains=query)
                | products.filter(ndc__icontains=query)
                | (products.filter(cvx=query))
            )
        return products

    def get_context_data(self, **kwargs):
        return super().get_context_data(q=self.query, **kwargs)


class ProductCreateView(StatePortalView, CreateView):
    template_name = "inventory/state/product_form.html"
    form_class = ProductForm

    def form_valid(self, form):
        try:
            product = product_create(by=self.request.user, request=self.request, **form.cleaned_data)
        except InventoryError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("%(product)s was added to the catalogue.") % {"product": product})
        return redirect("state:inventory.products")


class TransferApprovalListView(StatePortalView, ListView):
    template_name = "inventory/state/transfers.html"
    paginate_by = 50
    context_object_name = "transfers"

    def get_queryset(self):
        return selectors.transfers_awaiting_approval()


class TransferDecideView(StatePortalView, View):
    http_method_names = ["post"]

    def post(self, request, transfer_pk: int):
        transfer = get_object_or_404(selectors.transfers_awaiting_approval(), pk=transfer_pk)
        form = TransferDecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose to approve or refuse the transfer."))
            return redirect("state:inventory.transfers")
        try:
            if form.cleaned_data["decision"] == "approve":
                transfer_approve(transfer=transfer, by=request.user, request=request)
                messages.success(request, _("The transfer was approved and the doses moved."))
            else:
                transfer_refuse(
                    transfer=transfer, by=request.user, note=form.cleaned_data["note"], request=request
                )
                messages.success(request, _("The transfer was refused."))
        except InventoryError as error:
            messages.error(request, str(error))
        return redirect("state:inventory.transfers")


class StateWastageView(StatePortalView, ReplicaReadsMixin, TemplateView):
    template_name = "inventory/wastage.html"

    def get_context_data(self, **kwargs):
        since = timezone.localdate().replace(day=1) - timedelta(days=365)
        return super().get_context_data(rows=selectors.wastage_by_reason(since=since), **kwargs)
