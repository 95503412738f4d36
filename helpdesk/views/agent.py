"""Pages for support agents: the queue, case work, requesters, articles, training sessions.

Agents reach only the cases of their teams' queues: any other case is a 404, for reading and
for changing it."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from cvms.access import HelpdeskPortalView
from cvms.roles import HELPDESK_AGENTS
from helpdesk import selectors, services
from helpdesk.enums import OPEN_STATUSES
from helpdesk.forms import (
    ArticleForm,
    AssignForm,
    MoveForm,
    NoteForm,
    QueueFilterForm,
    ResolveForm,
    StatusForm,
    TrainingForm,
)
from helpdesk.markdown import render_markdown
from helpdesk.models import Article


class AgentView(HelpdeskPortalView):
    roles = HELPDESK_AGENTS


class QueueView(AgentView, TemplateView):
    template_name = "helpdesk/queue.html"
    paginate_by = 25

    def get_context_data(self, **kwargs):
        form = QueueFilterForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        cases = selectors.agent_queue(
            self.request.user,
            status=filters.get("status", ""),
            priority=filters.get("priority", ""),
            older_than_days=filters.get("age", ""),
            search=filters.get("q", ""),
        )
        page = Paginator(cases, self.paginate_by).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            filter_form=form,
            page_obj=page,
            teams=selectors.agent_teams(self.request.user),
            **kwargs,
        )


class AgentCaseMixin:
    def get_case(self):
        return get_object_or_404(
            selectors.agent_cases(self.request.user).select_related(
                "team", "requester", "organization", "location"
            ),
            pk=self.kwargs["case_pk"],
        )


class AgentCaseDetailView(AgentView, AgentCaseMixin, TemplateView):
    template_name = "helpdesk/agent_case_detail.html"

    def get_context_data(self, **kwargs):
        case = self.get_case()
        initial = {"version": case.version}
        return super().get_context_data(
            case=case,
            profile=selectors.requester_profile(case.requester),
            notes=[(note, render_markdown(note.body)) for note in case.notes.select_related("author")],
            attachments=case.attachments.all(),
            events=case.events.select_related("actor"),
            note_form=NoteForm(),
            status_form=StatusForm(initial={**initial, "status": case.status}),
            assign_form=AssignForm(initial={**initial, "assignee": case.assignee_id}, case=case),
            move_form=MoveForm(initial=initial, case=case),
            resolve_form=ResolveForm(initial=initial),
            is_open=case.status in OPEN_STATUSES,
            **kwargs,
        )


class CaseActionView(AgentView, AgentCaseMixin, View):
    """A POST that changes a case: bind the form, call the service, say what happened."""

    http_method_names = ["post"]
    form_class = None
    success_message = ""

    def get_form(self, case):
        return self.form_class(self.request.POST)

    def post(self, request, case_pk: int):
        case = self.get_case()
        form = self.get_form(case)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        else:
            try:
                case = self.act(case, form.cleaned_data) or case
            except services.HelpdeskError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, self.get_success_message(case))
        return self.redirect_after(case)

    def get_success_message(self, case) -> str:
        return self.success_message

    def redirect_after(self, case):
        return redirect("help:queue.case", case_pk=case.pk)


class CaseNoteView(CaseActionView):
    form_class = NoteForm
    success_message = gettext_lazy("Note added.")

    def act(self, case, data):
        services.case_note_add(
            case=case, body=data["body"], is_internal=data["is_internal"], by=self.request.user
        )


class CaseStatusView(CaseActionView):
    form_class = StatusForm
    success_message = gettext_lazy("Status changed.")

    def act(self, case, data):
        services.case_status_change(
            case=case, status=data["status"], version=data["version"], by=self.request.user
        )


class CaseAssignView(CaseActionView):
    form_class = AssignForm
    success_message = gettext_lazy("Assignment changed.")

    def get_form(self, case):
        return AssignForm(self.request.POST, case=case)

    def act(self, case, data):
        services.case_assign(
            case=case, assignee=data["assignee"], version=data["version"], by=self.request.user
        )


class CaseMoveView(CaseActionView):
    form_class = MoveForm

    def get_form(self, case):
        return MoveForm(self.request.POST, case=case)

    def act(self, case, data):
        return services.case_move(
            case=case, team=data["team"], version=data["version"], by=self.request.user, request=self.request
        )

    def get_success_message(self, case) -> str:
        return _("The case is in %(team)s's queue now.") % {"team": case.team.name}

    def redirect_after(self, case):
        # An agent who is not in the new team can no longer open the case: back to their queue.
        if not selectors.agent_cases(self.request.user).filter(pk=case.pk).exists():
            return redirect("help:queue")
        return super().redirect_after(case)


class CaseResolveView(CaseActionView):
    form_class = ResolveForm
    success_message = gettext_lazy("The case is resolved; the requester has been e-mailed.")

    def act(self, case, data):
        services.case_resolve(
            case=case, note=data["note"], version=data["version"], by=self.request.user, request=self.request
        )


class RequesterDetailView(AgentView, TemplateView):
    """Who a requester is for the helpdesk: code, organization, open cases. Nothing of any
    recipient's health record is reachable from here (the helpdesk app can't import it)."""

    template_name = "helpdesk/requester_detail.html"

    def get_context_data(self, **kwargs):
        requester = get_object_or_404(
            selectors.requesters_for_agent(self.request.user), pk=self.kwargs["requester_pk"]
        )
        open_cases = selectors.requester_cases(requester).filter(status__in=OPEN_STATUSES)
        queue_ids = set(
            selectors.agent_cases(self.request.user).filter(requester=requester).values_list("pk", flat=True)
        )
        return super().get_context_data(
            requester=requester,
            profile=selectors.requester_profile(requester),
            open_cases=open_cases,
            queue_ids=queue_ids,
            **kwargs,
        )


class ArticleCreateView(AgentView, FormView):
    template_name = "helpdesk/article_form.html"
    form_class = ArticleForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.get_article()
        return kwargs

    def get_initial(self):
        # "Add a translation" on an article: the new article translates it, in the other language.
        value = self.request.GET.get("translation_of", "")
        original = Article.objects.filter(pk=value).first() if value.isdigit() else None
        if original is None or self.get_article() is not None:
            return super().get_initial()
        other = next(code for code, _name in settings.LANGUAGES if code != original.language)
        return {"translation_of": original, "category": original.category, "language": other}

    def get_article(self):
        return None

    def form_valid(self, form):
        article = services.article_save(article=self.get_article(), by=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("The article is saved."))
        return redirect("help:kb.article", article_pk=article.pk)


class ArticleEditView(ArticleCreateView):
    def get_article(self):
        if not hasattr(self, "_article"):
            self._article = get_object_or_404(Article, pk=self.kwargs["article_pk"])
        return self._article

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # The form only validates; the service writes (with a fresh copy of the article).
        kwargs["instance"] = Article.objects.get(pk=self.get_article().pk)
        return kwargs


class TrainingCreateView(AgentView, FormView):
    template_name = "helpdesk/training_form.html"
    form_class = TrainingForm

    def form_valid(self, form):
        try:
            services.training_publish(by=self.request.user, **form.cleaned_data)
        except services.HelpdeskError as error:
            form.add_error("starts_at", str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("The training session is published."))
        return redirect("help:training")
