"""Demo organizations: an approved provider with a location, and an approved employer."""

from cvms.demo import demo_user
from cvms.roles import Role
from cvms.services import membership_grant
from enrollment.enums import OrganizationKind, OrganizationStatus
from enrollment.models import Location, Organization


def seed(*, stdout) -> None:
    provider, _ = Organization.objects.update_or_create(
        pin="NCA650001",
        defaults={
            "name": "Wake Community Health",
            "kind": OrganizationKind.PROVIDER,
            "status": OrganizationStatus.APPROVED,
        },
    )
    Location.objects.get_or_create(
        organization=provider,
        name="Wake Community Health — Raleigh",
        defaults={
            "county_id": "37183",
            "is_active": True,
            "refrigerated_capacity": 5000,
            "frozen_capacity": 3000,
        },
    )
    employer, _ = Organization.objects.get_or_create(
        name="Triangle Manufacturing Co.",
        kind=OrganizationKind.EMPLOYER,
        defaults={"status": OrganizationStatus.APPROVED},
    )
    membership_grant(
        user=demo_user(Role.PROVIDER_ADMIN), organization=provider, role=Role.PROVIDER_ADMIN, by=None
    )
    membership_grant(user=demo_user(Role.VACCINATOR), organization=provider, role=Role.VACCINATOR, by=None)
    membership_grant(
        user=demo_user(Role.EMPLOYER_ADMIN), organization=employer, role=Role.EMPLOYER_ADMIN, by=None
    )
    stdout.write(f"Demo provider: {provider.name} (PIN {provider.pin}); demo employer: {employer.name}")
