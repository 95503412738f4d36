"""`manage.py seed_scale`: many rows fast, and the invariants the application keeps hold in them."""

import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from administration.models import AdministrationRecord
from cvms.roles import Role
from employers.models import Invitee
from enrollment.enums import ApplicationStatus, DecisionAction, OrganizationKind
from enrollment.models import EnrollmentApplication
from enrollment.selectors import application_answers, application_problems, review_queue
from inventory.enums import MovementKind
from inventory.models import Stock, StockMovement
from recipients.models import Recipient
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="seed_scale needs PostgreSQL"),
]


def _seed(**numbers):
    out = io.StringIO()
    call_command("seed_scale", stdout=out, **numbers)
    return out.getvalue()


def test_seed_scale_fills_the_numbers_asked():
    out = _seed(recipients=300, doses=500, locations=7)

    assert Recipient.objects.count() == 300
    assert AdministrationRecord.objects.count() == 500
    assert AdministrationRecord.objects.values("location").distinct().count() == 7
    assert "300 people, 500 dose records" in out


def test_seed_scale_ledger_matches_the_records_and_the_balances():
    _seed(recipients=1000, doses=2000, locations=5)

    given = AdministrationRecord.objects.filter(refused=False)
    administered = StockMovement.objects.filter(kind=MovementKind.ADMINISTERED)
    assert administered.count() == given.count() > 0
    assert set(administered.values_list("reference", flat=True)) == {record.event_id for record in given}
    for stock in Stock.objects.all():
        ledger = StockMovement.objects.filter(location=stock.location_id, lot=stock.lot_id)
        assert stock.on_hand == ledger.aggregate(total=Sum("quantity"))["total"] >= 0
    assert StockMovement.objects.filter(kind=MovementKind.WASTED).exists()


def test_seed_scale_gives_each_person_each_dose_number_once():
    _seed(recipients=200, doses=400, locations=3)

    doses = AdministrationRecord.objects.filter(refused=False).values_list("recipient_id", "dose_number")
    assert len(doses) == len(set(doses))
    assert Invitee.objects.filter(recipient_id__isnull=False).count() == 40


def test_seed_scale_follows_one_given_dose_in_500_with_an_adverse_event_reported_as_the_form_would():
    from administration.models import AdverseEvent

    _seed(recipients=1500, doses=3000, locations=4)

    events = AdverseEvent.objects.select_related("record")
    given = AdministrationRecord.objects.filter(refused=False, id__in=[event.record_id for event in events])
    assert 3 <= events.count() == given.count() <= 7
    for event in events:
        assert event.onset_at > event.record.administered_at
        assert event.reported_to_vaers == bool(event.vaers_number)  # the form's rule (a check constraint)


def test_seed_scale_adds_to_what_is_there():
    _seed(recipients=50, doses=60, locations=2)
    _seed(recipients=50, doses=60, locations=2)

    assert Recipient.objects.count() == 100
    assert StockMovement.objects.filter(kind=MovementKind.ADMINISTERED).count() == (
        AdministrationRecord.objects.filter(refused=False).count()
    )


def test_seed_scale_refuses_more_than_two_doses_a_person():
    with pytest.raises(CommandError, match="two doses per person"):
        _seed(recipients=10, doses=21, locations=1)
    assert not Recipient.objects.exists()


def test_seed_scale_gives_people_the_duplicate_finders_keys_that_saving_them_would():
    _seed(recipients=40, doses=10, locations=2)

    for person in Recipient.objects.all():
        seeded = (person.name_key, person.email_key, person.phone_key)
        person.save()
        person.refresh_from_db()
        assert seeded == (person.name_key, person.email_key, person.phone_key)
        assert all(seeded)


def test_seed_scale_makes_one_enrollment_application_per_500_people():
    out = _seed(recipients=1500, doses=0, locations=1)

    assert EnrollmentApplication.objects.filter(status=ApplicationStatus.SUBMITTED).count() == 3
    assert "3 enrollment applications (3 waiting for review)" in out


def test_seed_scale_applications_wait_for_review_with_every_answer_a_submission_checks():
    _seed(recipients=10, doses=0, locations=1, applications=40)

    applications = EnrollmentApplication.objects.prefetch_related("locations", "events")
    assert Counter(application.status for application in applications) == {
        ApplicationStatus.SUBMITTED: 32,
        ApplicationStatus.DRAFT: 4,
        ApplicationStatus.DENIED: 2,
        ApplicationStatus.INFO_REQUESTED: 2,
    }
    assert len({application.applicant_id for application in applications}) == 40
    waiting = [
        application for application in applications if application.status == ApplicationStatus.SUBMITTED
    ]
    assert {application.kind for application in waiting} == set(OrganizationKind.values)
    for application in applications:
        assert 1 <= len(application.locations.all()) <= 2
        if application.status == ApplicationStatus.DRAFT:
            assert application.submitted_at is None and not application.events.all()
            continue
        assert application_problems(application) == []
        submission, *decision = application.events.all()
        assert submission.action == DecisionAction.SUBMITTED and submission.by_id == application.applicant_id
        assert submission.answers == application_answers(application)
        if application.status != ApplicationStatus.SUBMITTED:
            assert [event.action for event in decision] == [application.status]
            assert application.decided_by_id == decision[0].by_id and application.decision_notes


def _queue_page(client, query: str = "") -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("state:enrollment.review") + query)
    assert page.status_code == 200
    return page.content.decode(), len(queries)


def _links(applications) -> list[str]:
    """How the queue links each application (its review page), in order."""
    return [f'href="{reverse("state:enrollment.review.detail", args=[pk])}"' for pk in applications]


def test_seed_scale_applications_are_the_states_review_queue_a_page_at_a_time(client):
    client.force_login(UserFactory(roles=[Role.STATE_OFFICIAL]))
    client.get(reverse("state:enrollment.review"))  # the session and the per-process caches, once
    _seed(recipients=10, doses=0, locations=1, applications=30)
    _, queries_over_30 = _queue_page(client)

    _seed(recipients=10, doses=0, locations=1, applications=150)
    page, queries = _queue_page(client)

    # The queue's default view: every application but the drafts, 25 to a page.
    listed = EnrollmentApplication.objects.exclude(status=ApplicationStatus.DRAFT)
    assert f"{listed.count()} applications" in page
    *first_page, next_one = _links(review_queue()[:26].values_list("pk", flat=True))
    assert all(link in page for link in first_page) and next_one not in page
    assert queries == queries_over_30
    waiting = EnrollmentApplication.objects.filter(status=ApplicationStatus.SUBMITTED)
    assert sum(link in page for link in _links(waiting.values_list("pk", flat=True))) >= 20

    page, _ = _queue_page(client, "?status=submitted")
    assert f"{waiting.count()} applications" in page
    assert all(
        link in page for link in _links(review_queue(status="submitted")[:25].values_list("pk", flat=True))
    )
