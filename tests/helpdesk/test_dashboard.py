from django.urls import reverse

from helpdesk.enums import Status
from tests.helpdesk.factories import CaseFactory, TeamFactory, agent, requester


def test_agent_dashboard_shows_open_cases_of_their_teams(client, db):
    team = TeamFactory(name="Enrollment desk")
    user = agent(team)
    CaseFactory(team=team)
    CaseFactory(team=team, status=Status.CLOSED)
    client.force_login(user)

    response = client.get(reverse("help:dashboard"))

    assert "Enrollment desk: 1 open case" in response.content.decode()


def test_requester_dashboard_shows_their_open_cases_and_the_intake_link(client, db):
    user = requester()
    CaseFactory(requester=user)
    CaseFactory(requester=user)
    CaseFactory()  # someone else's
    client.force_login(user)

    content = client.get(reverse("help:dashboard")).content.decode()

    assert "2 open cases" in content
    assert reverse("help:case.new") in content
