"""Demo enrollment data: approved providers with locations, an approved employer, and applications
at several stages and phases for the state's review queue. Idempotent (run by `seed_demo`)."""

from django.utils import timezone
from guardian.shortcuts import assign_perm

from cvms.demo import demo_user
from cvms.models import User
from cvms.roles import Role
from cvms.services import membership_grant, user_create
from enrollment.enums import (
    ApplicationStatus,
    DecisionAction,
    EmployerType,
    LicensingAuthority,
    OrganizationKind,
    OrganizationStatus,
    PrescriberCredential,
    ProviderType,
    SiteType,
)
from enrollment.models import (
    ApplicationEvent,
    ApplicationLocation,
    EnrollmentApplication,
    IssuedPin,
    Location,
    Organization,
    PriorityGroup,
)
from enrollment.selectors import readiness_items_for
from enrollment.services.people import WORK_AT_LOCATION

# name, PIN, EIN, [(location name, county FIPS, city, ZIP, ultra-cold, frozen, refrigerated)]
PROVIDERS = [
    (
        "Wake Community Health",
        "NCA650001",
        "56-0650001",
        [("Wake Community Health — Raleigh", "37183", "Raleigh", "27601", 0, 3000, 5000)],
    ),
    (
        "Queen City Pharmacy Group",
        "NCA650002",
        "56-0650002",
        [
            ("Queen City Pharmacy — Uptown", "37119", "Charlotte", "28202", 0, 1000, 2000),
            ("Queen City Pharmacy — University", "37119", "Charlotte", "28262", 0, 1000, 2000),
        ],
    ),
    (
        "Cape Fear Valley Medical Center",
        "NCA650003",
        "56-0650003",
        [("Cape Fear Valley — Fayetteville", "37051", "Fayetteville", "28304", 9750, 5000, 8000)],
    ),
    (
        "Buncombe County Health Department",
        "NCA650004",
        "56-0650004",
        [("Buncombe County Health — Asheville", "37021", "Asheville", "28801", 1950, 2000, 4000)],
    ),
]

# legal name, kind, type, status, priority group, county, city, ZIP, EIN, applicant
APPLICATIONS = [
    (
        "Triangle Urgent Care",
        OrganizationKind.PROVIDER,
        ProviderType.URGENT_CARE,
        ApplicationStatus.SUBMITTED,
        "1",
        "37063",
        "Durham",
        "27701",
        "56-1100001",
    ),
    (
        "Durham Senior Living",
        OrganizationKind.EMPLOYER,
        EmployerType.NURSING_HOME,
        ApplicationStatus.SUBMITTED,
        "1",
        "37063",
        "Durham",
        "27705",
        "56-1100002",
    ),
    (
        "Guilford Family Pharmacy",
        OrganizationKind.PROVIDER,
        ProviderType.PHARMACY,
        ApplicationStatus.SUBMITTED,
        "2",
        "37081",
        "Greensboro",
        "27401",
        "56-1100003",
    ),
    (
        "Piedmont Unified Schools",
        OrganizationKind.EMPLOYER,
        EmployerType.EMPLOYER,
        ApplicationStatus.SUBMITTED,
        "3a",
        "37067",
        "Winston-Salem",
        "27101",
        "56-1100004",
    ),
    (
        "Outer Banks Family Clinic",
        OrganizationKind.PROVIDER,
        ProviderType.PRIMARY_CARE,
        ApplicationStatus.INFO_REQUESTED,
        "2",
        "37055",
        "Nags Head",
        "27959",
        "56-1100005",
    ),
    (
        "Sandhills Wellness",
        OrganizationKind.PROVIDER,
        ProviderType.PRIMARY_CARE,
        ApplicationStatus.DRAFT,
        "",
        "37125",
        "Southern Pines",
        "28387",
        "56-1100006",
    ),
]


def _provider(name: str, pin: str, tax_id: str, places: list) -> Organization:
    organization, _ = Organization.objects.update_or_create(
        pin=pin,
        defaults={
            "name": name,
            "kind": OrganizationKind.PROVIDER,
            "status": OrganizationStatus.APPROVED,
            "tax_id": tax_id,
        },
    )
    IssuedPin.objects.get_or_create(number=int(pin[3:]), defaults={"organization": organization})
    for place, county, city, zip_code, ultra_cold, frozen, refrigerated in places:
        Location.objects.update_or_create(
            organization=organization,
            name=place,
            defaults={
                "county_id": county,
                "city": city,
                "zip_code": zip_code,
                "address": "100 Main Street",
                "hours": "Mon-Fri 8:00-17:00",
                "weekly_throughput": 1000,
                "site_type": SiteType.PUBLIC_HEALTH_CLINIC,
                "is_active": True,
                "ultra_cold_capacity": ultra_cold,
                "frozen_capacity": frozen,
                "refrigerated_capacity": refrigerated,
            },
        )
    return organization


def _applicant(slug: str) -> User:
    email = f"applicant.{slug}@example.org"
    user = User.objects.filter(email=email).first()
    return user or user_create(
        email=email, password=None, first_name="Demo", last_name=slug.title(), verified=True
    )


def _application(row, official: User) -> None:
    name, kind, org_type, status, group, county, city, zip_code, tax_id = row
    if EnrollmentApplication.objects.filter(legal_name=name).exists():
        return
    submitted = status != ApplicationStatus.DRAFT
    now = timezone.now()
    application = EnrollmentApplication.objects.create(
        applicant=_applicant(name.split()[0].lower()),
        kind=kind,
        status=status,
        legal_name=name,
        provider_type=org_type if kind == OrganizationKind.PROVIDER else "",
        employer_type=org_type if kind == OrganizationKind.EMPLOYER else "",
        address="200 Market Street",
        city=city,
        zip_code=zip_code,
        county_id=county,
        tax_id=tax_id,
        priority_group=PriorityGroup.objects.filter(code=group).first(),
        licence_number="RPH20431" if kind == OrganizationKind.PROVIDER else "",
        licensing_authority=LicensingAuthority.PHARMACY_BOARD if kind == OrganizationKind.PROVIDER else "",
        prescriber_name="Dr. Jordan Lee" if kind == OrganizationKind.PROVIDER else "",
        prescriber_credential=PrescriberCredential.MD if kind == OrganizationKind.PROVIDER else "",
        employee_count=None if kind == OrganizationKind.PROVIDER else 420,
        resident_count=180 if org_type == EmployerType.NURSING_HOME else None,
        contact_name="Morgan Reyes",
        contact_email=f"contact@{name.split()[0].lower()}.example.org",
        contact_phone="919-555-0142",
        readiness={str(pk): True for pk in readiness_items_for(kind).values_list("pk", flat=True)}
        if submitted
        else {},
        attested_name="Morgan Reyes" if submitted else "",
        attested_at=now if submitted else None,
        submitted_at=now if submitted else None,
    )
    if kind == OrganizationKind.PROVIDER:
        ApplicationLocation.objects.create(
            application=application,
            name=f"{name} — main site",
            address="200 Market Street",
            city=city,
            zip_code=zip_code,
            county_id=county,
            hours="Mon-Sat 8:00-18:00",
            weekly_throughput=400,
            site_type=SiteType.FAMILY_MEDICINE,
            frozen_capacity=1000,
            refrigerated_capacity=2000,
        )
    if submitted:
        ApplicationEvent.objects.create(
            application=application, action=DecisionAction.SUBMITTED, by=application.applicant
        )
    if status == ApplicationStatus.INFO_REQUESTED:
        application.decision_notes = "Please add the model of the storage unit at your main site."
        application.save(update_fields=["decision_notes"])
        ApplicationEvent.objects.create(
            application=application,
            action=DecisionAction.INFO_REQUESTED,
            by=official,
            notes=application.decision_notes,
        )


def seed(*, stdout) -> None:
    providers = [_provider(*row) for row in PROVIDERS]
    wake = providers[0]
    employer, _ = Organization.objects.get_or_create(
        name="Triangle Manufacturing Co.",
        kind=OrganizationKind.EMPLOYER,
        defaults={"status": OrganizationStatus.APPROVED, "tax_id": "56-0700001"},
    )
    membership_grant(
        user=demo_user(Role.PROVIDER_ADMIN), organization=wake, role=Role.PROVIDER_ADMIN, by=None
    )
    vaccinator = demo_user(Role.VACCINATOR)
    membership_grant(user=vaccinator, organization=wake, role=Role.VACCINATOR, by=None)
    for location in wake.locations.all():
        assign_perm(WORK_AT_LOCATION, vaccinator, location)
    membership_grant(
        user=demo_user(Role.EMPLOYER_ADMIN), organization=employer, role=Role.EMPLOYER_ADMIN, by=None
    )
    official = demo_user(Role.STATE_OFFICIAL)
    for row in APPLICATIONS:
        _application(row, official)
    waiting = EnrollmentApplication.objects.filter(status=ApplicationStatus.SUBMITTED).count()
    names = ", ".join(f"{provider.name} ({provider.pin})" for provider in providers)
    stdout.write(f"Demo providers: {names}; demo employer: {employer.name}; {waiting} applications to review")
