"""`manage.py seed_scale`: many rows fast, and the invariants the application keeps hold in them."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum

from administration.models import AdministrationRecord
from employers.models import Invitee
from inventory.enums import MovementKind
from inventory.models import Stock, StockMovement
from recipients.models import Recipient

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="seed_scale needs PostgreSQL"),
]


def _seed(**numbers):
    out = io.StringIO()
    call_command("seed_scale", stdout=out, **numbers)
    return out.getvalue()


def test_seed_scale_fills_the_numbers_asked():
    out = _seed(recipients=300, doses=500, locations=7)

    assert Recipient.objects.count() == 300
    assert AdministrationRecord.objects.count() == 500
    assert AdministrationRecord.objects.values("location").distinct().count() == 7
    assert "300 people, 500 dose records" in out


def test_seed_scale_ledger_matches_the_records_and_the_balances():
    _seed(recipients=1000, doses=2000, locations=5)

    given = AdministrationRecord.objects.filter(refused=False)
    administered = StockMovement.objects.filter(kind=MovementKind.ADMINISTERED)
    assert administered.count() == given.count() > 0
    assert set(administered.values_list("reference", flat=True)) == {record.event_id for record in given}
    for stock in Stock.objects.all():
        ledger = StockMovement.objects.filter(location=stock.location_id, lot=stock.lot_id)
        assert stock.on_hand == ledger.aggregate(total=Sum("quantity"))["total"] >= 0
    assert StockMovement.objects.filter(kind=MovementKind.WASTED).exists()


def test_seed_scale_gives_each_person_each_dose_number_once():
    _seed(recipients=200, doses=400, locations=3)

    doses = AdministrationRecord.objects.filter(refused=False).values_list("recipient_id", "dose_number")
    assert len(doses) == len(set(doses))
    assert Invitee.objects.filter(recipient_id__isnull=False).count() == 40


def test_seed_scale_follows_one_given_dose_in_500_with_an_adverse_event_reported_as_the_form_would():
    from administration.models import AdverseEvent

    _seed(recipients=1500, doses=3000, locations=4)

    events = AdverseEvent.objects.select_related("record")
    given = AdministrationRecord.objects.filter(refused=False, id__in=[event.record_id for event in events])
    assert 3 <= events.count() == given.count() <= 7
    for event in events:
        assert event.onset_at > event.record.administered_at
        assert event.reported_to_vaers == bool(event.vaers_number)  # the form's rule (a check constraint)


def test_seed_scale_adds_to_what_is_there():
    _seed(recipients=50, doses=60, locations=2)
    _seed(recipients=50, doses=60, locations=2)

    assert Recipient.objects.count() == 100
    assert StockMovement.objects.filter(kind=MovementKind.ADMINISTERED).count() == (
        AdministrationRecord.objects.filter(refused=False).count()
    )


def test_seed_scale_refuses_more_than_two_doses_a_person():
    with pytest.raises(CommandError, match="two doses per person"):
        _seed(recipients=10, doses=21, locations=1)
    assert not Recipient.objects.exists()


def test_seed_scale_gives_people_the_duplicate_finders_keys_that_saving_them_would():
    _seed(recipients=40, doses=10, locations=2)

    for person in Recipient.objects.all():
        seeded = (person.name_key, person.email_key, person.phone_key)
        person.save()
        person.refresh_from_db()
        assert seeded == (person.name_key, person.email_key, person.phone_key)
        assert all(seeded)
