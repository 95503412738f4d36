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
from employers.enums import InvitationProof, LinkState
from employers.interface import (
    INVITATION_SESSION_KEY,
    ProofRefused,
    invitation_by_token,
    invitation_code_send,
    invitation_held_by,
    invitation_prefill,
    invitation_prove_birth_date,
    invitation_prove_code,
)
from recipients import selectors, services
from recipients.forms import (
    BirthDateProofForm,
    CodeProofForm,
    ContactForm,
    PriorityGroupForm,
    RegistrationForm,
)
from recipients.views.mixins import RecipientRecordMixin

BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def _use_language(response, language: str):
    """Keep the person's language for the pages that follow (the language switcher's cookie)."""
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    return response


# Whether this session's holder of an invitation link proved it is theirs (employers' proof), and
# the code e-mailed to the invited address while it waits to be typed back.
PROOF_SESSION_KEY = "recipients.invitation_proof"
CODE_SESSION_KEY = "recipients.invitation_code"


class RegisterView(PublicView, TemplateView):
    """Registration from an invitation link (the landing page keeps its token in the session).

    Only the invitation's person may use it, and the page shows nothing the organization told us
    about them (name, date of birth, address) until its holder has proved it is theirs: signed in
    with the invited address, or by a code e-mailed there, or by the date of birth on the roster.
    Someone signed in with another account is told so and offered to sign out."""

    template_name = "recipients/register.html"
    redirects_on_get = True

    def dispatch(self, request, *args, **kwargs):
        self.token = request.GET.get("token") or request.session.get(INVITATION_SESSION_KEY)
        self.invitation = invitation_by_token(self.token) if self.token else None
        if self.invitation is not None and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            # Someone following a link for the first time sees the pages in the language their
            # organization gave for them.
            translation.activate(self.invitation.invitee.language)
            request.LANGUAGE_CODE = self.invitation.invitee.language
        return super().dispatch(request, *args, **kwargs)

    # --- Who holds the link ---------------------------------------------------------------------

    def proven_by(self) -> InvitationProof | None:
        """How the holder proved the invitation is theirs, or None."""
        user = self.request.user
        if user.is_authenticated and invitation_held_by(invitation=self.invitation, user=user):
            return InvitationProof.ACCOUNT
        proof = self.request.session.get(PROOF_SESSION_KEY) or {}
        return InvitationProof(proof["by"]) if proof.get("invitation") == self.invitation.pk else None

    def _other_account(self) -> bool:
        """Signed in with an account of another address than the invited one. (An account of the
        invited address not yet confirmed proves it like someone signed out.)"""
        user = self.request.user
        return (
            user.is_authenticated
            and self.proof != InvitationProof.ACCOUNT
            and user.email.lower() != self.invitation.invitee.email.lower()
        )

    def _proved(self, how: InvitationProof):
        self.request.session[PROOF_SESSION_KEY] = {"invitation": self.invitation.pk, "by": how.value}
        self.request.session.pop(CODE_SESSION_KEY, None)
        return redirect("me:recipients.register")

    # --- Pages ----------------------------------------------------------------------------------

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
        self.proof = self.proven_by()
        if self.proof is None or self._other_account():
            # Nothing about the invited person until the holder proves the link is theirs.
            if self._other_account():
                context["state"] = "other_account"
                context["invitation_url"] = reverse("me:employers.invitation", kwargs={"token": self.token})
            else:
                context["state"] = "prove"
                context["birth_date_form"] = BirthDateProofForm()
                context["code_form"] = CodeProofForm()
                context["code_sent"] = self._code_waiting()
            return {**context, **extra}
        context["organization"] = self.invitation.invitee.organization
        context["email"] = self.invitation.invitee.email
        if user.is_authenticated:
            context["existing"] = selectors.recipient_for_user(user)
        elif selectors.account_exists(self.invitation.invitee.email):
            context["state"] = "sign_in"
            context["login_url"] = f"{reverse('account_login')}?next={reverse('me:recipients.register')}"
        return {**context, **extra}

    def _code_waiting(self) -> bool:
        kept = self.request.session.get(CODE_SESSION_KEY) or {}
        return kept.get("invitation") == self.invitation.pk

    def get(self, request, *args, **kwargs):
        context = self._context()
        if context["state"] is None and not context.get("existing"):
            context["form"] = self._form()
        return self.render_to_response(context)

    def post(self, request, *args, **kwargs):
        context = self._context()
        if context["state"] == "prove":
            return self._prove(context)
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
                proven_by=self.proof,
                request=request,
            )
        except services.RegistrationRefused as refused:
            messages.error(request, str(refused))
            return self.render_to_response({**context, "form": form or self._form()})
        for key in (INVITATION_SESSION_KEY, PROOF_SESSION_KEY, CODE_SESSION_KEY):
            request.session.pop(key, None)
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

    # --- Proving the link is one's own ----------------------------------------------------------

    def _prove(self, context):
        """The holder types the date of birth on the roster, asks for a code by e-mail, or types
        that code back; proved, the page reloads with the registration form."""
        action = self.request.POST.get("action")
        try:
            if action == "birth_date":
                form = BirthDateProofForm(self.request.POST)
                context["birth_date_form"] = form
                if form.is_valid():
                    invitation_prove_birth_date(
                        invitation=self.invitation,
                        date_of_birth=form.cleaned_data["date_of_birth"],
                        request=self.request,
                    )
                    return self._proved(InvitationProof.DATE_OF_BIRTH)
            elif action == "send_code":
                self.request.session[CODE_SESSION_KEY] = invitation_code_send(
                    invitation=self.invitation, request=self.request
                )
                messages.info(self.request, _("We sent a code to the address your invitation was sent to."))
                return redirect("me:recipients.register")
            elif action == "code":
                form = CodeProofForm(self.request.POST)
                context["code_form"] = form
                if form.is_valid():
                    kept = self.request.session.get(CODE_SESSION_KEY)
                    try:
                        invitation_prove_code(
                            invitation=self.invitation,
                            code=form.cleaned_data["code"],
                            kept=kept,
                            request=self.request,
                        )
                    finally:
                        if kept is not None:
                            self.request.session[CODE_SESSION_KEY] = kept  # its count of tries
                    return self._proved(InvitationProof.EMAIL)
        except ProofRefused as refused:
            context["proof_error"] = str(refused)
        return self.render_to_response(context)


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
            "group_form",
            PriorityGroupForm(
                initial={
                    "priority_group": self.recipient.priority_group,
                    "occupation": self.recipient.occupation,
                },
                date_of_birth=self.recipient.date_of_birth,
            ),
        )
        context["recipient"] = self.recipient
        context["eligibility"] = selectors.eligibility(self.recipient)
        return context

    def post(self, request, *args, **kwargs):
        if "priority_group" in request.POST:
            group_form = PriorityGroupForm(data=request.POST, date_of_birth=self.recipient.date_of_birth)
            if not group_form.is_valid():
                return self.render_to_response(self.get_context_data(group_form=group_form))
            try:
                services.recipient_priority_group_set(
                    recipient=self.recipient,
                    group=group_form.cleaned_data["priority_group"],
                    by=request.user,
                    attested=group_form.cleaned_data["attested"],
                    detail=group_form.cleaned_data["occupation"],
                    request=request,
                )
            except services.GroupRefused as refused:
                group_form.add_error("priority_group", str(refused))
                return self.render_to_response(self.get_context_data(group_form=group_form))
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
