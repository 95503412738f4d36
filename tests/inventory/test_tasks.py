"""The daily warning of lots about to expire."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cvms.roles import Role
from inventory import tasks
from tests.factories import LocationFactory, member
from tests.inventory.factories import LotFactory, stock

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("wake_county")]


def test_administrators_are_warned_once_of_lots_expiring_within_a_week(settings):
    today = timezone.localdate()
    location = LocationFactory(name="Raleigh")
    admin = member(location.organization, Role.PROVIDER_ADMIN, email="admin@example.org")
    member(location.organization, Role.VACCINATOR, email="vaccinator@example.org")
    stock(location=location, lot=LotFactory(number="SOON7", expires_on=today + timedelta(days=7)), doses=12)
    stock(location=location, lot=LotFactory(number="LATER8", expires_on=today + timedelta(days=8)), doses=3)

    assert tasks.warn_expiring_lots.delay().get() == 1
    assert tasks.warn_expiring_lots.delay().get() == 0  # the next day's run doesn't repeat it

    (message,) = mail.outbox
    assert message.to == [admin.email]
    assert "Raleigh" in message.subject
    assert "SOON7" in message.body and "12 doses" in message.body
    assert "LATER8" not in message.body


def test_beat_schedule_runs_the_warning_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["inventory-warn-expiring-lots"]
    assert entry["task"] == "inventory.tasks.warn_expiring_lots"
    assert entry["schedule"].hour == {7}
