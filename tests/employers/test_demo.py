from io import StringIO

from django.core import mail
from django.core.management import call_command

from employers.enums import InviteeStatus
from employers.models import Invitee, RosterUpload


def test_demo_seeds_a_roster_with_invitations_once(settings, transactional_db):
    settings.DEBUG = True

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())

    people = Invitee.objects.filter(organization__name="Triangle Manufacturing Co.")
    assert people.count() == 4
    assert set(people.values_list("status", flat=True)) == {InviteeStatus.INVITED}
    assert RosterUpload.objects.get().rows_invalid == 1
    assert len(mail.outbox) == 4
