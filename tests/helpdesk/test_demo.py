from io import StringIO

from django.core.management import call_command

from cvms.demo import demo_user
from cvms.roles import Role
from helpdesk.models import Article, Case, Team


def test_demo_seeds_teams_rules_articles_and_cases_and_can_run_twice(db, settings):
    settings.DEBUG = True

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())

    agent = demo_user(Role.HELPDESK_AGENT)
    assert set(Team.objects.filter(members=agent).values_list("name", flat=True)) == {
        "General support",
        "Inventory desk",
    }
    assert Article.objects.filter(translation_of=None, language="en").count() == 4
    assert Article.objects.filter(translation_of__isnull=False, language="es").count() == 4  # in Spanish
    assert Case.objects.count() == 2
    assert Case.objects.get(subject="Shipment arrived warm").team.name == "Inventory desk"
