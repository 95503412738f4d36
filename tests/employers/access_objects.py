"""Objects that the employers app's URLs point at (see tests/access_matrix.py)."""

from cvms.roles import Portal
from employers.selectors import invitation_token
from tests.employers.factories import InvitationFactory, InviteeFactory, RosterUploadFactory


def _home(personas, portal):
    return personas.organizations["home_provider" if portal == Portal.PROVIDER else "home_employer"]


def upload(personas, portal):
    return RosterUploadFactory(organization=_home(personas, portal)).pk


def invitation(personas, portal):
    return InvitationFactory(invitee=InviteeFactory(organization=_home(personas, portal))).pk


def token(personas, portal):
    """A valid link (the landing page is public: everyone gets an answer)."""
    return invitation_token(
        InvitationFactory(invitee=InviteeFactory(organization=personas.organizations["home_employer"]))
    )


BUILDERS = {"upload_pk": upload, "invitation_pk": invitation, "token": token}
