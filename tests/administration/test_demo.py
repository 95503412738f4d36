from io import StringIO

from django.core.management import call_command

from administration.selectors.booking import clinics_open_for_booking, doses_available
from recipients.models import Recipient


def test_demo_gives_the_demo_recipient_a_record_and_schedules_public_clinics_with_free_places(db, settings):
    settings.DEBUG = True

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # idempotent

    recipient = Recipient.objects.get(user__email="recipient@example.org")
    clinics = list(clinics_open_for_booking(county_id="37183"))
    assert recipient.is_eligible
    assert len(clinics) == 3
    assert all(c.is_public and c.free > 0 for c in clinics)
    assert doses_available(location=clinics[0].location, product=clinics[0].product) > 0
