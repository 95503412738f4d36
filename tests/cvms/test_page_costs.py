"""Every page's cost is independent of how much the state holds (issue 18): the same pages,
visited over a small state and over one ten times larger (`manage.py seed_scale`), read the same
number of queries. What grows with the data is the database's work per query, which the indexes
and the balances the ledger keeps bound (bench/ measures that at a million people)."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from cvms.roles import Role
from tests.factories import AuditEventFactory, LocationFactory
from tests.inventory.factories import LotFactory, stock
from tests.recipients.factories import DuplicateCandidateFactory, RecipientMergeFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="seed_scale needs PostgreSQL"),
]

PAGES = [
    (Role.STATE_OFFICIAL, "state:dashboard"),
    (Role.STATE_OFFICIAL, "state:inventory.stock"),
    (Role.STATE_OFFICIAL, "state:inventory.wastage"),
    (Role.STATE_OFFICIAL, "state:recipients.list"),
    (Role.STATE_OFFICIAL, "state:administration.exports"),
    (Role.STATE_OFFICIAL, "state:recipients.duplicates"),
    (Role.STATE_OFFICIAL, "state:recipients.merges"),
    (Role.STATE_OFFICIAL, "state:enrollment.organizations"),
    (Role.STATE_OFFICIAL, "state:enrollment.review"),
    (Role.STATE_OFFICIAL, "state:inventory.allocations"),
    (Role.STATE_OFFICIAL, "state:audit"),
    (Role.PROVIDER_ADMIN, "provider:dashboard"),
    (Role.PROVIDER_ADMIN, "provider:inventory.stock"),
    (Role.PROVIDER_ADMIN, "provider:inventory.wastage"),
    (Role.PROVIDER_ADMIN, "provider:administration.records"),
    (Role.EMPLOYER_ADMIN, "employer:employers.roster"),
]


def _queries_per_page(client, personas, django_assert_max_num_queries) -> dict[str, int]:
    counts = {}
    for role, name in PAGES:
        client.force_login(personas.home[role])
        client.get(reverse(name))  # the session and the per-process caches, once
        with django_assert_max_num_queries(60) as captured:
            page = client.get(reverse(name))
        assert page.status_code == 200, name
        counts[name] = len(captured.captured_queries)
    return counts


def _grow(*, recipients: int, doses: int, locations: int, home_lots: int, personas) -> None:
    # An application per ten people (seed_scale's one per 500 would leave the small state's
    # queue empty, a page that reads one query fewer), past the lists' count limit when larger.
    call_command(
        "seed_scale",
        recipients=recipients,
        doses=doses,
        locations=locations,
        applications=recipients // 10,
        stdout=io.StringIO(),
    )
    home = LocationFactory(organization=personas.organizations["home_provider"])
    for _ in range(home_lots):
        stock(location=home, lot=LotFactory(), doses=10)
    # What seed_scale leaves out but the state's lists show: possible duplicates, merges, the
    # audit trail (past the lists' count limit, so that both kinds of page are visited).
    for _ in range(home_lots):
        DuplicateCandidateFactory()
        RecipientMergeFactory()
    AuditEventFactory.create_batch(recipients // 10, actor=None)


@override_settings(LIST_COUNT_LIMIT=40)
def test_pages_read_as_many_queries_over_a_state_ten_times_larger(
    client, personas, django_assert_max_num_queries
):
    _grow(recipients=60, doses=100, locations=2, home_lots=1, personas=personas)
    small = _queries_per_page(client, personas, django_assert_max_num_queries)

    _grow(recipients=600, doses=1000, locations=20, home_lots=10, personas=personas)
    large = _queries_per_page(client, personas, django_assert_max_num_queries)

    assert large == small
