"""Messages that read right (issue 17, "Errors read badly"): no "9 a.m..", no "dose(s)", no
"1 people"."""

import re
from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from administration.services import booking as services
from cvms.roles import Role
from tests.administration.factories import clinic
from tests.factories import member
from tests.inventory.factories import ProductFactory
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db


def test_a_time_ending_a_sentence_gets_one_period(client, open_group):
    person = RecipientFactory(group="2")
    appointment = services.appointment_book(
        recipient=person, slot_id=clinic(opens_at=time(9, 0)).slots.first().pk, dose_number=1, by=person.user
    )
    client.force_login(person.user)

    content = client.get(
        reverse("me:administration.clinics"), {"reschedule": appointment.pk}
    ).content.decode()

    assert "9 a.m.: it stays booked until you choose a new time." in content
    assert not re.search(r"[ap]\.m\.\.", content)


def test_a_single_dose_vaccine_says_dose_not_doses(open_group):
    person = RecipientFactory(group="2")
    one_shot = clinic(product=ProductFactory(name="Janssen", series_doses=1, min_interval_days=None))

    with pytest.raises(services.BookingError) as refused:
        services.appointment_book(
            recipient=person, slot_id=one_shot.slots.first().pk, dose_number=2, by=person.user
        )

    assert str(refused.value) == "Janssen is given in 1 dose; there is no dose 2."


def test_cancelling_a_clinic_counts_the_people_told(client, open_group):
    the_clinic = clinic()
    person = RecipientFactory(group="2")
    services.appointment_book(
        recipient=person, slot_id=the_clinic.slots.first().pk, dose_number=1, by=person.user
    )
    client.force_login(member(the_clinic.location.organization, Role.PROVIDER_ADMIN))

    response = client.post(
        reverse("provider:administration.clinic.cancel", kwargs={"clinic_pk": the_clinic.pk}),
        {"reason": "Snow"},
        follow=True,
    )

    assert "The clinic is cancelled; 1 person was told by e-mail." in response.content.decode()


def test_a_no_show_refused_too_early_names_the_time_with_one_period(open_group, time_machine):
    person = RecipientFactory(group="2")
    morning = clinic(opens_at=time(9, 0))
    appointment = services.appointment_book(
        recipient=person, slot_id=morning.slots.first().pk, dose_number=1, by=person.user
    )
    assert timezone.localtime(appointment.slot.starts_at).time() == time(9, 0)
    time_machine.move_to(appointment.slot.starts_at - timedelta(minutes=1))

    with pytest.raises(services.BookingError) as refused:
        services.appointment_no_show(appointment=appointment, by=morning.created_by)

    assert str(refused.value).endswith("9 a.m. hasn't started yet.")
    assert not re.search(r"[ap]\.m\.\.", str(refused.value))
