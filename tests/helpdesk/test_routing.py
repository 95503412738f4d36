import pytest

from enrollment.enums import OrganizationKind
from enrollment.models import County
from helpdesk.enums import Category
from helpdesk.models import Team
from helpdesk.selectors import route_team
from tests.helpdesk.factories import RoutingRuleFactory, TeamFactory

WAKE, DURHAM = "37183", "37063"


@pytest.fixture
def teams_by_category(db):
    """One team per category, each with a category-only rule."""
    teams = {}
    for category in Category:
        teams[category] = TeamFactory(name=f"{category.label} desk")
        RoutingRuleFactory(category=category, team=teams[category])
    return teams


@pytest.mark.parametrize("category", list(Category))
def test_each_category_routes_to_its_team(teams_by_category, category):
    assert (
        route_team(category=category, county_id=None, organization_kind=None) == teams_by_category[category]
    )


@pytest.mark.parametrize("category", list(Category))
def test_a_category_without_rule_goes_to_the_default_team(db, category):
    RoutingRuleFactory(category=Category.OTHER if category != Category.OTHER else Category.INVENTORY)

    assert route_team(category=category, county_id=WAKE, organization_kind="provider") == Team.objects.get(
        is_default=True
    )


def test_the_default_team_exists_after_migrating(db):
    assert Team.objects.get(is_default=True).name == "General support"


def test_a_county_rule_wins_over_a_category_rule_in_its_county_only(teams_by_category):
    wake_team = TeamFactory(name="Wake inventory")
    RoutingRuleFactory(category=Category.INVENTORY, county=County.objects.get(pk=WAKE), team=wake_team)

    assert route_team(category=Category.INVENTORY, county_id=WAKE, organization_kind=None) == wake_team
    assert (
        route_team(category=Category.INVENTORY, county_id=DURHAM, organization_kind=None)
        == teams_by_category[Category.INVENTORY]
    )


def test_an_organization_kind_rule_applies_to_that_kind_only(teams_by_category):
    employer_team = TeamFactory(name="Employer enrollment")
    RoutingRuleFactory(
        category=Category.ENROLLMENT, organization_kind=OrganizationKind.EMPLOYER, team=employer_team
    )

    assert (
        route_team(category=Category.ENROLLMENT, county_id=None, organization_kind="employer")
        == employer_team
    )
    assert (
        route_team(category=Category.ENROLLMENT, county_id=None, organization_kind="provider")
        == teams_by_category[Category.ENROLLMENT]
    )


def test_the_most_specific_rule_wins_then_the_position(db):
    wake = County.objects.get(pk=WAKE)
    by_kind = RoutingRuleFactory(category=Category.OTHER, organization_kind="provider").team
    by_county = RoutingRuleFactory(category=Category.OTHER, county=wake, position=50).team
    both = RoutingRuleFactory(
        category=Category.OTHER, county=wake, organization_kind="provider", position=200
    ).team
    first = RoutingRuleFactory(category=Category.OTHER, county=wake, position=10).team

    assert route_team(category=Category.OTHER, county_id=WAKE, organization_kind="provider") == both
    assert route_team(category=Category.OTHER, county_id=WAKE, organization_kind="employer") == first
    assert route_team(category=Category.OTHER, county_id=DURHAM, organization_kind="provider") == by_kind
    assert by_county != first


def test_a_case_goes_to_a_recreated_default_team_if_the_default_was_lost(db):
    from helpdesk.services import case_file
    from tests.helpdesk.factories import requester

    Team.objects.all().delete()

    case = case_file(
        requester=requester(), category=Category.OTHER, priority="normal", subject="x", description="y"
    )

    assert case.team.is_default and case.team.name == "General support"
