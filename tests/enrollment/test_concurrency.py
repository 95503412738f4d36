"""Two reviewers approving one application at the same moment: one wins, once."""

import pytest
from django.db import IntegrityError

from cvms.models import AuditEvent
from cvms.roles import Role
from enrollment.models import ApplicationEvent, EnrollmentApplication, IssuedPin, Organization
from enrollment.services import decisions
from enrollment.services.decisions import application_approve
from enrollment.services.errors import EnrollmentError
from tests.concurrency import locks_disabled, pause_after, run_together
from tests.enrollment.factories import SubmittedApplicationFactory
from tests.factories import UserFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
@pytest.mark.parametrize("round_", range(3))
def test_two_concurrent_approvals_leave_one_decision_one_pin_one_audit_event(round_):
    application = SubmittedApplicationFactory()
    reviewers = [UserFactory(roles=[Role.STATE_OFFICIAL]) for _ in range(2)]

    def approve_as(reviewer):
        def approve():
            fresh = EnrollmentApplication.objects.get(pk=application.pk)
            return application_approve(application=fresh, version=fresh.version, by=reviewer)

        return approve

    outcomes = run_together([approve_as(reviewer) for reviewer in reviewers])

    winners = [o for o in outcomes if isinstance(o, EnrollmentApplication)]
    losers = [o for o in outcomes if isinstance(o, EnrollmentError)]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1, outcomes
    assert "already been decided" in str(losers[0])
    assert ApplicationEvent.objects.filter(application=application, action="approved").count() == 1
    assert Organization.objects.filter(name=application.legal_name).count() == 1
    assert IssuedPin.objects.count() == 1
    assert AuditEvent.objects.filter(action="enrollment.application.approved").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_concurrent_approvals_of_different_applications_get_different_pins():
    applications = SubmittedApplicationFactory.create_batch(4)
    reviewer = UserFactory(roles=[Role.STATE_OFFICIAL])

    outcomes = run_together(
        [
            (lambda a=a: application_approve(application=a, version=a.version, by=reviewer))
            for a in applications
        ]
    )

    pins = [o.organization.pin for o in outcomes]
    assert len(set(pins)) == 4, outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_without_the_lock_two_approvals_both_go_through(monkeypatch):
    """The control of the application's lock when deciding: both reviewers find it reviewable at
    the version they read and both go on to approve; the second is stopped only by a unique
    constraint of the organization it creates again (a server error, not "already decided")."""
    application = SubmittedApplicationFactory()
    reviewers = [UserFactory(roles=[Role.STATE_OFFICIAL]) for _ in range(2)]
    pause_after(monkeypatch, decisions, "lock_one")

    def approve_as(reviewer):
        return lambda: application_approve(application=application, version=application.version, by=reviewer)

    with locks_disabled():
        outcomes = run_together([approve_as(reviewer) for reviewer in reviewers])

    assert [type(o) for o in outcomes].count(IntegrityError) == 1, outcomes
