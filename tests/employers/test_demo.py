from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from employers.enums import InviteeStatus
from employers.models import Invitee, RosterUpload
from enrollment.models import County
from tests.employers.conftest import ensure_priority_groups


@pytest.mark.django_db(transaction=True)
def test_demo_seeds_a_roster_with_invitations_once(settings):
    settings.DEBUG = True
    # The demo's provider location needs its county, which an earlier transactional test may
    # have flushed with the rest of the reference data.
    County.objects.get_or_create(fips="37183", defaults={"name": "Wake"})
    ensure_priority_groups()

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())

    people = Invitee.objects.filter(organization__name="Triangle Manufacturing Co.")
    assert people.count() == 4
    assert set(people.values_list("status", flat=True)) == {InviteeStatus.INVITED}
    assert RosterUpload.objects.get().rows_invalid == 1
    # The roster's four invitations, once each; every other e-mail tells a demo person that their
    # priority group opened (the demo opens Groups 1 and 2), not an invitation.
    invited = {person.email for person in people}
    assert sorted(message.to[0] for message in mail.outbox if message.to[0] in invited) == sorted(invited)
    assert {message.subject for message in mail.outbox if message.to[0] not in invited} <= {
        "Your priority group is open: you can book your vaccine",
        "Su grupo prioritario está abierto: ya puede reservar su vacuna",
    }
