import pytest

from cvms.roles import Role
from tests.factories import LocationFactory


@pytest.fixture
def home(personas):
    """The home provider, one of its locations, its administrator and vaccinator."""

    class Home:
        organization = personas.organizations["home_provider"]
        location = LocationFactory(
            organization=personas.organizations["home_provider"], name="Home Clinic — Main"
        )
        admin = personas.home[Role.PROVIDER_ADMIN]
        vaccinator = personas.home[Role.VACCINATOR]
        state = personas.home[Role.STATE_OFFICIAL]

    return Home


@pytest.fixture
def wake_county(db):
    """The county LocationFactory uses. Migrations load it, but the flush after a transactional
    test (ours, or another app's) empties the table: transactional tests put it back this way
    (serialized_rollback would clash with the content types a flush recreates)."""
    from enrollment.models import County

    return County.objects.get_or_create(fips="37183", defaults={"name": "Wake", "population": 1})[0]
