"""An organization's administrator manages its people: invitations, roles, vaccinators'
locations, removal. Everything is scoped to `request.organization`."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView, View

from cvms.access import EmployerPortalView, ProviderPortalView
from cvms.models import Membership
from cvms.roles import Portal, Role
from enrollment.enums import ColleagueInvitationStatus
from enrollment.forms import InviteForm, PersonForm
from enrollment.models import ColleagueInvitation
from enrollment.selectors import locations_for, people_of
from enrollment.services.errors import EnrollmentError
from enrollment.services.people import invitation_cancel, invitation_create, person_remove, person_update


class PeopleMixin:
    def url_name(self, name: str) -> str:
        return f"{self.portal.value}:enrollment.{name}"

    def get_membership(self) -> Membership:
        # Another organization's membership is a 404.
        return get_object_or_404(
            Membership.objects.select_related("user"),
            pk=self.kwargs["membership_pk"],
            organization=self.request.organization,
        )


class PeopleView(PeopleMixin, TemplateView):
    template_name = "enrollment/people/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organization = self.request.organization
        people = list(people_of(organization))
        context["people"] = people
        context["invitations"] = ColleagueInvitation.objects.filter(
            organization=organization, status=ColleagueInvitationStatus.PENDING
        )
        context["invite_form"] = InviteForm(organization=organization)
        context["portal_name"] = self.portal.value
        return context


class InviteView(PeopleMixin, FormView):
    template_name = "enrollment/people/invite.html"
    form_class = InviteForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "organization": self.request.organization}

    def form_valid(self, form):
        try:
            invitation_create(
                organization=self.request.organization,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=self.request.user,
                request=self.request,
            )
        except EnrollmentError as error:
            form.add_error("email", str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("The invitation is on its way to %(email)s.") % form.cleaned_data)
        return redirect(self.url_name("people"))


class PersonView(PeopleMixin, FormView):
    template_name = "enrollment/people/person.html"
    form_class = PersonForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "organization": self.request.organization}

    def get_initial(self):
        membership = self.get_membership()
        return {
            "role": membership.role,
            "locations": list(locations_for(membership.user, self.request.organization))
            if membership.role == Role.VACCINATOR
            else [],
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            membership=self.get_membership(), portal_name=self.portal.value, **kwargs
        )

    def form_valid(self, form):
        try:
            person_update(
                membership=self.get_membership(),
                role=form.cleaned_data["role"],
                locations=list(form.cleaned_data.get("locations") or []),
                by=self.request.user,
                request=self.request,
            )
        except EnrollmentError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect(self.url_name("people"))


class RemovePersonView(PeopleMixin, TemplateView):
    """GET asks for confirmation; POST removes the person's access."""

    template_name = "enrollment/people/remove.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            membership=self.get_membership(), portal_name=self.portal.value, **kwargs
        )

    def post(self, request, membership_pk: int):
        membership = self.get_membership()
        try:
            person_remove(membership=membership, by=request.user, request=request)
        except EnrollmentError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(email)s can no longer act for this organization.") % {"email": membership.user.email},
            )
        return redirect(self.url_name("people"))


class CancelInvitationView(PeopleMixin, View):
    http_method_names = ["post"]

    def post(self, request, colleague_invitation_pk: int):
        invitation = get_object_or_404(
            ColleagueInvitation, pk=colleague_invitation_pk, organization=request.organization
        )
        try:
            invitation_cancel(invitation=invitation, by=request.user, request=request)
        except EnrollmentError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The invitation is withdrawn."))
        return redirect(self.url_name("people"))


def people_views(portal: Portal) -> dict:
    gate = ProviderPortalView if portal == Portal.PROVIDER else EmployerPortalView
    admin = Role.PROVIDER_ADMIN if portal == Portal.PROVIDER else Role.EMPLOYER_ADMIN
    attrs = {"roles": frozenset({admin})}
    classes = {
        "people": PeopleView,
        "people.invite": InviteView,
        "people.person": PersonView,
        "people.remove": RemovePersonView,
        "people.invitation.cancel": CancelInvitationView,
    }
    prefix = portal.value.capitalize()
    return {name: type(f"{prefix}{cls.__name__}", (gate, cls), attrs) for name, cls in classes.items()}
