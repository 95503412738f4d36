"""Factories of recipients."""

from datetime import date

import factory

from cvms.roles import Role
from enrollment.models import PriorityGroup
from recipients.enums import Ethnicity, Race, RegistrationSource, Sex
from recipients.models import (
    Attestation,
    DuplicateCandidate,
    GroupNotice,
    Recipient,
    RecipientMerge,
    RegistrationSettings,
    ScreeningQuestion,
)
from tests.factories import UserFactory


class RecipientFactory(factory.django.DjangoModelFactory):
    """A registered person with an account (role recipient) in Wake County."""

    class Meta:
        model = Recipient
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, roles=[Role.RECIPIENT])
    first_name = factory.LazyAttribute(lambda r: r.user.first_name if r.user else "Ana")
    last_name = factory.LazyAttribute(lambda r: r.user.last_name if r.user else "García")
    date_of_birth = date(1960, 5, 17)
    sex = Sex.FEMALE
    races = factory.LazyFunction(lambda: [Race.WHITE.value])
    ethnicity = Ethnicity.NOT_HISPANIC
    email = factory.LazyAttribute(lambda r: r.user.email if r.user else "someone@example.org")
    phone = "919-555-0100"
    street = "1 Main Street"
    city = "Raleigh"
    zip_code = "27601"
    county_id = "37183"
    language = "en"
    source = RegistrationSource.INVITATION

    @factory.post_generation
    def group(self, create, extracted, **kwargs):
        """`group="2"`: put the person in that priority group (by code)."""
        if create and extracted:
            from enrollment.models import PriorityGroup

            self.priority_group = PriorityGroup.objects.get(code=extracted)
            self.save(update_fields=["priority_group"])


class RegistrationSettingsFactory(factory.django.DjangoModelFactory):
    """The state's one row of registration switches (pk 1, made by the migrations), set to the
    values given: self-registration closed unless told otherwise."""

    class Meta:
        model = RegistrationSettings

    self_registration_open = False

    @classmethod
    def _create(cls, model_class, **fields):
        settings, _created = model_class.objects.update_or_create(pk=1, defaults=fields)
        return settings


class ScreeningQuestionFactory(factory.django.DjangoModelFactory):
    """An active yes/no question asked at registration, after the state's own."""

    class Meta:
        model = ScreeningQuestion

    code = factory.Sequence(lambda n: f"test-question-{n}")
    position = factory.Sequence(lambda n: 100 + n)
    text_en = factory.Sequence(lambda n: f"Test question {n}?")
    text_es = factory.Sequence(lambda n: f"¿Pregunta de prueba {n}?")


def registration_data(**overrides) -> dict:
    """What a person types into the registration form (POST data)."""
    data = {
        "first_name": "Lucía",
        "middle_name": "",
        "last_name": "Fernández",
        "date_of_birth": "1958-02-03",
        "sex": "F",
        "races": ["2106-3"],
        "ethnicity": "2135-2",
        "phone": "919-555-0199",
        "street": "12 Oak Street",
        "street_2": "",
        "city": "Raleigh",
        "state": "NC",
        "zip_code": "27601",
        "county": "",
        "language": "es",
        "priority_group": "",
        "occupation": "",
        "comorbidity": "NO",
        "screening_severe_allergy": "no",
        "screening_covid_symptoms": "no",
        "password1": "a-long-and-unusual-passphrase",
        "password2": "a-long-and-unusual-passphrase",
    }
    data.update(overrides)
    return data


class DuplicateCandidateFactory(factory.django.DjangoModelFactory):
    """Two records of the same name and date of birth, listed as a possible duplicate."""

    class Meta:
        model = DuplicateCandidate

    recipient = factory.SubFactory(RecipientFactory, user=None)
    other = factory.SubFactory(RecipientFactory, user=None)
    reasons = factory.LazyFunction(lambda: ["name", "date_of_birth"])


class RecipientMergeFactory(factory.django.DjangoModelFactory):
    """A merge done by the recipients' service (two people, one with an appointment-free record)."""

    class Meta:
        model = RecipientMerge

    @classmethod
    def _create(cls, model_class, **fields):
        from recipients.services import recipient_merge

        state = UserFactory(roles=[Role.STATE_OFFICIAL])
        survivor = fields.pop("survivor", None) or RecipientFactory(user=None)
        duplicate = fields.pop("duplicate", None) or RecipientFactory(user=None)
        recipient_merge(survivor=survivor, duplicate=duplicate, by=state)
        return model_class.objects.get(duplicate_id=duplicate.pk)


class AttestationFactory(factory.django.DjangoModelFactory):
    """A person's word that they belong to Group 1 by their occupation."""

    class Meta:
        model = Attestation

    recipient = factory.SubFactory(RecipientFactory)
    priority_group = factory.LazyFunction(lambda: PriorityGroup.objects.get(code="1"))
    kind = "occupation"
    statement = "I confirm that I belong to Group 1 by my occupation."
    detail = "Nurse"


class GroupNoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupNotice

    priority_group = factory.LazyFunction(lambda: PriorityGroup.objects.get(code="2"))
    recipient = factory.SubFactory(RecipientFactory)
