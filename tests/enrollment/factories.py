"""Factories of the enrollment app's records."""

import factory
from django.utils import timezone

from enrollment.enums import ApplicationStatus, OrganizationKind, ProviderType
from enrollment.models import ApplicationLocation, EnrollmentApplication, Invitation, PriorityGroup
from enrollment.selectors import readiness_items_for
from tests.factories import UserFactory


def all_yes(kind: str) -> dict:
    return {str(pk): True for pk in readiness_items_for(kind).values_list("pk", flat=True)}


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A complete provider application, still a draft (ready to submit)."""

    class Meta:
        model = EnrollmentApplication
        skip_postgeneration_save = True

    applicant = factory.SubFactory(UserFactory)
    kind = OrganizationKind.PROVIDER
    legal_name = factory.Sequence(lambda n: f"Applicant Health {n}")
    provider_type = ProviderType.PRIMARY_CARE
    address = "100 Main Street"
    city = "Raleigh"
    zip_code = "27601"
    county_id = "37183"
    tax_id = factory.Sequence(lambda n: f"56-{1000000 + n:07d}")
    priority_group = factory.LazyFunction(lambda: PriorityGroup.objects.get(code="1"))
    licence_number = "RPH12345"
    licensing_authority = "ncbop"
    prescriber_name = "Dr. Dana Doe"
    prescriber_credential = "md"
    contact_name = "Casey Contact"
    contact_email = "contact@example.org"
    contact_phone = "919-555-0100"
    readiness = factory.LazyAttribute(lambda o: all_yes(o.kind))
    attested_name = "Dana Doe"

    @factory.post_generation
    def with_location(self, create, extracted, **kwargs):
        if create and self.kind == OrganizationKind.PROVIDER and extracted is not False:
            ApplicationLocationFactory(application=self)


class EmployerApplicationFactory(ApplicationFactory):
    kind = OrganizationKind.EMPLOYER
    provider_type = ""
    employer_type = "employer"
    licence_number = ""
    licensing_authority = ""
    prescriber_name = ""
    prescriber_credential = ""
    employee_count = 250


class SubmittedApplicationFactory(ApplicationFactory):
    status = ApplicationStatus.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)
    attested_at = factory.LazyFunction(timezone.now)


class ApplicationLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplicationLocation

    application = factory.SubFactory(ApplicationFactory, with_location=False)
    name = factory.Sequence(lambda n: f"Clinic {n}")
    address = "200 Oak Avenue"
    city = "Raleigh"
    zip_code = "27603"
    county_id = "37183"
    hours = "Mon-Fri 8:00-17:00"
    weekly_throughput = 500
    site_type = "19"  # public health clinic
    ultra_cold_capacity = 0
    frozen_capacity = 1000
    refrigerated_capacity = 2000


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    email = factory.Sequence(lambda n: f"colleague{n}@example.org")
    role = "vaccinator"
    nonce = factory.Sequence(lambda n: f"nonce{n}")
    invited_by = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=7))
