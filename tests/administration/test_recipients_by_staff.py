"""The recipients service administration needed for paper forms (added in recipients/services.py)."""

from datetime import date

import pytest

from cvms.models import AuditEvent
from cvms.roles import Role
from recipients.enums import RegistrationSource
from recipients.services import recipient_create_by_staff

pytestmark = pytest.mark.django_db


def test_staff_registers_a_person_without_a_login(personas):
    vaccinator = personas.home[Role.VACCINATOR]
    recipient = recipient_create_by_staff(
        data={
            "first_name": "Rosa",
            "last_name": "Díaz",
            "date_of_birth": date(1941, 2, 3),
            "sex": "F",
            "races": ["UNK"],
            "ethnicity": "UNK",
            "street": "1 Elm St",
            "city": "Durham",
            "state": "NC",
            "zip_code": "27701",
            "phone": "",
            "email": "",
        },
        by=vaccinator,
    )
    assert (recipient.user, recipient.source, recipient.full_name) == (
        None,
        RegistrationSource.STAFF,
        "Rosa Díaz",
    )
    assert AuditEvent.objects.filter(action="recipients.recipient.registered", actor=vaccinator).exists()
