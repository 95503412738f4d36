"""The state's search of people (issue 13, findings 9 and 11): the terms never reach a URL (the
request line is what an access log keeps), and every list of people shown is audited, with the
fields searched and the people found but not the terms."""

from datetime import date

import pytest
from django.db import connection
from django.urls import reverse

from cvms.models import AuditEvent
from cvms.roles import Role
from recipients import services
from tests.factories import UserFactory
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db

LIST = reverse("state:recipients.list")


@pytest.fixture
def official(client):
    user = UserFactory(roles=[Role.STATE_OFFICIAL])
    client.force_login(user)
    return user


def search(client, terms: str):
    """POST the search as the page's form does and follow the redirect: (response, URLs)."""
    response = client.post(LIST, {"q": terms}, follow=True)
    return response, [url for url, _status in response.redirect_chain]


def test_search_terms_never_appear_in_a_url(client, official):
    person = RecipientFactory(last_name="Quintero", date_of_birth=date(1950, 1, 2), email="xq@example.org")

    response, urls = search(client, "Quintero 1950-01-02")

    assert [r.pk for r in response.context["recipients"]] == [person.pk]
    assert len(urls) == 1
    for url in urls:
        assert "Quintero" not in url and "1950" not in url
    assert response.context["form"]["q"].value() == "Quintero 1950-01-02"  # the page shows the terms


def test_a_search_is_audited_with_its_fields_and_people_but_not_its_terms(client, official):
    person = RecipientFactory(last_name="Quintero")
    RecipientFactory(last_name="Other")

    search(client, "Quintero")

    event = AuditEvent.objects.get(action="recipients.recipient.searched")
    assert (event.actor, event.data) == (official, {"fields": ["q"], "found": [person.pk]})
    assert "Quintero" not in str(event.data)


def test_the_unfiltered_list_of_people_is_audited_too(client, official):
    people = sorted([RecipientFactory(), RecipientFactory()], key=lambda r: (r.last_name, r.first_name, r.pk))

    client.get(LIST)

    event = AuditEvent.objects.get(action="recipients.recipient.searched")
    assert event.data == {"fields": [], "found": [r.pk for r in people]}


def test_the_search_key_pages_through_the_results_and_keeps_the_search(client, official):
    matches = [RecipientFactory(last_name="Quintero") for _ in range(51)]
    RecipientFactory(last_name="Other")
    _first, urls = search(client, "Quintero")

    second = client.get(f"{urls[-1]}&page=2")

    found = {r.pk for r in _first.context["recipients"]} | {r.pk for r in second.context["recipients"]}
    assert found == {r.pk for r in matches}
    assert AuditEvent.objects.filter(action="recipients.recipient.searched").count() == 2


def test_another_session_can_not_read_a_search_by_its_key(client, official, django_user_model):
    RecipientFactory(last_name="Quintero")
    RecipientFactory(last_name="Other")
    _response, urls = search(client, "Quintero")
    client.logout()
    client.force_login(UserFactory(roles=[Role.STATE_OFFICIAL]))

    response = client.get(urls[-1])

    assert not response.context["form"].is_bound
    assert len(response.context["recipients"]) == 2


def test_a_state_official_viewing_possible_duplicates_is_audited(client, official):
    a = RecipientFactory(first_name="Ana", last_name="Ruiz", date_of_birth=date(1950, 1, 2), user=None)
    b = RecipientFactory(first_name="Ana", last_name="Ruiz", date_of_birth=date(1950, 1, 2), user=None)
    RecipientFactory(first_name="Zed", last_name="Solo")
    services.duplicates_refresh(recipient_ids=[b.pk])  # as the services do when people register

    page = client.get(reverse("state:recipients.duplicates"))

    assert "Ana Ruiz" in page.content.decode()
    event = AuditEvent.objects.get(action="recipients.duplicate.searched")
    assert (event.actor, event.data) == (official, {"fields": [], "found": sorted([a.pk, b.pk])})


def test_a_search_lists_the_people_found_by_name_whatever_their_case(client, official):
    for last, first in [("okafor", "Zoë"), ("Okafor", "Ana"), ("Okaforson", "Lin"), ("Smith", "Okafor")]:
        RecipientFactory(last_name=last, first_name=first)
    RecipientFactory(last_name="García", first_name="Ana")

    response, _urls = search(client, "okaf")

    names = [(r.last_name, r.first_name) for r in response.context["recipients"]]
    assert names == [("Okafor", "Ana"), ("okafor", "Zoë"), ("Okaforson", "Lin"), ("Smith", "Okafor")]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index is PostgreSQL's")
def test_a_search_of_a_name_or_e_mail_can_use_the_trigram_index():
    from recipients.selectors import recipients_search

    with connection.cursor() as cursor:
        # Over a few rows the planner would rather read them all (or walk the primary key) than
        # use any index: leave it only the ways that narrow by the words.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = recipients_search(query="Quintero").explain()

    assert "recipient_search_trgm" in plan
