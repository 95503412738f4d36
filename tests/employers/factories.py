"""Factories of the employers app."""

import secrets
from datetime import date, timedelta

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from employers.enums import DeliveryStatus, InviteeStatus, UploadStatus
from employers.models import Invitation, Invitee, RosterUpload
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
