"""Registration from an invitation link and by oneself (acceptance 3: refusals change nothing)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cvms.models import AuditEvent, User
from cvms.roles import Role
from employers.enums import InviteeStatus
from employers.models import Invitee
from employers.selectors import invitation_token
from recipients import services
from recipients.models import Recipient
from tests.employers.factories import InvitationFactory, InviteeFactory
from tests.factories import EmployerFactory, UserFactory
from tests.recipients.factories import RecipientFactory, registration_data

pytestmark = pytest.mark.django_db

REGISTER = "/me/register/"


def open_link(client, invitation):
    return client.get(reverse("me:employers.invitation", kwargs={"token": invitation_token(invitation)}))


def prove_by_birth_date(client, invitation):
    """The link's holder types the date of birth on the roster (the invitation is theirs)."""
    return client.post(
        REGISTER, {"action": "birth_date", "date_of_birth": invitation.invitee.date_of_birth.isoformat()}
    )


def prove_by_code(client, django_capture_on_commit_callbacks):
    """The link's holder asks for a code by e-mail and types it back."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post(REGISTER, {"action": "send_code"})
    code = re.search(r"^(\d{6})$", mail.outbox[-1].body, re.MULTILINE).group(1)
    return client.post(REGISTER, {"action": "code", "code": code})


def test_invitation_link_leads_to_a_form_prefilled_from_the_roster_in_the_invitees_language(client):
    invitation = InvitationFactory(invitee__first_name="Lucía", invitee__language="es")

    response = open_link(client, invitation)
    prove_by_birth_date(client, invitation)
    page = client.get(response["Location"])

    assert response["Location"] == REGISTER
    assert page.status_code == 200
    assert page.context["form"].initial["first_name"] == "Lucía"
    assert '<html lang="es">' in page.content.decode()
    assert "Regístrese para vacunarse" in page.content.decode()
    assert invitation.invitee.email in page.content.decode()


def test_registration_from_an_invitation_creates_the_account_and_record_and_tells_the_roster(client):
    invitation = InvitationFactory(invitee__email="lucia@example.org")
    open_link(client, invitation)
    prove_by_birth_date(client, invitation)

    response = client.post(REGISTER, registration_data())

    assert response.status_code == 302, response.context["form"].errors if response.context else response
    recipient = Recipient.objects.get()
    assert recipient.email == "lucia@example.org"
    assert recipient.user.email == "lucia@example.org"
    assert Role.RECIPIENT in recipient.user.roles
    assert (recipient.county_id, recipient.ethnicity, recipient.races) == ("37183", "2135-2", ["2106-3"])
    assert recipient.screening_answers == {"severe_allergy": "no", "covid_symptoms": "no"}
    assert list(recipient.invited_by.all()) == [invitation.invitee.organization]
    invitee = Invitee.objects.get(pk=invitation.invitee_id)
    assert (invitee.status, invitee.recipient_id) == (InviteeStatus.REGISTERED, recipient.pk)
    assert AuditEvent.objects.filter(
        action="recipients.recipient.registered", target_id=str(recipient.pk)
    ).exists()
    assert client.get("/me/details/").status_code == 200  # signed in


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"used_at": timezone.now()}, "already been used"),
        ({"expires_at": timezone.now() - timedelta(days=1)}, "expired"),
    ],
)
def test_a_used_or_expired_invitation_is_refused_and_nothing_is_created(client, change, message):
    invitation = InvitationFactory(**change)
    open_link(client, invitation)

    response = client.post(f"{REGISTER}?token={invitation_token(invitation)}", registration_data())

    assert message in response.content.decode()
    assert not Recipient.objects.exists()
    assert not User.objects.filter(email=invitation.invitee.email).exists()


def test_the_service_refuses_an_expired_invitation():
    invitation = InvitationFactory(expires_at=timezone.now() - timedelta(minutes=1))

    with pytest.raises(services.RegistrationRefused) as refused:
        services.recipient_register_from_invitation(invitation=invitation, data={}, password="x")

    assert refused.value.code == "invitation_expired"
    assert not Recipient.objects.exists()


def test_a_second_registration_of_the_same_person_is_refused_and_asks_to_sign_in(client):
    existing = RecipientFactory(user__email="lucia@example.org")
    invitation = InvitationFactory(invitee__email="lucia@example.org")
    open_link(client, invitation)
    prove_by_birth_date(client, invitation)

    page = client.get(REGISTER)
    response = client.post(REGISTER, registration_data())

    assert "Sign in" in page.content.decode()
    assert "An account already exists for lucia@example.org" in response.content.decode()
    assert list(Recipient.objects.all()) == [existing]
    assert Invitee.objects.get(pk=invitation.invitee_id).recipient_id is None


def test_one_person_invited_by_two_organizations_keeps_one_record(client, django_capture_on_commit_callbacks):
    first = InvitationFactory(invitee__email="lucia@example.org")
    open_link(client, first)
    prove_by_code(client, django_capture_on_commit_callbacks)  # the address is proved too
    client.post(REGISTER, registration_data())
    recipient = Recipient.objects.get()
    second = InvitationFactory(invitee__email="lucia@example.org", invitee__organization=EmployerFactory())

    open_link(client, second)  # signed in now, with the invited address: nothing more to prove
    client.post(REGISTER, {})

    assert Recipient.objects.count() == 1
    assert set(recipient.invited_by.all()) == {first.invitee.organization, second.invitee.organization}
    assert Invitee.objects.get(pk=second.invitee_id).recipient_id == recipient.pk


def test_a_signed_in_person_without_a_record_registers_with_their_account(client):
    user = UserFactory(email="me@example.org")
    client.force_login(user)
    invitation = InvitationFactory(invitee__email="me@example.org")
    open_link(client, invitation)

    data = registration_data()
    del data["password1"], data["password2"]
    client.post(REGISTER, data)

    recipient = Recipient.objects.get()
    assert (recipient.user, recipient.email) == (user, "me@example.org")


def test_registration_form_names_what_is_wrong(client):
    invitation = InvitationFactory()
    open_link(client, invitation)
    prove_by_birth_date(client, invitation)

    response = client.post(
        REGISTER, registration_data(date_of_birth="2999-01-01", zip_code="abc", races=["2106-3", "UNK"])
    )

    errors = response.context["form"].errors
    assert errors["date_of_birth"] == ["The date of birth can't be in the future."]
    assert errors["zip_code"] == ["Enter a ZIP code of 5 digits (or 5+4)."]
    assert "not both" in errors["races"][0]
    assert not Recipient.objects.exists()


def test_self_registration_while_it_is_off_is_refused_and_says_how_to_get_an_invitation(client):
    user = UserFactory()
    client.force_login(user)

    page = client.get("/me/register/self/")
    response = client.post("/me/register/self/", registration_data(priority_group="2"), follow=True)

    assert "To get an invitation" in page.content.decode()
    assert "Self-registration is not open" in response.content.decode()
    assert not Recipient.objects.exists()


def test_self_registration_when_open_tells_the_person_whether_they_are_eligible(client, open_group):
    state = UserFactory(roles=[Role.STATE_OFFICIAL])
    services.self_registration_set(is_open=True, by=state)
    user = UserFactory()
    client.force_login(user)
    from enrollment.models import PriorityGroup

    response = client.post(
        "/me/register/self/",
        registration_data(priority_group=PriorityGroup.objects.get(code="2").pk, language="en"),
        follow=True,
    )

    recipient = Recipient.objects.get(user=user)
    assert recipient.source == "self"
    assert "You are eligible now: Group 2" in response.content.decode()


def test_self_registration_refuses_a_second_registration():
    state = UserFactory(roles=[Role.STATE_OFFICIAL])
    services.self_registration_set(is_open=True, by=state)
    recipient = RecipientFactory()

    with pytest.raises(services.RegistrationRefused) as refused:
        services.recipient_self_register(user=recipient.user, data={})

    assert refused.value.code == "already_registered"
    assert Recipient.objects.count() == 1


def test_a_recipient_edits_contact_details_but_not_identity(client):
    recipient = RecipientFactory()
    client.force_login(recipient.user)

    client.post(
        "/me/details/",
        {
            "email": "new@example.org",
            "phone": "919-555-0111",
            "street": "2 Elm Street",
            "street_2": "",
            "city": "Cary",
            "state": "NC",
            "zip_code": "27601",
            "county": "",
            "language": "es",
            "first_name": "Changed",
        },
    )

    recipient.refresh_from_db()
    assert (recipient.email, recipient.city, recipient.language) == ("new@example.org", "Cary", "es")
    assert recipient.first_name != "Changed"
    assert AuditEvent.objects.filter(action="recipients.recipient.contact_updated").count() == 1


def test_an_invitee_unregistered_invitation_is_not_used_when_the_form_is_invalid(client):
    invitation = InvitationFactory()
    open_link(client, invitation)
    prove_by_birth_date(client, invitation)

    client.post(REGISTER, registration_data(password2="different-passphrase-here"))

    invitation.refresh_from_db()
    assert invitation.used_at is None
    assert InviteeFactory._meta.model.objects.get(pk=invitation.invitee_id).status != InviteeStatus.REGISTERED
