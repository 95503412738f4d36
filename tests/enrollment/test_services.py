import pytest
from django.core import mail
from django.utils import timezone
from guardian.shortcuts import get_perms

from cvms.models import AuditEvent, Membership
from cvms.roles import Role
from enrollment.enums import ApplicationStatus, OrganizationStatus
from enrollment.models import IssuedPin, Location, Organization
from enrollment.selectors import locations_for
from enrollment.services.applications import ApplicationIncomplete, application_submit, application_update
from enrollment.services.decisions import application_approve, application_deny, application_request_info
from enrollment.services.errors import EnrollmentError
from enrollment.services.organizations import organization_reinstate, organization_suspend
from enrollment.services.people import (
    INVITATION_MAX_AGE,
    invitation_accept,
    invitation_create,
    invitation_from_token,
    invitation_token,
    invitation_url,
    person_remove,
    person_update,
)
from tests.enrollment.factories import (
    ApplicationLocationFactory,
    EmployerApplicationFactory,
    EnrollmentApplicationFactory,
    SubmittedApplicationFactory,
)
from tests.factories import LocationFactory, OrganizationFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def official():
    return UserFactory(roles=[Role.STATE_OFFICIAL])


def approve(application, official):
    return application_approve(application=application, version=application.version, by=official)


def test_submission_moves_a_complete_draft_to_the_state(django_capture_on_commit_callbacks):
    application = EnrollmentApplicationFactory()

    submitted = application_submit(
        application=application, attested_name="Dana Doe", by=application.applicant
    )

    assert submitted.status == ApplicationStatus.SUBMITTED
    assert submitted.submitted_at is not None
    assert submitted.attested_at is not None
    assert list(submitted.events.values_list("action", flat=True)) == ["submitted"]
    assert AuditEvent.objects.filter(action="enrollment.application.submitted").count() == 1


def test_submission_by_someone_else_is_refused():
    application = EnrollmentApplicationFactory()

    with pytest.raises(EnrollmentError):
        application_submit(application=application, attested_name="X", by=UserFactory())


def test_approving_a_provider_issues_a_new_pin_activates_locations_and_makes_the_applicant_admin(
    official, django_capture_on_commit_callbacks
):
    application = SubmittedApplicationFactory(applicant=UserFactory(language="es"))
    ApplicationLocationFactory(
        application=application, name="Second site", ultra_cold_capacity=300, site_type="17"
    )

    with django_capture_on_commit_callbacks(execute=True):
        approved = approve(application, official)

    organization = approved.organization
    assert organization.status == OrganizationStatus.APPROVED
    assert organization.pin.startswith("NCA") and len(organization.pin) == 9
    assert IssuedPin.objects.get(organization=organization).number == int(organization.pin[3:])
    locations = Location.objects.filter(organization=organization).order_by("name")
    assert [(loc.name, loc.is_active) for loc in locations][-1] == ("Second site", True)
    second_site = locations.get(name="Second site")
    assert (second_site.ultra_cold_capacity, second_site.site_type) == (300, "17")  # chain pharmacy
    assert (
        Membership.objects.get(user=application.applicant, organization=organization).role
        == Role.PROVIDER_ADMIN
    )
    assert AuditEvent.objects.filter(action="enrollment.application.approved").count() == 1
    # The approval e-mail, in the applicant's language, names the PIN.
    (message,) = mail.outbox
    assert message.to == [application.applicant.email]
    assert organization.pin in message.body


def test_approving_a_provider_keeps_each_locations_iis_facility_id_for_hl7_rxa_11(official):
    application = SubmittedApplicationFactory()
    ApplicationLocationFactory(
        application=application, name="Registry-known site", iis_facility_id="NCIR-4471"
    )

    approved = approve(application, official)

    site = Location.objects.get(organization=approved.organization, name="Registry-known site")
    assert site.iis_facility_id == "NCIR-4471"


def test_an_iis_facility_id_with_spaces_or_accents_is_refused():
    from django.core.exceptions import ValidationError

    location = ApplicationLocationFactory.build(iis_facility_id="Clínica Norte")
    with pytest.raises(ValidationError) as refused:
        location.full_clean(exclude=["application"])
    assert "iis_facility_id" in refused.value.message_dict


def test_approving_a_provider_with_a_vfc_pin_issues_that_pin(official):
    application = SubmittedApplicationFactory(vfc_pin="612345")

    approved = approve(application, official)

    assert approved.organization.pin == "NCA612345"
    assert IssuedPin.objects.get(number=612345).from_vfc


def test_a_vfc_pin_already_issued_is_refused_at_approval(official):
    OrganizationFactory(pin="NCA612345")
    application = SubmittedApplicationFactory(vfc_pin="612345")

    with pytest.raises(EnrollmentError, match="already the PIN"):
        approve(application, official)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_new_pins_skip_numbers_already_used(official):
    first = approve(SubmittedApplicationFactory(), official).organization.pin
    number = int(first[3:])
    OrganizationFactory(pin=f"NCA{number + 1:06d}")  # enrolled before CVMS
    IssuedPin.objects.create(number=number + 2, from_vfc=True)

    second = approve(SubmittedApplicationFactory(), official).organization.pin

    assert second == f"NCA{number + 3:06d}"


def test_approving_an_employer_makes_the_applicant_employer_admin_without_pin(official):
    application = EmployerApplicationFactory(status="submitted")

    approved = approve(application, official)

    assert approved.organization.pin is None
    assert Membership.objects.get(user=application.applicant).role == Role.EMPLOYER_ADMIN


def test_a_decided_application_cant_be_decided_again(official):
    application = approve(SubmittedApplicationFactory(), official)

    with pytest.raises(EnrollmentError, match="already been decided"):
        application_deny(application=application, version=application.version, reason="No", by=official)


def test_a_decision_on_a_stale_version_is_refused(official):
    application = SubmittedApplicationFactory()

    with pytest.raises(EnrollmentError, match="changed while you were reading"):
        application_approve(application=application, version=application.version - 1, by=official)


def test_denial_needs_a_reason_and_tells_the_applicant(official, django_capture_on_commit_callbacks):
    application = SubmittedApplicationFactory()
    with pytest.raises(EnrollmentError):
        application_deny(application=application, version=application.version, reason=" ", by=official)

    with django_capture_on_commit_callbacks(execute=True):
        denied = application_deny(
            application=application,
            version=application.version,
            reason="Not a licensed provider.",
            by=official,
        )

    assert denied.status == ApplicationStatus.DENIED
    assert "Not a licensed provider." in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="enrollment.application.denied").count() == 1


def test_request_for_information_lets_the_applicant_edit_and_resubmit_in_place(official):
    application = SubmittedApplicationFactory()
    first_submission = application.submitted_at
    application_request_info(
        application=application, version=application.version, notes="Add your second site.", by=official
    )
    application.refresh_from_db()
    assert application.is_editable

    application_update(application=application, data={"city": "Cary"}, by=application.applicant)
    resubmitted = application_submit(
        application=application,
        attested_name="Dana Doe",
        response="We moved to Cary.",
        by=application.applicant,
    )

    assert resubmitted.status == ApplicationStatus.SUBMITTED
    assert resubmitted.city == "Cary"
    assert resubmitted.submitted_at == first_submission  # keeps its place in the queue
    assert [e.action for e in resubmitted.events.all()] == ["info_requested", "submitted"]


def test_the_applicant_cant_edit_while_the_state_reviews():
    application = SubmittedApplicationFactory()

    with pytest.raises(EnrollmentError):
        application_update(application=application, data={"city": "Cary"}, by=application.applicant)


def test_suspending_and_reinstating_an_organization_are_audited(official):
    organization = OrganizationFactory()

    organization_suspend(organization=organization, by=official)
    organization.refresh_from_db()
    assert organization.status == OrganizationStatus.SUSPENDED
    organization_reinstate(organization=organization, by=official)
    organization.refresh_from_db()
    assert organization.status == OrganizationStatus.APPROVED
    assert list(
        AuditEvent.objects.filter(target_id=str(organization.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["enrollment.organization.suspended", "enrollment.organization.reinstated"]


def test_vaccinator_works_only_at_assigned_locations():
    organization = OrganizationFactory()
    admin = member(organization, Role.PROVIDER_ADMIN)
    vaccinator = member(organization, Role.VACCINATOR)
    raleigh, cary = LocationFactory(organization=organization), LocationFactory(organization=organization)
    membership = Membership.objects.get(user=vaccinator)

    person_update(membership=membership, role=Role.VACCINATOR, locations=[cary], by=admin)

    assert list(locations_for(vaccinator, organization)) == [cary]
    assert set(locations_for(admin, organization)) == {raleigh, cary}
    assert get_perms(vaccinator, cary) == ["work_at_location"]
    assert list(locations_for(UserFactory(), organization)) == []


def test_a_location_of_another_organization_cant_be_assigned():
    organization = OrganizationFactory()
    admin = member(organization, Role.PROVIDER_ADMIN)
    vaccinator = member(organization, Role.VACCINATOR)
    elsewhere = LocationFactory()

    with pytest.raises(EnrollmentError):
        person_update(
            membership=Membership.objects.get(user=vaccinator),
            role=Role.VACCINATOR,
            locations=[elsewhere],
            by=admin,
        )
    assert get_perms(vaccinator, elsewhere) == []


def test_removing_a_person_revokes_membership_and_location_permissions():
    organization = OrganizationFactory()
    admin = member(organization, Role.PROVIDER_ADMIN)
    vaccinator = member(organization, Role.VACCINATOR)
    location = LocationFactory(organization=organization)
    membership = Membership.objects.get(user=vaccinator)
    person_update(membership=membership, role=Role.VACCINATOR, locations=[location], by=admin)

    person_remove(membership=membership, by=admin)

    assert not Membership.objects.filter(user=vaccinator).exists()
    assert get_perms(vaccinator, location) == []
    assert AuditEvent.objects.filter(action="cvms.membership.revoked").count() == 1


def test_the_last_administrator_cant_be_removed():
    organization = OrganizationFactory()
    admin = member(organization, Role.PROVIDER_ADMIN)

    with pytest.raises(EnrollmentError, match="at least one administrator"):
        person_remove(membership=Membership.objects.get(user=admin), by=admin)


def test_invitation_accepted_by_the_invited_address_grants_the_role(django_capture_on_commit_callbacks):
    organization = OrganizationFactory()
    admin = member(organization, Role.PROVIDER_ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(
            organization=organization, email="New.Colleague@example.org", role=Role.VACCINATOR, by=admin
        )
    link = invitation_url(invitation)
    assert link in mail.outbox[0].body
    colleague = UserFactory(email="new.colleague@example.org")

    token = link.rstrip("/").rsplit("/", 1)[1]
    membership = invitation_accept(invitation=invitation_from_token(token), user=colleague)

    assert membership.role == Role.VACCINATOR
    assert membership.organization == organization
    with pytest.raises(EnrollmentError, match="already been used"):
        invitation_from_token(token)


def test_invitation_refused_for_another_address():
    organization = OrganizationFactory()
    admin = member(organization, Role.PROVIDER_ADMIN)
    invitation = invitation_create(
        organization=organization, email="someone@example.org", role=Role.VACCINATOR, by=admin
    )

    with pytest.raises(EnrollmentError, match=r"someone@example\.org"):
        invitation_accept(invitation=invitation, user=UserFactory())
    assert not Membership.objects.filter(organization=organization, role=Role.VACCINATOR).exists()


def test_invitation_links_expire_and_cant_be_forged(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    organization = OrganizationFactory()
    admin = member(organization, Role.PROVIDER_ADMIN)
    invitation = invitation_create(
        organization=organization, email="someone@example.org", role=Role.VACCINATOR, by=admin
    )
    token = invitation_token(invitation)

    with pytest.raises(EnrollmentError, match="isn't valid"):
        invitation_from_token(token[:-2] + "xx")
    time_machine.shift(INVITATION_MAX_AGE.total_seconds() + 60)
    with pytest.raises(EnrollmentError, match="expired"):
        invitation_from_token(token)


def test_an_employer_cant_invite_a_vaccinator():
    organization = OrganizationFactory(kind="employer")
    admin = member(organization, Role.EMPLOYER_ADMIN)

    with pytest.raises(EnrollmentError):
        invitation_create(organization=organization, email="x@example.org", role=Role.VACCINATOR, by=admin)


def test_duplicate_tax_id_is_refused_by_the_database():
    OrganizationFactory(tax_id="56-1234567")

    with pytest.raises(Exception):  # noqa: B017 - IntegrityError, whatever the backend
        Organization.objects.create(name="Twin", kind="provider", tax_id="56-1234567")


def test_a_draft_location_saved_without_a_type_of_site_stops_the_submission(official):
    application = EnrollmentApplicationFactory(with_location=False, attested_name="Morgan Reyes")
    ApplicationLocationFactory(application=application, name="Old site", site_type="")

    with pytest.raises(ApplicationIncomplete) as refused:
        application_submit(application=application, attested_name="Morgan Reyes", by=application.applicant)

    assert ("Location: Old site", "Choose the type of site.") in [
        (str(where), str(what)) for where, what in refused.value.problems
    ]
