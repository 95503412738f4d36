"""Counts that read right (issue 17: "invitation(s)")."""

from django.urls import reverse

from tests.employers.factories import InvitationFactory


def test_resending_one_invitation_says_one_invitation(client, employer, employer_admin):
    invitation = InvitationFactory(invitee__organization=employer)
    client.force_login(employer_admin)

    response = client.post(
        reverse("employer:employers.roster.resend"), {"invitee": [invitation.invitee_id]}, follow=True
    )

    assert "1 invitation will be sent again." in response.content.decode()
