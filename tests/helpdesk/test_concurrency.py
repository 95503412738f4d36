import threading

import pytest
from django.db import connection

from helpdesk import services
from helpdesk.enums import Status
from helpdesk.models import Case
from tests.helpdesk.factories import CaseFactory, TeamFactory, agent


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_agents_changing_a_case_from_the_same_page_one_wins_the_other_is_refused():
    team = TeamFactory()
    first, second = agent(team), agent(team)
    case = CaseFactory(team=team)
    barrier = threading.Barrier(2)
    outcomes = {}

    def change(user, status):
        try:
            barrier.wait(timeout=10)
            services.case_status_change(case=Case.objects.get(pk=case.pk), status=status, version=1, by=user)
            outcomes[status] = "changed"
        except services.HelpdeskError:
            outcomes[status] = "refused"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=change, args=(first, Status.IN_PROGRESS)),
        threading.Thread(target=change, args=(second, Status.CLOSED)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert sorted(outcomes.values()) == ["changed", "refused"]
    case.refresh_from_db()
    winner = next(status for status, outcome in outcomes.items() if outcome == "changed")
    assert (case.status, case.version, case.events.count()) == (winner, 2, 1)
