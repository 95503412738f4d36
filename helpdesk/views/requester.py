"""Pages for requesters (providers and organizations asking for help), and the attachment
download that requesters and agents share."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from cvms.access import HelpdeskPortalView
from cvms.roles import HELPDESK_CASE_PARTIES, HELPDESK_REQUESTERS, TRAINING_ATTENDEES, TRAINING_AUDIENCE
from helpdesk import selectors, services
from helpdesk.enums import Status
from helpdesk.forms import IntakeForm, ReplyForm, SetPasswordForm
from helpdesk.hooks import SESSION_KEY
from helpdesk.markdown import render_markdown
from helpdesk.models import CaseAttachment, TrainingSession, TrainingSignup


class PasswordSetView(HelpdeskPortalView, FormView):
    """The first sign-in: replace the e-mailed temporary password. Anyone else changes their
    password on the account page (which asks for the current one)."""

    roles = HELPDESK_REQUESTERS
    redirects_on_get = True
    template_name = "helpdesk/password_set.html"
    form_class = SetPasswordForm

    def check_access(self, request):
        answer = super().check_access(request)
        if answer is not None:
            return answer
        profile = selectors.requester_profile(request.user)
        if profile is None or not profile.must_change_password:
            request.session.pop(SESSION_KEY, None)
            return redirect("account_change_password")
        return None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        services.requester_password_set(
            user=self.request.user, password=form.cleaned_data["password1"], request=self.request
        )
        update_session_auth_hash(self.request, self.request.user)
        self.request.session.pop(SESSION_KEY, None)
        messages.success(self.request, _("Your password is set."))
        return redirect("help:dashboard")


class CaseListView(HelpdeskPortalView, TemplateView):
    roles = HELPDESK_REQUESTERS
    template_name = "helpdesk/case_list.html"

    def get_context_data(self, **kwargs):
        page = Paginator(selectors.requester_cases(self.request.user), 20).get_page(
            self.request.GET.get("page")
        )
        return super().get_context_data(page_obj=page, **kwargs)


class CaseCreateView(HelpdeskPortalView, FormView):
    roles = HELPDESK_REQUESTERS
    template_name = "helpdesk/case_form.html"
    form_class = IntakeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            case = services.case_file(
                requester=self.request.user,
                category=data["category"],
                priority=data["priority"],
                subject=data["subject"],
                description=data["description"],
                location=data.get("location"),
                county=data.get("county"),
                organization_name=data.get("organization_name", ""),
                attachments=data["attachments"],
                request=self.request,
            )
        except services.HelpdeskError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Case %(reference)s is filed; the %(team)s team will answer you here and by e-mail.")
            % {"reference": case.reference, "team": case.team.name},
        )
        return redirect("help:case", case_pk=case.pk)


class RequesterCaseMixin:
    def get_case(self):
        return get_object_or_404(selectors.requester_cases(self.request.user), pk=self.kwargs["case_pk"])


class CaseDetailView(HelpdeskPortalView, RequesterCaseMixin, TemplateView):
    roles = HELPDESK_REQUESTERS
    template_name = "helpdesk/case_detail.html"

    def get_context_data(self, **kwargs):
        case = self.get_case()
        notes = case.notes.filter(is_internal=False).select_related("author")
        deadline = services.reopen_deadline(case)
        can_reply = case.status != Status.CLOSED and (
            case.status != Status.RESOLVED or timezone.now() <= deadline
        )
        return super().get_context_data(
            case=case,
            notes=[(note, render_markdown(note.body)) for note in notes],
            attachments=case.attachments.all(),
            reply_form=kwargs.pop("reply_form", None) or ReplyForm(),
            can_reply=can_reply,
            reopen_deadline=deadline,
            **kwargs,
        )


class CaseReplyView(HelpdeskPortalView, RequesterCaseMixin, View):
    roles = HELPDESK_REQUESTERS
    http_method_names = ["post"]

    def post(self, request, case_pk: int):
        case = self.get_case()
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.case_reply(
                    case=case,
                    body=form.cleaned_data["body"],
                    attachments=form.cleaned_data["attachments"],
                    by=request.user,
                    request=request,
                )
            except services.HelpdeskError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Your reply is sent."))
                return redirect("help:case", case_pk=case.pk)
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return redirect("help:case", case_pk=case.pk)


class AttachmentView(HelpdeskPortalView, View):
    """A case's file, to its requester and to the agents of its team (404 for anyone else).
    Always sent as a download with its checked type, never rendered in the page."""

    roles = HELPDESK_CASE_PARTIES

    def get(self, request, attachment_pk: int):
        attachment = get_object_or_404(
            CaseAttachment, pk=attachment_pk, case__in=selectors.visible_cases(request.user)
        )
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        return FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )


class TrainingListView(HelpdeskPortalView, TemplateView):
    """Live training sessions that agents publish; providers sign up for them."""

    roles = TRAINING_AUDIENCE
    template_name = "helpdesk/training_list.html"

    def get_context_data(self, **kwargs):
        sessions = TrainingSession.objects.filter(starts_at__gte=timezone.now()).order_by("starts_at", "id")
        page = Paginator(sessions, 20).get_page(self.request.GET.get("page"))
        mine = set(
            TrainingSignup.objects.filter(user=self.request.user, session__in=page.object_list).values_list(
                "session_id", flat=True
            )
        )
        return super().get_context_data(page_obj=page, signed_up=mine, **kwargs)


class TrainingSignupView(HelpdeskPortalView, View):
    roles = TRAINING_ATTENDEES
    http_method_names = ["post"]

    def post(self, request, session_pk: int):
        session = get_object_or_404(TrainingSession, pk=session_pk)
        try:
            services.training_signup(session=session, by=request.user)
        except services.HelpdeskError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("You are signed up for “%(topic)s”. We will remind you by e-mail the day before.")
                % {"topic": session.topic},
            )
        return redirect("help:training")
