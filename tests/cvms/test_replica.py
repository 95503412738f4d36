"""The read-replica router (cvms/dbrouter.py), against a second database alias: the state's
dashboards and lists read their figures from `replica` when one is configured; the session,
the gate and every write stay on the primary; without a replica nothing changes."""

import pytest
from django.db import connection, connections, router
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from administration.models import AdministrationRecord
from cvms.dbrouter import REPLICA, for_reports, replica_reads
from cvms.models import User
from cvms.roles import Role
from tests.inventory.factories import stock

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a second alias of the test database"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", REPLICA]),
]


def _visit(client, name):
    with (
        CaptureQueriesContext(connections[REPLICA]) as replica,
        CaptureQueriesContext(connections["default"]) as primary,
    ):
        page = client.get(reverse(name))
    return page, [q["sql"] for q in replica.captured_queries], [q["sql"] for q in primary.captured_queries]


@pytest.fixture
def official(client, personas):
    client.force_login(personas.home[Role.STATE_OFFICIAL])
    return personas.home[Role.STATE_OFFICIAL]


def test_state_stock_is_read_from_the_replica_and_the_session_from_the_primary(client, official, settings):
    settings.READ_FROM_REPLICA = True
    _location, lot = stock(doses=7)

    page, replica, primary = _visit(client, "state:inventory.stock")

    assert page.status_code == 200
    assert lot.number in page.content.decode()
    assert any("inventory_stock" in sql for sql in replica)
    assert not any("inventory_stock" in sql for sql in primary)
    assert any("django_session" in sql for sql in primary)
    assert not any("django_session" in sql for sql in replica)


@pytest.mark.parametrize("name", ["state:dashboard", "state:inventory.wastage"])
def test_state_dashboard_and_wastage_read_from_the_replica(client, official, settings, name):
    settings.READ_FROM_REPLICA = True
    page, replica, _primary = _visit(client, name)
    assert page.status_code == 200
    assert replica, name


def test_without_a_replica_every_query_goes_to_the_primary(client, official, settings):
    settings.READ_FROM_REPLICA = False
    stock(doses=7)

    page, replica, primary = _visit(client, "state:inventory.stock")

    assert page.status_code == 200
    assert replica == []
    assert any("inventory_stock" in sql for sql in primary)


def test_writes_stay_on_the_primary_inside_replica_reads(settings):
    settings.READ_FROM_REPLICA = True
    with replica_reads():
        assert router.db_for_read(User) == REPLICA
        assert router.db_for_write(User) == "default"
        user = User.objects.create(email="written@example.org")
    assert User.objects.using("default").filter(pk=user.pk).exists()
    assert router.db_for_read(User) == "default"  # outside the block


def test_period_reports_stream_from_the_replica_when_there_is_one(settings):
    records = AdministrationRecord.objects.all()
    settings.READ_FROM_REPLICA = False
    assert for_reports(records).db == "default"
    settings.READ_FROM_REPLICA = True
    assert for_reports(records).db == REPLICA


def test_the_replica_is_never_migrated():
    assert router.allow_migrate(REPLICA, "administration") is False
    assert router.allow_migrate("default", "administration") is True
