from django.urls import reverse

from helpdesk.enums import Category
from helpdesk.models import RoutingRule
from helpdesk.selectors import route_team
from tests.factories import operator
from tests.helpdesk.factories import TeamFactory


def test_operators_configure_routing_rules_in_the_admin(client, db):
    team = TeamFactory(name="Portals desk")
    client.force_login(operator())

    response = client.post(
        reverse("admin:helpdesk_routingrule_add"),
        {
            "category": Category.EMPLOYER_PORTAL,
            "county": "",
            "organization_kind": "",
            "team": team.pk,
            "position": 100,
        },
    )

    assert response.status_code == 302
    assert RoutingRule.objects.get().team == team
    assert route_team(category=Category.EMPLOYER_PORTAL, county_id=None, organization_kind=None) == team
    assert client.get(reverse("admin:helpdesk_team_change", args=[team.pk])).status_code == 200
