"""Provider portal: the state's allocation offers (accept all, some or none by the deadline) and
redistribution (post doses the location can't use; request doses others posted). Everything of
a location is looked up within the locations the person may work at (`request.locations`), so
another organization's offer or posting is a 404."""

from django.contrib import messages
from django.db.models import Case, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, TemplateView, View

from cvms.access import ProviderPortalView
from cvms.roles import PROVIDER_ADMINS
from inventory import planning
from inventory.enums import OfferStatus, RedistributionStatus, SurplusStatus
from inventory.forms import OfferAnswerForm, RedistributionRequestForm, SurplusPostForm
from inventory.models import AllocationPlanLine, RedistributionRequest, SurplusPosting
from inventory.services.errors import InventoryError
from inventory.services.planning import offer_respond
from inventory.services.redistribution import redistribution_request, surplus_post, surplus_withdraw


def _may_act(request) -> bool:
    """Whether the person may answer offers and offer or request doses (administrators): the
    pages leave out the buttons a vaccinator can't use."""
    return request.membership is not None and request.membership.role in PROVIDER_ADMINS


# --- Allocation offers -------------------------------------------------------------------------


class OfferListView(ProviderPortalView, ListView):
    template_name = "inventory/provider/offers.html"
    paginate_by = 50
    context_object_name = "offers"

    def get_queryset(self):
        return planning.offers_for(locations=self.request.locations)

    def get_context_data(self, **kwargs):
        return super().get_context_data(now=timezone.now(), may_act=_may_act(self.request), **kwargs)


class OfferRespondView(ProviderPortalView, FormView):
    roles = PROVIDER_ADMINS
    template_name = "inventory/provider/offer_respond.html"
    form_class = OfferAnswerForm

    def get_offer(self) -> AllocationPlanLine:
        if not hasattr(self, "_offer"):
            self._offer = get_object_or_404(
                planning.offers_for(locations=self.request.locations), pk=self.kwargs["plan_line_pk"]
            )
        return self._offer

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "offered": self.get_offer().doses}

    def get_context_data(self, **kwargs):
        offer = self.get_offer()
        return super().get_context_data(
            offer=offer,
            is_open=offer.status == OfferStatus.OFFERED and offer.respond_by > timezone.now(),
            **kwargs,
        )

    def form_valid(self, form):
        offer = self.get_offer()
        doses = form.cleaned_data["doses"]
        try:
            offer_respond(line=offer, doses=doses, by=self.request.user, request=self.request)
        except InventoryError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        if doses:
            messages.success(
                self.request,
                _("%(doses)s doses accepted: they are allocated to %(location)s for the week.")
                % {"doses": doses, "location": offer.location.name},
            )
        else:
            messages.success(self.request, _("The offer was declined; the doses go to other locations."))
        return redirect("provider:inventory.offers")


# --- Redistribution ----------------------------------------------------------------------------


def _with_moved(postings):
    """Each posting with the doses already moved and the doses left (one query)."""
    return postings.annotate(
        moved=Coalesce(Sum("requests__doses", filter=Q(requests__status=RedistributionStatus.APPROVED)), 0)
    ).annotate(left=F("doses") - F("moved"))


class SurplusView(ProviderPortalView, TemplateView):
    """The doses the organization's locations offer, the doses others offer (nearest first:
    the same county as one of the person's locations), and the requests made."""

    template_name = "inventory/provider/surplus.html"
    LIMIT = 100

    def get_context_data(self, **kwargs):
        locations = self.request.locations
        counties = locations.values("county_id")
        mine = _with_moved(
            SurplusPosting.objects.filter(location__in=locations).select_related("location", "lot__product")
        ).order_by("-posted_at", "-id")[: self.LIMIT]
        offered = (
            _with_moved(
                SurplusPosting.objects.filter(
                    status=SurplusStatus.OPEN, lot__expires_on__gte=timezone.localdate()
                )
                .exclude(location__organization=self.request.organization)
                .select_related("location__organization", "location__county", "lot__product")
            )
            .annotate(
                nearby=Case(
                    When(location__county_id__in=counties, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            )
            .order_by("nearby", "lot__expires_on", "id")[: self.LIMIT]
        )
        asked = (
            RedistributionRequest.objects.filter(location__in=locations)
            .select_related("posting__location__organization", "posting__lot__product", "location")
            .order_by("-requested_at", "-id")[: self.LIMIT]
        )
        return super().get_context_data(
            mine=mine, offered=offered, asked=asked, may_act=_may_act(self.request), **kwargs
        )


class SurplusPostView(ProviderPortalView, FormView):
    roles = PROVIDER_ADMINS
    template_name = "inventory/provider/surplus_form.html"
    form_class = SurplusPostForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "locations": self.request.locations}

    def form_valid(self, form):
        stock = form.cleaned_data["stock"]
        try:
            surplus_post(
                location=stock.location,
                lot=stock.lot,
                doses=form.cleaned_data["doses"],
                note=form.cleaned_data["note"],
                by=self.request.user,
                request=self.request,
            )
        except InventoryError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("The doses are offered to other locations."))
        return redirect("provider:inventory.surplus")


class SurplusWithdrawView(ProviderPortalView, View):
    roles = PROVIDER_ADMINS
    http_method_names = ["post"]

    def post(self, request, posting_pk: int):
        posting = get_object_or_404(
            SurplusPosting.objects.filter(location__in=request.locations), pk=posting_pk
        )
        try:
            surplus_withdraw(posting=posting, by=request.user, request=request)
        except InventoryError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The offer was withdrawn."))
        return redirect("provider:inventory.surplus")


class SurplusRequestView(ProviderPortalView, FormView):
    """Ask for doses another organization offers (open, not expired)."""

    roles = PROVIDER_ADMINS
    template_name = "inventory/provider/surplus_request.html"
    form_class = RedistributionRequestForm

    def get_posting(self) -> SurplusPosting:
        if not hasattr(self, "_posting"):
            self._posting = get_object_or_404(
                _with_moved(
                    SurplusPosting.objects.filter(status=SurplusStatus.OPEN)
                    .exclude(location__organization=self.request.organization)
                    .select_related("location__organization", "location__county", "lot__product")
                ),
                pk=self.kwargs["offered_posting_pk"],
            )
        return self._posting

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "locations": self.request.locations}

    def get_context_data(self, **kwargs):
        posting = self.get_posting()
        return super().get_context_data(posting=posting, left=posting.left, **kwargs)

    def form_valid(self, form):
        try:
            redistribution_request(
                posting=self.get_posting(), by=self.request.user, request=self.request, **form.cleaned_data
            )
        except InventoryError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Your request awaits the state's approval."))
        return redirect("provider:inventory.surplus")
