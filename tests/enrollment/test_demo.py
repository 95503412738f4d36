from io import StringIO

import pytest
from django.core.management import call_command

from cvms.models import Membership
from cvms.roles import Role
from enrollment.models import EnrollmentApplication, Location, Organization
from enrollment.selectors import locations_for

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_a_realistic_mix_and_can_run_again(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    counts = (Organization.objects.count(), Location.objects.count(), EnrollmentApplication.objects.count())
    call_command("seed_demo", stdout=StringIO())

    assert (
        Organization.objects.count(),
        Location.objects.count(),
        EnrollmentApplication.objects.count(),
    ) == counts
    wake = Organization.objects.get(pin="NCA650001")
    assert wake.name == "Wake Community Health" and wake.status == "approved"
    assert (
        Membership.objects.get(user__email="provider@example.org", organization=wake).role
        == Role.PROVIDER_ADMIN
    )
    vaccinator = Membership.objects.get(user__email="vaccinator@example.org", organization=wake)
    assert vaccinator.role == Role.VACCINATOR
    assert [loc.name for loc in locations_for(vaccinator.user, wake)] == ["Wake Community Health — Raleigh"]
    employer = Membership.objects.get(user__email="employer@example.org").organization
    assert employer.kind == "employer" and employer.status == "approved"
    assert Organization.objects.filter(kind="provider", status="approved").count() >= 4
    statuses = set(EnrollmentApplication.objects.values_list("status", flat=True))
    assert {"submitted", "info_requested", "draft"} <= statuses
    phases = set(
        EnrollmentApplication.objects.filter(status="submitted").values_list(
            "priority_group__code", flat=True
        )
    )
    assert len(phases) >= 3
