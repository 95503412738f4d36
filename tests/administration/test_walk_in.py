"""Walk-ins (issue 13, findings 2, 9 and 11): the search is state-wide but asks for a last name
and a date of birth, its terms are POSTed (never in a URL) and it is audited; the page that
records for a person opens only someone this user's search found a short while ago, and opening
them is audited."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from administration.models import AdministrationRecord
from cvms.models import AuditEvent
from cvms.roles import Role
from tests.administration.factories import works_at
from tests.factories import LocationFactory, member
from tests.inventory.factories import stock
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("provider:administration.walk_in")
RECORD = reverse("provider:administration.walk_in.record")


@pytest.fixture
def vaccinator():
    """A vaccinator at a location with stock, of an organization the person never visited."""
    location, _lot = stock(location=LocationFactory())
    user = member(location.organization, Role.VACCINATOR)
    works_at(user, location)
    return user


@pytest.fixture
def person():
    return RecipientFactory(first_name="Zora", last_name="Okonkwo", date_of_birth=date(1961, 7, 14))


def find(client, last_name: str, date_of_birth: str, first_name: str = ""):
    return client.post(
        SEARCH,
        {"last_name": last_name, "first_name": first_name, "date_of_birth": date_of_birth},
        follow=True,
    )


def refusal(person) -> dict:
    return {
        "action": "refuse",
        "recipient": person.pk,
        "refused_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "reason": "personal",
    }


def test_a_person_nobody_searched_for_is_404_to_another_organizations_vaccinator(client, vaccinator, person):
    client.force_login(vaccinator)

    page = client.get(RECORD, {"recipient": person.pk})
    posted = client.post(RECORD, refusal(person))

    assert (page.status_code, posted.status_code) == (404, 404)
    assert "Okonkwo" not in page.content.decode() and "1961" not in page.content.decode()
    assert not AdministrationRecord.objects.filter(recipient=person).exists()
    assert not AuditEvent.objects.filter(action="administration.walk_in.opened").exists()


def test_the_person_found_is_opened_and_the_opening_is_audited(client, vaccinator, person):
    client.force_login(vaccinator)

    results = find(client, "okonkwo", "1961-07-14")
    page = client.get(RECORD, {"recipient": person.pk})

    assert [p.pk for p in results.context["people"]] == [person.pk]
    assert page.status_code == 200
    assert "Zora Okonkwo" in page.content.decode()
    event = AuditEvent.objects.get(action="administration.walk_in.opened")
    assert (event.actor, event.target_type, event.target_id) == (
        vaccinator,
        "recipients.recipient",
        str(person.pk),
    )


def test_the_search_terms_are_not_in_any_url_and_the_search_is_audited_without_them(
    client, vaccinator, person
):
    client.force_login(vaccinator)

    results = find(client, "Okonkwo", "1961-07-14", first_name="Zo")

    for url, _status in results.redirect_chain:
        assert "Okonkwo" not in url and "1961" not in url and "Zo" not in url.split("search=")[0]
    event = AuditEvent.objects.get(action="administration.walk_in.searched")
    assert event.data == {"fields": ["date_of_birth", "first_name", "last_name"], "found": [person.pk]}
    assert "Okonkwo" not in str(event.data)


def test_the_search_needs_the_last_name_and_the_exact_date_of_birth(client, vaccinator, person):
    client.force_login(vaccinator)

    without_birth_date = find(client, "Okonkwo", "")
    part_of_the_name = find(client, "Okon", "1961-07-14")

    assert without_birth_date.context["people"] is None
    assert "date_of_birth" in without_birth_date.context["form"].errors
    assert part_of_the_name.context["people"] == []
    assert AuditEvent.objects.filter(action="administration.walk_in.searched").count() == 1


def test_someone_found_by_another_users_search_is_404(client, vaccinator, person):
    colleague = member(vaccinator.memberships.get().organization, Role.PROVIDER_ADMIN)
    client.force_login(colleague)
    find(client, "Okonkwo", "1961-07-14")
    client.logout()
    client.force_login(vaccinator)

    assert client.get(RECORD, {"recipient": person.pk}).status_code == 404


def test_a_person_found_stays_open_for_a_short_while_only(client, vaccinator, person):
    client.force_login(vaccinator)
    find(client, "Okonkwo", "1961-07-14")
    start = timezone.now()

    with time_machine.travel(start + timedelta(minutes=10)):
        soon = client.get(RECORD, {"recipient": person.pk})
    with time_machine.travel(start + timedelta(minutes=21)):  # still signed in: active 11 minutes ago
        later = client.get(RECORD, {"recipient": person.pk})

    assert (soon.status_code, later.status_code) == (200, 404)
