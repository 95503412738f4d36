"""Objects that inventory URLs point at (see tests/access_matrix.py): each belongs to the
"home" provider, so the "other" provider's people get 404."""

from guardian.shortcuts import assign_perm

from cvms.roles import Portal, Role
from inventory.services.allocations import allocation_create
from inventory.services.transfers import transfer_create
from tests.access_matrix import Owned
from tests.factories import LocationFactory, UserFactory
from tests.inventory.factories import (
    AllocationPlanFactory,
    AllocationPlanLineFactory,
    LotFactory,
    ProductFactory,
    RedistributionRequestFactory,
    SurplusPostingFactory,
    offer,
    stock,
)


def home_location(personas, portal):
    """A location of the home provider where the home vaccinator is assigned to work."""
    location = LocationFactory(organization=personas.organizations["home_provider"])
    assign_perm("enrollment.work_at_location", personas.home[Role.VACCINATOR], location)
    return location.pk


def home_shipment(personas, portal):
    """A shipment expected at a location of the home provider where the home vaccinator works
    (shipments are scoped to the locations one may work at, like stock)."""
    location = LocationFactory(organization=personas.organizations["home_provider"])
    assign_perm("enrollment.work_at_location", personas.home[Role.VACCINATOR], location)
    allocation = allocation_create(
        week=LotFactory().expires_on,
        product=LotFactory().product,
        location=location,
        doses=10,
        by=UserFactory(),
    )
    return allocation.shipment.pk


def transfer_awaiting_approval(personas, portal):
    """A transfer from the home provider to another organization; the state decides it, so every
    state official may see it (the decision URL is in the state portal only)."""
    location, lot = stock(location=LocationFactory(organization=personas.organizations["home_provider"]))
    transfer = transfer_create(
        from_location=location, to_location=LocationFactory(), lot=lot, doses=1, by=None
    )
    if portal == Portal.STATE:
        return Owned(transfer.pk, frozenset({(Role.STATE_OFFICIAL, "home"), (Role.STATE_OFFICIAL, "other")}))
    return transfer.pk


STATE_OFFICIALS_BOTH_SIDES = frozenset({(Role.STATE_OFFICIAL, "home"), (Role.STATE_OFFICIAL, "other")})


def home_allocation(personas, portal):
    """An allocation to a home provider's location, not shipped: every state official may
    correct it (the URLs are in the state portal only)."""
    location = LocationFactory(organization=personas.organizations["home_provider"])
    allocation = allocation_create(
        week=LotFactory().expires_on, product=ProductFactory(), location=location, doses=10, by=UserFactory()
    )
    return Owned(allocation.pk, STATE_OFFICIALS_BOTH_SIDES)


def draft_plan(personas, portal):
    return Owned(AllocationPlanFactory().pk, STATE_OFFICIALS_BOTH_SIDES)


def plan_line(personas, portal):
    """In the state portal, a line of a draft plan (any official adjusts it); in the provider
    portal, an offer to a home provider's location, answered by its administrators."""
    location = LocationFactory(organization=personas.organizations["home_provider"])
    assign_perm("enrollment.work_at_location", personas.home[Role.VACCINATOR], location)
    if portal == Portal.STATE:
        return Owned(AllocationPlanLineFactory(location=location).pk, STATE_OFFICIALS_BOTH_SIDES)
    return offer(location=location).pk


def home_posting(personas, portal):
    """Doses a home provider's location offers (withdrawn by its administrators)."""
    location = LocationFactory(organization=personas.organizations["home_provider"])
    return SurplusPostingFactory(location=location).pk


def third_party_posting(personas, portal):
    """Doses a third organization offers: the home and the other provider may both ask."""
    posting = SurplusPostingFactory()
    return Owned(posting.pk, frozenset({(Role.PROVIDER_ADMIN, "home"), (Role.PROVIDER_ADMIN, "other")}))


def redistribution_awaiting(personas, portal):
    return Owned(RedistributionRequestFactory().pk, STATE_OFFICIALS_BOTH_SIDES)


BUILDERS = {
    "location_pk": home_location,
    "shipment_pk": home_shipment,
    "transfer_pk": transfer_awaiting_approval,
    "allocation_pk": home_allocation,
    "plan_pk": draft_plan,
    "plan_line_pk": plan_line,
    "posting_pk": home_posting,
    "offered_posting_pk": third_party_posting,
    "redistribution_pk": redistribution_awaiting,
}
