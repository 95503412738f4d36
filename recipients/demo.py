"""Demo recipient: recipient@example.org gets a record (Group 2, 65 and older), and Groups 1 and 2
are open for booking, as in North Carolina in late January 2021. Idempotent."""

from datetime import date

from cvms.demo import demo_user
from cvms.roles import Role
from enrollment.models import PriorityGroup
from recipients import services
from recipients.enums import Ethnicity, Race, RegistrationSource, Sex
from recipients.models import Recipient


def seed(*, stdout) -> None:
    state = demo_user(Role.STATE_OFFICIAL)
    for group in PriorityGroup.objects.filter(code__in=["1", "2"]):
        services.priority_group_open(group=group, by=state)
    user = demo_user(Role.RECIPIENT)
    recipient, created = Recipient.objects.get_or_create(
        user=user,
        defaults={
            "first_name": user.first_name or "Rosa",
            "last_name": user.last_name or "Recipient",
            "date_of_birth": date(1952, 3, 14),
            "sex": Sex.FEMALE,
            "races": [Race.WHITE.value],
            "ethnicity": Ethnicity.HISPANIC,
            "email": user.email,
            "phone": "919-555-0142",
            "street": "100 Fayetteville Street",
            "city": "Raleigh",
            "zip_code": "27601",
            "county_id": "37183",
            "language": "es",
            "priority_group": PriorityGroup.objects.filter(code="2").first(),
            "source": RegistrationSource.STAFF,
        },
    )
    stdout.write(
        f"Demo recipient: {recipient.full_name} ({user.email}), Group 2 — "
        + ("registered" if created else "already registered")
    )
