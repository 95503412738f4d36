"""Factories of the helpdesk's rows."""

from datetime import timedelta

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from cvms.roles import Role
from helpdesk.enums import CaseAction, Category, Priority
from helpdesk.models import (
    Article,
    Case,
    CaseAttachment,
    CaseEvent,
    CaseNote,
    RequesterProfile,
    RoutingRule,
    Team,
    TrainingSession,
    TrainingSignup,
)
from tests.factories import UserFactory


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        for user in extracted or []:
            self.members.add(user)


def agent(team: Team | None = None, **fields):
    """A helpdesk agent (with TOTP, as the gate requires) in `team`."""
    user = UserFactory(roles=[Role.HELPDESK_AGENT], **fields)
    if team is not None:
        team.members.add(user)
    return user


class RequesterProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequesterProfile

    user = factory.SubFactory(UserFactory, roles=[Role.HELPDESK_REQUESTER])
    registration_code = "VAC2021"
    organization = None
    must_change_password = False


def requester(organization=None, **fields):
    """A requester who has already chosen their password (registered with a PIN when
    `organization` is given, else with the generic code)."""
    user = UserFactory(roles=[Role.HELPDESK_REQUESTER], **fields)
    RequesterProfileFactory(
        user=user,
        organization=organization,
        registration_code=organization.pin if organization else "VAC2021",
    )
    return user


class RoutingRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutingRule

    category = Category.ENROLLMENT
    team = factory.SubFactory(TeamFactory)


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    requester = factory.LazyFunction(requester)
    category = Category.OTHER
    priority = Priority.NORMAL
    subject = factory.Sequence(lambda n: f"Question {n}")
    description = "Something does not work."
    team = factory.SubFactory(TeamFactory)


class CaseNoteFactory(factory.django.DjangoModelFactory):
    """A note an agent added to a case, shown to the requester."""

    class Meta:
        model = CaseNote

    case = factory.SubFactory(CaseFactory)
    author = factory.SubFactory(UserFactory, roles=[Role.HELPDESK_AGENT])
    body = "We are looking into it."


class CaseEventFactory(factory.django.DjangoModelFactory):
    """The first line of a case's history: its requester filed it."""

    class Meta:
        model = CaseEvent

    case = factory.SubFactory(CaseFactory)
    actor = factory.LazyAttribute(lambda o: o.case.requester)
    action = CaseAction.CREATED


class CaseAttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseAttachment

    case = factory.SubFactory(CaseFactory)
    file = factory.LazyFunction(lambda: ContentFile(b"%PDF-1.4 test\n", name="report.pdf"))
    original_name = "report.pdf"
    content_type = "application/pdf"
    size = 15
    uploaded_by = factory.LazyAttribute(lambda o: o.case.requester)


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Article {n}")
    body = "How to do it."
    category = Category.OTHER
    author = factory.SubFactory(UserFactory, roles=[Role.HELPDESK_AGENT])


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession

    topic = factory.Sequence(lambda n: f"Training {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    join_info = "https://meet.example.org/cvms-training"
    published_by = factory.SubFactory(UserFactory, roles=[Role.HELPDESK_AGENT])


class TrainingSignupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSignup

    session = factory.SubFactory(TrainingSessionFactory)
    user = factory.LazyFunction(requester)
