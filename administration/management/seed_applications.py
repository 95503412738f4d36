"""What `manage.py seed_scale` makes through the ORM in bulk: the enrollment applications of a
rush (a few thousand: about a second for 2,000), and the names its people are given.

Each application holds what its status needs: a waiting one every answer its submission checks
(`enrollment.selectors.application_problems` finds none) and the submission event that keeps a
copy of them; a decided one its decision, its notes and their event.
"""

from datetime import timedelta

from django.core.management.base import CommandError
from django.db.models import prefetch_related_objects
from django.utils import timezone

from cvms.models import User
from enrollment.enums import (
    ApplicationStatus,
    DecisionAction,
    EmployerType,
    LicensingAuthority,
    OrganizationKind,
    PrescriberCredential,
    ProviderType,
    SiteType,
)
from enrollment.interface import application_answers, readiness_items_for
from enrollment.models import ApplicationEvent, ApplicationLocation, EnrollmentApplication, PriorityGroup

FIRST_NAMES = [
    "Ana", "José", "Mary", "Kwame", "Lin", "Zoë", "Omar", "Priya", "James", "Sofía", "Wei", "Aisha",
    "Carlos", "Emily", "Hiroshi", "Fatima", "Liam", "Nia", "Mateo", "Grace", "Ravi", "Chloe",
    "Diego", "Hannah", "Yusuf", "Olivia", "Thanh", "Isabella", "Noah", "Amara", "Lucas", "Mia",
]  # fmt: skip
LAST_NAMES = [
    "García", "Núñez", "Smith", "Okafor", "Chen", "Müller", "Haddad", "Patel", "Johnson", "Nguyen",
    "Williams", "Brown", "Jones", "Miller", "Davis", "Rodríguez", "Martínez", "Hernández", "López",
    "González", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee",
    "Pérez", "Thompson", "White", "Harris", "Sánchez", "Clark", "Ramírez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Hill", "Flores", "Green",
]  # fmt: skip

# An enrollment rush, over the last three weeks. Of twenty, two are drafts (the queue doesn't
# list them), one denied, one sent back for more information, and sixteen wait for review; one in
# four is an employer's.
DRAFTS = {9, 19}
DECISIONS = {
    3: (ApplicationStatus.DENIED, "The EIN does not match the legal name the IRS has on record."),
    13: (
        ApplicationStatus.INFO_REQUESTED,
        "Say how your location will keep frozen vaccine at -25 to -15 °C.",
    ),
}
PROVIDER_NOUNS = ["Family Pharmacy", "Community Health", "Medical Center", "Family Practice"]
EMPLOYER_NOUNS = ["Senior Living", "County Schools", "Food Processing", "University"]


def seed_applications(*, count: int, run: str, counties: list[str]) -> int:
    """Add `count` enrollment applications, each with its own applicant, one or two locations
    and the events of its submission and decision; return how many wait for review."""
    if not count:
        return 0
    groups = list(PriorityGroup.objects.order_by("position", "pk").values_list("pk", flat=True))
    if not groups:
        raise CommandError("No priority groups: run the migrations first.")
    # Every applicable readiness item answered yes, as a submission requires.
    readiness = {
        kind: {str(pk): True for pk in readiness_items_for(kind).values_list("pk", flat=True)}
        for kind in OrganizationKind.values
    }
    # EINs no other application or organization holds: past the highest id, the previous runs'
    # numbers stay below it.
    base = EnrollmentApplication.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    now = timezone.now()
    reviewer = User.objects.create(
        email=f"scale-reviewer-{run}@example.org", first_name="Rita", last_name="Reviewer"
    )
    applicants = User.objects.bulk_create(
        User(
            email=f"scale-applicant{n}-{run}@example.org",
            first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
            last_name=LAST_NAMES[n // 7 % len(LAST_NAMES)],
        )
        for n in range(count)
    )
    applications = EnrollmentApplication.objects.bulk_create(
        _application(
            n,
            applicant=applicant,
            run=run,
            tax_id=f"98-{(base + n) % 10**7:07d}",
            county=counties[n % len(counties)],
            group=groups[n % len(groups)],
            readiness=readiness,
            reviewer=reviewer,
            now=now,
        )
        for n, applicant in enumerate(applicants)
    )
    ApplicationLocation.objects.bulk_create(
        _application_location(n, place, application)
        for n, application in enumerate(applications)
        for place in range(2 if n % 3 == 0 else 1)
    )
    # Each submission keeps a copy of the answers (the reviewer's "what changed"), as
    # `application_submit` does; a decision its notes.
    prefetch_related_objects(applications, "locations")
    events = []
    for application in applications:
        if application.submitted_at is None:
            continue
        events.append(
            ApplicationEvent(
                application=application,
                action=DecisionAction.SUBMITTED,
                by=application.applicant,
                at=application.submitted_at,
                answers=application_answers(application),
            )
        )
        if application.decided_at is not None:
            events.append(
                ApplicationEvent(
                    application=application,
                    action=application.status,
                    by=reviewer,
                    at=application.decided_at,
                    notes=application.decision_notes,
                )
            )
    ApplicationEvent.objects.bulk_create(events)
    return sum(application.status == ApplicationStatus.SUBMITTED for application in applications)


def _application(
    n: int,
    *,
    applicant: User,
    run: str,
    tax_id: str,
    county: str,
    group: int,
    readiness: dict,
    reviewer: User,
    now,
) -> EnrollmentApplication:
    """The n-th application: a draft, waiting, or decided (DRAFTS, DECISIONS), with the answers
    its status needs."""
    provider = n % 4 != 3
    kind = OrganizationKind.PROVIDER if provider else OrganizationKind.EMPLOYER
    draft, decided = n % 20 in DRAFTS, n % 20 in DECISIONS
    status, notes = DECISIONS.get(
        n % 20, (ApplicationStatus.DRAFT if draft else ApplicationStatus.SUBMITTED, "")
    )
    # Submitted one to twenty days ago at any hour (the decided ones among the waiting ones, in
    # the queue's order), decided half a day later.
    submitted_at = now - timedelta(days=1 + n * 7 % 20, seconds=n * 37 % 86_400)
    decided_at = submitted_at + timedelta(hours=12) if decided else None
    if provider:
        answers = {
            "provider_type": ProviderType.values[n % len(ProviderType.values)],
            "licence_number": f"SC{n % 10**6:06d}",
            "licensing_authority": LicensingAuthority.values[n % len(LicensingAuthority.values)],
            "prescriber_name": f"Dr. {FIRST_NAMES[(n + 5) % len(FIRST_NAMES)]} {applicant.last_name}",
            "prescriber_credential": PrescriberCredential.values[n % len(PrescriberCredential.values)],
        }
    else:
        answers = {
            "employer_type": EmployerType.values[n % len(EmployerType.values)],
            "employee_count": 50 + n * 13 % 2000,
        }
    nouns = PROVIDER_NOUNS if provider else EMPLOYER_NOUNS
    return EnrollmentApplication(
        applicant=applicant,
        kind=kind,
        status=status,
        # Started, its steps saved, submitted; then decided.
        version=3 if draft else 6 if decided else 5,
        created_at=submitted_at - timedelta(days=2),
        updated_at=decided_at or submitted_at,
        submitted_at=None if draft else submitted_at,
        attested_at=None if draft else submitted_at,
        attested_name="" if draft else applicant.real_name,
        decided_at=decided_at,
        decided_by=reviewer if decided else None,
        decision_notes=notes,
        legal_name=f"{applicant.last_name} {nouns[n // 4 % len(nouns)]} {run}-{n}",
        address=f"{n} Glenwood Ave",
        city="Raleigh",
        zip_code="27605",
        county_id=county,
        tax_id=tax_id,
        priority_group_id=group,
        contact_name=applicant.real_name,
        contact_email=applicant.email,
        contact_phone=f"919-555-{n % 10_000:04d}",
        readiness={} if draft else readiness[kind],
        **answers,
    )


def _application_location(n: int, place: int, application: EnrollmentApplication) -> ApplicationLocation:
    return ApplicationLocation(
        application=application,
        name=f"{application.legal_name} {'North' if place else 'Main'}",
        address=f"{n + place} Capital Blvd",
        city="Raleigh",
        zip_code="27604",
        county_id=application.county_id,
        hours="Mon-Fri 8:00-17:00",
        weekly_throughput=100 + n * 7 % 900,
        site_type=SiteType.values[(n + place) % len(SiteType.values)],
        frozen_capacity=1000,
        refrigerated_capacity=2000,
    )
