import pytest

from helpdesk import services
from helpdesk.enums import Status
from helpdesk.models import Case
from tests.concurrency import locks_disabled, pause_after, run_together
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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_without_the_lock_two_agents_both_change_the_case(monkeypatch):
    """The control of the case's lock: both agents read version 1 and both changes go through,
    the second overwriting the first unseen."""
    team = TeamFactory()
    first, second = agent(team), agent(team)
    case = CaseFactory(team=team)
    pause_after(monkeypatch, services, "lock_one")

    def change(user, status):
        return lambda: services.case_status_change(
            case=Case.objects.get(pk=case.pk), status=status, version=1, by=user
        )

    with locks_disabled():
        results = run_together([change(first, Status.IN_PROGRESS), change(second, Status.CLOSED)])

    assert not [r for r in results if isinstance(r, Exception)], results
    assert case.events.count() == 2
