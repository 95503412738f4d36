import pytest

from helpdesk import services
from helpdesk.enums import Status
from helpdesk.models import Case
from tests.concurrency import run_together
from tests.helpdesk.factories import CaseFactory, TeamFactory, agent


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_agents_changing_a_case_from_the_same_page_one_wins_the_other_is_refused():
    team = TeamFactory()
    first, second = agent(team), agent(team)
    case = CaseFactory(team=team)

    def change(user, status):
        def work():
            services.case_status_change(case=Case.objects.get(pk=case.pk), status=status, version=1, by=user)
            return status

        return work

    results = run_together([change(first, Status.IN_PROGRESS), change(second, Status.CLOSED)])

    changed = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, services.HelpdeskError)]
    assert (len(changed), len(refused)) == (1, 1), results
    case.refresh_from_db()
    assert (case.status, case.version, case.events.count()) == (changed[0], 2, 1)
