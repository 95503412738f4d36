"""The invitation link a colleague receives by e-mail."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from cvms.access import PublicView
from cvms.roles import organization_portal
from enrollment.services.errors import EnrollmentError
from enrollment.services.people import invitation_accept, invitation_from_token


class InvitationView(PublicView, TemplateView):
    """Anyone with the link sees what it offers; accepting needs the invited address, signed in
    and confirmed (a new colleague signs up first, then opens the link again)."""

    template_name = "enrollment/invitation.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            context["invitation"] = invitation_from_token(self.kwargs["token"])
        except EnrollmentError as error:
            context["problem"] = str(error)
        return context

    def post(self, request, token: str):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            invitation = invitation_from_token(token)
            membership = invitation_accept(invitation=invitation, user=request.user, request=request)
        except EnrollmentError as error:
            messages.error(request, str(error))
            return redirect(request.get_full_path())
        messages.success(request, _("You now act for %(name)s.") % {"name": membership.organization.name})
        return redirect(f"{organization_portal(membership.organization.kind).value}:dashboard")
