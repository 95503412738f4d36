"""Factories of the enrollment app's records: organizations, their locations, applications."""

import factory
from django.utils import timezone

from enrollment.enums import (
    ApplicationStatus,
    DecisionAction,
    OrganizationKind,
    OrganizationStatus,
    ProviderType,
)
from enrollment.models import (
    ApplicationEvent,
    ApplicationLocation,
    ColleagueInvitation,
    County,
    EnrollmentApplication,
    IssuedPin,
    Location,
    Organization,
    PriorityGroup,
    ReadinessItem,
    ZipCode,
)
from enrollment.selectors import readiness_items_for

# By name: tests.factories imports this module for its personas.
USER_FACTORY = "tests.factories.UserFactory"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    kind = OrganizationKind.PROVIDER
    status = OrganizationStatus.APPROVED
    pin = factory.Maybe(
        factory.LazyAttribute(lambda o: o.kind == OrganizationKind.PROVIDER),
        yes_declaration=factory.Sequence(lambda n: f"NCA{700000 + n:06d}"),
        no_declaration=None,
    )


class EmployerFactory(OrganizationFactory):
    kind = OrganizationKind.EMPLOYER


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Location {n}")
    county_id = "37183"
    is_active = True
    refrigerated_capacity = 1000
    frozen_capacity = 1000
    ultra_cold_capacity = 1000


def all_yes(kind: str) -> dict:
    return {str(pk): True for pk in readiness_items_for(kind).values_list("pk", flat=True)}


class EnrollmentApplicationFactory(factory.django.DjangoModelFactory):
    """A complete provider application, still a draft (ready to submit)."""

    class Meta:
        model = EnrollmentApplication
        skip_postgeneration_save = True

    # The name the application is signed with (attested_name below).
    applicant = factory.SubFactory(USER_FACTORY, first_name="Dana", last_name="Doe")
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


class EmployerApplicationFactory(EnrollmentApplicationFactory):
    kind = OrganizationKind.EMPLOYER
    provider_type = ""
    employer_type = "employer"
    licence_number = ""
    licensing_authority = ""
    prescriber_name = ""
    prescriber_credential = ""
    employee_count = 250


class SubmittedApplicationFactory(EnrollmentApplicationFactory):
    status = ApplicationStatus.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)
    attested_at = factory.LazyFunction(timezone.now)


class ApplicationLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplicationLocation

    application = factory.SubFactory(EnrollmentApplicationFactory, with_location=False)
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


class ColleagueInvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation of a colleague to act for an organization."""

    class Meta:
        model = ColleagueInvitation

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"colleague{n}@example.org")
    role = "vaccinator"
    nonce = factory.Sequence(lambda n: f"nonce{n}")
    invited_by = factory.SubFactory(USER_FACTORY)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=7))


class CountyFactory(factory.django.DjangoModelFactory):
    """A county beside the state's own (the migrations load North Carolina's 100; most tests use
    Wake, 37183). FIPS state code 99 is no state's."""

    class Meta:
        model = County

    fips = factory.Sequence(lambda n: f"99{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"Test County {n}")
    population = 10000


class ZipCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ZipCode

    zip = factory.Sequence(lambda n: f"{99000 + n % 1000}")
    county = factory.SubFactory(CountyFactory)


class PriorityGroupFactory(factory.django.DjangoModelFactory):
    """A closed group after the state's own (the migrations load North Carolina's Groups 1-5)."""

    class Meta:
        model = PriorityGroup

    code = factory.Sequence(lambda n: f"T{n}")
    position = factory.Sequence(lambda n: 100 + n)
    label = factory.Sequence(lambda n: f"Test group {n}")


class ReadinessItemFactory(factory.django.DjangoModelFactory):
    """An active checklist question for every applicant: applications made before it are no
    longer complete."""

    class Meta:
        model = ReadinessItem

    text = factory.Sequence(lambda n: f"Can you do thing {n}?")
    position = factory.Sequence(lambda n: 100 + n)


class ApplicationEventFactory(factory.django.DjangoModelFactory):
    """A line of an application's history: its applicant submitted it."""

    class Meta:
        model = ApplicationEvent

    application = factory.SubFactory(SubmittedApplicationFactory)
    action = DecisionAction.SUBMITTED
    by = factory.LazyAttribute(lambda o: o.application.applicant)


class IssuedPinFactory(factory.django.DjangoModelFactory):
    """The issued-PIN row of a provider's PIN (NCA700001 → 700001)."""

    class Meta:
        model = IssuedPin

    organization = factory.SubFactory(OrganizationFactory)
    number = factory.LazyAttribute(lambda o: int(o.organization.pin[3:]))
