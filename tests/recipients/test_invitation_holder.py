"""An invitation is used only by its person (issue 13, finding 3). A forwarded link used to work
for whoever was signed in ("Add the invitation to my record"), and showed the person's name and
date of birth to whoever held it; the real invitee was then locked out. Now the holder proves the
link is theirs first (signed in with the invited address, a code e-mailed there, or the date of
birth on the roster), and someone signed in with another account is told so and offered to sign
out."""

import re
from datetime import date

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from cvms.models import AuditEvent, User
from cvms.roles import Role
from employers.enums import InviteeStatus
from employers.models import Invitation, Invitee
from employers.selectors import invitation_token
from recipients import services
from recipients.models import Recipient
from tests.employers.factories import InvitationFactory
from tests.factories import OrganizationFactory, UserFactory, member
from tests.recipients.factories import RecipientFactory, registration_data

pytestmark = pytest.mark.django_db

REGISTER = reverse("me:recipients.register")


@pytest.fixture
def invitation():
    return InvitationFactory(
        invitee__first_name="Xiomara",
        invitee__last_name="Quintero",
        invitee__email="xiomara@example.org",
        invitee__phone="919-555-0142",
        invitee__date_of_birth=date(1948, 3, 9),
        invitee__organization__name="Triangle Manufacturing Co.",
    )


def link_url(invitation) -> str:
    return reverse("me:employers.invitation", kwargs={"token": invitation_token(invitation)})


def open_link(client, invitation):
    """Follow the e-mail's link: the landing page keeps it in the session, then registration."""
    return client.get(link_url(invitation), follow=True)


def secrets_of(invitation) -> list[str]:
    invitee = invitation.invitee
    return [invitee.first_name, invitee.last_name, invitee.email, invitee.phone, "1948-03-09", "Triangle"]


def shown(page, invitation) -> list[str]:
    return [secret for secret in secrets_of(invitation) if secret in page.content.decode()]


def send_code(client, django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        client.post(REGISTER, {"action": "send_code"})
    return re.search(r"^(\d{6})$", mail.outbox[-1].body, re.MULTILINE).group(1)


def test_a_vaccinator_signed_in_on_a_forwarded_link_is_told_and_sees_nothing_of_the_person(
    client, invitation
):
    vaccinator = member(OrganizationFactory(), Role.VACCINATOR, email="vax@clinic.example")
    client.force_login(vaccinator)

    page = open_link(client, invitation)
    posted = client.post(REGISTER, {})  # "Add the invitation to my record", as the old page offered
    registered = client.post(REGISTER, registration_data())

    text = page.content.decode()
    assert "You are signed in as vax@clinic.example, but this invitation was sent to another" in text
    assert f'action="{reverse("account_logout")}"' in text
    assert f'name="next" value="{link_url(invitation)}"' in text
    assert shown(page, invitation) == []
    assert shown(posted, invitation) == [] and shown(registered, invitation) == []
    assert not Recipient.objects.exists()
    invitation.refresh_from_db()
    assert (invitation.used_at, invitation.invitee.recipient_id) == (None, None)


def test_a_recipient_signed_in_with_another_address_can_not_add_someones_invitation(client, invitation):
    someone = RecipientFactory(user__email="someone@example.org")
    client.force_login(someone.user)
    open_link(client, invitation)

    client.post(REGISTER, {})

    assert list(someone.invited_by.all()) == []
    assert Invitation.objects.get(pk=invitation.pk).used_at is None
    assert not AuditEvent.objects.filter(action="recipients.recipient.invitation_linked").exists()


def test_after_signing_out_the_real_invitee_registers_with_the_same_link(
    client, invitation, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(roles=[Role.VACCINATOR]))
    open_link(client, invitation)

    back = client.post(reverse("account_logout"), {"next": link_url(invitation)}, follow=True)
    code = send_code(client, django_capture_on_commit_callbacks)
    client.post(REGISTER, {"action": "code", "code": code})
    response = client.post(REGISTER, registration_data())

    assert back.redirect_chain[-1][0] == REGISTER
    assert response.status_code == 302
    recipient = Recipient.objects.get()
    assert recipient.user.email == "xiomara@example.org"
    assert Invitee.objects.get(pk=invitation.invitee_id).status == InviteeStatus.REGISTERED


def test_before_proof_the_page_shows_nothing_the_organization_told_us(client, invitation):
    page = open_link(client, invitation)
    posted = client.post(REGISTER, registration_data())  # skipping the proof

    assert page.context["state"] == "prove"
    assert 'name="password1"' not in page.content.decode()  # no registration form yet
    assert shown(page, invitation) == []
    assert shown(posted, invitation) == []
    assert not User.objects.filter(email="xiomara@example.org").exists()
    assert Invitation.objects.get(pk=invitation.pk).used_at is None


def test_the_date_of_birth_on_the_roster_proves_the_link_and_then_the_form_is_prefilled(client, invitation):
    open_link(client, invitation)

    wrong = client.post(REGISTER, {"action": "birth_date", "date_of_birth": "1948-03-10"})
    right = client.post(REGISTER, {"action": "birth_date", "date_of_birth": "1948-03-09"}, follow=True)

    assert "This is not the date of birth your organization gave us." in wrong.content.decode()
    assert shown(wrong, invitation) == []
    assert right.context["form"].initial["first_name"] == "Xiomara"
    assert [e.data for e in AuditEvent.objects.filter(action="employers.invitation.proof_failed")] == [
        {"by": "date_of_birth"}
    ]
    client.post(REGISTER, registration_data())
    # The date of birth proves the person, not the mailbox: the address is confirmed later.
    assert not EmailAddress.objects.get(email="xiomara@example.org").verified


def test_dates_of_birth_can_not_be_guessed_beyond_a_few_tries(client, invitation):
    open_link(client, invitation)
    for day in range(10, 15):
        client.post(REGISTER, {"action": "birth_date", "date_of_birth": f"1948-03-{day}"})

    response = client.post(REGISTER, {"action": "birth_date", "date_of_birth": "1948-03-09"})

    assert "Too many dates were tried." in response.content.decode()
    assert response.context["state"] == "prove"


def test_the_code_goes_to_the_invited_address_only_and_proves_the_address(
    client, invitation, django_capture_on_commit_callbacks
):
    open_link(client, invitation)

    code = send_code(client, django_capture_on_commit_callbacks)
    wrong = client.post(REGISTER, {"action": "code", "code": "000000" if code != "000000" else "111111"})
    right = client.post(REGISTER, {"action": "code", "code": code}, follow=True)
    client.post(REGISTER, registration_data())

    assert mail.outbox[-1].to == ["xiomara@example.org"]
    assert "This is not the code we sent." in wrong.content.decode()
    assert right.context["form"].initial["last_name"] == "Quintero"
    assert EmailAddress.objects.get(email="xiomara@example.org").verified
    event = AuditEvent.objects.get(action="recipients.recipient.registered")
    assert event.data["proven_by"] == "email"


def test_a_code_is_refused_after_five_wrong_ones(client, invitation, django_capture_on_commit_callbacks):
    open_link(client, invitation)
    code = send_code(client, django_capture_on_commit_callbacks)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        client.post(REGISTER, {"action": "code", "code": wrong})

    response = client.post(REGISTER, {"action": "code", "code": code})

    assert "Too many wrong codes. Ask for a new one." in response.content.decode()
    assert response.context["state"] == "prove"


def test_the_service_uses_an_invitation_only_for_its_person(invitation):
    other = UserFactory(email="other@example.org")

    with pytest.raises(services.RegistrationRefused) as unproven:
        services.recipient_register_from_invitation(
            invitation=invitation, data=registration_data(), password="a-long-passphrase-1"
        )
    with pytest.raises(services.RegistrationRefused) as someone_else:
        services.recipient_register_from_invitation(invitation=invitation, data={}, password=None, user=other)

    assert (unproven.value.code, someone_else.value.code) == ("not_proven", "other_account")
    assert not Recipient.objects.exists()
    assert Invitation.objects.get(pk=invitation.pk).used_at is None


def test_the_proof_pages_and_the_code_speak_the_invitees_language(client, django_capture_on_commit_callbacks):
    invitation = InvitationFactory(invitee__language="es", invitee__email="lucia@example.org")

    page = open_link(client, invitation).content.decode()
    send_code(client, django_capture_on_commit_callbacks)
    wrong = client.post(REGISTER, {"action": "birth_date", "date_of_birth": "1900-01-02"}).content.decode()
    client.force_login(UserFactory(email="otra@example.org"))
    other = client.get(REGISTER).content.decode()

    assert "Escriba su fecha de nacimiento" in page and "Envíenme un código" in page
    assert "Esta no es la fecha de nacimiento que nos dio su organización." in wrong
    assert "Ha iniciado sesión como otra@example.org, pero esta invitación se envió a otra" in other
    assert "Cerrar la sesión y abrir la invitación" in other
    message = mail.outbox[-1]
    assert message.subject.startswith("Su código para registrarse:")
    assert "Escriba este código en la página de registro" in message.body
