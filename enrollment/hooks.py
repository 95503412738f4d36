"""What enrollment answers when another part of the system asks (see cvms/hooks.py).

`provider_locations`: the provider portal's gate (cvms/access.py) sets `request.locations` from
it, the one scope of every provider page that shows a location's clinics, people or stock.
"""

from django.db.models import QuerySet

from cvms.models import User
from enrollment.models import Location, Organization
from enrollment.selectors import locations_for


def provider_locations(*, user: User, organization: Organization) -> QuerySet[Location]:
    return locations_for(user, organization)
