"""Objects that inventory URLs point at (see tests/access_matrix.py): each belongs to the
"home" provider, so the "other" provider's people get 404."""

from guardian.shortcuts import assign_perm

from cvms.roles import Portal, Role
from inventory.services.allocations import allocation_create
from inventory.services.transfers import transfer_create
from tests.access_matrix import Owned
from tests.factories import LocationFactory, UserFactory
from tests.inventory.factories import LotFactory, stock


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


BUILDERS = {
    "location_pk": home_location,
    "shipment_pk": home_shipment,
    "transfer_pk": transfer_awaiting_approval,
}
