"""Stock words that read right (issue 17): the storage class inside a sentence keeps its "°C",
and a voided dose's return is not "Administered +1"."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cvms.roles import Role
from inventory.enums import StorageClass
from inventory.services.allocations import OverCapacity, allocation_create
from inventory.services.ledger import stock_administer, stock_return
from tests.factories import LocationFactory, UserFactory, member
from tests.inventory.factories import LotFactory, ProductFactory, stock

pytestmark = pytest.mark.django_db


def test_a_refused_allocation_names_the_storage_class_with_its_units():
    location = LocationFactory(refrigerated_capacity=100)
    product = ProductFactory(storage_class=StorageClass.REFRIGERATED)

    with pytest.raises(OverCapacity) as refused:
        allocation_create(
            week=timezone.localdate(), product=product, location=location, doses=101,
            by=UserFactory(roles=[Role.STATE_OFFICIAL]),
        )  # fmt: skip

    assert "can store 100 doses refrigerated (2 °C to 8 °C)" in str(refused.value)


def test_the_ledger_calls_a_voided_doses_return_a_return(client):
    location = LocationFactory()
    lot = LotFactory(expires_on=timezone.localdate() + timedelta(days=90))
    stock(location=location, lot=lot, doses=5)
    admin = member(location.organization, Role.PROVIDER_ADMIN)
    stock_administer(location=location, lot=lot, by=admin)
    stock_return(location=location, lot=lot, by=admin, reason="Record voided")
    client.force_login(admin)

    content = client.get(
        reverse("provider:inventory.ledger", kwargs={"location_pk": location.pk})
    ).content.decode()

    assert '<td>Returned: dose record voided</td><td class="text-end">+1</td>' in content
    assert '<td>Administered</td><td class="text-end">-1</td>' in content
    assert '<td>Administered</td><td class="text-end">+1</td>' not in content
