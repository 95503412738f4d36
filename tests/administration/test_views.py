"""The recipient's and the provider's pages: another person's things are 404 (acceptance 4),
lists keep a fixed number of queries, staff views of people are audited."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from administration.models import Appointment
from administration.services import booking as services
from cvms.models import AuditEvent
from cvms.roles import Role
from tests.administration.factories import appointment_at, clinic, clinic_with_stock, works_at
from tests.factories import LocationFactory, member
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db


def book(recipient, slot):
    return services.appointment_book(recipient=recipient, slot_id=slot.pk, dose_number=1, by=recipient.user)


@pytest.mark.parametrize(
    "name",
    ["me:administration.appointment", "me:administration.appointment.cancel"],
)
def test_a_recipient_gets_404_for_another_recipients_appointment(client, open_group, name):
    mine, theirs = RecipientFactory(group="2"), RecipientFactory(group="2")
    slot = clinic().slots.first()
    book(mine, slot)
    their_appointment = book(theirs, slot)
    client.force_login(mine.user)

    response = client.get(reverse(name, kwargs={"appointment_pk": their_appointment.pk}))
    posted = client.post(reverse(name, kwargs={"appointment_pk": their_appointment.pk}))

    assert response.status_code == 404
    assert posted.status_code == (404 if name.endswith("cancel") else 405)
    assert Appointment.objects.get(pk=their_appointment.pk).status == "booked"


def test_changing_ids_in_the_reschedule_link_reaches_nothing_of_anothers(client, open_group):
    mine, theirs = RecipientFactory(group="2"), RecipientFactory(group="2")
    the_clinic = clinic()
    first, second = the_clinic.slots.all()[:2]
    their_appointment = book(theirs, first)
    client.force_login(mine.user)
    url = reverse("me:administration.clinic", kwargs={"clinic_pk": the_clinic.pk})

    page = client.get(f"{url}?reschedule={their_appointment.pk}")
    posted = client.post(url, {"slot": second.pk, "reschedule": their_appointment.pk})
    search = client.get(f"{reverse('me:administration.clinics')}?reschedule={their_appointment.pk}")

    assert (page.status_code, posted.status_code, search.status_code) == (404, 404, 404)
    assert Appointment.objects.get(pk=their_appointment.pk).slot_id == first.pk


def test_the_record_page_shows_only_ones_own_record(client):
    mine = RecipientFactory(first_name="Rosa")
    RecipientFactory(first_name="Otherperson")
    client.force_login(mine.user)

    page = client.get(reverse("me:administration.record")).content.decode()

    assert "Rosa" in page and "Otherperson" not in page
    assert "No dose is on your record yet." in page


def test_the_record_downloads_as_a_pdf(client):
    recipient = RecipientFactory()
    client.force_login(recipient.user)

    response = client.get(reverse("me:administration.record.pdf"))

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_book_reschedule_cancel_through_the_pages(client, open_group):
    person = RecipientFactory(group="2")
    the_clinic = clinic()
    first, second = the_clinic.slots.all()[:2]
    client.force_login(person.user)
    url = reverse("me:administration.clinic", kwargs={"clinic_pk": the_clinic.pk})

    booked = client.post(url, {"slot": first.pk}, follow=True)
    appointment = Appointment.objects.get(recipient=person)
    moved = client.post(url, {"slot": second.pk, "reschedule": appointment.pk}, follow=True)
    new = Appointment.objects.get(recipient=person, status="booked")
    cancelled = client.post(
        reverse("me:administration.appointment.cancel", kwargs={"appointment_pk": new.pk}), follow=True
    )

    assert appointment.confirmation_code in booked.content.decode()
    assert "Your appointment is moved" in moved.content.decode()
    assert new.slot_id == second.pk
    assert "Your appointment is cancelled." in cancelled.content.decode()
    assert not Appointment.objects.filter(recipient=person, status="booked").exists()


def test_cancelling_a_first_dose_with_the_second_booked_says_why_in_spanish(client, open_group):
    person = RecipientFactory(group="2", language="es")
    first_clinic = clinic(days_ahead=1)
    second_clinic = clinic(location=first_clinic.location, product=first_clinic.product, days_ahead=22)
    first = book(person, first_clinic.slots.first())
    services.appointment_book(
        recipient=person, slot_id=second_clinic.slots.first().pk, dose_number=2, by=person.user
    )
    client.force_login(person.user)

    page = client.post(
        reverse("me:administration.appointment.cancel", kwargs={"appointment_pk": first.pk}),
        follow=True,
        headers={"accept-language": "es"},
    )

    assert "necesita esta primera dosis" in page.content.decode()
    assert Appointment.objects.get(pk=first.pk).status == "booked"


def test_a_registered_recipient_without_a_record_is_told_to_register(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(roles=[Role.RECIPIENT]))

    page = client.get(reverse("me:administration.clinics"))

    assert "You haven't registered for vaccination yet" in page.content.decode()


def test_provider_sees_only_their_own_clinics(client):
    mine = clinic()
    theirs = clinic()
    admin = member(mine.location.organization, Role.PROVIDER_ADMIN)
    client.force_login(admin)

    listed = client.get(reverse("provider:administration.clinics"))
    other = client.get(reverse("provider:administration.clinic", kwargs={"clinic_pk": theirs.pk}))

    assert [c.pk for c in listed.context["clinics"]] == [mine.pk]
    assert other.status_code == 404


def test_provider_viewing_a_clinics_bookings_is_audited(client, open_group):
    the_clinic = clinic()
    person = RecipientFactory(group="2")
    book(person, the_clinic.slots.first())
    vaccinator = member(the_clinic.location.organization, Role.VACCINATOR)
    works_at(vaccinator, the_clinic.location)
    client.force_login(vaccinator)

    page = client.get(reverse("provider:administration.clinic", kwargs={"clinic_pk": the_clinic.pk}))

    assert person.last_name in page.content.decode()
    event = AuditEvent.objects.get(action="administration.clinic.bookings_viewed")
    assert (event.actor, event.data["recipients"]) == (vaccinator, [person.pk])


def test_provider_schedules_a_clinic_and_is_warned_when_places_outrun_stock(client):
    location = LocationFactory()
    existing = clinic(location=location, doses=2)  # stock of that product: 2 doses
    admin = member(location.organization, Role.PROVIDER_ADMIN)
    client.force_login(admin)

    response = client.post(
        reverse("provider:administration.clinic.create"),
        {
            "location": location.pk,
            "product": existing.product.pk,
            "day": existing.date.isoformat(),
            "opens_at": "13:00",
            "closes_at": "14:00",
            "slot_minutes": "15",
            "slot_capacity": "2",
            "is_public": "on",
        },
        follow=True,
    )

    assert "The clinic is scheduled." in response.content.decode()
    assert "but only 2 doses are on hand or expected" in response.content.decode()


def _clinics(n, location):
    for _ in range(n):
        clinic(location=location, doses=0)


def test_provider_clinic_list_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    location = LocationFactory()
    admin = member(location.organization, Role.PROVIDER_ADMIN)
    client.force_login(admin)
    _clinics(2, location)
    client.get(reverse("provider:administration.clinics"))  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("provider:administration.clinics"))
    _clinics(8, location)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("provider:administration.clinics"))


def test_recipient_clinic_search_runs_a_fixed_number_of_queries(
    client, django_assert_num_queries, open_group
):
    person = RecipientFactory(group="2")
    client.force_login(person.user)
    url = reverse("me:administration.clinics") + "?county=37183"
    location = LocationFactory()
    for _ in range(2):
        clinic(location=location)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    few_queries = len(few.captured_queries)  # read now: the next request empties the log it reads
    for _ in range(8):
        clinic(location=location)
    client.get(url)  # the new clinics' products: the process reads the series rules once again
    with django_assert_num_queries(few_queries):
        client.get(url)


def test_opening_an_appointment_to_record_its_dose_is_audited(client):
    the_clinic, _lot = clinic_with_stock()
    appointment = appointment_at(the_clinic)
    vaccinator = member(the_clinic.location.organization, Role.VACCINATOR)
    works_at(vaccinator, the_clinic.location)
    client.force_login(vaccinator)

    page = client.get(
        reverse(
            "provider:administration.dose.record",
            kwargs={"clinic_pk": the_clinic.pk, "appointment_pk": appointment.pk},
        )
    )

    assert appointment.recipient.full_name in page.content.decode()
    event = AuditEvent.objects.get(action="administration.appointment.opened")
    assert (event.actor, event.target_id, event.data) == (
        vaccinator,
        str(appointment.recipient_id),
        {"appointment": appointment.pk},
    )
