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
