"""What enrollment contributes to the core's requests (hook points: cvms/hooks.py)."""

from django.db.models import QuerySet

from cvms.models import User
from enrollment.models import Location, Organization
from enrollment.selectors import locations_for


def provider_locations(*, user: User, organization: Organization) -> QuerySet[Location]:
    """The provider portal's gate sets `request.locations` from it: every active location for an
    administrator, the assigned ones for a vaccinator, none for anyone else."""
    return locations_for(user, organization)
