from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cvms.models import AuditEvent
from helpdesk import services
from helpdesk.enums import CaseAction, Priority, Status
from helpdesk.models import Case, CaseNote
from tests.factories import OrganizationFactory
from tests.helpdesk.factories import CaseFactory, TeamFactory, agent, requester


@pytest.fixture
def team(db):
    return TeamFactory(name="Inventory desk")


@pytest.fixture
def case(team):
    return CaseFactory(team=team, subject="Freezer alarm")


def post(client, name, case, data):
    return client.post(reverse(f"help:queue.case.{name}", args=[case.pk]), data)


def test_agent_resolves_and_the_requester_gets_the_notes_meant_for_them(client, commit, case, team):
    member = agent(team, first_name="Alex")
    client.force_login(member)
    post(client, "note", case, {"body": "Checked the logger: sensor fault.", "is_internal": "on"})
    post(client, "note", case, {"body": "Please send the logger file."})

    with commit(execute=True):
        response = post(client, "resolve", case, {"note": "Replace the probe; see article 12.", "version": 3})

    assert response["Location"] == reverse("help:queue.case", args=[case.pk])
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.resolved_at is not None
    [message] = mail.outbox
    assert message.to == [case.requester.email]
    assert message.subject == f"Case #{case.pk} resolved: Freezer alarm"
    assert "Replace the probe; see article 12." in message.body
    assert "Please send the logger file." in message.body
    assert "sensor fault" not in message.body  # internal notes stay internal
    assert "sensor fault" not in message.alternatives[0][0]
    assert list(case.events.values_list("action", flat=True)) == [
        CaseAction.NOTE,
        CaseAction.NOTE,
        CaseAction.RESOLVED,
    ]
    assert set(AuditEvent.objects.filter(target_id=str(case.pk)).values_list("action", flat=True)) == {
        "helpdesk.case.note_added",
        "helpdesk.case.resolved",
    }


def test_resolution_email_is_in_the_requesters_language(commit, case, team):
    case.requester.language = "es"
    case.requester.save()

    with commit(execute=True):
        services.case_resolve(case=case, note="Listo.", by=agent(team))

    assert "Hola" in mail.outbox[0].body


def test_requester_sees_public_notes_but_not_internal_ones(client, case, team):
    member = agent(team)
    services.case_note_add(case=case, body="internal remark", is_internal=True, by=member)
    services.case_note_add(case=case, body="public answer", is_internal=False, by=member)
    client.force_login(case.requester)

    content = client.get(reverse("help:case", args=[case.pk])).content.decode()

    assert "public answer" in content and "internal remark" not in content


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("note", {"body": "I take it", "is_internal": "on"}),
        ("status", {"status": Status.CLOSED, "version": 1}),
        ("assign", {"assignee": "", "version": 1}),
        ("resolve", {"note": "Done", "version": 1}),
        ("move", {"team": "", "version": 1}),
    ],
)
def test_agent_of_another_team_can_not_change_a_case_outside_their_queue(client, case, action, data):
    outsider = agent(TeamFactory(name="Enrollment desk"))
    client.force_login(outsider)

    assert post(client, action, case, data).status_code == 404
    assert client.get(reverse("help:queue.case", args=[case.pk])).status_code == 404
    case.refresh_from_db()
    assert (case.status, case.version, case.notes.count(), case.events.count()) == (Status.NEW, 1, 0, 0)
    assert mail.outbox == []


def test_agent_assigns_to_themself_and_to_a_colleague_but_not_to_an_outsider(client, case, team):
    me, colleague, outsider = agent(team), agent(team), agent(TeamFactory())
    client.force_login(me)

    post(client, "assign", case, {"assignee": me.pk, "version": 1})
    case.refresh_from_db()
    assert case.assignee == me
    post(client, "assign", case, {"assignee": colleague.pk, "version": 2})
    case.refresh_from_db()
    assert case.assignee == colleague
    response = post(client, "assign", case, {"assignee": outsider.pk, "version": 3})
    case.refresh_from_db()
    assert case.assignee == colleague
    assert "Select a valid choice" in client.get(response["Location"]).content.decode()


def test_agent_moves_a_case_to_another_team_which_then_has_it_and_they_no_longer_do(client, case, team):
    me = agent(team)
    enrollment_desk = TeamFactory(name="Enrollment desk")
    newcomer = agent(enrollment_desk)
    services.case_assign(case=case, assignee=me, by=me)
    client.force_login(me)

    response = post(client, "move", case, {"team": enrollment_desk.pk, "version": 2})

    assert response["Location"] == reverse("help:queue")
    assert "in Enrollment desk&#x27;s queue now" in client.get(response["Location"]).content.decode()
    case.refresh_from_db()
    assert (case.team, case.assignee, case.version) == (enrollment_desk, None, 3)  # not in the new team
    assert case.events.last().action == CaseAction.MOVED
    assert case.events.last().detail == "Inventory desk → Enrollment desk"
    assert AuditEvent.objects.filter(action="helpdesk.case.moved", target_id=str(case.pk)).count() == 1
    assert client.get(reverse("help:queue.case", args=[case.pk])).status_code == 404
    client.force_login(newcomer)
    assert client.get(reverse("help:queue.case", args=[case.pk])).status_code == 200


def test_an_agent_in_both_teams_keeps_the_case_after_moving_it(client, case, team):
    me = agent(team)
    other = TeamFactory(name="Enrollment desk")
    other.members.add(me)
    services.case_assign(case=case, assignee=me, by=me)
    client.force_login(me)

    response = post(client, "move", case, {"team": other.pk, "version": 2})

    assert response["Location"] == reverse("help:queue.case", args=[case.pk])
    case.refresh_from_db()
    assert (case.team, case.assignee) == (other, me)


def test_moving_to_the_same_team_or_from_a_stale_page_is_refused(client, case, team):
    client.force_login(agent(team))
    other = TeamFactory(name="Enrollment desk")

    same = post(client, "move", case, {"team": team.pk, "version": 1})
    assert "Select a valid choice" in client.get(same["Location"]).content.decode()
    stale = post(client, "move", case, {"team": other.pk, "version": 0})
    assert "Someone changed this case meanwhile" in client.get(stale["Location"]).content.decode()

    case.refresh_from_db()
    assert (case.team, case.version) == (team, 1)
    with pytest.raises(services.HelpdeskError, match="already in this team"):
        services.case_move(case=case, team=team, by=agent(team))


def test_a_change_from_a_stale_page_is_refused(client, case, team):
    client.force_login(agent(team))
    post(client, "status", case, {"status": Status.IN_PROGRESS, "version": 1})

    response = post(client, "status", case, {"status": Status.CLOSED, "version": 1})

    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert "Someone changed this case meanwhile" in client.get(response["Location"]).content.decode()


def test_status_can_not_jump_to_resolved_without_a_note(case, team):
    with pytest.raises(services.HelpdeskError):
        services.case_status_change(case=case, status=Status.RESOLVED, by=agent(team))


def test_requester_reopens_a_resolved_case_by_replying_within_14_days(client, case, team):
    services.case_resolve(case=case, note="Done", by=agent(team))
    with time_machine.travel(timezone.now() + timedelta(days=13)):
        client.force_login(case.requester)  # sessions don't last 13 days: they sign in again
        client.post(reverse("help:case.reply", args=[case.pk]), {"body": "Still ringing."})

    case.refresh_from_db()
    assert (case.status, case.resolved_at) == (Status.IN_PROGRESS, None)
    assert case.events.filter(action=CaseAction.REOPENED).exists()
    assert CaseNote.objects.filter(case=case, body="Still ringing.", author=case.requester).exists()
    assert AuditEvent.objects.filter(action="helpdesk.case.reopened").exists()


def test_reopening_is_refused_after_14_days(client, case, team):
    services.case_resolve(case=case, note="Done", by=agent(team))

    with time_machine.travel(timezone.now() + timedelta(days=15)):
        client.force_login(case.requester)  # a fresh session: the old one would have expired
        response = client.post(
            reverse("help:case.reply", args=[case.pk]), {"body": "Still ringing."}, follow=True
        )

    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    assert "can no longer be reopened" in response.content.decode()
    assert not case.notes.filter(body="Still ringing.").exists()


def test_a_reply_while_waiting_on_the_requester_puts_the_case_back_in_progress(client, case, team):
    services.case_status_change(case=case, status=Status.WAITING, by=agent(team))
    client.force_login(case.requester)

    client.post(reverse("help:case.reply", args=[case.pk]), {"body": "Here is the file."})

    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS


def test_agent_sees_the_requesters_code_organization_and_open_cases(client, team):
    provider = OrganizationFactory(name="Wake Clinic", pin="NCA650123")
    person = requester(provider)
    CaseFactory(requester=person, team=team, subject="Open one")
    CaseFactory(requester=person, team=team, subject="Closed one", status=Status.CLOSED)
    client.force_login(agent(team))

    content = client.get(reverse("help:requester", args=[person.pk])).content.decode()

    assert "NCA650123" in content and "Wake Clinic" in content
    assert "Open one" in content and "Closed one" not in content


def test_agent_can_not_look_up_a_requester_without_a_case_in_their_queue(client, team):
    person = requester()
    CaseFactory(requester=person)  # in another team
    client.force_login(agent(team))

    assert client.get(reverse("help:requester", args=[person.pk])).status_code == 404


# --- The queue -----------------------------------------------------------------------------------


def test_queue_shows_only_the_agents_teams_and_filters(client, team):
    member = agent(team)
    urgent = CaseFactory(team=team, subject="Urgent freezer", priority=Priority.URGENT)
    CaseFactory(team=team, subject="Old label question", created_at=timezone.now() - timedelta(days=10))
    CaseFactory(team=team, subject="Closed thing", status=Status.CLOSED)
    CaseFactory(subject="Other team's case")
    client.force_login(member)

    def subjects(**params):
        page = client.get(reverse("help:queue"), params).context["page_obj"]
        return sorted(case.subject for case in page)

    assert subjects() == ["Closed thing", "Old label question", "Urgent freezer"]
    assert subjects(status="open") == ["Old label question", "Urgent freezer"]
    assert subjects(priority="urgent") == ["Urgent freezer"]
    assert subjects(age="7") == ["Old label question"]
    assert subjects(q="label") == ["Old label question"]
    assert subjects(q=f"#{urgent.pk}") == ["Urgent freezer"]
    assert subjects(q=urgent.requester.email) == ["Urgent freezer"]


def test_queue_paginates_with_the_same_number_of_queries_for_few_and_many_cases(
    client, team, django_assert_num_queries
):
    member = agent(team)
    client.force_login(member)
    url = reverse("help:queue")
    CaseFactory.create_batch(2, team=team, organization=OrganizationFactory())
    client.get(url)  # warm the session and caches

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    CaseFactory.create_batch(60, team=team, organization=OrganizationFactory(), assignee=member)

    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["page_obj"].object_list) == 25
    assert response.context["page_obj"].paginator.count == 62


def test_case_history_lists_every_change(client, case, team):
    member = agent(team)
    services.case_assign(case=case, assignee=member, by=member)
    services.case_status_change(case=case, status=Status.WAITING, by=member)
    services.case_resolve(case=case, note="Fixed", by=member)
    client.force_login(member)

    content = client.get(reverse("help:queue.case", args=[case.pk])).content.decode()

    for label in ("Assigned", "Status changed", "New → Waiting on requester", "Resolved"):
        assert label in content
    assert Case.objects.get(pk=case.pk).version == 4  # three changes
