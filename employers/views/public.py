"""The page an invitation link opens (no sign-in: the link is the key)."""

from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.views.generic import TemplateView

from cvms.access import PublicView
from employers import selectors
from employers.enums import LinkState
from employers.services.progress import invitation_open

# The recipients app's registration page; until it exists, the landing page says that
# registration opens here.
REGISTRATION_URL = "me:recipients.register"


class InvitationLandingView(PublicView, TemplateView):
    """A valid link is noted as opened and leads to registration; any other link gets one page
    that says it no longer works and how to get a new one, the same whoever it was for."""

    # A valid link redirects to registration once the recipients app provides it.
    redirects_on_get = True

    def get(self, request, token):
        invitation = selectors.invitation_by_token(token)
        state = invitation.link_state() if invitation is not None else LinkState.INVALID
        if state != LinkState.VALID:
            response = self.render_to_response({"state": state}, status=200)
            response.template_name = "employers/invitation_invalid.html"
            return response
        invitation_open(invitation=invitation, request=request)
        request.session[selectors.INVITATION_SESSION_KEY] = token
        try:
            return redirect(reverse(REGISTRATION_URL))
        except NoReverseMatch:
            return self.render_to_response({"organization": invitation.invitee.organization})

    template_name = "employers/invitation_landing.html"
