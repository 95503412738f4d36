"""The application wizard: drafts, refusals with messages naming the field, submission."""

import pytest
from django.urls import reverse

from cvms.models import AuditEvent
from enrollment.enums import ApplicationStatus
from enrollment.models import EnrollmentApplication, Organization, ReadinessItem
from tests.enrollment.factories import EnrollmentApplicationFactory, SubmittedApplicationFactory
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def step_url(application, step, portal="provider"):
    return reverse(f"{portal}:enrollment.step.{step}", kwargs={"application_pk": application.pk})


def location_data(**changes) -> dict:
    """The locations step's form with one valid location; `changes` replace its fields (None
    leaves a field out)."""
    location = {
        "name": "Main clinic",
        "address": "1 Main St",
        "city": "Raleigh",
        "zip_code": "27601",
        "county": "37183",  # Wake County
        "site_type": "19",
        "hours": "Mon-Fri 9-5",
        "weekly_throughput": "100",
        "ultra_cold_capacity": "0",
        "frozen_capacity": "0",
        "refrigerated_capacity": "100",
        **changes,
    }
    return {
        "locations-TOTAL_FORMS": "1",
        "locations-INITIAL_FORMS": "0",
        **{f"locations-0-{name}": value for name, value in location.items() if value is not None},
        "save_continue": "",
    }


def organization_data(application, **changes):
    data = {
        "legal_name": application.legal_name,
        "provider_type": application.provider_type,
        "address": application.address,
        "city": application.city,
        "zip_code": application.zip_code,
        "county": application.county_id,
        "tax_id": application.tax_id,
        "licence_number": application.licence_number,
        "licensing_authority": application.licensing_authority,
        "prescriber_name": application.prescriber_name,
        "prescriber_credential": application.prescriber_credential,
        "vfc_pin": "",
        "priority_group": application.priority_group_id,
        "save_continue": "",
    }
    data.update(changes)
    return data


def unchanged(application) -> bool:
    """Nothing beyond the draft: same answers, still a draft, no organization."""
    fresh = EnrollmentApplication.objects.get(pk=application.pk)
    return (
        fresh.version == application.version
        and fresh.status == ApplicationStatus.DRAFT
        and fresh.submitted_at is None
        and not Organization.objects.filter(name=application.legal_name).exists()
    )


def test_a_signed_in_person_without_organization_starts_an_application(client):
    person = UserFactory()
    client.force_login(person)

    response = client.post(reverse("provider:enrollment.start"))

    application = EnrollmentApplication.objects.get(applicant=person)
    assert response.url == step_url(application, "organization")
    assert application.status == ApplicationStatus.DRAFT
    assert application.contact_email == person.email


def test_a_step_saves_a_partial_draft(client):
    application = EnrollmentApplicationFactory(legal_name="", city="")
    client.force_login(application.applicant)

    response = client.post(
        step_url(application, "organization"),
        {"legal_name": "Halfway Clinic", "county": "37063", "save_draft": ""},
    )

    assert response.status_code == 302
    assert response.url == reverse(
        "provider:enrollment.application", kwargs={"application_pk": application.pk}
    )
    application.refresh_from_db()
    assert application.legal_name == "Halfway Clinic"
    assert application.county_id == "37063"
    assert application.status == ApplicationStatus.DRAFT


def test_bad_licence_number_is_refused_with_a_message_naming_the_field(client):
    application = EnrollmentApplicationFactory()
    client.force_login(application.applicant)

    response = client.post(
        step_url(application, "organization"), organization_data(application, licence_number="12")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["licence_number"] == [
        "Enter 4 to 10 letters or digits, with at least one digit (for example RPH12345)."
    ]
    assert "Licence or credential number</a>: Enter 4 to 10 letters" in response.content.decode()
    assert unchanged(application)


def test_unknown_county_is_refused_with_a_message_naming_the_field(client):
    application = EnrollmentApplicationFactory()
    client.force_login(application.applicant)

    response = client.post(
        step_url(application, "organization"), organization_data(application, county="99999")
    )

    assert response.status_code == 200
    message = "“99999” isn't a county of North Carolina. Choose the county from the list."
    assert response.context["form"].errors["county"] == [message]
    assert "County</a>: “99999” isn&#x27;t a county of North Carolina" in response.content.decode()
    assert unchanged(application)


def test_unknown_county_of_a_location_is_refused(client):
    application = EnrollmentApplicationFactory(with_location=False)
    client.force_login(application.applicant)
    data = location_data(county="06037")  # Los Angeles County, California

    response = client.post(step_url(application, "locations"), data)

    assert response.status_code == 200
    assert "County</a>: “06037” isn&#x27;t a county of North Carolina" in response.content.decode()
    assert not application.locations.exists()
    assert unchanged(application)


def test_a_location_needs_its_type_of_site_which_is_kept(client):
    application = EnrollmentApplicationFactory(with_location=False)
    client.force_login(application.applicant)
    refused = client.post(step_url(application, "locations"), location_data(site_type=None))
    assert refused.status_code == 200
    assert "Type of site</a>: This field is required." in refused.content.decode()
    assert not application.locations.exists()

    client.post(step_url(application, "locations"), location_data(site_type="17"))
    assert list(application.locations.values_list("site_type", flat=True)) == ["17"]


def test_a_location_whose_zip_code_is_in_another_county_is_refused(client):
    application = EnrollmentApplicationFactory(with_location=False)
    client.force_login(application.applicant)
    asheville = {"address": "12 College Street", "city": "Asheville", "zip_code": "28801"}

    refused = client.post(step_url(application, "locations"), location_data(**asheville))
    assert "ZIP code 28801 is not in Wake County" in refused.content.decode()
    assert not application.locations.exists()

    client.post(step_url(application, "locations"), location_data(**asheville, county="37021"))
    assert list(application.locations.values_list("zip_code", "county_id")) == [("28801", "37021")]


def test_duplicate_tax_id_is_refused_and_explained(client):
    OrganizationFactory(name="Wake Family Medicine", tax_id="56-7654321")
    application = EnrollmentApplicationFactory()
    client.force_login(application.applicant)

    response = client.post(
        step_url(application, "organization"), organization_data(application, tax_id="567654321")
    )

    assert response.status_code == 200
    (message,) = response.context["form"].errors["tax_id"]
    assert "56-7654321 is already enrolled or under review as “Wake Family Medicine”" in message
    assert "ask its administrator to invite you" in message
    assert "EIN or tax id</a>:" in response.content.decode()
    assert unchanged(application)


def test_duplicate_tax_id_is_also_refused_at_submission(client):
    application = EnrollmentApplicationFactory(tax_id="56-7654321")
    SubmittedApplicationFactory(legal_name="Earlier Applicant", tax_id="56-7654321")
    client.force_login(application.applicant)

    response = client.post(step_url(application, "submit"), {"agree": "on", "attested_name": "Dana Doe"})

    assert response.status_code == 200
    message = (
        "The EIN or tax id 56-7654321 is already enrolled or under review as “Earlier Applicant”. An "
        "organization enrolls once: if you act for it, ask its administrator to invite you."
    )
    assert ("EIN or tax id", message) in response.context["problems"]
    assert unchanged(application)


def test_submission_refused_while_a_readiness_item_is_no(client):
    application = EnrollmentApplicationFactory()
    item = ReadinessItem.objects.filter(applies_to="provider").first()
    application.readiness[str(item.pk)] = False
    application.save()
    client.force_login(application.applicant)

    response = client.post(step_url(application, "submit"), {"agree": "on", "attested_name": "Dana Doe"})

    assert response.status_code == 200
    assert (f"Readiness: {item.text}", "Every item must be answered yes.") in response.context["problems"]
    assert (
        f"<strong>Readiness: {item.text}</strong>: Every item must be answered yes."
        in response.content.decode()
    )
    assert unchanged(application)
    assert not AuditEvent.objects.filter(action="enrollment.application.submitted").exists()


def test_submission_refused_with_a_bad_licence_number_saved_before_the_rule(client):
    application = EnrollmentApplicationFactory(licence_number="X")
    client.force_login(application.applicant)

    response = client.post(step_url(application, "submit"), {"agree": "on", "attested_name": "Dana Doe"})

    assert response.status_code == 200
    assert (
        "Licence or credential number",
        "Enter 4 to 10 letters or digits, with at least one digit (for example RPH12345).",
    ) in response.context["problems"]
    assert unchanged(application)


def test_readiness_step_saves_answers(client):
    application = EnrollmentApplicationFactory(readiness={})
    client.force_login(application.applicant)
    items = list(ReadinessItem.objects.filter(applies_to__in=["all", "provider"]))
    data = {f"item_{item.pk}": "yes" for item in items}
    data[f"item_{items[0].pk}"] = "no"

    client.post(step_url(application, "readiness"), {**data, "save_continue": ""})

    application.refresh_from_db()
    assert application.readiness[str(items[0].pk)] is False
    assert application.readiness[str(items[1].pk)] is True


def test_a_complete_application_is_submitted(client):
    application = EnrollmentApplicationFactory()
    client.force_login(application.applicant)

    response = client.post(step_url(application, "submit"), {"agree": "on", "attested_name": "Dana Doe"})

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_a_submitted_application_cant_be_changed_by_editing_a_step(client):
    application = SubmittedApplicationFactory()
    client.force_login(application.applicant)

    client.post(step_url(application, "organization"), organization_data(application, legal_name="Changed"))

    application.refresh_from_db()
    assert application.legal_name != "Changed"


def test_another_persons_application_is_404(client):
    application = EnrollmentApplicationFactory()
    client.force_login(UserFactory())

    assert client.get(step_url(application, "organization")).status_code == 404
    response = client.post(
        step_url(application, "organization"), organization_data(application, legal_name="Mine")
    )
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.legal_name != "Mine"


def test_a_provider_application_is_404_in_the_employer_portal(client):
    application = EnrollmentApplicationFactory()
    client.force_login(application.applicant)

    assert client.get(step_url(application, "organization", portal="employer")).status_code == 404


def test_employer_application_asks_its_own_questions(client):
    person = UserFactory()
    client.force_login(person)
    client.post(reverse("employer:enrollment.start"))
    application = EnrollmentApplication.objects.get(applicant=person)

    response = client.get(step_url(application, "organization", portal="employer"))

    fields = set(response.context["form"].fields)
    assert {"employer_type", "employee_count", "resident_count", "priority_group"} <= fields
    assert "licence_number" not in fields
    assert "Priority group your people belong to" in response.content.decode()
