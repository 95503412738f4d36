"""State portal: allocation plans (proposed, adjusted, published, reallocated), corrections of an
allocation before it ships, and the approval of redistribution requests. Thin views: the gate,
a form, one service, a message, a redirect."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, View

from cvms.access import StatePortalView
from inventory import planning, selectors
from inventory.enums import PlanStatus, RedistributionStatus
from inventory.forms import (
    AllocationCancelForm,
    AllocationChangeForm,
    DeadlineForm,
    PlanForm,
    PlanLineForm,
    RedistributionDecisionForm,
)
from inventory.models import Allocation, AllocationPlan, AllocationPlanLine, RedistributionRequest
from inventory.services.allocations import allocation_cancel, allocation_change, allocation_ship, week_start
from inventory.services.errors import InventoryError
from inventory.services.planning import plan_create, plan_line_adjust, plan_publish, plan_reallocate
from inventory.services.redistribution import redistribution_approve, redistribution_refuse


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


# --- Plans -------------------------------------------------------------------------------------


class PlanListView(StatePortalView, ListView):
    template_name = "inventory/state/plans.html"
    paginate_by = 50
    context_object_name = "plans"

    def get_queryset(self):
        return planning.plans().order_by("-week", "-id")


class PlanCreateView(StatePortalView, FormView):
    template_name = "inventory/state/plan_form.html"
    form_class = PlanForm

    def get_initial(self):
        return {"week": week_start(timezone.localdate())}

    def form_valid(self, form):
        try:
            plan = plan_create(by=self.request.user, request=self.request, **form.cleaned_data)
        except InventoryError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("The proposal is ready: check each line, adjust, then publish."))
        return redirect("state:inventory.plan", plan_pk=plan.pk)


class PlanDetailView(StatePortalView, ListView):
    """The proposal, line by line with what explains it; the totals; publish or reallocate."""

    template_name = "inventory/state/plan.html"
    paginate_by = 100
    context_object_name = "lines"

    def get_plan(self) -> AllocationPlan:
        if not hasattr(self, "_plan"):
            self._plan = get_object_or_404(
                AllocationPlan.objects.select_related("product"), pk=self.kwargs["plan_pk"]
            )
        return self._plan

    def get_queryset(self):
        return planning.plan_lines(plan=self.get_plan())

    def get_context_data(self, **kwargs):
        plan = self.get_plan()
        allocated = planning.plan_allocated(plan=plan)
        offered = planning.plan_offered(plan=plan)
        return super().get_context_data(
            plan=plan,
            is_draft=plan.status == PlanStatus.DRAFT,
            proposed_total=planning.plan_lines_total(plan=plan),
            allocated=allocated,
            offered=offered,
            pool=plan.supply - allocated - offered,
            deadline_form=DeadlineForm(),
            **kwargs,
        )


class PlanLineAdjustView(StatePortalView, View):
    http_method_names = ["post"]

    def post(self, request, plan_line_pk: int):
        line = get_object_or_404(
            AllocationPlanLine.objects.select_related("plan", "location"), pk=plan_line_pk
        )
        form = PlanLineForm(request.POST)
        if form.is_valid():
            try:
                plan_line_adjust(
                    line=line, doses=form.cleaned_data["doses"], by=request.user, request=request
                )
            except InventoryError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    _("%(location)s: %(doses)s doses.")
                    % {"location": line.location.name, "doses": form.cleaned_data["doses"]},
                )
        else:
            _form_errors(request, form)
        return redirect("state:inventory.plan", plan_pk=line.plan_id)


class PlanPublishView(StatePortalView, View):
    http_method_names = ["post"]

    def post(self, request, plan_pk: int):
        plan = get_object_or_404(AllocationPlan, pk=plan_pk)
        form = DeadlineForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
            return redirect("state:inventory.plan", plan_pk=plan.pk)
        try:
            self.act(plan=plan, respond_by=form.cleaned_data["respond_by"])
        except InventoryError as error:
            messages.error(request, str(error))
        return redirect("state:inventory.plan", plan_pk=plan.pk)

    def act(self, *, plan, respond_by):
        plan_publish(plan=plan, respond_by=respond_by, by=self.request.user, request=self.request)
        messages.success(self.request, _("The plan is published and each location was told of its offer."))


class PlanReallocateView(PlanPublishView):
    def act(self, *, plan, respond_by):
        lines = plan_reallocate(plan=plan, respond_by=respond_by, by=self.request.user, request=self.request)
        messages.success(
            self.request,
            _("%(doses)s declined doses were offered to %(n)s locations.")
            % {"doses": sum(line.doses for line in lines), "n": len(lines)},
        )


# --- Allocation corrections --------------------------------------------------------------------


class AllocationMixin:
    def get_allocation(self) -> Allocation:
        return get_object_or_404(selectors.allocations(), pk=self.kwargs["allocation_pk"])


class AllocationChangeView(StatePortalView, AllocationMixin, FormView):
    """Correct the doses of an allocation, or cancel it, until it ships (with a reason)."""

    template_name = "inventory/state/allocation_change.html"
    form_class = AllocationChangeForm

    def get_initial(self):
        return {"doses": self.get_allocation().doses}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            allocation=self.get_allocation(), cancel_form=AllocationCancelForm(), **kwargs
        )

    def form_valid(self, form):
        allocation = self.get_allocation()
        try:
            allocation_change(
                allocation=allocation, by=self.request.user, request=self.request, **form.cleaned_data
            )
        except InventoryError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("The allocation was changed."))
        return redirect("state:inventory.allocations")


class AllocationCancelView(StatePortalView, AllocationMixin, View):
    http_method_names = ["post"]

    def post(self, request, allocation_pk: int):
        allocation = self.get_allocation()
        form = AllocationCancelForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
            return redirect("state:inventory.allocation.change", allocation_pk=allocation.pk)
        try:
            allocation_cancel(
                allocation=allocation, reason=form.cleaned_data["reason"], by=request.user, request=request
            )
        except InventoryError as error:
            messages.error(request, str(error))
            return redirect("state:inventory.allocation.change", allocation_pk=allocation.pk)
        messages.success(request, _("The allocation was cancelled."))
        return redirect("state:inventory.allocations")


class AllocationShipView(StatePortalView, AllocationMixin, View):
    http_method_names = ["post"]

    def post(self, request, allocation_pk: int):
        try:
            allocation_ship(allocation=self.get_allocation(), by=request.user, request=request)
        except InventoryError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The allocation is marked as shipped."))
        return redirect("state:inventory.allocations")


# --- Redistribution ----------------------------------------------------------------------------


def _requests_awaiting():
    return RedistributionRequest.objects.filter(status=RedistributionStatus.AWAITING_APPROVAL).select_related(
        "posting__location__organization",
        "posting__location__county",
        "posting__lot__product",
        "location__organization",
        "location__county",
    )


class RedistributionListView(StatePortalView, ListView):
    template_name = "inventory/state/redistribution.html"
    paginate_by = 50
    context_object_name = "requests"

    def get_queryset(self):
        return _requests_awaiting().order_by("posting__lot__expires_on", "requested_at", "id")


class RedistributionDecideView(StatePortalView, View):
    http_method_names = ["post"]

    def post(self, request, redistribution_pk: int):
        asked = get_object_or_404(_requests_awaiting(), pk=redistribution_pk)
        form = RedistributionDecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose to approve or refuse the request."))
            return redirect("state:inventory.redistribution")
        try:
            if form.cleaned_data["decision"] == "approve":
                redistribution_approve(asked=asked, by=request.user, request=request)
                messages.success(request, _("The request was approved and the doses moved."))
            else:
                redistribution_refuse(
                    asked=asked, note=form.cleaned_data["note"], by=request.user, request=request
                )
                messages.success(request, _("The request was refused; nothing moved."))
        except InventoryError as error:
            messages.error(request, str(error))
        return redirect("state:inventory.redistribution")
