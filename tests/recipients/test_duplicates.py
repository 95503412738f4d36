"""Possible duplicates (issues 14 and 18): matched on names without case, accents, punctuation or
spaces, the date of birth, and the e-mail or phone only when given; each pair says why; the pairs
are kept up to date as people register or change, not grouped on every view."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cvms.roles import Role
from recipients import services
from recipients.models import DuplicateCandidate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DUPLICATES = "/state/recipients/duplicates/"


@pytest.fixture
def official(client):
    user = UserFactory(roles=[Role.STATE_OFFICIAL])
    client.force_login(user)
    return user


def person(by, **details):
    """A person registered by staff (a walk-in, a paper form), as the services do it."""
    data = {
        "first_name": "Ana",
        "last_name": "García",
        "date_of_birth": date(1960, 5, 17),
        "sex": "F",
        "races": ["2106-3"],
        "ethnicity": "2186-5",
        "phone": "",
        "street": "1 Main Street",
        "city": "Raleigh",
        "state": "NC",
        "zip_code": "27601",
        "email": "",
    }
    data.update(details)
    return services.recipient_create_by_staff(data=data, by=by)


def pairs() -> dict[frozenset, list[str]]:
    return {frozenset({p.recipient_id, p.other_id}): p.reasons for p in DuplicateCandidate.objects.all()}


def test_five_different_people_without_an_email_are_not_the_same_email(client, official):
    for n, name in enumerate(["Ann", "Bob", "Cleo", "Dan", "Eve"]):
        person(official, first_name=name, last_name=f"Person{n}", date_of_birth=date(1950 + n, 1, 1))

    page = client.get(DUPLICATES).content.decode()

    assert pairs() == {}
    assert "No possible duplicates." in page
    assert "Same e-mail address" not in page


def test_names_match_without_case_accents_punctuation_or_spaces_and_the_page_says_why(client, official):
    first = person(official, first_name="María José", last_name="García-López")
    second = person(official, first_name="MARIA JOSE", last_name="garcia lopez")
    person(official, first_name="María José", last_name="García-López", date_of_birth=date(1961, 1, 1))

    page = client.get(DUPLICATES).content.decode()

    assert pairs() == {frozenset({first.pk, second.pk}): ["name", "date_of_birth"]}
    assert (
        "The same name (ignoring case, accents, punctuation and spaces) and the same date of birth." in page
    )
    assert (
        reverse("state:recipients.merge", kwargs={"recipient_pk": first.pk, "duplicate_pk": second.pk})
        in page
    )


def test_a_shared_email_counts_with_the_birth_date_or_the_name_not_alone(official):
    born = date(1970, 3, 3)
    one = person(official, first_name="Jon", last_name="Smith", date_of_birth=born, email="js@example.org")
    typo = person(official, first_name="John", last_name="Smyth", date_of_birth=born, email="JS@example.org ")
    parent = person(
        official, first_name="Mary", last_name="Smith", date_of_birth=date(1945, 1, 1), email="js@example.org"
    )

    assert pairs() == {frozenset({one.pk, typo.pk}): ["date_of_birth", "email"]}
    assert parent.pk not in {pk for pair in pairs() for pk in pair}


def test_a_phone_counts_only_when_given_and_written_any_way(official):
    one = person(official, first_name="Lee", last_name="Park", phone="(919) 555-0101")
    other = person(
        official, first_name="Lee", last_name="Park", phone="+1 919 555 0101", date_of_birth=date(1990, 1, 1)
    )
    person(official, first_name="Kim", last_name="Park", phone="", date_of_birth=date(1990, 1, 1))

    assert pairs() == {frozenset({one.pk, other.pk}): ["name", "phone"]}


def test_a_pair_goes_when_a_change_makes_the_records_differ(official):
    born = date(1970, 3, 3)
    one = person(official, first_name="Jon", last_name="Smith", date_of_birth=born, email="js@example.org")
    other = person(official, first_name="Ron", last_name="Jones", date_of_birth=born, email="js@example.org")
    assert list(pairs()) == [frozenset({one.pk, other.pk})]

    services.recipient_update_contact(recipient=other, data={"email": "ron@example.org"}, by=official)

    assert pairs() == {}


def test_the_rebuild_finds_the_pairs_the_services_keep(official):
    person(official, first_name="María", last_name="Núñez")
    person(official, first_name="maria", last_name="nunez")
    person(
        official, first_name="Otro", last_name="Nombre", email="x@example.org", date_of_birth=date(1980, 1, 1)
    )
    person(
        official, first_name="Otra", last_name="Nombre", email="x@example.org", date_of_birth=date(1980, 1, 1)
    )
    kept = pairs()

    assert services.duplicates_rebuild() == 2
    assert pairs() == kept


def test_the_duplicates_page_runs_a_fixed_number_of_queries(client, official, django_assert_num_queries):
    def a_pair(n):
        person(official, first_name=f"Twin{n}", last_name="Same")
        person(official, first_name=f"twin{n}", last_name="same")

    a_pair(0)
    client.get(DUPLICATES)
    with CaptureQueriesContext(connection) as few:
        client.get(DUPLICATES)
    for n in range(1, 8):
        a_pair(n)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(DUPLICATES)
    assert len(response.context["pairs"]) == 8
