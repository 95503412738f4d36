"""Factories of the employers app."""

import secrets
from datetime import date, timedelta

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from employers.enums import DeliveryStatus, InviteeStatus, UploadStatus
from employers.models import Invitation, Invitee, RosterError, RosterRow, RosterUpload
from enrollment.models import PriorityGroup
from tests.factories import EmployerFactory


class RosterUploadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RosterUpload

    organization = factory.SubFactory(EmployerFactory)
    original_name = "roster.csv"
    file_format = "csv"
    file = factory.LazyFunction(
        lambda: ContentFile(b"first name,last name,email,date of birth\n", name="roster.csv")
    )
    status = UploadStatus.VALIDATED
    validated_at = factory.LazyFunction(timezone.now)


class RosterRowFactory(factory.django.DjangoModelFactory):
    """A valid row of an upload, waiting to be imported (in group 1, which the migrations load)."""

    class Meta:
        model = RosterRow

    upload = factory.SubFactory(RosterUploadFactory)
    line = factory.Sequence(lambda n: n + 2)  # line 1 is the header
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"row{n}@example.org")
    date_of_birth = date(1980, 1, 1)
    priority_group_id = factory.LazyFunction(lambda: PriorityGroup.objects.get(code="1").pk)
    language = "en"


class RosterErrorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RosterError

    upload = factory.SubFactory(RosterUploadFactory)
    line = 2
    column = "email"
    value = "not-an-address"
    message = "Enter a valid e-mail address."


class InviteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitee

    organization = factory.SubFactory(EmployerFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    date_of_birth = date(1980, 1, 1)
    status = InviteeStatus.INVITED


class InvitationFactory(factory.django.DjangoModelFactory):
    """A sent invitation whose link works for 14 days."""

    class Meta:
        model = Invitation

    invitee = factory.SubFactory(InviteeFactory)
    key = factory.LazyFunction(lambda: secrets.token_hex(16))
    status = DeliveryStatus.SENT
    sent_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
