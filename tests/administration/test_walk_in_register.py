"""A walk-in who isn't registered (issue 14): the vaccinator registers them at the point of care,
at one of their locations, then records the dose in the same flow; audited; the person's roster
entries follow them."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from administration.models import AdministrationRecord
from cvms.models import AuditEvent
from cvms.roles import Role
from employers.enums import InviteeStatus
from employers.models import Invitee
from recipients.enums import RegistrationSource
from recipients.models import Recipient
from tests.administration.factories import works_at
from tests.employers.factories import InviteeFactory
from tests.factories import LocationFactory, member
from tests.inventory.factories import stock
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db

REGISTER = reverse("provider:administration.walk_in.register")
RECORD = reverse("provider:administration.walk_in.record")


@pytest.fixture
def place():
    """A location with stock, a vaccinator assigned there, and the lot on hand."""
    location, lot = stock(location=LocationFactory())
    vaccinator = member(location.organization, Role.VACCINATOR)
    works_at(vaccinator, location)
    return location, lot, vaccinator


def person(location, **changes) -> dict:
    return {
        "location": location.pk,
        "first_name": "Tomás",
        "last_name": "Reyes",
        "date_of_birth": "1984-02-29",
        "sex": "M",
        "street": "12 Oak Street",
        "city": "Raleigh",
        "state": "nc",
        "zip_code": "27601",
        "email": "",
        "phone": "",
        **changes,
    }


def test_an_unregistered_walk_in_is_registered_and_their_dose_recorded_in_one_flow(client, place):
    location, lot, vaccinator = place
    client.force_login(vaccinator)

    registered = client.post(REGISTER, person(location), follow=True)
    recipient = Recipient.objects.get(last_name="Reyes")
    form = registered.context["form"]
    recorded = client.post(
        RECORD,
        {
            "recipient": recipient.pk,
            "location": location.pk,
            "stock": form.fields["stock"].queryset.get().pk,
            "dose_number": 1,
            "administered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "route": "C28161",
            "site": "LD",
            "volume_ml": str(lot.product.dose_volume_ml),
        },
        follow=True,
    )

    assert "Tomás Reyes is registered. Record their dose." in registered.content.decode()
    assert (recipient.source, recipient.user, recipient.email, recipient.county_id, recipient.state) == (
        RegistrationSource.STAFF,
        None,
        "",
        "37183",  # Wake, from the ZIP code
        "NC",
    )
    record = AdministrationRecord.objects.get(recipient=recipient)
    assert (record.dose_number, record.location, record.lot) == (1, location, lot)
    assert "Dose 1 recorded for Tomás Reyes." in recorded.content.decode()
    assert recorded.redirect_chain[-1][0] == reverse(
        "provider:administration.visit", kwargs={"record_pk": record.pk}
    )
    event = AuditEvent.objects.get(action="administration.walk_in.registered")
    assert (event.actor, event.target_id, event.data) == (
        vaccinator,
        str(recipient.pk),
        {"location": location.pk, "roster_entries": []},
    )


def test_the_search_that_finds_nobody_offers_to_register_the_person(client, place):
    _location, _lot, vaccinator = place
    client.force_login(vaccinator)

    found = client.post(
        reverse("provider:administration.walk_in"),
        {"last_name": "Reyes", "first_name": "", "date_of_birth": "1984-02-29"},
        follow=True,
    )

    assert "Nobody registered with this name and date of birth." in found.content.decode()
    assert f'href="{REGISTER}"' in found.content.decode()


def test_a_location_not_the_vaccinators_is_refused_and_nobody_is_registered(client, place):
    _location, _lot, vaccinator = place
    elsewhere = LocationFactory(organization=vaccinator.memberships.get().organization)  # not assigned

    client.force_login(vaccinator)

    page = client.post(REGISTER, person(elsewhere))

    assert "location" in page.context["form"].errors
    assert not Recipient.objects.filter(last_name="Reyes").exists()


def test_someone_registered_already_is_refused_and_pointed_to_the_search(client, place):
    location, _lot, vaccinator = place
    RecipientFactory(first_name="TOMÁS", last_name="reyes", date_of_birth=date(1984, 2, 29))
    client.force_login(vaccinator)

    page = client.post(REGISTER, person(location))

    assert "is registered already: find them with the walk-in search" in page.content.decode()
    assert Recipient.objects.filter(last_name__iexact="Reyes").count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"date_of_birth": str(date.today() + timedelta(days=2))}, "date_of_birth", "can't be in the future"),
        ({"date_of_birth": "1850-01-01"}, "date_of_birth", "Check the year of birth."),
        ({"zip_code": "2760"}, "zip_code", "Enter a ZIP code of 5 digits"),
        ({"zip_code": "２７６０１"}, "zip_code", "Enter a ZIP code of 5 digits"),
        ({"state": "N1"}, "state", "two-letter state code"),
        ({"first_name": ""}, "first_name", "This field is required."),
        ({"street": ""}, "street", "This field is required."),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"county": "37001"}, "county", "ZIP code 27601 is not in"),
    ],
)
def test_bad_details_are_named_and_nobody_is_registered(client, place, changes, field, message):
    location, _lot, vaccinator = place
    client.force_login(vaccinator)

    page = client.post(REGISTER, person(location, **changes))

    assert message in " ".join(page.context["form"].errors[field])
    assert not Recipient.objects.filter(last_name="Reyes").exists()


def test_the_walk_ins_roster_entries_follow_them_once_registered(client, place):
    location, _lot, vaccinator = place
    theirs = InviteeFactory(first_name="tomas", last_name="REYES", date_of_birth=date(1984, 2, 29))
    by_email = InviteeFactory(email="t.reyes@example.org", first_name="T.", date_of_birth=date(1984, 2, 29))
    namesake = InviteeFactory(first_name="Tomas", last_name="Reyes", date_of_birth=date(1990, 1, 1))
    client.force_login(vaccinator)

    client.post(REGISTER, person(location, first_name="Tomas", email="T.Reyes@example.org"))

    recipient = Recipient.objects.get(last_name="Reyes")
    statuses = {i.pk: (i.recipient_id, i.status) for i in Invitee.objects.all()}
    assert statuses[theirs.pk] == statuses[by_email.pk] == (recipient.pk, InviteeStatus.REGISTERED)
    assert statuses[namesake.pk] == (None, namesake.status)


def test_a_vaccinator_of_another_organization_cant_record_for_the_walk_in_someone_registered(client, place):
    location, _lot, vaccinator = place
    client.force_login(vaccinator)
    client.post(REGISTER, person(location))
    recipient = Recipient.objects.get(last_name="Reyes")
    other_location, _other_lot = stock(location=LocationFactory())
    other = member(other_location.organization, Role.VACCINATOR)
    works_at(other, other_location)
    client.force_login(other)

    assert client.get(RECORD, {"recipient": recipient.pk}).status_code == 404
