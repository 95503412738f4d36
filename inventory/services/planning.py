"""Allocation plans: a week's supply of a product proposed among the locations
(`inventory.proposals`), adjusted by an official, published as offers; each location accepts
all, some or none by the deadline; what is declined (or not answered, or cancelled later)
returns to the plan's pool, which one step offers again to the locations still wanting more."""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cvms.audit import audit
from cvms.emails import send_templated_email
from cvms.locking import lock_one
from cvms.models import User
from cvms.roles import Role
from enrollment.models import Location
from inventory import planning
from inventory.enums import (
    OFFER_STATUSES_REFUSING_MORE,
    AllocationStatus,
    OfferStatus,
    PlanStatus,
    ShipmentStatus,
)
from inventory.models import Allocation, AllocationPlan, AllocationPlanLine, Product
from inventory.proposals import Proposal, propose
from inventory.selectors import locations_allocatable
from inventory.services.allocations import allocation_add, week_start
from inventory.services.errors import InventoryError


class PlanError(InventoryError):
    pass


def _doses_per_vial(product: Product) -> int:
    return max(product.doses_per_vial or 1, 1)


def _line_from(plan: AllocationPlan, line, *, round: int, status: str, respond_by=None) -> AllocationPlanLine:
    candidate = line.candidate
    return AllocationPlanLine(
        plan=plan,
        location_id=candidate.location_id,
        round=round,
        waiting=line.waiting_decimal,
        svi=candidate.svi,
        weight=line.weight_decimal,
        storage_room=max(candidate.storage_room, 0),
        throughput=candidate.throughput,
        throughput_declared=candidate.throughput_declared,
        on_hand=candidate.on_hand,
        cap=line.cap,
        proposed=line.doses,
        doses=line.doses,
        status=status,
        respond_by=respond_by,
    )


def _proposal(*, product: Product, supply: int, locations=None, on: date | None = None) -> Proposal:
    return propose(
        supply=supply,
        doses_per_vial=_doses_per_vial(product),
        candidates=planning.plan_candidates(product=product, locations=locations, on=on),
        waiting=planning.people_waiting(),
    )


def _locations_without_another_allocation(*, week: date, product: Product, plan: AllocationPlan):
    """Allocatable locations, less those whose week already has an allocation of the product
    from elsewhere (by hand, or another plan): that one is changed, not added to."""
    elsewhere = Allocation.objects.filter(week=week, product=product, status=AllocationStatus.ACTIVE).exclude(
        plan=plan
    )
    return locations_allocatable().exclude(pk__in=elsewhere.values("location_id"))


@transaction.atomic
def plan_create(
    *, week: date, product: Product, supply: int, by: User, on: date | None = None, request=None
) -> AllocationPlan:
    """Propose `supply` doses of `product` for a week among every allocatable location, one
    line each, explained (a draft the official adjusts before publishing)."""
    if supply < 1:
        raise PlanError(_("Give the doses to allocate."))
    if not product.is_active:
        raise PlanError(_("%(product)s is no longer active.") % {"product": product.name})
    plan = AllocationPlan.objects.create(week=week_start(week), product=product, supply=supply, created_by=by)
    locations = _locations_without_another_allocation(week=plan.week, product=product, plan=plan)
    proposal = _proposal(product=product, supply=supply, locations=locations, on=on)
    AllocationPlanLine.objects.bulk_create(
        [_line_from(plan, line, round=1, status=OfferStatus.PROPOSED) for line in proposal.lines]
    )
    audit(
        action="inventory.plan.proposed",
        by=by,
        target=plan,
        request=request,
        data={
            "week": plan.week.isoformat(),
            "product": product.ndc,
            "supply": supply,
            "proposed": proposal.allocated,
            "locations": sum(1 for line in proposal.lines if line.doses),
        },
    )
    return plan


def _plan_locked(plan: AllocationPlan) -> AllocationPlan:
    return lock_one(AllocationPlan.objects.select_related("product"), pk=plan.pk)


@transaction.atomic
def plan_line_adjust(*, line: AllocationPlanLine, doses: int, by: User, request=None) -> AllocationPlanLine:
    """The official's figure for one location of a draft plan: whole vials, within the
    location's storage room (the throughput cap is the system's advice, not a limit)."""
    # The plan's lock covers its lines: every change of a plan or of its lines takes it first.
    plan = _plan_locked(line.plan)
    line = AllocationPlanLine.objects.select_related("location").get(pk=line.pk)
    if plan.status != PlanStatus.DRAFT:
        raise PlanError(_("This plan is published: change the allocations themselves."))
    per_vial = _doses_per_vial(plan.product)
    if doses < 0 or doses % per_vial:
        raise PlanError(_("Allocate whole vials: a multiple of %(n)s doses.") % {"n": per_vial})
    if doses > line.storage_room:
        raise PlanError(
            _("%(location)s has room for %(room)s doses; %(doses)s can't be stored there.")
            % {"location": line.location.name, "room": line.storage_room, "doses": doses}
        )
    before = line.doses
    line.doses = doses
    line.save(update_fields=["doses"])
    audit(
        action="inventory.plan.line_adjusted",
        by=by,
        target=plan,
        request=request,
        data={"location": line.location_id, "from": before, "to": doses},
    )
    return line


def _offer_notify(lines: list[AllocationPlanLine], plan: AllocationPlan) -> int:
    """E-mail each offered location's provider administrators (through the outbox)."""
    sent = 0
    for line in lines:
        location = line.location
        admins = User.objects.filter(
            is_active=True,
            memberships__organization_id=location.organization_id,
            memberships__role=Role.PROVIDER_ADMIN,
        ).distinct()
        for admin in admins:
            send_templated_email(
                to=admin.email,
                template="inventory/allocation_offered",
                context={
                    "name": admin.first_name,
                    "location": location,
                    "plan": plan,
                    "line": line,
                    "respond_by": timezone.localtime(line.respond_by),
                },
                language=getattr(admin, "language", None),
            )
            sent += 1
    return sent


def _refuse_past(respond_by: datetime) -> None:
    if respond_by <= timezone.now():
        raise PlanError(_("The deadline for the locations' answers must be in the future."))


@transaction.atomic
def plan_publish(*, plan: AllocationPlan, respond_by: datetime, by: User, request=None) -> AllocationPlan:
    """Offer each line's doses to its location, to answer by `respond_by`; each location's
    administrators are e-mailed. Refused when the lines add up to more than the supply."""
    plan = _plan_locked(plan)
    if plan.status != PlanStatus.DRAFT:
        raise PlanError(_("This plan was already published."))
    _refuse_past(respond_by)
    lines = list(plan.lines.filter(round=1).select_related("location"))
    total = sum(line.doses for line in lines)
    if total > plan.supply:
        raise PlanError(
            _("The lines add up to %(total)s doses, more than the %(supply)s to allocate.")
            % {"total": total, "supply": plan.supply}
        )
    offered = [line for line in lines if line.doses > 0]
    if not offered:
        raise PlanError(_("No location is offered any doses."))
    for line in offered:
        line.status, line.respond_by = OfferStatus.OFFERED, respond_by
    AllocationPlanLine.objects.bulk_update(offered, ["status", "respond_by"])
    plan.status, plan.respond_by = PlanStatus.PUBLISHED, respond_by
    plan.published_by, plan.published_at = by, timezone.now()
    plan.save(update_fields=["status", "respond_by", "published_by", "published_at"])
    emails = _offer_notify(offered, plan)
    audit(
        action="inventory.plan.published",
        by=by,
        target=plan,
        request=request,
        data={
            "offered": total,
            "locations": len(offered),
            "emails": emails,
            "respond_by": respond_by.isoformat(),
        },
    )
    return plan


@transaction.atomic
def offer_respond(*, line: AllocationPlanLine, doses: int, by: User, request=None) -> AllocationPlanLine:
    """A location accepts `doses` of its offer (all, some, or 0 for none) before the deadline.
    What it accepts becomes its allocation for the week (checked against its storage room);
    the rest returns to the plan's pool."""
    # The plan's lock covers its lines (an answer, an adjustment, a reallocation take turns).
    _plan_locked(line.plan)
    line = AllocationPlanLine.objects.select_related("plan__product", "location").get(pk=line.pk)
    if line.status != OfferStatus.OFFERED:
        raise PlanError(_("This offer was already answered."))
    if line.respond_by <= timezone.now():
        raise PlanError(_("The deadline to answer this offer has passed."))
    if not 0 <= doses <= line.doses:
        raise PlanError(_("Accept between 0 and %(n)s doses.") % {"n": line.doses})
    per_vial = _doses_per_vial(line.plan.product)
    if doses % per_vial:
        raise PlanError(_("Accept whole vials: a multiple of %(n)s doses.") % {"n": per_vial})
    if doses:
        line.allocation = allocation_add(
            week=line.plan.week,
            product=line.plan.product,
            location=line.location,
            doses=doses,
            by=by,
            plan=line.plan,
            request=request,
        )
    if doses == line.doses:
        line.status = OfferStatus.ACCEPTED
    elif doses:
        line.status = OfferStatus.PARTLY_ACCEPTED
    else:
        line.status = OfferStatus.DECLINED
    line.doses_accepted, line.responded_by, line.responded_at = doses, by, timezone.now()
    line.save(update_fields=["status", "doses_accepted", "responded_by", "responded_at", "allocation"])
    audit(
        action="inventory.plan.offer_answered",
        by=by,
        target=line.plan,
        request=request,
        data={"location": line.location_id, "offered": line.doses, "accepted": doses},
    )
    return line


def _locations_wanting_more(plan: AllocationPlan):
    """Allocatable locations that haven't turned down part of this plan, have no offer of it
    pending, whose allocation of the week (if any) is this plan's and hasn't shipped."""
    answered = plan.lines.filter(status__in=[*OFFER_STATUSES_REFUSING_MORE, OfferStatus.OFFERED])
    shipped = Allocation.objects.filter(
        week=plan.week,
        product=plan.product,
        status=AllocationStatus.ACTIVE,
        shipment__status__in=[ShipmentStatus.SHIPPED, ShipmentStatus.RECEIVED],
    )
    return (
        _locations_without_another_allocation(week=plan.week, product=plan.product, plan=plan)
        .exclude(pk__in=answered.values("location_id"))
        .exclude(pk__in=shipped.values("location_id"))
    )


@transaction.atomic
def plan_reallocate(
    *, plan: AllocationPlan, respond_by: datetime, by: User, on: date | None = None, request=None
) -> list[AllocationPlanLine]:
    """Offer the plan's pool again, in one step: offers past their deadline lapse (their doses
    join the pool), and the pool is proposed, by the same rules and today's figures, among
    the locations that still want more (`_locations_wanting_more`), as a new round of offers
    to answer by `respond_by`."""
    plan = _plan_locked(plan)
    if plan.status != PlanStatus.PUBLISHED:
        raise PlanError(_("Publish the plan before reallocating its declined doses."))
    _refuse_past(respond_by)
    lapsed = plan.lines.filter(status=OfferStatus.OFFERED, respond_by__lte=timezone.now()).update(
        status=OfferStatus.LAPSED, doses_accepted=0
    )
    pool = planning.plan_pool(plan=plan)
    per_vial = _doses_per_vial(plan.product)
    if pool < per_vial:
        raise PlanError(_("No declined doses are left to reallocate."))
    proposal = _proposal(product=plan.product, supply=pool, locations=_locations_wanting_more(plan), on=on)
    next_round = max(plan.lines.values_list("round", flat=True), default=1) + 1
    lines = AllocationPlanLine.objects.bulk_create(
        [
            _line_from(plan, line, round=next_round, status=OfferStatus.OFFERED, respond_by=respond_by)
            for line in proposal.lines
            if line.doses
        ]
    )
    if not lines:
        raise PlanError(
            _("No location can take more doses of %(product)s now.") % {"product": plan.product.name}
        )
    locations = Location.objects.in_bulk([line.location_id for line in lines])
    for line in lines:
        line.location = locations[line.location_id]
    emails = _offer_notify(lines, plan)
    audit(
        action="inventory.plan.reallocated",
        by=by,
        target=plan,
        request=request,
        data={
            "round": next_round,
            "pool": pool,
            "offered": proposal.allocated,
            "lapsed": lapsed,
            "locations": len(lines),
            "emails": emails,
        },
    )
    return lines
