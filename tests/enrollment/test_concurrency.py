"""Enrollment's locks under concurrent requests, with real threads against PostgreSQL: decisions,
submissions, suspensions, colleague invitations, administrators changing each other. Each lock's
test, and its control without the lock (tests/test_locks.py)."""

import pytest
from django.db import IntegrityError

from cvms.models import AuditEvent, Membership
from cvms.roles import Role
from enrollment.enums import OrganizationStatus
from enrollment.models import ApplicationEvent, EnrollmentApplication, IssuedPin, Organization
from enrollment.services import applications, decisions, organizations, people
from enrollment.services.decisions import application_approve
from enrollment.services.errors import EnrollmentError
from tests.concurrency import locks_disabled, pause_after, run_together
from tests.enrollment.factories import (
    ColleagueInvitationFactory,
    EnrollmentApplicationFactory,
    SubmittedApplicationFactory,
)
from tests.factories import OrganizationFactory, UserFactory, member


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


def _submit_twice(monkeypatch):
    application = EnrollmentApplicationFactory()
    pause_after(monkeypatch, applications, "lock_one")  # read as a draft; not yet sent
    work = lambda: applications.application_submit(  # noqa: E731
        application=application, attested_name="Dana Doe", by=application.applicant
    )
    return application, [work, work]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_an_application_submitted_from_two_tabs_at_once_is_submitted_once(monkeypatch):
    application, works = _submit_twice(monkeypatch)

    results = run_together(works)

    assert [type(r).__name__ for r in results].count("EnrollmentError") == 1, results
    assert ApplicationEvent.objects.filter(application=application, action="submitted").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_without_the_lock_an_application_is_submitted_twice(monkeypatch):
    """The control of the application's lock when its applicant changes or sends it."""
    application, works = _submit_twice(monkeypatch)

    with locks_disabled():
        results = run_together(works)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert ApplicationEvent.objects.filter(application=application, action="submitted").count() == 2


def _switch_twice(monkeypatch, switch, status):
    organization = OrganizationFactory(status=status)
    officials = [UserFactory(roles=[Role.STATE_OFFICIAL]) for _ in range(2)]
    pause_after(monkeypatch, organizations, "lock_one")
    return [(lambda o=o: switch(organization=organization, by=o)) for o in officials]


SWITCHES = {
    "suspend": (organizations.organization_suspend, OrganizationStatus.APPROVED, "suspended"),
    "reinstate": (organizations.organization_reinstate, OrganizationStatus.SUSPENDED, "reinstated"),
}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", sorted(SWITCHES))
def test_an_organization_suspended_or_reinstated_by_two_officials_at_once_is_switched_once(monkeypatch, name):
    switch, status, action = SWITCHES[name]
    works = _switch_twice(monkeypatch, switch, status)

    results = run_together(works)

    assert [type(r).__name__ for r in results].count("EnrollmentError") == 1, results
    assert AuditEvent.objects.filter(action=f"enrollment.organization.{action}").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", sorted(SWITCHES))
def test_without_the_lock_an_organization_is_switched_twice(monkeypatch, name):
    """The control of the organization's lock when the state suspends or reinstates it."""
    switch, status, action = SWITCHES[name]
    works = _switch_twice(monkeypatch, switch, status)

    with locks_disabled():
        results = run_together(works)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert AuditEvent.objects.filter(action=f"enrollment.organization.{action}").count() == 2


def _accept_twice(monkeypatch):
    invitation = ColleagueInvitationFactory(email="new.colleague@example.org")
    colleague = UserFactory(email="new.colleague@example.org")
    pause_after(monkeypatch, people, "lock_one")  # read as pending; not yet used
    work = lambda: people.invitation_accept(invitation=invitation, user=colleague)  # noqa: E731
    return colleague, [work, work]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_colleague_invitation_accepted_from_two_tabs_at_once_is_used_once(monkeypatch):
    colleague, works = _accept_twice(monkeypatch)

    results = run_together(works)

    assert [str(r) for r in results if isinstance(r, Exception)] == ["This invitation can no longer be used."]
    assert Membership.objects.filter(user=colleague).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_without_the_lock_a_colleague_invitation_is_used_twice(monkeypatch):
    """The control of the invitation's lock."""
    _colleague, works = _accept_twice(monkeypatch)

    with locks_disabled():
        results = run_together(works)

    assert not [r for r in results if isinstance(r, Exception)], results


def _admins_changing_each_other(monkeypatch, change):
    organization = OrganizationFactory()
    first, second = (member(organization, Role.PROVIDER_ADMIN) for _ in range(2))
    mine, theirs = (Membership.objects.get(user=u, organization=organization) for u in (first, second))
    pause_after(monkeypatch, people, "_other_admins_exist")  # each saw another administrator
    return organization, [lambda: change(mine, second), lambda: change(theirs, first)]


def _remove(membership, by):
    return people.person_remove(membership=membership, by=by)


def _demote(membership, by):
    return people.person_update(membership=membership, role=Role.VACCINATOR, locations=[], by=by)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", [_remove, _demote])
def test_two_administrators_removing_or_demoting_each_other_at_once_leave_one(monkeypatch, change):
    organization, works = _admins_changing_each_other(monkeypatch, change)

    results = run_together(works)

    refused = [str(r) for r in results if isinstance(r, Exception)]
    assert refused == ["The organization needs at least one administrator."], results
    assert Membership.objects.filter(organization=organization, role=Role.PROVIDER_ADMIN).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", [_remove, _demote])
def test_without_the_lock_two_administrators_leave_the_organization_without_one(monkeypatch, change):
    """The control of the organization's row locked with the membership (removing or changing a
    person): each administrator saw the other, and both are gone."""
    organization, works = _admins_changing_each_other(monkeypatch, change)

    with locks_disabled():
        results = run_together(works)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Membership.objects.filter(organization=organization, role=Role.PROVIDER_ADMIN).count() == 0
