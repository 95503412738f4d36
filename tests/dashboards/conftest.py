import pytest

from cvms.roles import Role
from tests.clients import SignInClient
from tests.factories import UserFactory


@pytest.fixture
def state_client(db):
    """A state official, signed in with the second factor."""
    client = SignInClient()
    client.force_login(UserFactory(roles=[Role.STATE_OFFICIAL], email="official@state.example.org"))
    return client


@pytest.fixture
def client_for(db):
    """A signed-in client for `user`, or for a new person with `role`."""

    def make(role: Role | None = None, *, user=None):
        client = SignInClient()
        client.force_login(user or UserFactory(roles=[role]))
        return client

    return make
