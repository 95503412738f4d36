"""The state's review queue, decisions and organizations."""

import pytest
from django.core import mail
from django.urls import reverse

from cvms.models import AuditEvent
from cvms.roles import Role
from enrollment.enums import ApplicationStatus, OrganizationStatus
from enrollment.models import PriorityGroup
from tests.clients import SignInClient
from tests.enrollment.factories import (
    ApplicationLocationFactory,
    EmployerApplicationFactory,
    EnrollmentApplicationFactory,
    SubmittedApplicationFactory,
)
from tests.factories import LocationFactory, OrganizationFactory, UserFactory, member

pytestmark = pytest.mark.django_db
QUEUE = reverse("state:enrollment.review")


@pytest.fixture
def official_client(client):
    client.force_login(UserFactory(roles=[Role.STATE_OFFICIAL]))
    return client


def names(response) -> list[str]:
    return [application.legal_name for application in response.context["applications"]]


def test_queue_orders_by_phase_then_submission_time(official_client):
    group1, group3 = PriorityGroup.objects.get(code="1"), PriorityGroup.objects.get(code="3a")
    SubmittedApplicationFactory(legal_name="Phase 3 early", priority_group=group3)
    SubmittedApplicationFactory(legal_name="Phase 1 late", priority_group=group1)
    SubmittedApplicationFactory(legal_name="Phase 1 later", priority_group=group1)
    EnrollmentApplicationFactory(legal_name="A draft")  # drafts stay with their applicants

    response = official_client.get(QUEUE)

    assert names(response) == ["Phase 1 late", "Phase 1 later", "Phase 3 early"]


def test_queue_filters_by_status_kind_county_phase_and_searches_by_name(official_client):
    SubmittedApplicationFactory(legal_name="Wake Pharmacy", county_id="37183")
    SubmittedApplicationFactory(legal_name="Durham Clinic", county_id="37063")
    EmployerApplicationFactory(legal_name="Durham Plant", county_id="37063", status="submitted")
    SubmittedApplicationFactory(
        legal_name="Group 2 Clinic", county_id="37063", priority_group=PriorityGroup.objects.get(code="2")
    )
    denied = SubmittedApplicationFactory(legal_name="Denied Clinic")
    denied.status = ApplicationStatus.DENIED
    denied.save()

    assert names(official_client.get(QUEUE, {"county": "37063", "kind": "provider", "phase": "1"})) == [
        "Durham Clinic"
    ]
    assert names(official_client.get(QUEUE, {"kind": "employer"})) == ["Durham Plant"]
    assert names(official_client.get(QUEUE, {"status": "denied"})) == ["Denied Clinic"]
    assert names(official_client.get(QUEUE, {"q": "pharm"})) == ["Wake Pharmacy"]
    assert names(official_client.get(QUEUE, {"phase": "2"})) == ["Group 2 Clinic"]


@pytest.mark.parametrize("count", [5, 200])
def test_queue_runs_a_fixed_number_of_queries(official_client, django_assert_num_queries, count):
    SubmittedApplicationFactory.create_batch(count)
    official_client.get(QUEUE)  # warm the session and the caches

    # session, user, roles, TOTP check, the count, the page of applications, the filter form's
    # county and phase choices, the menu's portals: the same for 5 or 200 applications.
    with django_assert_num_queries(9):
        response = official_client.get(QUEUE, {"status": "submitted"})

    assert response.status_code == 200
    assert len(response.context["applications"]) == min(count, 25)
    assert response.context["paginator"].count == count


def test_reviewer_sees_every_answer(official_client):
    application = SubmittedApplicationFactory(legal_name="Answers Clinic", vfc_pin="654321")
    location = application.locations.get()

    response = official_client.get(reverse("state:enrollment.review.detail", args=[application.pk]))

    page = response.content.decode()
    for answer in [
        "Answers Clinic",
        application.tax_id,
        "RPH12345",
        "654321",
        "Dr. Dana Doe",
        "919-555-0100",
        location.name,
        "Wake County",
        "Casey Contact",
    ]:
        assert answer in page


def test_approval_through_the_page(official_client):
    application = SubmittedApplicationFactory()

    response = official_client.post(
        reverse("state:enrollment.review.approve", args=[application.pk]), {"version": application.version}
    )

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    page = official_client.get(response.url).content.decode()
    assert application.organization.pin in page


def test_denial_without_reason_is_refused_with_a_message(official_client):
    application = SubmittedApplicationFactory()

    response = official_client.post(
        reverse("state:enrollment.review.deny", args=[application.pk]),
        {"version": application.version, "notes": ""},
        follow=True,
    )

    assert "Give the reason for the denial" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_request_for_information_reaches_the_applicant(official_client, django_capture_on_commit_callbacks):
    application = SubmittedApplicationFactory()

    with django_capture_on_commit_callbacks(execute=True):
        official_client.post(
            reverse("state:enrollment.review.request_info", args=[application.pk]),
            {"version": application.version, "notes": "Send your storage unit's model."},
        )

    application.refresh_from_db()
    assert application.status == ApplicationStatus.INFO_REQUESTED
    assert "Send your storage unit's model." in mail.outbox[0].body
    official_client.force_login(application.applicant)
    page = official_client.get(
        reverse("provider:enrollment.application", kwargs={"application_pk": application.pk})
    ).content.decode()
    assert "Send your storage unit&#x27;s model." in page


def test_state_dashboard_shows_applications_waiting(official_client):
    SubmittedApplicationFactory.create_batch(3)
    EnrollmentApplicationFactory()

    response = official_client.get(reverse("state:dashboard"))

    assert '<p class="display-6 mb-1">3</p>' in response.content.decode()


def test_suspending_an_organization_closes_its_portal_at_the_next_request(official_client, client):

    organization = OrganizationFactory()
    admin = member(organization, Role.PROVIDER_ADMIN)
    provider_client = SignInClient()
    provider_client.force_login(admin)
    assert provider_client.get(reverse("provider:dashboard")).status_code == 200

    confirm = official_client.get(reverse("state:enrollment.organization.suspend", args=[organization.pk]))
    assert "Its people lose access" in confirm.content.decode()
    official_client.post(reverse("state:enrollment.organization.suspend", args=[organization.pk]))

    organization.refresh_from_db()
    assert organization.status == OrganizationStatus.SUSPENDED
    assert provider_client.get(reverse("provider:dashboard")).status_code == 403
    assert AuditEvent.objects.filter(action="enrollment.organization.suspended").count() == 1
    assert organization.memberships.count() == 1  # records are kept


def test_organization_page_shows_history_locations_and_people(official_client):
    official = UserFactory(roles=[Role.STATE_OFFICIAL])
    from enrollment.services.decisions import application_approve

    application = application_approve(
        application=SubmittedApplicationFactory(legal_name="History Clinic"), version=1, by=official
    )
    organization = application.organization

    page = official_client.get(
        reverse("state:enrollment.organization", args=[organization.pk])
    ).content.decode()

    assert "History Clinic" in page
    assert application.applicant.email in page
    assert application.locations.get().name in page
    assert "Approved" in page


@pytest.mark.parametrize("count", [3, 60])
def test_organization_list_runs_a_fixed_number_of_queries(official_client, django_assert_num_queries, count):
    OrganizationFactory.create_batch(count)
    official_client.get(reverse("state:enrollment.organizations"))

    with django_assert_num_queries(7):
        official_client.get(reverse("state:enrollment.organizations"), {"kind": "provider"})


def _row_of(page: str, name: str) -> list[str]:
    row = page.split(name, 1)[1].split("</tr>", 1)[0]
    return [cell.split(">", 1)[1].strip() for cell in row.split("</td>")[1:-1]]


def test_the_lists_count_each_rows_locations_and_people(official_client):
    """The review queue and the organizations count for each row on their own (two counts joined
    together once multiplied each other's rows)."""
    two_sites = SubmittedApplicationFactory(legal_name="Two Sites Pharmacy", with_location=False)
    ApplicationLocationFactory.create_batch(2, application=two_sites)
    SubmittedApplicationFactory(legal_name="No Site Yet Clinic", with_location=False)
    busy = OrganizationFactory(name="Busy Health")
    LocationFactory.create_batch(3, organization=busy)
    for role in (Role.PROVIDER_ADMIN, Role.VACCINATOR):
        member(busy, role)
    OrganizationFactory(name="Empty Health")

    queue = official_client.get(QUEUE).content.decode()
    organizations = official_client.get(reverse("state:enrollment.organizations")).content.decode()

    assert _row_of(queue, "Two Sites Pharmacy")[2] == "2"
    assert _row_of(queue, "No Site Yet Clinic")[2] == "0"
    assert _row_of(organizations, "Busy Health")[-2:] == ["3", "2"]
    assert _row_of(organizations, "Empty Health")[-2:] == ["0", "0"]
