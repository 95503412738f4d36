"""Pages of the help portal open to everyone: registration, knowledge base, user guides."""

from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from cvms.access import PublicView
from cvms.inputs import search_text
from cvms.net import client_ip
from cvms.ratelimit import attempt_allowed
from cvms.roles import Portal
from helpdesk import selectors, services
from helpdesk.enums import Category
from helpdesk.forms import RegistrationForm
from helpdesk.guides import GUIDES, guide_pdf_request
from helpdesk.markdown import render_markdown
from helpdesk.models import Article


def reader_language() -> str:
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]


class HelpPublicView(PublicView):
    portal = Portal.HELPDESK


class RegisterView(HelpPublicView, FormView):
    template_name = "helpdesk/register.html"
    form_class = RegistrationForm

    def post(self, request, *args, **kwargs):
        # Counted before validation, so that guessing codes costs attempts too.
        email = request.POST.get("email", "").strip().lower()
        by_ip = attempt_allowed(
            scope="register-ip",
            key=client_ip(request) or "",
            limit=settings.HELPDESK_REGISTRATION_LIMIT_PER_IP,
            period=3600,
        )
        by_email = not email or attempt_allowed(
            scope="register-email",
            key=email,
            limit=settings.HELPDESK_REGISTRATION_LIMIT_PER_EMAIL,
            period=3600,
        )
        if not (by_ip and by_email):
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, _("Too many registration attempts. Please wait an hour and try again."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            services.requester_register(
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                email=form.cleaned_data["email"],
                code=form.cleaned_data["code"],
                language=translation.get_language() or settings.LANGUAGE_CODE,
                request=self.request,
            )
        except services.HelpdeskError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        # The same answer whether or not the address already had an account (its owner is told
        # by e-mail), so that this page doesn't say who is registered.
        messages.success(
            self.request,
            _("Thank you. We sent an e-mail to %(email)s with what you need to sign in.")
            % {"email": form.cleaned_data["email"]},
        )
        return redirect("account_login")


class ArticleListView(HelpPublicView, TemplateView):
    template_name = "helpdesk/article_list.html"

    def get_context_data(self, **kwargs):
        query = search_text(self.request)
        category = self.request.GET.get("category", "")
        articles = selectors.article_search(
            query, language=reader_language(), category=category if category in Category.values else ""
        )
        page = Paginator(articles, 20).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            page_obj=page, query=query, category=category, categories=Category.choices, **kwargs
        )


class ArticleDetailView(HelpPublicView, TemplateView):
    template_name = "helpdesk/article_detail.html"

    def get_context_data(self, **kwargs):
        article = get_object_or_404(Article, pk=self.kwargs["article_pk"], is_published=True)
        # The version in the reader's language when there is one; else this one, marked.
        article = selectors.article_version_for(article, reader_language())
        return super().get_context_data(
            article=article,
            body=render_markdown(article.body),
            untranslated=article.language != reader_language(),
            **kwargs,
        )


class ArticleSuggestView(HelpPublicView, View):
    """Articles matching a case's subject, for the intake form (JSON)."""

    def get(self, request):
        subject = request.GET.get("subject", "")[:200]
        found = selectors.article_suggestions(subject, language=reader_language())
        return JsonResponse(
            {
                "articles": [
                    {"title": article.title, "url": reverse("help:kb.article", args=[article.pk])}
                    for article in found
                ]
            }
        )


class GuideListView(HelpPublicView, TemplateView):
    template_name = "helpdesk/guide_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(guides=GUIDES.values(), **kwargs)


def _guide(slug: str):
    guide = GUIDES.get(slug)
    if guide is None or not guide.path.exists():
        raise Http404
    return guide


class GuideDetailView(HelpPublicView, TemplateView):
    template_name = "helpdesk/guide_detail.html"

    def get_context_data(self, **kwargs):
        guide = _guide(self.kwargs["guide_slug"])
        language = guide.language_for()
        return super().get_context_data(
            guide=guide,
            body=guide.html(language),
            guide_language=language,
            untranslated=language != reader_language(),
            **kwargs,
        )


class GuidePdfView(HelpPublicView, TemplateView):
    """The guide's PDF, once a PDF worker has typeset it; until then a page that asks for it and
    refreshes by itself (`?wait=1`), then offers the download."""

    template_name = "helpdesk/guide_pdf_wait.html"

    def get(self, request, *args, guide_slug: str, **kwargs):
        guide = _guide(guide_slug)
        language = guide.language_for()
        name = guide.pdf_name(language)
        ready = default_storage.exists(name)
        if ready and not request.GET.get("wait"):
            return FileResponse(
                default_storage.open(name, "rb"),
                as_attachment=True,
                filename=f"cvms-guide-{guide.slug}.pdf",
                content_type="application/pdf",
            )
        if not ready:
            guide_pdf_request(guide, language)
        return self.render_to_response(self.get_context_data(guide=guide, ready=ready))
