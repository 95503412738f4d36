"""The recipient's own pages: registration (from an invitation, or by oneself) and their details."""

from copy import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from cvms.access import PublicView, RecipientPortalView
from employers.enums import LinkState
from employers.interface import INVITATION_SESSION_KEY, invitation_by_token, invitation_prefill
from recipients import selectors, services
from recipients.forms import ContactForm, PriorityGroupForm, RegistrationForm
from recipients.views.mixins import RecipientRecordMixin

BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def _use_language(response, language: str):
    """Keep the person's language for the pages that follow (the language switcher's cookie)."""
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    return response


class RegisterView(PublicView, TemplateView):
    """Registration from an invitation link (the landing page keeps its token in the session)."""

    template_name = "recipients/register.html"
    redirects_on_get = True

    def dispatch(self, request, *args, **kwargs):
        token = request.GET.get("token") or request.session.get(INVITATION_SESSION_KEY)
        self.invitation = invitation_by_token(token) if token else None
        if self.invitation is not None and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            # Someone following a link for the first time sees the pages in the language their
            # organization gave for them.
            translation.activate(self.invitation.invitee.language)
            request.LANGUAGE_CODE = self.invitation.invitee.language
        return super().dispatch(request, *args, **kwargs)

    def _form(self, data=None):
        prefill = invitation_prefill(self.invitation)
        initial = {
            "first_name": prefill["first_name"],
            "last_name": prefill["last_name"],
            "date_of_birth": prefill["date_of_birth"],
            "phone": prefill["phone"],
            "occupation": prefill["occupation"],
            "language": prefill["language"],
            "priority_group": prefill["priority_group"],
            "state": "NC",
        }
        return RegistrationForm(
            data=data, initial=initial, with_password=not self.request.user.is_authenticated
        )

    def _context(self, **extra):
        context = {"invitation": self.invitation, "state": None}
        if self.invitation is None:
            context["state"] = "missing"
            context["self_registration_open"] = selectors.self_registration_open()
            return {**context, **extra}
        state = self.invitation.link_state()
        if state != LinkState.VALID:
            context["state"] = state
            return {**context, **extra}
        user = self.request.user
        context["organization"] = self.invitation.invitee.organization
        context["email"] = self.invitation.invitee.email
        if user.is_authenticated:
            context["existing"] = selectors.recipient_for_user(user)
        elif selectors.account_exists(self.invitation.invitee.email):
            context["state"] = "sign_in"
            context["login_url"] = f"{reverse('account_login')}?next={reverse('me:recipients.register')}"
        return {**context, **extra}

    def get(self, request, *args, **kwargs):
        context = self._context()
        if context["state"] is None and not context.get("existing"):
            context["form"] = self._form()
        return self.render_to_response(context)

    def post(self, request, *args, **kwargs):
        context = self._context()
        if context["state"] is not None:
            return self.render_to_response(context)
        form = None
        data = {}
        if not context.get("existing"):
            form = self._form(data=request.POST)
            if not form.is_valid():
                return self.render_to_response({**context, "form": form})
            data = form.cleaned_data
        try:
            recipient = services.recipient_register_from_invitation(
                invitation=self.invitation,
                data=data,
                password=data.get("password1"),
                user=request.user if request.user.is_authenticated else None,
                request=request,
            )
        except services.RegistrationRefused as refused:
            messages.error(request, str(refused))
            return self.render_to_response({**context, "form": form or self._form()})
        request.session.pop(INVITATION_SESSION_KEY, None)
        if not request.user.is_authenticated:
            login(request, recipient.user, backend=BACKEND)
        with translation.override(recipient.language):
            if context.get("existing"):
                messages.success(
                    request,
                    _("The invitation from %(organization)s is now on your record.")
                    % {"organization": context["organization"].name},
                )
            else:
                messages.success(request, _("You are registered. Welcome!"))
        return _use_language(redirect("me:dashboard"), recipient.language)


class SelfRegisterView(PublicView, TemplateView):
    """Registration without an invitation, when the state has opened it."""

    template_name = "recipients/self_register.html"
    redirects_on_get = True

    def _context(self, **extra):
        user = self.request.user
        context = {"is_open": selectors.self_registration_open(), "groups": selectors.priority_groups()}
        if user.is_authenticated:
            context["existing"] = selectors.recipient_for_user(user)
        context["signup_url"] = f"{reverse('account_signup')}?next={reverse('me:recipients.self_register')}"
        context["login_url"] = f"{reverse('account_login')}?next={reverse('me:recipients.self_register')}"
        return {**context, **extra}

    def _can_register(self, context) -> bool:
        return context["is_open"] and self.request.user.is_authenticated and not context.get("existing")

    def get(self, request, *args, **kwargs):
        context = self._context()
        if self._can_register(context):
            context["form"] = RegistrationForm(
                initial={"state": "NC", "language": translation.get_language()}, group_required=True
            )
        return self.render_to_response(context)

    def post(self, request, *args, **kwargs):
        context = self._context()
        if not request.user.is_authenticated:
            return redirect(context["login_url"])
        form = RegistrationForm(data=request.POST, group_required=True)
        if not form.is_valid():
            return self.render_to_response({**context, "form": form})
        try:
            recipient = services.recipient_self_register(
                user=request.user, data=form.cleaned_data, request=request
            )
        except services.RegistrationRefused as refused:
            messages.error(request, str(refused))
            return self.render_to_response(self._context())
        with translation.override(recipient.language):
            messages.success(request, _("You are registered."))
            messages.info(request, selectors.eligibility(recipient)["message"])
        return _use_language(redirect("me:dashboard"), recipient.language)


class ProfileView(RecipientRecordMixin, RecipientPortalView, TemplateView):
    """The person's details: what they registered with (read only), their contact details
    (editable), and their eligibility."""

    template_name = "recipients/profile.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ContactForm(instance=self.recipient))
        context.setdefault(
            "group_form", PriorityGroupForm(initial={"priority_group": self.recipient.priority_group})
        )
        context["recipient"] = self.recipient
        context["eligibility"] = selectors.eligibility(self.recipient)
        return context

    def post(self, request, *args, **kwargs):
        if "priority_group" in request.POST:
            group_form = PriorityGroupForm(data=request.POST)
            if not group_form.is_valid():
                return self.render_to_response(self.get_context_data(group_form=group_form))
            services.recipient_priority_group_set(
                recipient=self.recipient,
                group=group_form.cleaned_data["priority_group"],
                by=request.user,
                request=request,
            )
            messages.info(request, selectors.eligibility(self.recipient)["message"])
            return redirect("me:recipients.profile")
        form = ContactForm(
            data=request.POST, instance=copy(self.recipient)
        )  # a refused form leaves the record as it was
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        services.recipient_update_contact(
            recipient=self.recipient, data=form.cleaned_data, by=request.user, request=request
        )
        with translation.override(self.recipient.language):
            messages.success(request, _("Your details are saved."))
        return _use_language(redirect("me:recipients.profile"), self.recipient.language)
